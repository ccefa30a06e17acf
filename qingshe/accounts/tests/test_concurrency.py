"""Races that only a real server shows: run on PostgreSQL (CI's second pass)."""

import threading

import pytest
from django.db import connection, connections

from qingshe.accounts import services
from qingshe.accounts.models import User
from qingshe.core.errors import Conflict


@pytest.mark.postgres
def test_runs_on_postgresql(db) -> None:
    assert connection.vendor == "postgresql"


@pytest.mark.postgres
def test_two_registrations_with_one_phone_make_one_account(transactional_db) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def register(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.user_create(name=f"并发{i}", phone="13800138000", id_number=None)
            result = "ok"
        except Conflict as exc:
            result = exc.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "phone_taken", "phone_taken", "phone_taken"]
    assert User.objects.filter(phone="13800138000").count() == 1
