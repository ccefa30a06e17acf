"""Races on PostgreSQL: two care staff arranging a tutor for the same child and subject at once
(the partial unique constraint lets one win, the other gets 409 duplicate_tutor), and a visit
confirmed twice at once (the row lock credits the hours once)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from qingshe.care import services
from qingshe.care.models import HelpRelationship
from qingshe.care.services import relationships as relationship_services
from qingshe.care.services import visits as visit_services
from qingshe.care.tests.conftest import past
from qingshe.core.tests.races import race
from qingshe.credit.models import LedgerEntry


@pytest.mark.postgres
def test_two_tutors_for_the_same_subject_at_once(transactional_db: Any, care: Any) -> None:
    assert connection.vendor == "postgresql"
    today = timezone.localdate()
    real_audit = relationship_services.audit

    def slow_audit(**kwargs: Any) -> Any:
        time.sleep(0.3)  # both have passed the check before either commits
        return real_audit(**kwargs)

    def arrange(helper: Any) -> Any:
        return lambda: services.relationship_create(
            actor=care.care_staff,
            beneficiary=care.child,
            mode="one_to_one",
            helpers=[helper],
            term_start=today,
            term_end=today + timedelta(days=300),
            goals="英语阅读辅导",
            subject="英语",
            supervisor=care.supervisor,
        )

    with mock.patch.object(relationship_services, "audit", slow_audit):
        outcomes = race([arrange(care.classmate), arrange(care.next_tutor)])
    assert sorted(outcomes) == ["duplicate_tutor", "ok"]
    assert HelpRelationship.objects.filter(subject="英语").count() == 1


@pytest.mark.postgres
def test_visit_confirmed_twice_at_once_credits_once(transactional_db: Any, care: Any) -> None:
    visit = services.visit_log(
        actor=care.tutor,
        relationship=care.relationship,
        started_at=past(),
        minutes=60,
        done="辅导作业",
    )
    real_audit = visit_services.audit

    def slow_audit(**kwargs: Any) -> Any:
        time.sleep(0.3)
        return real_audit(**kwargs)

    confirm = lambda: services.visit_confirm(actor=care.supervisor, visit=visit)  # noqa: E731
    with mock.patch.object(visit_services, "audit", slow_audit):
        outcomes = race([confirm, confirm])
    assert sorted(outcomes) == ["already_decided", "ok"]
    assert LedgerEntry.objects.filter(user=care.tutor).count() == 1
