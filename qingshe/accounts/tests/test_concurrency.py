"""Races that only a real server shows: run on PostgreSQL (CI's second pass)."""

import pytest
from django.db import connection

from qingshe.accounts import services
from qingshe.accounts.models import User
from qingshe.core.tests.races import race


@pytest.mark.postgres
def test_runs_on_postgresql(db) -> None:
    assert connection.vendor == "postgresql"


@pytest.mark.postgres
def test_two_registrations_with_one_phone_make_one_account(transactional_db) -> None:
    outcomes = race(
        [
            lambda i=i: services.user_create(name=f"并发{i}", phone="13800138000", id_number=None)
            for i in range(4)
        ]
    )
    assert sorted(outcomes) == ["ok", "phone_taken", "phone_taken", "phone_taken"]
    assert User.objects.filter(phone="13800138000").count() == 1
