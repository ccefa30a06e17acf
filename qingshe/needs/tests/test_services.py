from datetime import timedelta

import pytest
from django.utils import timezone

from qingshe.core.errors import AccessDenied, ValidationFailed
from qingshe.needs.models import Need
from qingshe.needs.services import need_submit

BASE = {"title": "帮老人学用智能手机", "project_type": "governance", "service_field": "technology"}


def test_resident_orders_a_service(city) -> None:
    need = need_submit(
        actor=city.resident,
        community=city.community,
        work_kind="skilled",
        skills=["手机教学", " "],
        majors=["计算机科学与技术"],
        **BASE,
    )
    assert need.reporter == city.resident and need.entered_by == city.resident
    assert need.state == Need.State.SUBMITTED
    assert [s.name for s in need.skills.all()] == ["手机教学"]
    assert need.lat == city.community.lat


def test_staff_enter_on_behalf_and_post_bounties(city) -> None:
    need = need_submit(actor=city.staff, community=city.community, is_bounty=True, **BASE)
    assert need.reporter is None and need.entered_by == city.staff and need.is_bounty
    with pytest.raises(AccessDenied):
        need_submit(actor=city.resident, community=city.community, is_bounty=True, **BASE)


def test_outsiders_cannot_post(city) -> None:
    for outsider in (city.other_resident, city.other_staff, city.student):
        with pytest.raises(AccessDenied):
            need_submit(actor=outsider, community=city.community, **BASE)
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"people_needed": 0}, "invalid_people"),
        ({"people_needed": 10000}, "invalid_people"),
        ({"work_kind": "magic"}, "invalid_choice"),
        ({"title": "  "}, "title_required"),
    ],
)
def test_bad_input_writes_nothing(city, extra, code) -> None:
    with pytest.raises(ValidationFailed) as err:
        need_submit(actor=city.staff, community=city.community, **{**BASE, **extra})
    assert err.value.code == code
    assert not Need.objects.exists()


def test_dates_ordered_and_not_past(city) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationFailed):
        need_submit(
            actor=city.staff,
            community=city.community,
            starts_on=today + timedelta(days=5),
            ends_on=today + timedelta(days=1),
            **BASE,
        )
    with pytest.raises(ValidationFailed):
        need_submit(
            actor=city.staff,
            community=city.community,
            starts_on=today - timedelta(days=5),
            ends_on=today - timedelta(days=1),
            **BASE,
        )
    assert not Need.objects.exists()
