"""A festival day's traffic for locust: students browsing their home, shifts, offers, records and
the need board and checking in with the shift's current code; community staff confirming
attendance; league admins opening dashboards.

The requests, their order and the weights are bench/bench_http.py's (FESTIVAL, ROLE_OF_TEN):
the `http` benchmark sends the same with its own lean client, and its test
(qingshe/core/tests/test_bench_http.py) proves every one of them answers 200.

A world to load (a throwaway database with students signed up to a shift happening now,
attendance waiting for the staff, needs on the board, one logged-in session per person) and a
gunicorn server on it, served until Ctrl-C; it prints the command to run:

    .venv/bin/python -m bench.bench_http serve 200
    QINGSHE_BENCH_WORLD=/tmp/…/world.json .venv/bin/locust -f bench/locustfile.py \\
        --host http://127.0.0.1:PORT --headless -u 100 -r 20 -t 1m
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_http import (  # noqa: E402
    FESTIVAL,
    ROLE_OF_TEN,
    festival_request,
    headers_for,
)

WORLD = json.loads(Path(os.environ["QINGSHE_BENCH_WORLD"]).read_text())
WAITING = list(WORLD["attendances"])  # attendance to confirm, handed out one at a time
TAKEN = dict.fromkeys(FESTIVAL, 0)  # sessions handed out per role
# Seconds a person spends on a page before the next one (QINGSHE_BENCH_THINK=0: none).
THINK = float(os.environ.get("QINGSHE_BENCH_THINK", "2"))


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(THINK / 2, THINK * 1.5)

    def on_start(self) -> None:
        sessions = WORLD["sessions"][self.role]
        self.session = sessions[TAKEN[self.role] % len(sessions)]
        TAKEN[self.role] += 1
        self.step = 0

    @task
    def next_request(self) -> None:
        name = FESTIVAL[self.role][self.step % len(FESTIVAL[self.role])][0]
        attendance = None
        if name == "confirm":
            if not WAITING:  # all confirmed: on to the next page of the visit
                self.step += 1
                return
            attendance = WAITING.pop(0)
        name, method, path, form = festival_request(WORLD, self.role, self.step, attendance)
        self.step += 1
        with self.client.request(
            method,
            path,
            name=name,
            data=form or None,
            headers=headers_for(self.session, method),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{method} {path}: {response.status_code}")


class Student(Person):
    role = "student"
    weight = ROLE_OF_TEN.count("student")


class CommunityStaff(Person):
    role = "staff"
    weight = ROLE_OF_TEN.count("staff")


class LeagueAdmin(Person):
    role = "admin"
    weight = ROLE_OF_TEN.count("admin")
