"""`qingshe backup` and `qingshe restore` (qingshe.core.backup): the demo city round-trips with the
same rows in every table and the same `qingshe check-ledgers` report, on SQLite and on PostgreSQL;
uploaded files come back; a missing, foreign, damaged or unconfirmed restore is refused with a
clear error and leaves the database and the media as they were."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from qingshe.core import backup
from qingshe.core.models import AuditEvent
from qingshe.credit.models import LedgerEntry
from qingshe.demo.builder import build_demo

TODAY = date(2026, 11, 22)
SMALL = 0.05


def _ledger_report() -> str:
    out = StringIO()
    try:
        call_command("check-ledgers", stdout=out)
    except CommandError as exc:
        return out.getvalue() + f"ERROR {exc}"
    return out.getvalue()


def _backup(tmp_path: Path, *args: str) -> Path:
    out = StringIO()
    call_command("backup", "--output-dir", str(tmp_path / "backups"), *args, stdout=out)
    assert "备份完成" in out.getvalue()
    (path,) = (tmp_path / "backups").glob("qingshe-backup-*.tar")
    return path


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "needs" / "photos").mkdir(parents=True)
    (settings.MEDIA_ROOT / "needs" / "photos" / "楼道.jpg").write_bytes(b"\xff\xd8photo")
    (settings.MEDIA_ROOT / "cases").mkdir()
    (settings.MEDIA_ROOT / "cases" / "report.pdf").write_bytes(b"%PDF-1.7 case")
    return settings.MEDIA_ROOT


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def _damage(media: Path) -> None:
    """What happens after a backup: a ledger row edited behind the services' back, new rows,
    a file removed and one added."""
    entry = LedgerEntry.objects.order_by("pk").first()
    assert entry is not None
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {LedgerEntry._meta.db_table} SET hours = hours + 1 WHERE id = %s",  # noqa: S608
            [entry.pk],
        )
    AuditEvent.objects.create(action="after.backup")
    (media / "needs" / "photos" / "楼道.jpg").unlink()
    (media / "stray.txt").write_text("written after the backup")


def _round_trip(tmp_path: Path, media: Path) -> None:
    build_demo(seed=2026, size=SMALL, today=TODAY, log=lambda _line: None)
    assert LedgerEntry.objects.exists()
    counts, report, files = backup.row_counts(), _ledger_report(), _files(media)
    assert "0 problem(s)" in report
    path = _backup(tmp_path)
    with tarfile.open(path) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["engine"] == connection.vendor and manifest["tables"] == counts
    assert manifest["media_files"] == len(files) >= 2  # the demo's photos and the two above

    _damage(media)
    assert backup.row_counts() != counts and _ledger_report() != report

    out = StringIO()
    call_command("restore", str(path), "--yes", stdout=out)
    assert "恢复完成" in out.getvalue()
    assert backup.row_counts() == counts
    assert _ledger_report() == report
    assert not AuditEvent.objects.filter(action="after.backup").exists()
    assert (media / "needs" / "photos" / "楼道.jpg").read_bytes() == b"\xff\xd8photo"
    assert not (media / "stray.txt").exists()
    assert _files(media) == files
    assert not list(media.parent.glob(".media-restore-*"))


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite round trip (PostgreSQL: below)"
)
def test_demo_city_round_trips_on_sqlite(
    transactional_db: Any, tmp_path: Path, media: Path
) -> None:
    _round_trip(tmp_path, media)


@pytest.mark.postgres
def test_demo_city_round_trips_on_postgres(
    transactional_db: Any, tmp_path: Path, media: Path
) -> None:
    assert connection.vendor == "postgresql"
    _round_trip(tmp_path, media)


# --- bad input: nothing is touched ----------------------------------------------------------
@pytest.fixture
def saved(transactional_db: Any, city: Any, tmp_path: Path, media: Path) -> Any:
    """A backup of the test city, then one more row and one more file that a refused restore
    must leave in place."""
    path = _backup(tmp_path)
    AuditEvent.objects.create(action="after.backup")
    (media / "stray.txt").write_text("kept")
    return path, backup.row_counts()


def _untouched(counts: dict[str, int], media: Path) -> None:
    assert backup.row_counts() == counts
    assert AuditEvent.objects.filter(action="after.backup").exists()
    assert (media / "stray.txt").read_text() == "kept"
    assert (media / "needs" / "photos" / "楼道.jpg").exists()


def _refused(path: Path, *args: str) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(path), *args, stdout=StringIO())
    return str(exc.value)


def _rewrite(src: Path, dest: Path, change: Any) -> Path:
    """A copy of the backup with `change(name, data) -> (name, data) | None` applied per member."""
    with tarfile.open(src) as tar, tarfile.open(dest, "w") as out:
        for m in tar.getmembers():
            f = tar.extractfile(m)
            changed = change(m.name, f.read() if f else b"")
            if changed is None:
                continue
            info = tarfile.TarInfo(changed[0])
            info.size = len(changed[1])
            out.addfile(info, io.BytesIO(changed[1]))
    return dest


def test_restore_without_yes_is_refused(saved: Any, media: Path) -> None:
    path, counts = saved
    assert "请加 --yes" in _refused(path)
    _untouched(counts, media)


def test_a_missing_file_is_refused(saved: Any, media: Path, tmp_path: Path) -> None:
    _, counts = saved
    assert "备份文件不存在" in _refused(tmp_path / "nope.tar", "--yes")
    _untouched(counts, media)


def test_a_file_that_is_no_archive_is_refused(saved: Any, media: Path, tmp_path: Path) -> None:
    _, counts = saved
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\x00\x13garbage" * 400)
    assert "无法读取备份文件" in _refused(junk, "--yes")
    _untouched(counts, media)


def test_a_truncated_archive_is_refused(saved: Any, media: Path, tmp_path: Path) -> None:
    path, counts = saved
    cut = tmp_path / "cut.tar"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    message = _refused(cut, "--yes")
    assert "损坏" in message or "无法读取" in message
    _untouched(counts, media)


def test_a_damaged_database_is_refused_by_its_checksum(
    saved: Any, media: Path, tmp_path: Path
) -> None:
    path, counts = saved

    def flip(name: str, data: bytes) -> tuple[str, bytes]:
        if name.startswith("database."):
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
        return name, data

    bad = _rewrite(path, tmp_path / "flipped.tar", flip)
    assert "校验和不符" in _refused(bad, "--yes")
    _untouched(counts, media)


def test_another_tar_or_another_engine_is_refused(saved: Any, media: Path, tmp_path: Path) -> None:
    path, counts = saved
    foreign = tmp_path / "foreign.tar"
    with tarfile.open(foreign, "w") as tar:
        info = tarfile.TarInfo("notes.txt")
        tar.addfile(info, io.BytesIO(b""))
    assert "缺少有效的清单" in _refused(foreign, "--yes")

    def other_engine(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["engine"] = "postgresql" if connection.vendor == "sqlite" else "sqlite"
            data = json.dumps(manifest).encode()
        return name, data

    assert "不能恢复" in _refused(_rewrite(path, tmp_path / "engine.tar", other_engine), "--yes")
    _untouched(counts, media)


def test_an_unsafe_member_name_is_refused(saved: Any, media: Path, tmp_path: Path) -> None:
    path, counts = saved

    def escape(name: str, data: bytes) -> tuple[str, bytes]:
        return ("media/../../evil.txt", data) if name.startswith("media/cases") else (name, data)

    assert "不安全的条目" in _refused(_rewrite(path, tmp_path / "escape.tar", escape), "--yes")
    assert not (tmp_path.parent / "evil.txt").exists()
    _untouched(counts, media)


def test_backup_without_media_leaves_the_media_alone_on_restore(
    saved: Any, media: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "no-media"
    call_command("backup", "--output-dir", str(out_dir), "--no-media", stdout=StringIO())
    (path,) = out_dir.glob("*.tar")
    with tarfile.open(path) as tar:
        assert [n for n in tar.getnames() if n.startswith("media/")] == []
    call_command("restore", str(path), "--yes", stdout=StringIO())
    assert (media / "stray.txt").read_text() == "kept"


def test_an_archive_missing_media_files_is_refused(saved: Any, media: Path, tmp_path: Path) -> None:
    path, counts = saved
    dropped = _rewrite(
        path, tmp_path / "dropped.tar", lambda n, d: None if n.startswith("media/cases") else (n, d)
    )
    assert "不完整" in _refused(dropped, "--yes")
    _untouched(counts, media)
