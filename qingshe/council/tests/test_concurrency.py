"""PostgreSQL: the same rating link submitted twice at once (a double tap on a slow phone) is
recorded once; the other gets 409 link_used. Two secretaries filing the same month's form at
once: one form, the other gets already_filed."""

import time
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from qingshe.core.tests.races import race
from qingshe.council import services
from qingshe.council.models import FeedbackForm, RatingInvite
from qingshe.council.services import verification
from qingshe.council.tests.conftest import local
from qingshe.council.tests.test_feedback import DATA
from qingshe.council.tests.test_feedback import pairing as pairing  # noqa: F401 (fixture)
from qingshe.needs.tests.needs_support import reported_done


@pytest.mark.postgres
def test_double_tap_on_a_rating_link(transactional_db: Any, council: Any) -> None:
    assert connection.vendor == "postgresql"
    c = council
    need = reported_done(c)
    services.council_verify(actor=c.panel, need=need, evidence="上门查看")
    token = services.rating_token(RatingInvite.objects.get(user=c.resident))
    real_audit = verification.audit

    def slow_audit(**kwargs: Any) -> Any:
        time.sleep(0.3)  # widen the window between the check and the commit
        return real_audit(**kwargs)

    with mock.patch.object(verification, "audit", slow_audit):
        outcomes = race(
            [
                lambda i=i: services.rating_submit(token=token, outcome="solved", stars=5 - i)
                for i in range(2)
            ]
        )
    assert sorted(outcomes) == ["link_used", "ok"]
    assert RatingInvite.objects.filter(used_at__isnull=False).count() == 1


@pytest.mark.postgres
def test_same_month_filed_twice_at_once(transactional_db: Any, city: Any, pairing: Any) -> None:  # noqa: F811
    def file() -> Any:
        return services.feedback_file(
            actor=city.secretary,
            pairing=pairing,
            year=2026,
            month=10,
            now=local(2026, 11, 3, 9),
            **DATA,
        )

    outcomes = race([file, file])
    assert sorted(outcomes) == ["already_filed", "ok"]
    assert FeedbackForm.objects.count() == 1
