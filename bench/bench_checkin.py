"""A festival burst of check-ins against a running server, beside the raw rate of durable writes.

On a fresh database (PostgreSQL when DATABASE_URL names one: a new database `<name>_checkin` on
that server, dropped afterwards; otherwise a temporary SQLite file with the app's pragmas):

1. a subprocess migrates it and creates, through the bulk paths, a shift happening now with
   `clients × per_client` people signed up, each with two API tokens (one for the check-in
   burst, one for the floor, so that both pay a first use of their token);
2. gunicorn serves the app on 127.0.0.1 (options in SERVER_OPTIONS, stated in the JSON) and is
   warmed up (every worker thread has answered requests, including check-ins refused with 409,
   before the burst: a running server, not a cold one);
3. the burst: `clients` concurrent clients (100; --quick: 20), each on its own keep-alive
   connection with one request in flight, check in `per_client` people one after another:
   `POST /api/v1/checkin` with the shift's current QR code (qingshe.duty.qr.make_token, the code
   on the leader's screen: one per 30-second window) and the person's bearer token. The clients
   are driven by one selector loop in this process (like wrk), not 100 Python threads, so that
   the load generator takes little of the CPU the server shares with it (its CPU is reported).
   Check-ins per second over the burst, p50/p95 latency, CPU per check-in of the server's
   processes, of the client and (PostgreSQL) of the database server's processes;
4. the floor, same clients and connections: `POST /api/v1/checkin` with a malformed code and a
   fresh bearer token: the whole stack (gunicorn, middleware, ninja, bearer authentication with
   its first-use write) answering 422 before any duty work. It bounds what any check-in can do
   on this stack;
5. the baseline, same database, same number of concurrent connections: single-row INSERTs into
   a small table made for it, each committed in its own transaction (SQLite: threads with their
   own sqlite3 connections, WAL, synchronous=NORMAL, BEGIN IMMEDIATE, 20 s busy timeout, as the
   app; PostgreSQL: psycopg connections in autocommit, the server's own durability settings,
   which are reported). ratio = app rate / raw rate;
6. the database must then hold exactly one attendance per (person, shift): "lost" and
   "doubled" count the exceptions (asserted zero), and every check-in must have answered 200.

Everything is bounded: the server is started in its own process group and stopped at the end,
every wait has a timeout, only 127.0.0.1 is used.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import selectors
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
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

KEY = "checkin"
ROOT = Path(__file__).resolve().parent.parent
FIELD_KEY = "bench-field-key-qingshe"
WORKERS = int(os.environ.get("BENCH_CHECKIN_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_CHECKIN_THREADS", "8"))
# --preload: the app is imported once, before the workers fork (less CPU at start on 2 cores).
SERVER_OPTIONS = ["-w", str(WORKERS), "-k", "gthread", "--threads", str(THREADS), "--timeout", "60", "--preload"]  # fmt: skip
BURST_TIMEOUT = 300.0
# A cheap request through the whole stack (URL resolution, middleware, ninja: 405 with the API's
# error body), used to see the server up and to warm every worker thread.
WARM_PATH = "/api/v1/checkin"
# How the database is built: the full mode replays the migrations, as a deployment does; the quick
# mode creates the same tables and indexes from the models, so that it fits in seconds.
SCHEMA = {False: "migrations", True: "models"}


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

    def durability(self) -> dict[str, str]:
        """The settings that decide what a commit costs, as the server has them."""
        if self.vendor == "postgresql":
            conn = self.connect()
            try:
                return {
                    name: str(conn.execute(f"SHOW {name}").fetchone()[0])
                    for name in ("synchronous_commit", "fsync", "wal_sync_method", "commit_delay")
                }
            finally:
                conn.close()
        return {"journal_mode": "wal", "synchronous": "normal"}

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


def shared_cache(tmp: Path) -> str:
    """The cache all the server's processes share, as in production (README: Redis): Redis on
    127.0.0.1:6379 when it answers (keys under a prefix of this run), else a file cache in the
    run's folder. The page cache (qingshe.core.page_cache) and the rate limits need one."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return f"redis://127.0.0.1:6379/0?key_prefix=qsbench{os.getpid()}{int(time.time())}"
    except OSError:
        pass
    return f"filecache://{tmp / 'cache'}"


def _env(db: Database, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CACHE_URL=shared_cache(db.tmp),
        DJANGO_SETTINGS_MODULE="qingshe.settings",
        DATABASE_URL=db.url,
        SECRET_KEY=secret,
        QINGSHE_FIELD_KEY=FIELD_KEY,
        # Production settings refuse to start without a certificate signing key: a throwaway one.
        QINGSHE_SIGNING_KEYS=f"bench={base64.b64encode(os.urandom(32)).decode()}",
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


def _wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", WARM_PATH)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


# --- CPU accounting (Linux /proc; None elsewhere) ------------------------------------------------
def _cpu_seconds(match: Callable[[int, str, int], bool]) -> float | None:
    """User + system CPU of the live processes for which match(pid, comm, pgid) holds."""
    if not os.path.isdir("/proc"):
        return None
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        if match(int(entry), comm, int(fields[2])):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float | None:
    """CPU time the whole machine spent busy (all CPUs), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU spent between start() and stop() by the server's process group, this process (the
    client), on PostgreSQL the database server's processes (all of its sessions), and by the
    rest of the machine ("others": other people's work on a shared machine competes for the
    same CPUs, so the figures are read with it)."""

    def __init__(self, server_pgid: int, postgres: bool) -> None:
        self.server = lambda: _cpu_seconds(lambda pid, comm, pgid: pgid == server_pgid)
        self.db = (
            (lambda: _cpu_seconds(lambda pid, comm, pgid: comm == "postgres")) if postgres else None
        )

    def start(self) -> None:
        self._s, self._c = self.server(), time.process_time()
        self._d = self.db() if self.db else None
        self._m, self._t = _machine_busy_seconds(), time.perf_counter()

    def stop(self, requests: int) -> dict[str, float | None]:
        s, c, d = self.server(), time.process_time(), self.db() if self.db else None
        m, seconds = _machine_busy_seconds(), time.perf_counter() - self._t

        def per(a: float | None, b: float | None) -> float | None:
            return (
                None
                if a is None or b is None or not requests
                else round(1000 * (b - a) / requests, 3)
            )

        out = {"server": per(self._s, s), "client": per(self._c, c), "database": per(self._d, d)}
        if m is not None and self._m is not None and None not in (out["server"], out["client"]):
            ours = (out["server"] or 0) + (out["client"] or 0) + (out["database"] or 0)
            out["others"] = round(max(per(self._m, m) or 0.0, ours) - ours, 3)
            out["machine_busy_share"] = round((m - self._m) / seconds / (os.cpu_count() or 1), 2)
        return out


# --- the clients ---------------------------------------------------------------------------------
def _request(path: str, body: bytes, bearer: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {bearer}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _response_complete(buf: bytes) -> tuple[int, int] | None:
    """(status, bytes used) when `buf` holds a whole HTTP/1.1 response, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = buf[:end].split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    start = end + 4
    if b"content-length" in headers:
        stop = start + int(headers[b"content-length"])
        return (status, stop) if len(buf) >= stop else None
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        pos = start
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(buf[pos:eol].split(b";")[0], 16)
            pos = eol + 2 + size + 2
            if len(buf) < pos:
                return None
            if size == 0:
                return status, pos
    return status, start


def _burst(
    port: int, clients: int, per_client: int, build: Callable[[int, int], bytes], expect: int = 200
) -> dict[str, Any]:
    """`clients` keep-alive connections, one request in flight on each, `per_client` requests
    one after another per connection; build(c, k) makes client c's k-th request when it is sent."""
    sel = selectors.DefaultSelector()
    conns: dict[socket.socket, dict[str, Any]] = {}
    for c in range(clients):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setblocking(False)
        conns[sock] = {"c": c, "k": 0, "buf": b"", "t0": 0.0}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    samples: list[str] = []  # the first few unexpected answers, for the report
    answered: dict[tuple[int, int], int] = {}
    hits = 0  # answers served from the page cache (qingshe.core.page_cache's header)

    def send(sock: socket.socket) -> None:
        state = conns[sock]
        data = build(state["c"], state["k"])
        state["t0"], state["buf"] = time.perf_counter(), b""
        sock.setblocking(True)
        sock.sendall(data)
        sock.setblocking(False)

    started = time.perf_counter()
    for sock in conns:
        send(sock)
        sel.register(sock, selectors.EVENT_READ)
    remaining = len(conns)
    deadline = time.monotonic() + BURST_TIMEOUT
    while remaining:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the burst did not finish within {BURST_TIMEOUT:.0f} s")
        for key, _ in sel.select(timeout=5):
            sock = key.fileobj  # type: ignore[assignment]
            state = conns[sock]
            try:
                chunk = sock.recv(65536)
            except ConnectionError:
                chunk = b""
            done = _response_complete(state["buf"] + chunk) if chunk else None
            state["buf"] += chunk
            if chunk and done is None:
                continue
            if done is None:  # the server closed the connection mid-burst
                statuses[-1] = statuses.get(-1, 0) + per_client - state["k"]
            else:
                latencies.append(time.perf_counter() - state["t0"])
                statuses[done[0]] = statuses.get(done[0], 0) + 1
                answered[(state["c"], state["k"])] = done[0]
                head = state["buf"][: state["buf"].find(b"\r\n\r\n")].lower()
                hits += b"\r\nx-qingshe-page-cache: hit" in head
                if done[0] != expect and len(samples) < 5:
                    samples.append(
                        state["buf"][: done[1]]
                        .split(b"\r\n\r\n", 1)[-1][:300]
                        .decode(errors="replace")
                    )
                state["k"] += 1
                if state["k"] < per_client:
                    send(sock)
                    continue
            sel.unregister(sock)
            sock.close()
            remaining -= 1
    seconds = time.perf_counter() - started
    sel.close()
    latencies.sort()
    return {
        "seconds": seconds,
        "ok": statuses.get(200, 0),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unexpected": samples,
        "answered": answered,
        "page_cache_hits": hits,
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1)
        if latencies
        else None,
    }


class CodeOnScreen:
    """The shift's current code, as the leader's screen shows it: one per 30-second window."""

    def __init__(self, shift_id: int, shift_secret: str) -> None:
        self.shift_id, self.shift_secret = shift_id, shift_secret
        self._window, self._body = -1, b""

    def body(self) -> bytes:
        from qingshe.duty import qr

        window = int(time.time() // qr.WINDOW_SECONDS)
        if window != self._window:
            code = qr.make_token(shift_id=self.shift_id, shift_secret=self.shift_secret)
            self._window, self._body = window, json.dumps({"token": code}).encode()
        return self._body


def _warm_up(port: int, world: dict[str, Any], code: CodeOnScreen) -> None:
    """Every worker thread answers requests before the burst: the schema, and check-ins by the
    staff member, who has no place on the shift (409, through the whole check-in path)."""
    threads = []
    for _ in range(4 * WORKERS * THREADS):
        threads.append(threading.Thread(target=_get, args=(port,)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    n = 2 * WORKERS * THREADS
    _burst(port, n, 4, lambda c, k: _request("/api/v1/checkin", code.body(), world["staff_token"]))


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
    clients, per_client = (20, 10) if quick else (100, 30)
    people = clients * per_client
    db = Database()
    server: subprocess.Popen[bytes] | None = None
    try:
        env = _env(db, secret)
        started = time.perf_counter()
        prep = subprocess.run(
            [sys.executable, "-m", "bench.bench_checkin", "prepare", str(people), SCHEMA[quick]],
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
        phases: dict[str, float] = {}
        mark = time.perf_counter()

        def phase(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            phases[name] = round(now - mark, 1)
            mark = now

        port = _free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "qingshe.wsgi",
                *SERVER_OPTIONS,
                "-b",
                f"127.0.0.1:{port}",
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
        phase("server_start")
        code = CodeOnScreen(world["shift_id"], world["shift_secret"])
        _warm_up(port, world, code)
        phase("warm_up")
        cpu = CpuMeter(server.pid, db.vendor == "postgresql")

        def checkin(c: int, k: int) -> bytes:
            return _request("/api/v1/checkin", code.body(), world["tokens"][c * per_client + k])

        cpu.start()
        app = _burst(port, clients, per_client, checkin)
        app_cpu = cpu.stop(people)
        phase("burst")
        # Lost: told 200 but not stored. Refused (e.g. a code expired while the request waited
        # under overload) must not be stored either; the person would simply scan again.
        told_ok = [
            world["users"][c * per_client + k]
            for (c, k), st in app["answered"].items()
            if st == 200
        ]
        counted = _count(db, world["shift_id"], told_ok)

        malformed = json.dumps({"token": "not-a-code"}).encode()

        def floor_request(c: int, k: int) -> bytes:
            return _request("/api/v1/checkin", malformed, world["floor_tokens"][c * per_client + k])

        cpu.start()
        floor = _burst(port, clients, per_client, floor_request, expect=422)
        floor_cpu = cpu.stop(people)
        phase("floor")
        _stop(server)
        server = None
        phase("server_stop")
        raw_connections = clients if db.vendor == "sqlite" else min(clients, 80)
        raw = _raw_writes(db, raw_connections, people)
        durability = db.durability()
        phase("baseline")
    finally:
        if server is not None:
            _stop(server)
        db.drop()
    rate = app["ok"] / app["seconds"]
    floor_rate = floor["statuses"].get("422", 0) / floor["seconds"]
    assert counted["lost"] == 0 and counted["doubled"] == 0 and counted["strangers"] == 0, counted
    return {
        "db": db.vendor,
        "durability": durability,
        "server": f"gunicorn {' '.join(SERVER_OPTIONS)} (gthread), 127.0.0.1, {os.cpu_count()} CPUs shared with the database and the client",
        "client": f"one selector loop, {clients} keep-alive connections, one request in flight on each",
        "clients": clients,
        "checkins": people,
        "checkins_per_second": round(rate, 1),
        "p50_ms": app["p50_ms"],
        "p95_ms": app["p95_ms"],
        "statuses": app["statuses"],
        "all_answered_200": app["ok"] == people,
        "unexpected_answers": app["unexpected"],
        "cpu_ms_per_checkin": app_cpu,
        "floor_per_second": round(floor_rate, 1),
        "floor_statuses": floor["statuses"],
        "floor": "POST /api/v1/checkin with a malformed code and a fresh bearer token (422 after authentication)",
        "floor_cpu_ms_per_request": floor_cpu,
        "floor_ratio": round(floor_rate / raw["per_second"], 3),
        "baseline_raw_inserts_per_second": round(raw["per_second"], 1),
        "baseline_connections": raw_connections,
        "baseline_rows": raw["rows"],
        "ratio": round(rate / raw["per_second"], 3),
        "target_ratio": 0.4,
        "lost": counted["lost"],
        "doubled": counted["doubled"],
        "attendances": counted["attendances"],
        "prepare_seconds": round(prepare_seconds, 1),
        "schema": SCHEMA[quick],
        "phase_seconds": phases,
    }


def _get(port: int) -> None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", WARM_PATH)
        conn.getresponse().read()
        conn.close()
    except OSError:
        pass


# --- the subprocess that builds the world (in the server's settings and database) ---------------
def _prepare(people: int, schema: str) -> dict[str, Any]:
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from bench.schema import build_schema

    build_schema(from_models=schema == "models")
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

    def fresh(tag: str) -> str:
        return f"bench-{tag}-{hashlib.sha256(os.urandom(16)).hexdigest()}"

    owners = [*users, *users, staff]
    raw = [fresh(f"{i}") for i in range(len(owners))]
    expires = now + timedelta(hours=2)
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, digest=hashlib.sha256(t.encode()).hexdigest(), expires_at=expires)
            for u, t in zip(owners, raw, strict=True)
        ]
    )
    return {
        "shift_id": shift.pk,
        "shift_secret": shift.qr_secret,
        "tokens": raw[:people],
        "floor_tokens": raw[people : 2 * people],
        "staff_token": raw[-1],
        "users": [u.pk for u in users],
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        sys.stdout.write(json.dumps(_prepare(int(sys.argv[2]), sys.argv[3])) + "\n")
