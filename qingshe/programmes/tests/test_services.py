from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.programmes import services
from qingshe.programmes.models import BranchApplication, Pairing, Programme
from qingshe.programmes.tests.conftest import STATEMENT


def _commit_hooks(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    return django_capture_on_commit_callbacks(execute=True)


# --- programme ----------------------------------------------------------------------------------
def test_programme_create_by_league_admin(city, programme) -> None:
    assert programme.branch_quota_pct == 25 and programme.min_services_per_month == 2
    assert programme.cases_per_department == 3
    assert set(programme.scope.all()) == {city.university, city.district, city.other_district}
    assert AuditEvent.objects.filter(action="programme.create", actor=city.league_admin).exists()


def test_programme_create_refused_for_others_and_bad_deadlines(city) -> None:
    kwargs = dict(
        owner=city.city,
        name="计划",
        year=2026,
        scope=[city.university],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    for outsider in (city.district_admin, city.university_admin, city.student):
        with pytest.raises(AccessDenied):
            services.programme_create(actor=outsider, **kwargs)
    with pytest.raises(ValidationFailed) as err:
        services.programme_create(
            actor=city.league_admin, **{**kwargs, "start_deadline": date(2026, 11, 1)}
        )
    assert err.value.code == "invalid_deadlines"
    with pytest.raises(ValidationFailed):
        services.programme_create(actor=city.league_admin, **{**kwargs, "branch_quota_pct": 120})
    with pytest.raises(ValidationFailed):
        services.programme_create(actor=city.league_admin, **{**kwargs, "owner": city.university})
    assert not Programme.objects.exists()


def test_call_window_must_be_ordered(city, programme) -> None:
    now = timezone.now()
    with pytest.raises(ValidationFailed):
        services.call_open(
            actor=city.league_admin,
            programme=programme,
            title="招募",
            criteria="",
            opens_at=now,
            closes_at=now,
        )


# --- applications -------------------------------------------------------------------------------
def test_application_goes_through_every_step_and_notifies_next_actor(
    city, call, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_submit(
            actor=city.secretary,
            call=call,
            branch=city.branch,
            statement=STATEMENT,
            excellent_branch=True,
        )
    assert Notification.objects.filter(
        user=city.department_admin, kind="application.to_recommend"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_recommend(actor=city.department_admin, application=app)
    assert Notification.objects.filter(
        user=city.university_admin, kind="application.to_review"
    ).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(actor=city.university_admin, application=app)
    assert Notification.objects.filter(user=city.league_admin, kind="application.reviewed").exists()
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_approve(actor=city.league_admin, application=app)
    assert app.state == BranchApplication.State.CONFIRMED
    assert Notification.objects.filter(user=city.secretary, kind="application.confirmed").exists()
    actions = list(
        AuditEvent.objects.filter(object_type="programmes.branchapplication").values_list(
            "action", flat=True
        )
    )
    assert set(actions) == {
        "application.submit",
        "application.recommend",
        "application.reviewed",
        "application.confirmed",
    }


def test_each_step_is_for_its_own_role(city, call) -> None:
    app = services.application_submit(
        actor=city.secretary, call=call, branch=city.branch, statement=STATEMENT
    )
    for wrong in (city.secretary, city.university_admin, city.league_admin, city.staff):
        with pytest.raises(AccessDenied):
            services.application_recommend(actor=wrong, application=app)
    services.application_recommend(actor=city.department_admin, application=app)
    with pytest.raises(AccessDenied):
        services.application_approve(actor=city.department_admin, application=app)
    with pytest.raises(AccessDenied):
        services.application_approve(
            actor=city.league_admin, application=app
        )  # not yet the committee's turn
    app.refresh_from_db()
    assert app.state == BranchApplication.State.RECOMMENDED


def test_secretary_cannot_apply_for_another_branch(city, call) -> None:
    with pytest.raises(AccessDenied):
        services.application_submit(
            actor=city.secretary, call=call, branch=city.branch2, statement=STATEMENT
        )
    assert not BranchApplication.objects.exists()


def test_application_outside_window_is_refused(city, call) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.application_submit(
            actor=city.secretary,
            call=call,
            branch=city.branch,
            statement=STATEMENT,
            now=call.closes_at + timedelta(seconds=1),
        )
    assert err.value.code == "outside_window"
    assert not BranchApplication.objects.exists()


def test_duplicate_application_and_short_statement(city, call) -> None:
    with pytest.raises(ValidationFailed):
        services.application_submit(
            actor=city.secretary, call=call, branch=city.branch, statement="想参加"
        )
    services.application_submit(
        actor=city.secretary, call=call, branch=city.branch, statement=STATEMENT
    )
    with pytest.raises(Conflict):
        services.application_submit(
            actor=city.department_admin, call=call, branch=city.branch, statement=STATEMENT
        )
    assert BranchApplication.objects.count() == 1


def test_return_with_reason_then_resubmit(city, call, django_capture_on_commit_callbacks) -> None:
    app = services.application_submit(
        actor=city.secretary, call=call, branch=city.branch, statement=STATEMENT
    )
    with pytest.raises(ValidationFailed):
        services.application_reject(actor=city.department_admin, application=app, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_reject(
            actor=city.department_admin, application=app, reason="请补充荣誉证明"
        )
    assert app.state == BranchApplication.State.RETURNED and app.last_reason == "请补充荣誉证明"
    assert (
        Notification.objects.get(user=city.secretary, kind="application.returned").body
        == "请补充荣誉证明"
    )
    app = services.application_resubmit(
        actor=city.secretary,
        application=app,
        statement=STATEMENT + "已补充。",
        excellent_class=True,
    )
    assert app.state == BranchApplication.State.SUBMITTED and app.excellent_class


def test_confirmed_application_cannot_be_rejected(city, call) -> None:
    app = services.application_submit(
        actor=city.secretary, call=call, branch=city.branch, statement=STATEMENT
    )
    services.application_recommend(actor=city.department_admin, application=app)
    services.application_approve(actor=city.university_admin, application=app)
    services.application_approve(actor=city.league_admin, application=app)
    with pytest.raises(Conflict):
        services.application_reject(actor=city.league_admin, application=app, reason="晚了")


# --- pairings -----------------------------------------------------------------------------------
def _propose(city, programme, **kw):  # type: ignore[no-untyped-def]
    args = dict(
        actor=city.secretary,
        programme=programme,
        unit=city.branch,
        community=city.community,
        term_start=date(2026, 11, 1),
        term_end=date(2027, 7, 1),
    )
    args.update(kw)
    return services.pairing_propose(**args)


def test_pairing_life_cycle(city, programme, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        pairing = _propose(city, programme, suggestion_reasons=["距离 1.2 公里"])
    assert Notification.objects.filter(user=city.league_admin, kind="pairing.to_approve").exists()
    with django_capture_on_commit_callbacks(execute=True):
        pairing = services.pairing_approve(actor=city.league_admin, pairing=pairing)
    assert {n.user for n in Notification.objects.filter(kind="pairing.to_confirm")} == {
        city.secretary,
        city.staff,
    }
    pairing = services.pairing_confirm(actor=city.secretary, pairing=pairing, side="unit")
    assert pairing.state == Pairing.State.APPROVED
    pairing = services.pairing_confirm(actor=city.staff, pairing=pairing, side="community")
    assert pairing.state == Pairing.State.ACTIVE and pairing.started_at is not None
    services.service_record(
        actor=city.staff,
        pairing=pairing,
        held_on=timezone.localdate(),
        title="社区环境整治",
        participants=12,
    )
    pairing = services.pairing_end(actor=city.league_admin, pairing=pairing, reason="学期结束")
    assert pairing.state == Pairing.State.ENDED


def test_pairing_bad_input_writes_nothing(city, programme) -> None:
    with pytest.raises(ValidationFailed) as err:
        _propose(city, programme, term_start=date(2027, 1, 1), term_end=date(2026, 12, 1))
    assert err.value.code == "invalid_term"
    with pytest.raises(ValidationFailed):
        _propose(city, programme, community=city.university)
    with pytest.raises(ValidationFailed):
        _propose(city, programme, unit=city.community)
    assert not Pairing.objects.exists()


def test_second_live_pairing_of_same_sides_is_refused(city, programme) -> None:
    first = _propose(city, programme)
    with pytest.raises(Conflict) as err:
        _propose(city, programme)
    assert err.value.code == "duplicate_pairing"
    services.pairing_reject(actor=city.league_admin, pairing=first, reason="社区已有共建单位")
    _propose(city, programme)  # a rejected pairing no longer blocks a new proposal
    assert Pairing.objects.count() == 2


def test_live_pairing_uniqueness_is_a_database_constraint(city, programme) -> None:
    from django.db import IntegrityError

    first = _propose(city, programme)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(
            programme=programme,
            unit=first.unit,
            community=first.community,
            term_start=first.term_start,
            term_end=first.term_end,
        )


def test_approval_by_someone_outside_the_subtree_is_refused(city, programme) -> None:
    pairing = _propose(city, programme)
    for outsider in (city.district_admin, city.university_admin, city.secretary, city.staff):
        with pytest.raises(AccessDenied):
            services.pairing_approve(actor=outsider, pairing=pairing)
    pairing.refresh_from_db()
    assert pairing.state == Pairing.State.PROPOSED


def test_each_side_confirms_only_for_itself(city, programme) -> None:
    pairing = services.pairing_approve(actor=city.league_admin, pairing=_propose(city, programme))
    with pytest.raises(AccessDenied):
        services.pairing_confirm(actor=city.staff, pairing=pairing, side="unit")
    with pytest.raises(AccessDenied):
        services.pairing_confirm(actor=city.other_staff, pairing=pairing, side="community")
    with pytest.raises(ValidationFailed):
        services.pairing_confirm(actor=city.staff, pairing=pairing, side="both")


def test_service_record_needs_active_pairing_and_past_date(city, programme) -> None:
    pairing = _propose(city, programme)
    with pytest.raises(Conflict):
        services.service_record(
            actor=city.secretary, pairing=pairing, held_on=date(2026, 11, 10), title="入户走访"
        )
    pairing = services.pairing_approve(actor=city.league_admin, pairing=pairing)
    services.pairing_confirm(actor=city.secretary, pairing=pairing, side="unit")
    pairing = services.pairing_confirm(actor=city.staff, pairing=pairing, side="community")
    with pytest.raises(ValidationFailed):
        services.service_record(
            actor=city.secretary,
            pairing=pairing,
            held_on=timezone.localdate() + timedelta(days=1),
            title="入户走访",
        )
    with pytest.raises(AccessDenied):
        services.service_record(
            actor=city.other_staff, pairing=pairing, held_on=date(2026, 11, 10), title="入户走访"
        )


def test_district_programme_committee_sees_and_confirms_city_university_applications(city) -> None:
    """A district's programme may have a university (under the city) in scope: the district's
    league admins must see and confirm its applications."""
    from qingshe.programmes import selectors

    programme = services.programme_create(
        actor=city.district_admin,
        owner=city.district,
        name="东湖区社区青春行动",
        year=2026,
        scope=[city.university],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    now = timezone.now()
    call = services.call_open(
        actor=city.district_admin,
        programme=programme,
        title="东湖区招募",
        criteria="",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=5),
    )
    app = services.application_submit(
        actor=city.secretary, call=call, branch=city.branch, statement=STATEMENT
    )
    services.application_recommend(actor=city.department_admin, application=app)
    services.application_approve(actor=city.university_admin, application=app)
    assert app in selectors.applications_waiting_for(user=city.district_admin)
    found = selectors.application_get_for_user(user=city.district_admin, application_id=app.pk)
    assert (
        services.application_approve(actor=city.district_admin, application=found).state
        == BranchApplication.State.CONFIRMED
    )
    # another district's admin sees nothing of it
    assert not selectors.application_list_for_user(user=city.other_staff).filter(pk=app.pk).exists()
