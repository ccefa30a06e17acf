"""Evaluations (月评月考): self, peer within the team, residents and community; who may give
which, once per activity, 1–5."""

from __future__ import annotations

import pytest

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.council import services
from qingshe.council.models import Evaluation
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_peer_within_the_team_only(city):
    c = city
    MembershipFactory(user=c.student2, org=c.branch, role=Role.STUDENT)
    e = services.evaluation_submit(
        actor=c.student,
        kind="peer",
        subject_org=c.branch,
        subject_user=c.student2,
        score=5,
        comment="<b>很负责</b>",
    )
    assert e.subject_user == c.student2 and e.comment == "<b>很负责</b>"
    with pytest.raises(ValidationFailed):
        services.evaluation_submit(
            actor=c.student, kind="peer", subject_org=c.branch, subject_user=c.student, score=5
        )
    with pytest.raises(AccessDenied):
        services.evaluation_submit(
            actor=c.resident, kind="peer", subject_org=c.branch, subject_user=c.student, score=5
        )


def test_self_is_about_oneself_and_community_by_its_staff(city):
    c = city
    e = services.evaluation_submit(
        actor=c.student, kind="self", subject_org=c.branch, subject_user=c.student2, score=3
    )
    assert e.subject_user == c.student  # a self-evaluation is always of the person giving it
    with pytest.raises(AccessDenied):
        services.evaluation_submit(actor=c.student2, kind="self", subject_org=c.branch, score=3)
    with pytest.raises(AccessDenied):
        services.evaluation_submit(
            actor=c.other_staff,
            kind="community",
            subject_org=c.branch,
            community=c.community,
            score=3,
        )
    services.evaluation_submit(
        actor=c.staff, kind="community", subject_org=c.branch, community=c.community, score=4
    )
    with pytest.raises(ValidationFailed):
        services.evaluation_submit(
            actor=c.staff, kind="community", subject_org=c.branch, community=c.community, score=0
        )
    assert Evaluation.objects.count() == 2


def test_once_per_activity_and_only_for_those_who_took_part(city):
    from datetime import timedelta

    from django.utils import timezone

    from qingshe.duty.models import Activity, Attendance, Shift

    c = city
    activity = Activity.objects.create(
        organiser=c.branch, title="智能手机课堂", mode="regular", state="published"
    )
    start = timezone.now() - timedelta(days=1)
    shift = Shift.objects.create(
        activity=activity, starts_at=start, ends_at=start + timedelta(hours=2), capacity=5
    )
    with pytest.raises(ValidationFailed) as exc:
        services.evaluation_submit(
            actor=c.student, kind="self", subject_org=c.branch, activity=activity, score=4
        )
    assert exc.value.code == "invalid_activity"
    Attendance.objects.create(
        shift=shift,
        user=c.student,
        checkin_at=start,
        checkin_method="roll_call",
        checkout_at=start + timedelta(hours=2),
    )
    services.evaluation_submit(
        actor=c.student, kind="self", subject_org=c.branch, activity=activity, score=4
    )
    with pytest.raises(Conflict):
        services.evaluation_submit(
            actor=c.student, kind="self", subject_org=c.branch, activity=activity, score=5
        )
    assert Evaluation.objects.count() == 1
