"""Backups of the whole installation: the database and the uploaded files, in one tar file.

`qingshe backup` writes `qingshe-backup-<UTC time>.tar` holding
- `manifest.json`: format and version, the database engine, when, the SHA-256 of the database
  member, the number of rows of every table and of media files;
- the database: SQLite copied with the online backup API (`sqlite3.Connection.backup`, so the
  copy is consistent while the site keeps running), or PostgreSQL dumped by `pg_dump -Fc`;
- `media/…`: every file under MEDIA_ROOT.

`qingshe restore FILE --yes` checks the whole file first (a tar of this format, the engine of the
current database, the checksum, SQLite's integrity check or `pg_restore --list`, safe member
names) and only then replaces the database (SQLite: the backup API again, in one step;
PostgreSQL: `pg_restore --clean --if-exists --single-transaction`, so a failure changes nothing)
and then MEDIA_ROOT (extracted beside it and swapped in). A file that fails a check leaves the
database and the media untouched.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

FORMAT = "qingshe-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (Chinese / English)."""


@dataclass(frozen=True)
class RestoreResult:
    engine: str
    created_at: str
    tables: int
    rows: int
    media_files: int


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in DB_MEMBERS:
        raise BackupError(f"不支持的数据库：{vendor} / unsupported database: {vendor}")
    return vendor


def row_counts(alias: str = "default") -> dict[str, int]:
    """{table: rows} of every table of the database (Django's and the apps')."""
    connection = connections[alias]
    out: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            out[table] = int(cursor.fetchone()[0])
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _pg_env(alias: str) -> dict[str, str]:
    s = connections[alias].settings_dict
    env = dict(os.environ)
    for key, name in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if s.get(key):
            env[name] = str(s[key])
    env["PGDATABASE"] = str(s["NAME"])
    return env


def _run(args: list[str], *, env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(
            f"找不到 {args[0]}，请安装 postgresql-client / {args[0]} not found: install postgresql-client"
        ) from exc
    if done.returncode != 0:
        # Only the tool's own message: the environment (with the password) is never shown.
        raise BackupError(f"{what}失败 / {what} failed: {done.stderr.strip()[-2000:]}")
    return done


# --- backup -------------------------------------------------------------------------------------
def default_dir() -> Path:
    return Path(settings.VAR_DIR) / "backups" if hasattr(settings, "VAR_DIR") else Path("backups")


def _target(directory: Path, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"qingshe-backup-{stamp}.tar"
    n = 1
    while path.exists():  # two backups in one second
        n += 1
        path = directory / f"qingshe-backup-{stamp}-{n}.tar"
    return path


def _dump_sqlite(alias: str, dest: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        # Django's own connection as the source: the same database the site uses (a file, or
        # the in-memory database of the tests), copied consistently while others keep writing.
        connection.connection.backup(target)
    finally:
        target.close()


def _dump_postgres(alias: str, dest: Path) -> None:
    _run(
        ["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(dest)],
        env=_pg_env(alias),
        what="pg_dump ",
    )


def backup(*, directory: Path | None = None, alias: str = "default", media: bool = True) -> Path:
    """Write a backup into `directory` (default var/backups/) and return its path."""
    engine = _engine(alias)
    directory = Path(directory or default_dir())
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = _target(directory, now)
    counts = row_counts(alias)
    with tempfile.TemporaryDirectory(prefix="qingshe-backup-", dir=directory) as tmp:
        db_file = Path(tmp) / DB_MEMBERS[engine]
        (_dump_sqlite if engine == "sqlite" else _dump_postgres)(alias, db_file)
        media_files = _media_files() if media else []
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "engine": engine,
            "created_at": now.isoformat(),
            "database": {
                "member": db_file.name,
                "sha256": _sha256(db_file),
                "size": db_file.stat().st_size,
            },
            "tables": counts,
            "media_included": media,
            "media_files": len(media_files),
        }
        partial = path.with_suffix(".tar.part")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=db_file.name)
            root = _media_root()
            for f in media_files:
                tar.add(f, arcname=MEDIA_PREFIX + f.relative_to(root).as_posix(), recursive=False)
        partial.replace(path)  # a backup file exists only once it is whole
    return path


def _media_files() -> list[Path]:
    root = _media_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


# --- restore ------------------------------------------------------------------------------------
def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
        f = tar.extractfile(member)
        manifest = json.loads(f.read()) if f else None
    except (KeyError, ValueError, tarfile.TarError) as exc:
        raise BackupError("备份文件缺少有效的清单 / the backup has no valid manifest") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("这不是青社的备份文件 / not a Qingshe backup")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"不支持的备份版本：{manifest.get('version')} / unsupported backup version"
        )
    return manifest


def _check_members(tar: tarfile.TarFile, db_member: str) -> list[tarfile.TarInfo]:
    """Every member is the manifest, the database, or a regular file under media/ with a safe
    relative name; returns the media members."""
    media: list[tarfile.TarInfo] = []
    for m in tar.getmembers():
        if m.name in (MANIFEST, db_member):
            continue
        parts = Path(m.name).parts
        if (
            not m.name.startswith(MEDIA_PREFIX)
            or Path(m.name).is_absolute()
            or ".." in parts
            or not m.isfile()
        ):
            raise BackupError(
                f"备份文件含有不安全的条目：{m.name} / unsafe member in the backup: {m.name}"
            )
        media.append(m)
    return media


def _check_sqlite_copy(path: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA integrity_check").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(
            f"备份中的数据库已损坏 / the database in the backup is corrupt: {exc}"
        ) from exc
    if not result or result[0] != "ok":
        raise BackupError(f"备份中的数据库已损坏 / the database in the backup is corrupt: {result}")


def _restore_sqlite(alias: str, path: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("不能在事务中恢复 / cannot restore inside a transaction")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        # Into Django's connection, all pages in one step: others see the old database or the
        # new one, never a mixture.
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgres(alias: str, path: Path) -> None:
    env = _pg_env(alias)
    connections[alias].close()  # our own idle connection must not hold locks on what is dropped
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "-d",
            env["PGDATABASE"],
            str(path),
        ],
        env=env,
        what="pg_restore ",
    )


def _swap_media(tar: tarfile.TarFile, members: list[tarfile.TarInfo]) -> None:
    root = _media_root()
    root.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=root.parent))
    try:
        for m in members:
            # The "data" filter refuses links, devices and names escaping the folder (again).
            tar.extract(
                m.replace(name=m.name[len(MEDIA_PREFIX) :], deep=False), fresh, filter="data"
            )
        old = root.with_name(root.name + ".before-restore")
        if old.exists():
            shutil.rmtree(old)
        if root.exists():
            root.rename(old)
        fresh.rename(root)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if fresh.exists():
            shutil.rmtree(fresh, ignore_errors=True)


def restore(
    path: Path, *, alias: str = "default", log: Callable[[str], None] = lambda _s: None
) -> RestoreResult:
    """Check the backup at `path` whole, then replace the database and the media with it."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path} / no such backup file: {path}")
    engine = _engine(alias)
    try:
        tar = tarfile.open(path, "r:")  # noqa: SIM115 (closed by the `with tar` below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(
            f"无法读取备份文件（不是 tar 归档或已损坏）：{path} / not a readable backup archive"
        ) from exc
    with tar, tempfile.TemporaryDirectory(prefix="qingshe-restore-") as tmp:
        try:
            tar.getmembers()  # reads the whole index: a truncated file fails here
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(
                f"备份文件已损坏或不完整：{path} / the backup file is damaged or incomplete"
            ) from exc
        try:
            manifest = _read_manifest(tar)
            if manifest.get("engine") != engine:
                raise BackupError(
                    f"备份来自 {manifest.get('engine')} 数据库，当前数据库是 {engine}，不能恢复 / "
                    f"the backup is of a {manifest.get('engine')} database, this one is {engine}"
                )
            db = manifest.get("database") or {}
            member = DB_MEMBERS[engine]
            if db.get("member") != member:
                raise BackupError("备份清单与内容不符 / the manifest does not match the backup")
            media = _check_members(tar, member)
            if manifest.get("media_included", True) and len(media) != manifest.get("media_files"):
                raise BackupError(
                    "备份文件不完整：媒体文件数与清单不符 / the backup is incomplete: media files missing"
                )
            tar.extract(tar.getmember(member), tmp, filter="data")
        except (KeyError, tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(
                f"备份文件已损坏，无法读取：{exc} / the backup file is damaged"
            ) from exc
        db_file = Path(tmp) / member
        if _sha256(db_file) != db.get("sha256"):
            raise BackupError(
                "备份文件已损坏：数据库校验和不符 / the backup is damaged: database checksum mismatch"
            )
        if engine == "sqlite":
            _check_sqlite_copy(db_file)
        else:
            _run(
                ["pg_restore", "--list", str(db_file)],
                env=_pg_env(alias),
                what="pg_restore --list ",
            )
        log(
            f"备份已核对 / backup checked: {manifest['created_at']}, {len(manifest.get('tables', {}))} tables, {len(media)} media files"
        )
        (_restore_sqlite if engine == "sqlite" else _restore_postgres)(alias, db_file)
        log("数据库已恢复 / database restored")
        if manifest.get("media_included", True):
            _swap_media(tar, media)
            log("媒体文件已恢复 / media restored")
        else:
            log(
                "备份不含媒体文件，现有媒体文件保持不变 / the backup has no media: media left as they are"
            )
    tables = manifest.get("tables") or {}
    return RestoreResult(
        engine=engine,
        created_at=str(manifest["created_at"]),
        tables=len(tables),
        rows=sum(int(v) for v in tables.values()),
        media_files=len(media),
    )
