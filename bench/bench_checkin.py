"""A festival burst of check-ins against a running server, beside the raw rate of durable writes.

On a fresh database (PostgreSQL when DATABASE_URL names one: a new database `<name>_checkin` on
that server, dropped afterwards; otherwise a temporary SQLite file with the app's pragmas):

1. a subprocess migrates it and creates, through the bulk paths, a shift happening now with
   `clients × per_client` people signed up, each with an API token;
2. gunicorn serves the app on 127.0.0.1 (2 workers, gthread); `clients` concurrent clients
   (100; --quick: 20), each on its own keep-alive connection, check in `per_client` people one
   after another: `POST /api/v1/checkin` with the shift's current QR code
   (qingshe.duty.qr.make_token) and the person's bearer token. Check-ins per second over the
   burst, p50/p95 latency;
3. the baseline, same database, same number of concurrent connections: single-row INSERTs into
   a small table made for it, each committed in its own transaction (SQLite: threads with their
   own sqlite3 connections, WAL, synchronous=NORMAL, BEGIN IMMEDIATE, 20 s busy timeout, as the
   app; PostgreSQL: psycopg connections in autocommit). ratio = app rate / raw rate;
4. the database must then hold exactly one attendance per (person, shift): "lost" and
   "doubled" count the exceptions (asserted zero), and every request must have answered 200.

Everything is bounded: the server is started in its own process group and stopped at the end,
every wait has a timeout, only 127.0.0.1 is used.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

KEY = "checkin"
ROOT = Path(__file__).resolve().parent.parent
FIELD_KEY = "bench-field-key-qingshe"
WORKERS = 2
THREADS = int(os.environ.get("BENCH_CHECKIN_THREADS", "4"))


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def _pg_admin(url: str, dbname: str = "postgres") -> Any:
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        urlunsplit(parts._replace(path=f"/{dbname}")), autocommit=True, connect_timeout=10
    )


class Database:
    """A fresh database for the run, and its removal."""

    def __init__(self) -> None:
        env_url = os.environ.get("DATABASE_URL", "")
        self.tmp = Path(tempfile.mkdtemp(prefix="qingshe-bench-checkin-"))
        if _is_postgres(env_url):
            self.vendor = "postgresql"
            base = urlsplit(env_url).path.lstrip("/") or "bench_qs"
            self.name = f"{base}_checkin"
            self.url = urlunsplit(urlsplit(env_url)._replace(path=f"/{self.name}"))
            with _pg_admin(env_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self._admin_url = env_url
        else:
            self.vendor = "sqlite"
            self.path = self.tmp / "checkin.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def drop(self) -> None:
        if self.vendor == "postgresql":
            with _pg_admin(self._admin_url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- plain connections for the baseline and the final count ------------------------------
    def connect(self) -> Any:
        if self.vendor == "postgresql":
            import psycopg

            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        conn = sqlite3.connect(self.path, timeout=20, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def insert_one(self, conn: Any, k: int) -> None:
        if self.vendor == "postgresql":
            conn.execute("INSERT INTO bench_raw_write (k, at) VALUES (%s, now())", (k,))
        else:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench_raw_write (k, at) VALUES (?, CURRENT_TIMESTAMP)", (k,))
            conn.execute("COMMIT")


def _env(db: Database, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="qingshe.settings",
        DATABASE_URL=db.url,
        SECRET_KEY=secret,
        QINGSHE_FIELD_KEY=FIELD_KEY,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        PYTHONPATH=str(ROOT),
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _burst(port: int, world: dict[str, Any], clients: int, per_client: int) -> dict[str, Any]:
    from qingshe.duty import qr

    barrier = threading.Barrier(clients + 1)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    tokens: list[str] = world["tokens"]

    def client(c: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        codes: list[int] = []
        try:
            barrier.wait(timeout=60)
            for k in range(per_client):
                bearer = tokens[c * per_client + k]
                code = qr.make_token(shift_id=world["shift_id"], shift_secret=world["shift_secret"])
                body = json.dumps({"token": code})
                started = time.perf_counter()
                conn.request(
                    "POST",
                    "/api/v1/checkin",
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        "Authorization": f"Bearer {bearer}",
                    },
                )
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                codes.append(response.status)
        except Exception:  # noqa: BLE001 - counted as a failure below
            codes.append(-1)
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)
                for s in codes:
                    statuses[s] = statuses.get(s, 0) + 1

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(clients)]
    for t in threads:
        t.start()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for t in threads:
        t.join(timeout=120)
    seconds = time.perf_counter() - started
    assert not any(t.is_alive() for t in threads), "a client is still running after 120 s"
    latencies.sort()
    return {
        "seconds": seconds,
        "ok": statuses.get(200, 0),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1)
        if latencies
        else None,
    }


def _raw_writes(db: Database, connections: int, total: int) -> dict[str, Any]:
    setup = db.connect()
    if db.vendor == "postgresql":
        setup.execute(
            "CREATE TABLE bench_raw_write (id bigserial PRIMARY KEY, k integer NOT NULL, at timestamptz NOT NULL)"
        )
    else:
        setup.execute(
            "CREATE TABLE bench_raw_write (id integer PRIMARY KEY AUTOINCREMENT, k integer NOT NULL, at text NOT NULL)"
        )
    setup.close()
    per = total // connections
    conns = [db.connect() for _ in range(connections)]
    barrier = threading.Barrier(connections + 1)
    errors: list[str] = []

    def writer(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            for k in range(per):
                db.insert_one(conns[i], i * per + k)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for t in threads:
        t.join(timeout=120)
    seconds = time.perf_counter() - started
    for c in conns:
        c.close()
    check = db.connect()
    rows = check.execute("SELECT COUNT(*) FROM bench_raw_write").fetchone()[0]
    check.close()
    assert not errors and rows == per * connections, (errors[:3], rows)
    return {"seconds": seconds, "rows": rows, "per_second": rows / seconds}


def _count(db: Database, shift_id: int, expected_users: list[int]) -> dict[str, int]:
    conn = db.connect()
    sql = "SELECT user_id, COUNT(*) FROM duty_attendance WHERE shift_id = ? GROUP BY user_id"
    if db.vendor == "postgresql":
        sql = sql.replace("?", "%s")
    rows = conn.execute(sql, (shift_id,)).fetchall()
    conn.close()
    counts = {int(u): int(n) for u, n in rows}
    return {
        "attendances": sum(counts.values()),
        "lost": sum(1 for u in expected_users if counts.get(u, 0) == 0),
        "doubled": sum(n - 1 for n in counts.values() if n > 1),
        "strangers": sum(1 for u in counts if u not in set(expected_users)),
    }


def run(*, quick: bool) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshe.test_settings")
    from django.conf import settings

    secret = settings.SECRET_KEY  # the parent signs the QR codes with the server's key
    clients, per_client = (20, 5) if quick else (100, 10)
    people = clients * per_client
    db = Database()
    server: subprocess.Popen[bytes] | None = None
    try:
        env = _env(db, secret)
        started = time.perf_counter()
        prep = subprocess.run(
            [sys.executable, "-m", "bench.bench_checkin", "prepare", str(people)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if prep.returncode != 0:
            raise RuntimeError(prep.stderr[-3000:])
        world = json.loads(prep.stdout.strip().splitlines()[-1])
        prepare_seconds = time.perf_counter() - started
        port = _free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "qingshe.wsgi",
                "-w",
                str(WORKERS),
                "-k",
                "gthread",
                "--threads",
                str(THREADS),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_up(port, server)
        # Every worker and thread opens its database connection on a first request, not in the burst.
        warm = [threading.Thread(target=_get, args=(port,)) for _ in range(WORKERS * THREADS)]
        for t in warm:
            t.start()
        for t in warm:
            t.join(timeout=30)
        app = _burst(port, world, clients, per_client)
        _stop(server)
        server = None
        counted = _count(db, world["shift_id"], world["users"])
        raw_connections = clients if db.vendor == "sqlite" else min(clients, 80)
        raw = _raw_writes(db, raw_connections, people)
    finally:
        if server is not None:
            _stop(server)
        db.drop()
    rate = app["ok"] / app["seconds"]
    assert app["ok"] == people, app["statuses"]
    assert counted["lost"] == 0 and counted["doubled"] == 0 and counted["strangers"] == 0, counted
    return {
        "db": db.vendor,
        "server": f"gunicorn {WORKERS} workers × {THREADS} threads (gthread), 127.0.0.1",
        "clients": clients,
        "checkins": people,
        "checkins_per_second": round(rate, 1),
        "p50_ms": app["p50_ms"],
        "p95_ms": app["p95_ms"],
        "statuses": app["statuses"],
        "baseline_raw_inserts_per_second": round(raw["per_second"], 1),
        "baseline_connections": raw_connections,
        "baseline_rows": raw["rows"],
        "ratio": round(rate / raw["per_second"], 3),
        "target_ratio": 0.4,
        "lost": counted["lost"],
        "doubled": counted["doubled"],
        "attendances": counted["attendances"],
        "prepare_seconds": round(prepare_seconds, 1),
    }


def _get(port: int) -> None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/v1/openapi.json")
        conn.getresponse().read()
        conn.close()
    except OSError:
        pass


# --- the subprocess that builds the world (in the server's settings and database) ---------------
def _prepare(people: int) -> dict[str, Any]:
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    from qingshe.accounts.models import ApiToken
    from qingshe.accounts.services import NewPerson, user_create, users_bulk_create
    from qingshe.duty import services
    from qingshe.duty.models import SignUp
    from qingshe.orgs.models import OrgKind, Role
    from qingshe.orgs.services import membership_grant, org_create

    city = org_create(actor=None, kind=OrgKind.CITY_COMMITTEE, name="基准市团委")
    district = org_create(
        actor=None, kind=OrgKind.DISTRICT_COMMITTEE, name="基准区团委", parent=city
    )
    street = org_create(actor=None, kind=OrgKind.STREET, name="基准街道", parent=district)
    community = org_create(actor=None, kind=OrgKind.COMMUNITY, name="基准社区", parent=street)
    staff = user_create(name="基准社工", phone="13900000000", password=None)
    membership_grant(actor=None, user=staff, org=community, role=Role.COMMUNITY_STAFF)
    activity = services.activity_create(
        actor=staff,
        organiser=community,
        title="邻里节（基准）",
        mode="stage",
        requires_insurance=False,
    )
    now = timezone.now()
    shift = services.shift_add(
        actor=staff,
        activity=activity,
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=3),
        capacity=people,
    )
    users = users_bulk_create(
        actor=None,
        people=[
            NewPerson(name=f"志愿者{i:04d}", volunteer_no=f"QSB{i:07d}", phone=f"1390{i + 1:07d}")
            for i in range(people)
        ],
        source="bench",
    )
    SignUp.objects.bulk_create(
        [
            SignUp(shift=shift, user=u, state=SignUp.State.CONFIRMED, queue_no=i + 1)
            for i, u in enumerate(users)
        ]
    )
    raw = [f"bench-{i}-{hashlib.sha256(os.urandom(16)).hexdigest()}" for i in range(people)]
    expires = now + timedelta(hours=2)
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, digest=hashlib.sha256(t.encode()).hexdigest(), expires_at=expires)
            for u, t in zip(users, raw, strict=True)
        ]
    )
    return {
        "shift_id": shift.pk,
        "shift_secret": shift.qr_secret,
        "tokens": raw,
        "users": [u.pk for u in users],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        sys.stdout.write(json.dumps(_prepare(int(sys.argv[2]))) + "\n")
