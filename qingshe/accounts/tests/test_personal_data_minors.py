"""PIPL art. 31 (issue 11 item 6): a minor's data is processed only with a guardian's consent.
Registration (under 14), duty sign-up, dispatch and care already check it (accounts, duty,
needs.dispatch, care.relationships); joining a project group did not — the gap closed here."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts import services as accounts
from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.errors import ValidationFailed
from qingshe.core.tests.helpers import make_id_number
from qingshe.needs import services as needs
from qingshe.needs.models import ProjectMember
from qingshe.needs.tests.conftest import STATEMENT, group, instructor  # noqa: F401  (fixtures)
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory


def _aged(years: int) -> str:
    today = timezone.localdate()
    return make_id_number(date(today.year - years, 1, 1))


@pytest.fixture
def minor(city: SimpleNamespace) -> Any:
    """A 16-year-old student of city.branch, no guardian consent on file."""
    user = UserFactory(name="未成年学生", id_number=_aged(16))
    MembershipFactory(user=user, org=city.branch, role=Role.STUDENT)
    return user


def test_a_minor_joins_a_project_group_only_with_a_guardians_consent(
    city: SimpleNamespace,
    minor: Any,
    group: Any,  # noqa: F811
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        needs.project_join_apply(actor=minor, group=group, statement=STATEMENT)
    assert exc.value.code == "guardian_consent_required"
    assert str(exc.value.message) == "未满18周岁的志愿者须有监护人同意书备案。"
    assert not ProjectMember.objects.filter(user=minor).exists()
    accounts.consent_give(
        actor=city.secretary,
        user=minor,
        purpose="volunteering",
        guardian=accounts.GuardianConsent(guardian_name="王父", guardian_relation="父亲"),
    )
    member = needs.project_join_apply(actor=minor, group=group, statement=STATEMENT)
    assert member.user == minor
    # an adult student needs no guardian
    assert (
        needs.project_join_apply(actor=city.student, group=group, statement=STATEMENT).user
        == city.student
    )


def test_a_child_under_14_is_recorded_only_with_a_guardians_consent(city: SimpleNamespace) -> None:
    with pytest.raises(ValidationFailed) as exc:
        accounts.user_create(name="小朋友", phone="13911112222", id_number=_aged(12))
    assert exc.value.code == "guardian_consent_required"
    child = accounts.user_create(
        name="小朋友",
        phone="13911112222",
        id_number=_aged(12),
        guardian_consent=accounts.GuardianConsent(guardian_name="李母", guardian_relation="母亲"),
    )
    assert accounts.has_guardian_consent(child)


def test_duty_and_the_consent_page_ask_for_the_guardian(city: SimpleNamespace, minor: Any) -> None:
    from datetime import timedelta

    from qingshe.duty import services as duty

    activity = duty.activity_create(
        actor=city.staff,
        organiser=city.community,
        title="敬老院陪伴",
        mode="regular",
        place="白沙社区服务站",
        description="陪老人聊天。",
        requires_insurance=False,
    )
    start = timezone.now() + timedelta(days=3)
    shift = duty.shift_add(
        actor=city.staff,
        activity=activity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=5,
    )
    assert "guardian_consent_required" in [
        c for c, _m in duty.eligibility_problems(user=minor, shift=shift)
    ]
    # the person's own consent does not do for a minor: the guardian's is asked for
    with pytest.raises(ValidationFailed) as exc:
        accounts.consent_give(actor=minor, user=minor, purpose="privacy_notice")
    assert exc.value.code == "guardian_consent_required"
