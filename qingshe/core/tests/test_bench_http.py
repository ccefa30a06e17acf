"""The `http` benchmark's traffic (bench/bench_http.py, also what bench/locustfile.py sends)
against a live server: every request of the quick mode's festival mix answers 200 and does what
it says (check-ins recorded, attendance confirmed). Correctness only: no timing here."""

from __future__ import annotations

import ast
import http.client
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from bench import bench_http
from qingshe.duty.models import Attendance

LOCUSTFILE = Path(bench_http.__file__).with_name("locustfile.py")


def _send(port: int, data: bytes) -> tuple[int, bytes]:
    """One raw request exactly as the benchmark's client writes it; the answer's status, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()


@pytest.mark.django_db(transaction=True)
def test_quick_festival_mix_answers_200_and_takes_effect(live_server: Any) -> None:
    size = bench_http.SIZES[True]
    clients, per_client = size["clients"], size["mix"]
    world = bench_http.build_world(students=clients, staff=1)
    mix = bench_http.Mix(world, clients, per_client)
    port = urlsplit(live_server.url).port
    assert port is not None
    answers: dict[str, set[int]] = {}
    for c in range(clients):
        role = bench_http.ROLE_OF_TEN[c % 10]
        for k in range(per_client):
            status, body = _send(port, mix(c, k))
            name = bench_http.FESTIVAL[role][k % len(bench_http.FESTIVAL[role])][0]
            answers.setdefault(f"{role}:{name}", set()).add(status)
            assert status == 200, (role, name, body[:500])
    # Every step of every role was sent (the mix covers the whole festival).
    assert set(answers) == {
        f"{r}:{s[0]}" for r, steps in bench_http.FESTIVAL.items() for s in steps
    }
    # The writes happened: htmx answers 200 even to a refused step, so the database is checked.
    students = [c for c in range(clients) if bench_http.ROLE_OF_TEN[c % 10] == "student"]
    today = Attendance.objects.filter(shift_id=world["shift_id"])
    assert today.count() == len(mix.checked_in) == len(students)
    assert mix.confirmed
    confirmed = Attendance.objects.filter(pk__in=mix.confirmed, state=Attendance.State.CONFIRMED)
    assert confirmed.count() == len(mix.confirmed)


@pytest.mark.django_db(transaction=True)
def test_the_locust_requests_answer_200(live_server: Any) -> None:
    """What the locust users send (festival_request + headers_for, as locustfile.py calls them),
    through an ordinary HTTP client."""
    world = bench_http.build_world(students=2, staff=1)
    base = urlsplit(live_server.url)
    waiting = list(world["attendances"])
    for role, steps in bench_http.FESTIVAL.items():
        session = world["sessions"][role][0]
        for step, (name, _, _) in enumerate(steps):
            attendance = waiting.pop(0) if name == "confirm" else None
            name, method, path, form = bench_http.festival_request(world, role, step, attendance)
            headers = bench_http.headers_for(session, method)
            body = None
            if form:
                body = "&".join(f"{k}={v}" for k, v in form.items())
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            assert response.status == 200, (role, name, response.read()[:500])
            conn.close()


def test_the_locustfile_sends_the_benchmark_mix() -> None:
    """locustfile.py (not imported here: locust monkey-patches the process) has one user class
    per role of the mix, weighted as the benchmark, and builds its requests with its functions."""
    tree = ast.parse(LOCUSTFILE.read_text())
    roles = {
        node.value
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
        for stmt in cls.body
        if isinstance(stmt, ast.Assign) and isinstance(node := stmt.value, ast.Constant)
        for target in stmt.targets
        if isinstance(target, ast.Name) and target.id == "role" and node.value
    }
    assert roles == set(bench_http.FESTIVAL)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert {"festival_request", "headers_for", "ROLE_OF_TEN"} <= names


@pytest.mark.django_db
def test_the_bench_urlconf_serves_the_bare_view_and_the_app(client: Any) -> None:
    with override_settings(ROOT_URLCONF="bench.bench_http"):
        bare = client.get(bench_http.BARE_PATH)
        assert bare.status_code == 200 and bare.content == b"ok\n"
        assert client.get("/").status_code in (200, 302)  # the app's own home, unchanged
        assert client.get("/__bench__/nothing/").status_code == 404
