"""揭榜挂帅 services: each transition, the one-claim rule, permissions and bad input (nothing
written when refused)."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from types import SimpleNamespace
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.needs import services
from qingshe.needs.models import BountyClaim, Need, NeedEvent, ProjectGroup
from qingshe.needs.tests.bounty_fixtures import PLAN, bounty, other_university, post_bounty  # noqa: F401
from qingshe.orgs.models import OrgKind
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory


def _state(need: Need) -> str:
    need.refresh_from_db()
    return need.state


def _to(need: Need, state: str, actor: Any) -> None:
    """Moves that belong to other services (reporting done, verifying), made the same way."""
    with transaction.atomic():
        services.need_move(need=services.need_lock(need.pk), to=state, actor=actor)


def test_department_claims_and_carries_it_out_itself(
    city: SimpleNamespace, bounty: Need, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        claim = services.bounty_claim(
            actor=city.department_admin, need=bounty, claimant=city.department, plan=PLAN
        )
    assert (
        claim.state == "active"
        and claim.assigned_org == city.department
        and claim.assigned_group is None
    )
    assert claim.claimed_by == city.department_admin and claim.plan == PLAN
    assert _state(bounty) == "claimed"
    event = NeedEvent.objects.filter(need=bounty).latest("pk")
    assert (event.from_state, event.to_state, event.actor) == (
        "accepted",
        "claimed",
        city.department_admin,
    )
    assert event.data["claim"] == claim.pk
    assert AuditEvent.objects.filter(action="bounty.claim", object_id=str(claim.pk)).exists()
    told = Notification.objects.get(user=city.staff, kind="bounty.claimed")
    assert "经管系团委" in told.title and told.url == f"/resources/bounties/{bounty.pk}/"
    # The claimant is not told of their own claim.
    assert not Notification.objects.filter(user=city.department_admin).exists()


def test_university_claims_for_a_branch_group(
    city: SimpleNamespace,
    bounty: Need,
    group: ProjectGroup,
    instructor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        claim = services.bounty_claim(
            actor=city.university_admin, need=bounty, claimant=city.university, group=group
        )
    # A group alone names its department; the bounty becomes the group's linked need.
    assert claim.assigned_org == city.department and claim.assigned_group == group
    bounty.refresh_from_db()
    assert bounty.project_group == group
    assert {n.user for n in Notification.objects.filter(kind="bounty.assigned")} >= {
        city.secretary,
        instructor,
        city.department_admin,
    }


def test_university_may_claim_without_naming_a_department_yet(
    city: SimpleNamespace, bounty: Need
) -> None:
    claim = services.bounty_claim(
        actor=city.university_admin, need=bounty, claimant=city.university
    )
    assert claim.assigned_org is None and claim.assigned_group is None


def test_second_claim_is_refused_and_writes_nothing(
    city: SimpleNamespace, bounty: Need, other_university: SimpleNamespace
) -> None:
    services.bounty_claim(actor=city.department_admin, need=bounty, claimant=city.department)
    events = NeedEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        services.bounty_claim(
            actor=other_university.admin, need=bounty, claimant=other_university.university
        )
    assert exc.value.code == "bounty_taken"
    with pytest.raises(Conflict) as exc:
        services.bounty_claim(actor=city.university_admin, need=bounty, claimant=city.university)
    assert exc.value.code == "bounty_taken"
    assert BountyClaim.objects.count() == 1 and NeedEvent.objects.count() == events
    assert _state(bounty) == "claimed"


def test_the_database_allows_one_active_claim(city: SimpleNamespace, bounty: Need) -> None:
    services.bounty_claim(actor=city.department_admin, need=bounty, claimant=city.department)
    with pytest.raises(IntegrityError), transaction.atomic():
        BountyClaim.objects.create(need=bounty, claimant=city.university)


def test_only_accepted_bounties_can_be_claimed(city: SimpleNamespace) -> None:
    plain = services.need_submit(
        actor=city.staff,
        community=city.community,
        title="打扫楼道",
        project_type="governance",
        service_field="ecology",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.bounty_claim(actor=city.department_admin, need=plain, claimant=city.department)
    assert exc.value.code == "not_a_bounty"
    waiting = services.need_submit(
        actor=city.staff,
        community=city.community,
        title="社区调查",
        project_type="survey",
        service_field="governance",
        is_bounty=True,
    )
    with pytest.raises(Conflict) as exc:
        services.bounty_claim(actor=city.department_admin, need=waiting, claimant=city.department)
    assert exc.value.code == "bounty_not_open"
    assert not BountyClaim.objects.exists()


@pytest.mark.parametrize("who", ["secretary", "student", "staff", "league_admin", "resident"])
def test_only_university_and_department_admins_claim(
    city: SimpleNamespace, bounty: Need, who: str
) -> None:
    with pytest.raises(AccessDenied):
        services.bounty_claim(actor=getattr(city, who), need=bounty, claimant=city.department)
    assert not BountyClaim.objects.exists() and _state(bounty) == "accepted"


def test_claimant_must_be_one_the_actor_administers(
    city: SimpleNamespace, bounty: Need, other_university: SimpleNamespace
) -> None:
    # A department admin cannot claim in the university's name, nor another university's.
    with pytest.raises(AccessDenied):
        services.bounty_claim(actor=city.department_admin, need=bounty, claimant=city.university)
    with pytest.raises(AccessDenied):
        services.bounty_claim(actor=other_university.admin, need=bounty, claimant=city.department)
    with pytest.raises(ValidationFailed) as exc:
        services.bounty_claim(actor=city.secretary, need=bounty, claimant=city.branch)
    assert exc.value.field == "claimant"
    assert not BountyClaim.objects.exists()


def test_assignment_must_stay_in_the_claimants_tree(
    city: SimpleNamespace, bounty: Need, other_university: SimpleNamespace, dept_group: ProjectGroup
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.bounty_claim(
            actor=city.university_admin,
            need=bounty,
            claimant=city.university,
            assigned_org=other_university.department,
        )
    assert (exc.value.code, exc.value.field) == ("invalid_assignee", "assigned_org")
    with pytest.raises(ValidationFailed) as exc:  # a branch is not a department
        services.bounty_claim(
            actor=city.university_admin,
            need=bounty,
            claimant=city.university,
            assigned_org=city.branch,
        )
    assert exc.value.code == "invalid_assignee"
    foreign = services.project_group_create(
        actor=other_university.admin,
        owner=other_university.department,
        name="护理项目组",
        goal="健康讲座",
        project_type="governance",
        service_field="health",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.bounty_claim(
            actor=city.university_admin, need=bounty, claimant=city.university, group=foreign
        )
    assert (exc.value.code, exc.value.field) == ("invalid_group", "group")
    services.project_group_close(actor=city.department_admin, group=dept_group)
    with pytest.raises(Conflict) as exc:
        services.bounty_claim(
            actor=city.university_admin, need=bounty, claimant=city.university, group=dept_group
        )
    assert exc.value.code == "group_closed"
    with pytest.raises(ValidationFailed) as exc:
        services.bounty_claim(
            actor=city.department_admin, need=bounty, claimant=city.department, plan="很长" * 2001
        )
    assert exc.value.code == "plan_too_long"
    assert not BountyClaim.objects.exists() and _state(bounty) == "accepted"


def test_a_bounty_of_another_city_cannot_be_claimed(city: SimpleNamespace) -> None:
    o = OrganisationFactory
    far = o(kind=OrgKind.CITY_COMMITTEE, name="共青团远方市委员会")
    district = o(kind=OrgKind.DISTRICT_COMMITTEE, name="远方区团委", parent=far)
    street = o(kind=OrgKind.STREET, name="远方街道", parent=district)
    community = o(kind=OrgKind.COMMUNITY, name="远方社区", parent=street)
    staff = UserFactory(name="远方社工")
    MembershipFactory(user=staff, org=community, role="community_staff")
    need = post_bounty(city, community=community, actor=staff)
    with pytest.raises(ValidationFailed) as exc:
        services.bounty_claim(actor=city.university_admin, need=need, claimant=city.university)
    assert exc.value.code == "invalid_claimant"


def test_start_by_those_who_carry_it_out(
    city: SimpleNamespace,
    bounty: Need,
    group: ProjectGroup,
    instructor: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.bounty_claim(
        actor=city.university_admin, need=bounty, claimant=city.university, group=group
    )
    for outsider in (city.student, city.staff, city.other_staff):
        with pytest.raises(AccessDenied):
            services.bounty_start(actor=outsider, need=bounty)
    assert _state(bounty) == "claimed"
    with django_capture_on_commit_callbacks(execute=True):
        services.bounty_start(actor=instructor, need=bounty)
    assert _state(bounty) == "in_progress"
    assert Notification.objects.filter(user=city.staff, kind="bounty.started").exists()
    with pytest.raises(Conflict) as exc:
        services.bounty_start(actor=city.secretary, need=bounty)
    assert exc.value.code == "invalid_state"


def test_start_needs_a_claim(city: SimpleNamespace, bounty: Need) -> None:
    with pytest.raises(Conflict) as exc:
        services.bounty_start(actor=city.department_admin, need=bounty)
    assert exc.value.code == "bounty_not_claimed"


def test_assign_hands_it_to_another_group(
    city: SimpleNamespace, bounty: Need, group: ProjectGroup, dept_group: ProjectGroup
) -> None:
    services.bounty_claim(
        actor=city.university_admin, need=bounty, claimant=city.university, group=group
    )
    with pytest.raises(AccessDenied):
        services.bounty_assign(actor=city.secretary, need=bounty, group=dept_group)
    claim = services.bounty_assign(actor=city.university_admin, need=bounty, group=dept_group)
    assert claim.assigned_group == dept_group and claim.assigned_org == city.department
    bounty.refresh_from_db()
    assert bounty.project_group == dept_group
    assert AuditEvent.objects.filter(action="bounty.assign").count() == 1
    # The same again changes nothing and records nothing.
    services.bounty_assign(actor=city.university_admin, need=bounty, group=dept_group)
    assert AuditEvent.objects.filter(action="bounty.assign").count() == 1
    with pytest.raises(ValidationFailed) as exc:
        services.bounty_assign(actor=city.university_admin, need=bounty)
    assert exc.value.code == "assignee_required"
    claim = services.bounty_assign(
        actor=city.university_admin, need=bounty, assigned_org=city.department
    )
    assert claim.assigned_group is None
    bounty.refresh_from_db()
    assert bounty.project_group is None


def test_withdraw_opens_it_again_for_others(
    city: SimpleNamespace,
    bounty: Need,
    group: ProjectGroup,
    other_university: SimpleNamespace,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.bounty_claim(
        actor=city.university_admin, need=bounty, claimant=city.university, group=group
    )
    services.bounty_start(actor=city.secretary, need=bounty)
    with pytest.raises(ValidationFailed) as exc:
        services.bounty_withdraw(actor=city.university_admin, need=bounty, reason="  ")
    assert exc.value.code == "reason_required"
    with pytest.raises(AccessDenied):
        services.bounty_withdraw(actor=other_university.admin, need=bounty, reason="不想做")
    assert _state(bounty) == "in_progress"
    with django_capture_on_commit_callbacks(execute=True):
        claim = services.bounty_withdraw(
            actor=city.university_admin, need=bounty, reason="专业不对口"
        )
    assert claim.state == "withdrawn" and claim.reason == "专业不对口"
    assert _state(bounty) == "accepted"
    bounty.refresh_from_db()
    assert bounty.project_group is None
    assert Notification.objects.filter(user=city.staff, kind="bounty.withdrawn").exists()
    # Open again: another university takes it up.
    again = services.bounty_claim(
        actor=other_university.admin, need=bounty, claimant=other_university.university
    )
    assert again.state == "active"
    assert list(
        BountyClaim.objects.filter(need=bounty).values_list("state", flat=True).order_by("pk")
    ) == [
        "withdrawn",
        "active",
    ]
    # The first claimant has no say over the new claim.
    with pytest.raises(AccessDenied):
        services.bounty_withdraw(actor=city.university_admin, need=bounty, reason="再试")


def test_the_community_takes_a_claim_back(
    city: SimpleNamespace, bounty: Need, django_capture_on_commit_callbacks: Any
) -> None:
    services.bounty_claim(actor=city.department_admin, need=bounty, claimant=city.department)
    with pytest.raises(AccessDenied):
        services.bounty_withdraw(actor=city.other_staff, need=bounty, reason="无关")
    with django_capture_on_commit_callbacks(execute=True):
        services.bounty_withdraw(actor=city.staff, need=bounty, reason="两周没有进展")
    assert _state(bounty) == "accepted"
    assert Notification.objects.filter(user=city.department_admin, kind="bounty.withdrawn").exists()


def test_no_withdraw_once_reported_done(city: SimpleNamespace, bounty: Need) -> None:
    services.bounty_claim(actor=city.department_admin, need=bounty, claimant=city.department)
    services.bounty_start(actor=city.department_admin, need=bounty)
    _to(bounty, "claimed_done", city.department_admin)
    with pytest.raises(Conflict):
        services.bounty_withdraw(actor=city.department_admin, need=bounty, reason="算了")
    assert BountyClaim.objects.get().state == "active"


def test_mark_done_after_verification(
    city: SimpleNamespace, bounty: Need, django_capture_on_commit_callbacks: Any
) -> None:
    assert services.bounty_mark_done(need=bounty) is None  # no claim: nothing to do
    claim = services.bounty_claim(
        actor=city.university_admin,
        need=bounty,
        claimant=city.university,
        assigned_org=city.department,
    )
    services.bounty_start(actor=city.department_admin, need=bounty)
    _to(bounty, "claimed_done", city.department_admin)
    with pytest.raises(Conflict) as exc:
        services.bounty_mark_done(need=bounty, actor=city.staff)
    assert exc.value.code == "bounty_not_verified"
    _to(bounty, "verified", city.staff)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.bounty_mark_done(need=bounty, actor=city.staff)
    assert done is not None and done.pk == claim.pk and done.state == "done"
    assert Notification.objects.filter(user=city.university_admin, kind="bounty.done").exists()
    assert Notification.objects.filter(user=city.department_admin, kind="bounty.done").exists()
