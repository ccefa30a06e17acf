"""My shifts exports the sign-ups the page shows (live ones, shifts not yet over; the page's days
become a column of each row); another person's sign-ups are never in it."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshe.core.tests.export_helpers import sheet
from qingshe.duty import services
from qingshe.programmes.models import Pairing
from qingshe.programmes.tests.conftest import programme  # noqa: F401  (fixture)


@pytest.fixture
def paired(city: SimpleNamespace, programme: Any) -> Pairing:  # noqa: F811
    """The department (so both students' branches) is paired with city.community."""
    return Pairing.objects.create(
        programme=programme,
        unit=city.department,
        community=city.community,
        state=Pairing.State.ACTIVE,
        term_start=date(2026, 1, 1),
        term_end=date(2027, 12, 31),
    )


def test_my_shifts_export_is_my_live_sign_ups_by_day(
    client: Any, city: SimpleNamespace, duty: SimpleNamespace, paired: Pairing
) -> None:
    later = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=duty.start + timedelta(days=1),
        ends_at=duty.start + timedelta(days=1, hours=3),
        capacity=5,
        leader=city.secretary,
    )
    third = services.shift_add(
        actor=city.staff,
        activity=duty.activity,
        starts_at=duty.start + timedelta(days=2),
        ends_at=duty.start + timedelta(days=2, hours=1),
        capacity=5,
        leader=city.secretary,
    )
    services.shift_sign_up(actor=city.student, shift=later)
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    cancelled = services.shift_sign_up(actor=city.student, shift=third)
    services.shift_cancel(actor=city.student, signup=cancelled)
    services.shift_sign_up(actor=city.student2, shift=third)
    url = reverse("duty:mine")
    client.force_login(city.student)
    assert "export=xlsx" in client.get(url).content.decode()
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0][:4] == ["日期", "开始", "结束", "活动"]
    start = timezone.localtime(duty.start)
    # soonest first, as on the page; the cancelled one is not shown, so not exported
    assert [r[0].date() for r in rows[1:]] == [duty.day, duty.day + timedelta(days=1)]
    assert rows[1][1:4] == [f"{start:%H:%M}", f"{start + timedelta(hours=2):%H:%M}", "敬老院陪伴"]
    # the other student: their own sign-up only
    client.force_login(city.student2)
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert [r[0].date() for r in rows[1:]] == [duty.day + timedelta(days=2)]
    # someone else: none of these rows
    client.force_login(city.other_resident)
    assert len(sheet(client.get(url, {"export": "xlsx"}))) == 1
