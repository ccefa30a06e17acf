"""Services of the care app: beneficiaries with consent, relationships with hand-over, visits
confirmed into the hours ledger, concerns with priority, campaigns; bad input writes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.care import sealing, selectors, services
from qingshe.care.models import Assignment, Beneficiary, Consent, HelpRelationship, Visit
from qingshe.care.services import ConsentIn
from qingshe.care.tests.conftest import CHILD_ID, child_kwargs, past
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.credit.models import LedgerEntry
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory


def test_beneficiary_is_sealed_with_consent(care: Any) -> None:
    child = Beneficiary.objects.get(pk=care.child.pk)
    raw = bytes(child.sealed)
    assert "林小雨".encode() not in raw and CHILD_ID.encode() not in raw
    assert child.name_masked == "林**"
    assert child.birth_date.isoformat() == "2015-05-12"
    data = sealing.unseal(child.sealed, context=sealing.BENEFICIARY_CONTEXT)
    assert data["name"] == "林小雨" and data["guardian_name"] == "林大山"
    consent = Consent.objects.get(beneficiary=child)
    assert consent.given_by == "guardian" and consent.guardian_relation == "祖父"
    event = AuditEvent.objects.get(action="care.beneficiary.create")
    assert "林小雨" not in str(event.data) and CHILD_ID not in str(event.data)


@pytest.mark.parametrize(
    ("over", "code"),
    [
        ({"consent": None}, "guardian_consent_required"),
        ({"consent": ConsentIn(given_by="self")}, "guardian_consent_required"),
        ({"guardian_phone": ""}, "guardian_phone_required"),
        ({"name": " "}, "name_required"),
        ({"id_number": "350402201505120011"}, "invalid_id_number"),
        ({"kind": "pet"}, "invalid_kind"),
    ],
)
def test_bad_beneficiary_writes_nothing(care: Any, over: dict[str, Any], code: str) -> None:
    before = Beneficiary.objects.count(), Consent.objects.count()
    base = {"id_number": "", "birth_date": timezone.localdate() - timedelta(days=365 * 8)}
    kwargs = child_kwargs(**{**base, **over})
    with pytest.raises(ValidationFailed) as exc:
        services.beneficiary_create(actor=care.care_staff, community=care.community, **kwargs)
    assert exc.value.code == code
    assert (Beneficiary.objects.count(), Consent.objects.count()) == before


def test_teenager_needs_guardian_too_but_adult_consents_self(care: Any) -> None:
    teen = timezone.localdate().replace(year=timezone.localdate().year - 16)
    with pytest.raises(ValidationFailed) as exc:
        services.beneficiary_create(
            actor=care.care_staff,
            community=care.community,
            **child_kwargs(id_number="", birth_date=teen, consent=ConsentIn(given_by="self")),
        )
    assert exc.value.code == "guardian_consent_required" and "18" in str(exc.value.message)
    elder = services.beneficiary_create(
        actor=care.care_staff,
        community=care.community,
        kind="elder_alone",
        name="王奶奶",
        birth_date=timezone.localdate().replace(year=1948),
        consent=ConsentIn(given_by="self"),
        lives_alone=True,
        guardian_name="",
        guardian_phone="",
    )
    assert elder.lives_alone


def test_only_care_role_records(care: Any) -> None:
    with pytest.raises(AccessDenied):
        services.beneficiary_create(
            actor=care.staff_without_care, community=care.community, **child_kwargs(id_number="")
        )


def test_duplicate_id_number_conflicts(care: Any) -> None:
    with pytest.raises(Conflict):
        services.beneficiary_create(
            actor=care.care_staff, community=care.community, **child_kwargs()
        )


def test_second_active_tutor_same_subject_is_refused(care: Any) -> None:
    today = timezone.localdate()
    with pytest.raises(Conflict) as exc:
        services.relationship_create(
            actor=care.care_staff,
            beneficiary=care.child,
            mode="one_to_one",
            helpers=[care.classmate],
            term_start=today,
            term_end=today + timedelta(days=300),
            goals="数学辅导",
            supervisor=care.supervisor,
            subject="数学",
        )
    assert exc.value.code == "duplicate_tutor"
    assert HelpRelationship.objects.count() == 1
    other = services.relationship_create(
        actor=care.care_staff,
        beneficiary=care.child,
        mode="one_to_one",
        helpers=[care.classmate],
        term_start=today,
        term_end=today + timedelta(days=300),
        goals="英语阅读",
        supervisor=care.supervisor,
        subject="英语",
    )
    assert other.subject == "英语"


def test_minor_volunteer_with_adult_living_alone_needs_supervisor(care: Any) -> None:
    from qingshe.accounts.models import ConsentRecord

    elder = services.beneficiary_create(
        actor=care.care_staff,
        community=care.community,
        kind="elder_alone",
        name="王奶奶",
        birth_date=timezone.localdate().replace(year=1948),
        consent=ConsentIn(given_by="self"),
        lives_alone=True,
    )
    young: Any = UserFactory(name="十七岁志愿者")
    young.birth_date = timezone.localdate().replace(year=timezone.localdate().year - 17)
    young.save(update_fields=["birth_date"])
    MembershipFactory(user=young, org=care.branch, role=Role.STUDENT)
    ConsentRecord.objects.create(
        user=young,
        purpose="volunteering",
        notice_version="1",
        guardian_name="父",
        guardian_relation="父亲",
    )
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as exc:
        services.relationship_create(
            actor=care.care_staff,
            beneficiary=elder,
            mode="one_to_one",
            helpers=[young],
            term_start=today,
            term_end=today + timedelta(days=100),
            goals="每周陪伴聊天",
            supervisor=None,
        )
    assert exc.value.code == "supervisor_required"
    assert not HelpRelationship.objects.filter(beneficiary=elder).exists()
    ok = services.relationship_create(
        actor=care.care_staff,
        beneficiary=elder,
        mode="one_to_one",
        helpers=[young],
        term_start=today,
        term_end=today + timedelta(days=100),
        goals="每周陪伴聊天",
        supervisor=care.supervisor,
    )
    assert ok.supervisor == care.supervisor


def test_weekly_sessions_confirmed_flow_to_the_ledger(
    care: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        visits = [
            services.visit_log(
                actor=care.tutor,
                relationship=care.relationship,
                started_at=past(7 * w + 1),
                minutes=90,
                done="讲解分数加减法，检查作业",
                observations="孩子情绪稳定",
            )
            for w in range(4)
        ]
    assert not LedgerEntry.objects.filter(
        user=care.tutor
    ).exists()  # not before the supervisor confirms
    assert Notification.objects.filter(user=care.supervisor, kind="care.visit").count() == 4
    for v in visits:
        services.visit_confirm(actor=care.supervisor, visit=v)
    entries = LedgerEntry.objects.filter(user=care.tutor).order_by("seq")
    assert [e.hours for e in entries] == [Decimal("1.5")] * 4
    assert all("林" not in e.content and "林" not in e.activity_title for e in entries)
    assert Visit.objects.filter(state="confirmed").count() == 4
    stats = selectors.stats_for_user(user=care.league_admin)
    assert stats is not None and stats["hours"] == Decimal("6.0") and stats["helped"] == 1
    with pytest.raises(Conflict):
        services.visit_confirm(actor=care.supervisor, visit=visits[0])


def test_visit_by_someone_not_assigned_writes_nothing(care: Any) -> None:
    with pytest.raises(NotFound):
        services.visit_log(
            actor=care.classmate,
            relationship=care.relationship,
            started_at=past(),
            minutes=60,
            done="辅导作业",
        )
    with pytest.raises(AccessDenied) as exc:
        services.visit_log(
            actor=care.supervisor,
            relationship=care.relationship,
            started_at=past(),
            minutes=60,
            done="辅导作业",
        )
    assert exc.value.code == "not_assigned"
    assert not Visit.objects.exists()


def test_only_supervisor_confirms(care: Any) -> None:
    visit = services.visit_log(
        actor=care.tutor,
        relationship=care.relationship,
        started_at=past(),
        minutes=60,
        done="辅导作业",
    )
    with pytest.raises(AccessDenied):
        services.visit_confirm(actor=care.care_staff, visit=visit)
    with pytest.raises(NotFound):
        services.visit_confirm(actor=care.classmate, visit=visit)
    assert not LedgerEntry.objects.exists()


def test_concern_alerts_supervisor_urgently(
    care: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.visit_log(
            actor=care.tutor,
            relationship=care.relationship,
            started_at=past(),
            minutes=60,
            done="辅导作业",
            concern="孩子手臂有淤青，说是被打的",
        )
    note = Notification.objects.get(user=care.supervisor, kind="care.concern.urgent")
    assert "紧急" in note.title and "林" not in note.title
    assert Notification.objects.filter(user=care.care_staff, kind="care.concern.urgent").exists()
    concern = selectors.concerns_open_for_user(user=care.supervisor).get()
    assert selectors.concern_text(concern) == "孩子手臂有淤青，说是被打的"
    services.concern_handle(actor=care.supervisor, concern=concern, note="已联系监护人和派出所")
    assert not selectors.concerns_open_for_user(user=care.supervisor).exists()


def test_hand_over_keeps_history_and_ends_visibility(care: Any) -> None:
    visit = services.visit_log(
        actor=care.tutor,
        relationship=care.relationship,
        started_at=past(),
        minutes=60,
        done="辅导作业",
    )
    services.relationship_hand_over(
        actor=care.care_staff,
        relationship=care.relationship,
        new_helper=care.next_tutor,
        reason="毕业离校",
    )
    history = selectors.assignment_history(care.relationship)
    assert [(a.helper, a.ended_on is None) for a in history] == [
        (care.tutor, False),
        (care.next_tutor, True),
    ]
    assert history[0].end_reason == "毕业离校"
    assert visit.relationship_id == care.relationship.pk
    with pytest.raises(NotFound):
        selectors.beneficiary_get_for_user(
            user=care.tutor, beneficiary_id=care.child.pk, why="test"
        )
    assert selectors.beneficiary_get_for_user(
        user=care.next_tutor, beneficiary_id=care.child.pk, why="test"
    )
    with pytest.raises(NotFound):
        services.visit_log(
            actor=care.tutor,
            relationship=care.relationship,
            started_at=past(2),
            minutes=60,
            done="辅导作业",
        )


def test_end_needs_reason_and_ends_assignments(care: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.relationship_set_status(
            actor=care.care_staff, relationship=care.relationship, status="ended"
        )
    services.relationship_set_status(
        actor=care.care_staff, relationship=care.relationship, status="ended", reason="家庭搬迁"
    )
    assert not Assignment.objects.filter(ended_on__isnull=True).exists()


def test_reveal_needs_reason_for_supervisor_and_is_audited(care: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.beneficiary_reveal(actor=care.supervisor, beneficiary=care.child, reason="")
    assert exc.value.code == "reason_required"
    data = services.beneficiary_reveal(
        actor=care.supervisor, beneficiary=care.child, reason="核实监护人联系方式"
    )
    assert data["name"] == "林小雨" and data["guardian_phone"] == "139****4321"
    assert data["id_number"].startswith("350402") and "*" in data["id_number"]
    event = AuditEvent.objects.filter(action="care.beneficiary.reveal").latest("pk")
    assert event.actor == care.supervisor and event.data["reason"] == "核实监护人联系方式"
    assert services.beneficiary_reveal(actor=care.tutor, beneficiary=care.child)["name"] == "林小雨"


def test_campaign_households_only_for_the_assigned(care: Any) -> None:
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=care.care_staff,
        community=care.community,
        kind="spring_festival",
        title="2027年春节慰问",
        starts_on=today,
        ends_on=today + timedelta(days=10),
    )
    household = services.household_add(
        actor=care.care_staff,
        campaign=campaign,
        beneficiary=care.child,
        volunteers=[care.classmate],
    )
    assert list(selectors.households_for_user(user=care.classmate, campaign=campaign)) == [
        household
    ]
    assert selectors.campaigns_for_user(user=care.student2).count() == 0
    with pytest.raises(NotFound):
        services.household_record(
            actor=care.student2, household=household, given="米面油", visited_on=today
        )
    services.household_record(
        actor=care.classmate, household=household, given="米面油一套", visited_on=today
    )
