"""The main student pages under gunicorn, beside a bare Django view served the same way.

On a fresh database (as bench_checkin: PostgreSQL when DATABASE_URL names one, a database
`<name>_http` dropped afterwards; otherwise a temporary SQLite file), a subprocess builds the
schema and a small festival world through the services (`build_world`: a community with its
league line, students of a class branch signed up to a shift happening now, an earlier shift with
attendance waiting for the community's confirmation, needs on the board, staff and a league
admin) and a logged-in session per person. gunicorn (SERVER_OPTIONS) serves the app with
ROOT_URLCONF = this module: the app's own URLconf plus BARE_PATH, a view returning a small
HttpResponse through the same middleware. Then, after a warm-up, with `clients` keep-alive
connections driven by bench_checkin's selector loop (one request in flight each, like wrk; locust's
gevent client would take a good part of the 2 CPUs the server has, and would monkey-patch this
process), in the same run:

1. the festival mix (FESTIVAL, also what bench/locustfile.py sends): students browsing their
   home, shifts, offers, records and the need board and checking in with the shift's current
   code, community staff confirming attendance, league admins opening dashboards; afterwards the
   database must hold every check-in and confirmation sent (htmx answers 200 even to a refusal);
2. each main student page (STUDENT_PAGES) on its own: requests per second, p50, p95;
3. the bare view, the same connections (more requests per connection: it is fast), a burst after
   each page's burst of phase 2, so that both are measured in the same moments.
4. the same pages each with a query string of its own (never a kept page): what rendering costs.

gunicorn runs with --reuse-port: each worker listens on a socket of its own and the kernel shares
new connections out between them. On one shared socket the workers race to accept and a burst's
keep-alive connections were split anywhere from 0/30 to 15/15; one process serves at most one
CPU's worth (the GIL), so a burst's rate swung by a factor of two (the bare view 2,300-4,600 req/s,
2026-11-23). The same option belongs in production (README: deployment).

ratio = student pages' requests per second / bare view's (target >= 0.3); cpu_ratio compares the
server's CPU per request instead (less moved by other work on a shared machine). Every answer of
every phase must be 200 (asserted). `python -m bench.bench_http serve [students]` serves such a world until
Ctrl-C for bench/locustfile.py.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

KEY = "http"
ROOT = Path(__file__).resolve().parent.parent
WORKERS, THREADS = 2, 4
# --preload: the app is imported once, before the workers fork (less CPU at start on 2 cores).
SERVER_OPTIONS = ["-w", str(WORKERS), "-k", "gthread", "--threads", str(THREADS), "--timeout", "60", "--preload", "--reuse-port"]  # fmt: skip
BARE_PATH = "/__bench__/bare/"
STUDENT_PAGES = {
    "home": "/",
    "my_shifts": "/duty/mine/",
    "my_offers": "/dispatch/offers/",
    "my_records": "/credit/hours/",
    "need_board": "/needs/",
}
# One visit of each role, repeated: (name, method, path). {code}: the shift's current check-in
# code; {attendance}: the next attendance waiting for this staff member; {city}: the city's id.
FESTIVAL: dict[str, list[tuple[str, str, str]]] = {
    "student": [
        ("home", "GET", "/"),
        ("my_shifts", "GET", "/duty/mine/"),
        ("checkin_page", "GET", "/duty/checkin/?t={code}"),
        ("checkin", "POST", "/duty/checkin/"),
        ("my_offers", "GET", "/dispatch/offers/"),
        ("my_records", "GET", "/credit/hours/"),
        ("need_board", "GET", "/needs/"),
    ],
    "staff": [
        ("confirm_inbox", "GET", "/duty/confirm/"),
        ("confirm", "POST", "/duty/attendance/{attendance}/confirm/"),
        ("home", "GET", "/"),
    ],
    "admin": [
        ("dashboard_city", "GET", "/dashboard/{city}/"),
        ("dashboard_district", "GET", "/dashboard/{district}/"),
        ("home", "GET", "/"),
    ],
}
# Who is behind connection c: ROLE_OF_TEN[c % 10] (three connections already hold every role).
ROLE_OF_TEN = ["student", "staff", "admin", *["student"] * 7]
# The server's settings: production's, with this module as URLconf, and static files named
# without a manifest (a deployment runs collectstatic; a throwaway server does not).
SERVER_SETTINGS = """from qingshe.settings import *  # noqa: F403
ROOT_URLCONF = "bench.bench_http"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""
# The schema straight from the models in both modes (bench/schema.py): the pages do not depend on
# what only the migrations add, and replaying them would take most of the full mode's budget.
SCHEMA = "models"
CSRF = "benchcsrf" + "0" * 23  # a 32-character CSRF secret, sent as cookie and header
# Each page's requests are sent in PAGE_BURSTS bursts (each over new connections, which the kernel
# shares out between the workers afresh), each followed by a burst of the bare view.
PAGE_BURSTS = 2
SIZES = {
    True: {"clients": 6, "mix": 7, "page": 2, "bare": 10},
    False: {"clients": 30, "mix": 21, "page": 6, "bare": 40},
}


# --- what a person sends (shared with bench/locustfile.py and the test) --------------------------
def checkin_code(world: dict[str, Any], now: float | None = None) -> str:
    """The code on the leader's screen now (qingshe.duty.qr.make_token, without Django settings)."""
    from django.core import signing

    window = int((time.time() if now is None else now) // 30)
    key = f"{world['secret_key']}:{world['shift_secret']}"
    signer = signing.Signer(key=key, salt="qingshe.duty.checkin", fallback_keys=[])
    return signer.sign(f"{world['shift_id']}.{window}")


def festival_request(
    world: dict[str, Any], role: str, step: int, attendance: int | None = None
) -> tuple[str, str, str, dict[str, str]]:
    """(name, method, path, form) of a person's `step`-th request in the festival mix."""
    name, method, path = FESTIVAL[role][step % len(FESTIVAL[role])]
    code = checkin_code(world) if "{code}" in path or name == "checkin" else ""
    path = path.format(
        code=code, attendance=attendance, city=world["city_id"], district=world["district_id"]
    )
    form = {"t": code, "action": "checkin"} if name == "checkin" else {}
    return name, method, path, form


def headers_for(session: str, method: str = "GET") -> dict[str, str]:
    """A logged-in phone's headers: its session and CSRF cookies; for a POST the CSRF header and
    htmx's (the pages post their forms with htmx)."""
    headers = {"Cookie": f"sessionid={session}; csrftoken={CSRF}"}
    if method == "POST":
        headers.update({"X-CSRFToken": CSRF, "HX-Request": "true"})
    return headers


def _raw(method: str, path: str, session: str, form: dict[str, str] | None = None) -> bytes:
    body = urlencode(form or {}).encode()
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    head += [f"{k}: {v}" for k, v in headers_for(session, method).items()]
    if method == "POST":
        head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


# --- the bare view and the server's URLconf ------------------------------------------------------
def bare_view(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(b"ok\n", content_type="text/plain")


def __getattr__(name: str) -> Any:
    """`urlpatterns`, made when the server first resolves a URL (Django is ready by then)."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from django.urls import include, path

    return [path(BARE_PATH.strip("/") + "/", bare_view), path("", include("qingshe.urls"))]


# --- the world -----------------------------------------------------------------------------------
def build_world(*, students: int, staff: int = 4) -> dict[str, Any]:
    """A festival world through the services, and a session per person. Needs Django."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils import timezone

    from qingshe.accounts.services import NewPerson, user_create, users_bulk_create
    from qingshe.duty import services as duty
    from qingshe.duty.models import Attendance, SignUp
    from qingshe.needs.models import NeedAssignment
    from qingshe.needs.services.needs import need_submit
    from qingshe.needs.services.triage import need_accept
    from qingshe.orgs.models import Membership, OrgKind, Role
    from qingshe.orgs.services import membership_grant, org_create

    org: dict[str, Any] = {}
    for key, kind, name, parent in [
        ("city", OrgKind.CITY_COMMITTEE, "基准市团委", None),
        ("district", OrgKind.DISTRICT_COMMITTEE, "基准区团委", "city"),
        ("street", OrgKind.STREET, "基准街道", "district"),
        ("community", OrgKind.COMMUNITY, "基准社区", "street"),
        ("university", OrgKind.UNIVERSITY_COMMITTEE, "基准大学团委", "city"),
        ("department", OrgKind.DEPARTMENT_COMMITTEE, "基准学院团委", "university"),
        ("branch", OrgKind.CLASS_BRANCH, "基准班团支部", "department"),
    ]:
        org[key] = org_create(actor=None, kind=kind, name=name, parent=org.get(parent or ""))
    city, district, community = org["city"], org["district"], org["community"]
    admin = user_create(name="基准管理员", phone="13800000000", password=None)
    membership_grant(actor=None, user=admin, org=city, role=Role.LEAGUE_ADMIN)
    staff_users = [user_create(name=f"社工{i}", phone=f"1380000{i + 1:04d}") for i in range(staff)]
    for person in staff_users:
        membership_grant(actor=None, user=person, org=community, role=Role.COMMUNITY_STAFF)
    people = [
        NewPerson(name=f"学生{i:04d}", volunteer_no=f"QSH{i:07d}", phone=f"1370{i + 1:07d}")
        for i in range(students)
    ]
    users = users_bulk_create(actor=None, people=people, source="bench")
    Membership.objects.bulk_create([Membership(user=u, org=org["branch"], role="student") for u in users])  # fmt: skip
    organiser, now = staff_users[0], timezone.now()
    activity = duty.activity_create(
        actor=organiser, organiser=community, title="邻里节", mode="stage", requires_insurance=False
    )

    def shift(starts: timedelta, hours: int) -> Any:
        return duty.shift_add(actor=organiser, activity=activity, starts_at=now + starts,
                              ends_at=now + starts + timedelta(hours=hours), capacity=students)  # fmt: skip

    today, eve = shift(timedelta(minutes=-10), 3), shift(timedelta(hours=-26), 3)
    SignUp.objects.bulk_create(
        [SignUp(shift=s, user=u, state=SignUp.State.CONFIRMED, queue_no=i + 1)
         for s in (today, eve) for i, u in enumerate(users)]
    )  # fmt: skip
    waiting = Attendance.objects.bulk_create(  # yesterday's, checked out, for the staff to confirm
        [Attendance(shift=eve, user=u, state=Attendance.State.PENDING, checkin_at=eve.starts_at,
                    checkin_method="qr", checkout_at=eve.ends_at, checkout_method="qr")
         for u in users]
    )  # fmt: skip
    needs = [
        need_submit(actor=organiser, community=community, title=f"邻里节需求{i + 1}",
                    project_type="governance", service_field="technology", people_needed=2)
        for i in range(5)
    ]  # fmt: skip
    # Two needs taken up by the community, each offered to every student (bulk, as the sign-ups:
    # what the dispatcher's plan would leave; "my offers" lists them).
    taken = [need_accept(actor=organiser, need=n) for n in needs[:2]]
    NeedAssignment.objects.bulk_create(
        [NeedAssignment(need=n, volunteer=u, source="plan", reasons=[{"code": "by_hand", "params": {}}],
                        starts_at=now + timedelta(days=d + 1), ends_at=now + timedelta(days=d + 1, hours=2))
         for d, n in enumerate(taken) for u in users]
    )  # fmt: skip

    def session(user: Any) -> str:
        from importlib import import_module

        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return str(store.session_key)

    return {
        "secret_key": settings.SECRET_KEY, "shift_id": today.pk, "shift_secret": today.qr_secret,
        "city_id": city.pk, "district_id": district.pk, "attendances": [a.pk for a in waiting],
        "sessions": {"student": [session(u) for u in users],
                     "staff": [session(u) for u in staff_users], "admin": [session(admin)]},
    }  # fmt: skip


def _prepare(students: int) -> dict[str, Any]:
    import django

    django.setup()
    from bench.schema import build_schema

    build_schema(from_models=SCHEMA == "models")
    return build_world(students=students)


# --- the run -------------------------------------------------------------------------------------
class Mix:
    """Connection c's requests in the festival mix (role ROLE_OF_TEN[c % 10])."""

    def __init__(self, world: dict[str, Any], clients: int, per_client: int) -> None:
        self.world, self.per_client = world, per_client
        staff_conns = [c for c in range(clients) if ROLE_OF_TEN[c % 10] == "staff"]
        per_staff = per_client // len(FESTIVAL["staff"]) + 1
        pool = world["attendances"]
        assert len(pool) >= per_staff * len(staff_conns), "too few attendances to confirm"
        self.todo = {
            c: pool[i * per_staff : (i + 1) * per_staff] for i, c in enumerate(staff_conns)
        }
        self.confirmed: list[int] = []
        self.checked_in: set[str] = set()

    def __call__(self, c: int, k: int) -> bytes:
        role = ROLE_OF_TEN[c % 10]
        sessions = self.world["sessions"][role]
        attendance = None
        if role == "staff" and FESTIVAL["staff"][k % 3][0] == "confirm":
            attendance = self.todo[c].pop(0)
            self.confirmed.append(attendance)
        name, method, path, form = festival_request(self.world, role, k, attendance)
        if name == "checkin":
            self.checked_in.add(sessions[c % len(sessions)])
        return _raw(method, path, sessions[c % len(sessions)], form)

    def check(self, db: Any) -> dict[str, int]:
        """What the database must hold after the mix: one attendance per student who checked in
        on today's shift, every attendance the staff confirmed confirmed."""
        conn = db.connect()
        rows = conn.execute("SELECT id, shift_id, state FROM duty_attendance").fetchall()
        conn.close()
        sent = set(self.confirmed)
        checked = sum(1 for _, shift, _ in rows if shift == self.world["shift_id"])
        confirmed = sum(1 for pk, _, state in rows if pk in sent and state == "confirmed")
        return {
            "checkins_sent_by": len(self.checked_in),
            "checked_in": int(checked),
            "confirms_sent": len(self.confirmed),
            "confirmed": int(confirmed),
        }


def _merged(bursts: list[dict[str, Any]]) -> dict[str, Any]:
    """Bursts one after another as one: requests and seconds summed, the median of the bursts'
    p50 and the highest of their p95."""
    statuses: dict[str, int] = {}
    for b in bursts:
        for s, n in b["statuses"].items():
            statuses[s] = statuses.get(s, 0) + n
    return {
        "ok": sum(b["ok"] for b in bursts),
        "seconds": sum(b["seconds"] for b in bursts),
        "statuses": statuses,
        "p50_ms": statistics.median(b["p50_ms"] for b in bursts),
        "p95_ms": max(b["p95_ms"] for b in bursts),
        "bursts_per_second": [round(b["ok"] / b["seconds"], 1) for b in bursts],
        "unexpected": [u for b in bursts for u in b["unexpected"]],
        "page_cache_hits": sum(b["page_cache_hits"] for b in bursts),
    }


def _cpu_merged(parts: list[tuple[dict[str, Any], float]]) -> dict[str, Any]:
    """CpuMeter figures of bursts of as many requests each, as one: per-request figures averaged,
    the machine's busy share weighted by each burst's seconds."""
    merged: dict[str, Any] = {}
    for key in parts[0][0]:
        values = [(p[key], seconds) for p, seconds in parts]
        if any(v is None for v, _ in values):
            merged[key] = None
        elif key == "machine_busy_share":
            merged[key] = round(sum(v * t for v, t in values) / sum(t for _, t in values), 2)
        else:
            merged[key] = round(sum(v for v, _ in values) / len(values), 3)
    return merged


def _figures(burst: dict[str, Any]) -> dict[str, Any]:
    return {
        "requests": sum(burst["statuses"].values()),
        "per_second": round(burst["ok"] / burst["seconds"], 1),
        "p50_ms": burst["p50_ms"],
        "p95_ms": burst["p95_ms"],
        "statuses": burst["statuses"],
        "page_cache_hits": burst["page_cache_hits"],
    }


class Served:
    """A throwaway database with the world built, served by gunicorn on 127.0.0.1 (with block)."""

    def __init__(self, students: int) -> None:
        from bench import bench_checkin as bc

        self.students, self.db = students, _database()
        self.tmp = Path(tempfile.mkdtemp(prefix="qingshe-bench-http-"))
        (self.tmp / "bench_http_settings.py").write_text(SERVER_SETTINGS)
        self.env = bc._env(self.db, secrets.token_urlsafe(40))
        self.env.update(
            DJANGO_SETTINGS_MODULE="bench_http_settings",
            PYTHONPATH=f"{ROOT}{os.pathsep}{self.tmp}",
            MEDIA_ROOT=str(self.tmp / "media"),
        )
        self.port, self.server, self.log = bc._free_port(), None, ""

    def __enter__(self) -> Served:
        # The server boots (imports Django and every view) while the world is built: neither
        # touches the database of the other until the first request, sent once both are done.
        with (self.tmp / "server.log").open("wb") as log:
            self.server = subprocess.Popen(
                [str(Path(sys.executable).with_name("gunicorn")), "qingshe.wsgi",
                 *SERVER_OPTIONS, "-b", f"127.0.0.1:{self.port}", "--log-level", "warning"],
                cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=log,
                start_new_session=True,
            )  # fmt: skip
        try:
            prep = subprocess.run(
                [sys.executable, "-m", "bench.bench_http", "prepare", str(self.students)],
                cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            if prep.returncode != 0:
                raise RuntimeError(prep.stderr[-3000:])
            self.world = json.loads(prep.stdout.strip().splitlines()[-1])
        except BaseException:
            self.__exit__()
            raise
        return self

    def up(self) -> None:
        from bench import bench_checkin as bc

        assert self.server is not None
        old, bc.WARM_PATH = bc.WARM_PATH, BARE_PATH
        try:
            bc._wait_up(self.port, self.server)
        finally:
            bc.WARM_PATH = old

    def __exit__(self, *exc: object) -> None:
        """The server is killed (its process group): its database is thrown away anyway, and
        gunicorn's graceful stop would take seconds of the quick mode's budget."""
        import shutil
        import signal

        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=10)
        self.server = None
        log = self.tmp / "server.log"
        self.log = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        self.db.drop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def run(*, quick: bool) -> dict[str, object]:
    from bench import bench_checkin as bc

    size = SIZES[quick]
    clients = size["clients"]
    phases: dict[str, float] = {}
    mark = begun = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        phases[name] = round(time.perf_counter() - mark, 1)
        mark = time.perf_counter()

    served = Served(students=max(20, clients * 2))
    with served:
        phase("prepare")
        served.up()
        phase("server_start")
        port, world, db = served.port, served.world, served.db
        student = world["sessions"]["student"]

        def get(path: str) -> Any:
            return lambda c, k: _raw("GET", path, student[c % len(student)])

        def get_uncached(path: str) -> Any:  # a query string of its own: never a kept page
            return lambda c, k: _raw("GET", f"{path}?bench={c}-{k}", student[c % len(student)])

        for path in [BARE_PATH, *STUDENT_PAGES.values()]:  # every worker has answered each once
            bc._burst(port, 2 * WORKERS, 2, get(path))
        phase("warm_up")
        cpu = bc.CpuMeter(served.server.pid, db.vendor == "postgresql")  # type: ignore[union-attr]
        visits = Mix(world, clients, size["mix"])
        cpu.start()
        mix = bc._burst(port, clients, size["mix"], visits)
        mix_cpu = cpu.stop(clients * size["mix"])
        effects = visits.check(db)
        phase("festival_mix")
        # The student pages and the bare view take turns, burst by burst (a page, the bare view,
        # the next page, ...): whatever else the machine does in the meantime weighs on both.
        pages, bursts, pages_cpu_parts, bare_cpu_parts = {}, [], [], []
        per_burst = size["page"] // PAGE_BURSTS
        for name, path in STUDENT_PAGES.items():
            parts = []
            for _ in range(PAGE_BURSTS):  # the same connections' requests, in bursts of new ones
                cpu.start()
                parts.append(bc._burst(port, clients, per_burst, get(path)))
                pages_cpu_parts.append((cpu.stop(clients * per_burst), parts[-1]["seconds"]))
                cpu.start()
                bursts.append(bc._burst(port, clients, size["bare"], get(BARE_PATH)))
                bare_cpu_parts.append((cpu.stop(clients * size["bare"]), bursts[-1]["seconds"]))
            pages[name] = _merged(parts)
        pages_cpu, bare_cpu, bare = (
            _cpu_merged(pages_cpu_parts),
            _cpu_merged(bare_cpu_parts),
            _merged(bursts),
        )
        phase("student_pages_and_bare_view")
        cpu.start()
        uncached = {name: bc._burst(port, clients, size["page"], get_uncached(path))
                    for name, path in STUDENT_PAGES.items()}  # fmt: skip
        uncached_cpu = cpu.stop(clients * size["page"] * len(STUDENT_PAGES))
        phase("student_pages_uncached")
    phase("server_stop")
    ok, seconds = sum(p["ok"] for p in pages.values()), sum(p["seconds"] for p in pages.values())
    pages_rate, bare_rate = ok / seconds, bare["ok"] / bare["seconds"]
    uncached_rate = sum(p["ok"] for p in uncached.values()) / sum(p["seconds"] for p in uncached.values())  # fmt: skip
    errors = sum(
        n
        for b in (mix, bare, *pages.values(), *uncached.values())
        for s, n in b["statuses"].items()
        if s != "200"
    )

    def hit_rate(bursts: list[dict[str, Any]]) -> float:
        return round(
            sum(b["page_cache_hits"] for b in bursts) / max(1, sum(b["ok"] for b in bursts)), 3
        )

    result = {
        "db": db.vendor,
        "server": f"gunicorn {' '.join(SERVER_OPTIONS)}, 127.0.0.1, {os.cpu_count()} CPUs shared with the client, the database and (on a shared machine) others",
        "client": f"bench_checkin's selector loop, not locust (its gevent client would take much of the 2 CPUs the server has); {clients} keep-alive connections, one request in flight on each",
        "festival_mix": {**_figures(mix), "roles": "of every 10 connections: 8 students, 1 community staff, 1 league admin (bench/locustfile.py: same requests, same weights)", "cpu_ms_per_request": mix_cpu, "effects": effects},
        "page_cache": {"cache": served.env["CACHE_URL"].split(":", 1)[0], "seconds": "QINGSHE_PAGE_CACHE_SECONDS (production default 15)", "hit_rate_mix": hit_rate([mix]), "hit_rate_student_pages": hit_rate(list(pages.values())), "what": "each student page of a session kept until a write to a table it read, or for 15 s (decision 0017); the mix's check-ins and confirmations keep invalidating the pages that read those tables"},
        "student_pages": {"per_second": round(pages_rate, 1), "p95_ms": max(p["p95_ms"] for p in pages.values()), "pages": {n: _figures(p) for n, p in pages.items()}, "cpu_ms_per_request": pages_cpu, "note": f"each page asked {size['page']} times per session, in {PAGE_BURSTS} bursts over new connections, each burst followed by a bare-view burst: a session's first request of a page is rendered, the next ones may be kept pages"},
        "student_pages_uncached": {"per_second": round(uncached_rate, 1), "p95_ms": max(p["p95_ms"] for p in uncached.values()), "pages": {n: _figures(p) for n, p in uncached.items()}, "cpu_ms_per_request": uncached_cpu, "ratio": round(uncached_rate / bare_rate, 3), "note": "the same pages each with a query string of its own, so never a kept page: what rendering costs"},
        "bare_view": {**_figures(bare), "path": BARE_PATH, "bursts_per_second": bare["bursts_per_second"], "cpu_ms_per_request": bare_cpu},
        "ratio": round(pages_rate / bare_rate, 3),
        "target_ratio": 0.3,
        # The same comparison in the server's CPU per request, less moved by others' load.
        "cpu_ratio": round(bare_cpu["server"] / pages_cpu["server"], 3) if bare_cpu["server"] and pages_cpu["server"] else None,
        "errors": errors,
        "students": served.students,
        "schema": SCHEMA,
        "phase_seconds": phases,
        "seconds": round(time.perf_counter() - begun, 1),
    }  # fmt: skip
    assert effects["checked_in"] == effects["checkins_sent_by"], effects
    assert effects["confirmed"] == effects["confirms_sent"], effects
    assert errors == 0, (result, mix["unexpected"], served.log)
    return result


def _database() -> Any:
    """bench_checkin's throwaway database, named `<name>_http` on PostgreSQL."""
    from bench import bench_checkin as bc

    env_url = os.environ.get("DATABASE_URL", "")
    if not bc._is_postgres(env_url):
        return bc.Database()
    db = bc.Database.__new__(bc.Database)
    db.tmp = Path(tempfile.mkdtemp(prefix="qingshe-bench-http-"))
    db.vendor, db._admin_url = "postgresql", env_url
    db.name = f"{bc.urlsplit(env_url).path.lstrip('/') or 'bench_qs'}_http"
    db.url = bc.urlunsplit(bc.urlsplit(env_url)._replace(path=f"/{db.name}"))
    with bc._pg_admin(env_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.name}"')
        conn.execute(f'CREATE DATABASE "{db.name}"')
    return db


def serve(students: int) -> None:
    """Serve a throwaway world until Ctrl-C or SIGTERM, for bench/locustfile.py (the command to
    run is printed); the server and the database go with it."""
    import signal

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    with Served(students=students) as served:
        served.up()
        world = served.tmp / "world.json"
        world.write_text(json.dumps(served.world))
        print(
            f"QINGSHE_BENCH_WORLD={world} {Path(sys.executable).with_name('locust')} "
            f"-f bench/locustfile.py --host http://127.0.0.1:{served.port}",
            flush=True,
        )
        try:
            while served.server is not None and served.server.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        sys.stdout.write(json.dumps(_prepare(int(sys.argv[2]))) + "\n")
    elif sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]) if len(sys.argv) > 2 else 200)
