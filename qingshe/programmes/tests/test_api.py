"""The programmes API: /programmes, /calls, /applications, /pairings (happy paths, outsiders,
bad input with nothing written, pagination, languages, query counts)."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.api.tests.utils import api_client, assert_error
from qingshe.core.models import AuditEvent
from qingshe.orgs.models import OrgKind, Role
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory
from qingshe.programmes import services
from qingshe.programmes.models import (
    BranchApplication,
    Pairing,
    Programme,
    RecruitmentCall,
    ServiceRecord,
)
from qingshe.programmes.tests.conftest import STATEMENT

TERM = {"term_start": "2026-09-01", "term_end": "2027-07-01"}


def en(user: Any) -> Any:
    return api_client(user, language="en")


@pytest.fixture
def stranger(city: SimpleNamespace) -> Any:
    """A league admin of another city: sees nothing of this one."""
    other_city = OrganisationFactory(kind=OrgKind.CITY_COMMITTEE, name="共青团远方市委员会")
    user = UserFactory(name="外市管理员")
    MembershipFactory(user=user, org=other_city, role=Role.LEAGUE_ADMIN)
    return user


def _propose(
    city: SimpleNamespace, programme: Programme, unit: Any = None, community: Any = None
) -> Pairing:
    return services.pairing_propose(
        actor=city.league_admin,
        programme=programme,
        unit=unit or city.branch,
        community=community or city.community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )


@pytest.fixture
def proposed(city: SimpleNamespace, programme: Programme) -> Pairing:
    return _propose(city, programme)


@pytest.fixture
def approved(city: SimpleNamespace, proposed: Pairing) -> Pairing:
    return services.pairing_approve(actor=city.league_admin, pairing=proposed)


@pytest.fixture
def active(city: SimpleNamespace, approved: Pairing) -> Pairing:
    services.pairing_confirm(actor=city.secretary, pairing=approved, side="unit")
    return services.pairing_confirm(actor=city.staff, pairing=approved, side="community")


@pytest.fixture
def application(city: SimpleNamespace, call: RecruitmentCall) -> BranchApplication:
    return services.application_submit(
        actor=city.secretary, call=call, branch=city.branch, statement=STATEMENT
    )


def _programme_payload(city: SimpleNamespace, **changes: Any) -> dict[str, Any]:
    payload = {
        "owner": city.city.pk,
        "name": "2027年大学生社区实践计划",
        "year": 2027,
        "scope": [city.university.pk, city.district.pk],
        "pairing_deadline": "2027-11-15",
        "start_deadline": "2027-11-20",
        "case_deadline": "2027-12-31",
    }
    payload.update(changes)
    return payload


# --- programmes ---------------------------------------------------------------------------------
def test_programme_list_shape_and_year_filter(city, programme, stranger) -> None:
    body = en(city.league_admin).api_get("/programmes").json()
    assert set(body) == {"items", "count"} and body["count"] == 1
    item = body["items"][0]
    assert item["id"] == programme.pk and item["name"] == "大学生社区实践计划"
    assert item["owner"]["id"] == city.city.pk and item["state"] == "open"
    assert {o["id"] for o in item["scope"]} == {
        city.university.pk,
        city.district.pk,
        city.other_district.pk,
    }
    assert item["branch_quota_pct"] == 25.0 and item["pairing_deadline"] == "2026-11-15"
    assert en(city.league_admin).api_get("/programmes", {"year": 2025}).json() == {
        "items": [],
        "count": 0,
    }
    # the people of its scope see it; another city's admin does not
    assert en(city.student).api_get("/programmes").json()["count"] == 1
    assert en(stranger).api_get("/programmes").json()["count"] == 0


def test_programme_list_query_count_does_not_grow(
    city, programme, django_assert_max_num_queries
) -> None:
    client = en(city.league_admin)
    with django_assert_max_num_queries(7):
        assert client.api_get("/programmes").json()["count"] == 1
    for year in range(2015, 2025):
        services.programme_create(
            actor=city.league_admin,
            owner=city.city,
            name="往年计划",
            year=year,
            scope=[city.university, city.district],
            pairing_deadline=date(year, 11, 15),
            start_deadline=date(year, 11, 20),
            case_deadline=date(year, 12, 31),
        )
    with django_assert_max_num_queries(7):
        body = client.api_get("/programmes", {"page_size": 50}).json()
    assert body["count"] == 11 and all(len(p["scope"]) == 2 for p in body["items"][1:])


def test_programme_create(city) -> None:
    response = en(city.league_admin).api_post("/programmes", _programme_payload(city))
    assert response.status_code == 201, response.content
    body = response.json()
    programme = Programme.objects.get(pk=body["id"])
    assert programme.owner == city.city and programme.year == 2027
    assert set(programme.scope.all()) == {city.university, city.district}
    assert body["min_services_per_month"] == 2 and body["cases_per_department"] == 3
    assert AuditEvent.objects.filter(action="programme.create", actor=city.league_admin).exists()


def test_programme_create_with_a_scope_outside_the_callers_view_is_404(city) -> None:
    # the district's admin cannot see the university
    payload = _programme_payload(city, owner=city.district.pk, scope=[city.university.pk])
    body = assert_error(en(city.district_admin).api_post("/programmes", payload), 404, "not_found")
    assert body["field"] == "scope" and "青州学院" not in str(body)
    # an owner the caller cannot see
    payload = _programme_payload(city, owner=city.other_district.pk, scope=[city.district.pk])
    body = assert_error(en(city.district_admin).api_post("/programmes", payload), 404, "not_found")
    assert body["field"] == "owner"
    assert not Programme.objects.exists()


def test_programme_create_refused_to_others(city) -> None:
    for outsider in (city.university_admin, city.student, city.staff):
        response = en(outsider).api_post(
            "/programmes", _programme_payload(city, scope=[city.city.pk])
        )
        assert_error(response, 403, "forbidden")
    assert not Programme.objects.exists()


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"start_deadline": "2027-11-01"}, "invalid_deadlines", "start_deadline"),
        ({"branch_quota_pct": 120}, "invalid_quota", "branch_quota_pct"),
        ({"scope": []}, "scope_required", "scope"),
        ({"name": "  "}, "name_required", "name"),
        ({"year": 1999}, "invalid_year", "year"),
        ({"reminder_days": -1}, "invalid_input", "reminder_days"),
        ({"pairing_deadline": "15/11/2027"}, "invalid_input", "pairing_deadline"),
    ],
)
def test_programme_create_bad_input_writes_nothing(city, changes, code, field) -> None:
    response = en(city.league_admin).api_post("/programmes", _programme_payload(city, **changes))
    body = assert_error(response, 422, code)
    assert body["field"] == field
    assert not Programme.objects.exists()


def test_duplicate_programme_is_409(city, programme) -> None:
    payload = _programme_payload(city, name=programme.name, year=programme.year)
    assert_error(en(city.league_admin).api_post("/programmes", payload), 409, "duplicate_programme")
    assert Programme.objects.count() == 1


def test_programme_detail_and_404_outside(city, programme, stranger) -> None:
    body = en(city.staff).api_get(f"/programmes/{programme.pk}").json()
    assert body["id"] == programme.pk and body["state_label"] == "Open"
    for path in (f"/programmes/{programme.pk}", f"/programmes/{programme.pk}/compliance"):
        body = assert_error(en(stranger).api_get(path), 404, "not_found")
        assert "计划" not in str(body)
    assert_error(en(city.league_admin).api_get("/programmes/999999"), 404, "not_found")


# --- compliance ---------------------------------------------------------------------------------
def test_compliance_rows_and_pairing_lists(city, programme) -> None:
    # made and started well before the deadlines (the programme's are in November 2026)
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 9, 20, 2, tzinfo=UTC)):
        active = services.pairing_approve(
            actor=city.league_admin, pairing=_propose(city, programme)
        )
        services.pairing_confirm(actor=city.secretary, pairing=active, side="unit")
        active = services.pairing_confirm(actor=city.staff, pairing=active, side="community")
    services.service_record(
        actor=city.staff, pairing=active, held_on=date(2026, 10, 8), title="入户走访"
    )
    response = en(city.league_admin).api_get(
        f"/programmes/{programme.pk}/compliance", {"month": "2026-10"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == "2026-10" and body["programme"]["id"] == programme.pk
    assert body["under"] is None and body["min_services_per_month"] == 2
    (row,) = body["departments"]
    assert row["department"]["id"] == city.department.pk
    assert row["university"]["id"] == city.university.pk
    assert (row["branches_taking_part"], row["branches_total"]) == (1, 2)
    assert row["branches_pct"] == 50.0 and row["branches_met"] is True
    assert (row["students_taking_part"], row["students_total"]) == (1, 2)
    assert row["students_pct"] == 50.0 and row["students_met"] is True and row["met"] is True
    (low,) = body["low_frequency"]
    assert low["pairing_id"] == active.pk and low["services_in_month"] == 1
    assert low["unit"]["name"] == city.branch.name
    assert low["community"]["name"] == city.community.name
    assert body["late_pairings"] == [] and body["not_started"] == []


def test_compliance_lists_late_and_not_started_pairings(city, programme) -> None:
    late = datetime(2026, 11, 16, 1, tzinfo=UTC)  # 09:00 the day after the deadline, Shanghai
    with mock.patch("django.utils.timezone.now", return_value=late):
        pairing = services.pairing_approve(
            actor=city.league_admin, pairing=_propose(city, programme)
        )
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 11, 21)):
        body = en(city.league_admin).api_get(f"/programmes/{programme.pk}/compliance").json()
    assert [p["pairing_id"] for p in body["late_pairings"]] == [pairing.pk]
    assert [p["pairing_id"] for p in body["not_started"]] == [pairing.pk]
    assert body["not_started"][0]["state"] == "approved" and body["month"] == "2026-10"


def test_compliance_drill_down_and_under_outside_view(city, programme) -> None:
    client = en(city.league_admin)
    path = f"/programmes/{programme.pk}/compliance"
    body = client.api_get(path, {"under": city.university.pk}).json()
    assert body["under"]["id"] == city.university.pk and len(body["departments"]) == 1
    assert client.api_get(path, {"under": city.district.pk}).json()["departments"] == []
    # the department's admin cannot see the district
    body = assert_error(
        en(city.department_admin).api_get(path, {"under": city.district.pk}), 404, "not_found"
    )
    assert body["field"] == "under"
    assert_error(client.api_get(path, {"under": 999999}), 404, "not_found")


@pytest.mark.parametrize("month", ["2026-13", "202610", "2026-1", "abc", "1999-12", "2026-00"])
def test_compliance_bad_month_is_422(city, programme, month) -> None:
    path = f"/programmes/{programme.pk}/compliance"
    body = assert_error(en(city.league_admin).api_get(path, {"month": month}), 422, "invalid_month")
    assert body["field"] == "month" and "YYYY-MM" in body["detail"]


def test_compliance_errors_in_chinese(city, programme) -> None:
    path = f"/programmes/{programme.pk}/compliance"
    zh = api_client(city.league_admin, language="zh-hans")
    body = assert_error(zh.api_get(path, {"month": "2026/10"}), 422, "invalid_month")
    assert "月份" in body["detail"] and "YYYY-MM" in body["detail"]
    body = assert_error(zh.api_get(path, {"under": "abc"}), 422, "invalid_input")
    assert "须为整数" in body["detail"]


# --- recruitment calls --------------------------------------------------------------------------
def test_call_list_and_create(
    city, programme, call, stranger, django_assert_max_num_queries
) -> None:
    secretary = en(city.secretary)
    with django_assert_max_num_queries(5):
        body = secretary.api_get("/calls", {"programme": programme.pk}).json()
    assert body["count"] == 1 and body["items"][0]["id"] == call.pk
    assert body["items"][0]["is_open"] is True
    assert body["items"][0]["programme"]["id"] == programme.pk
    assert en(stranger).api_get("/calls").json() == {"items": [], "count": 0}
    payload = {
        "programme": programme.pk,
        "title": "第二批公开招募",
        "opens_at": "2026-03-01T08:00:00",
        "closes_at": "2026-03-31T18:00:00+08:00",
    }
    response = en(city.league_admin).api_post("/calls", payload)
    assert response.status_code == 201, response.content
    created = RecruitmentCall.objects.get(pk=response.json()["id"])
    # a time without an offset is Shanghai time
    assert timezone.localtime(created.opens_at).hour == 8
    assert created.opens_at.utcoffset() is not None


def test_call_create_refused_and_bad_window(city, programme, stranger) -> None:
    payload = {
        "programme": programme.pk,
        "title": "招募",
        "opens_at": "2026-03-31T08:00:00+08:00",
        "closes_at": "2026-03-01T08:00:00+08:00",
    }
    assert_error(en(city.league_admin).api_post("/calls", payload), 422, "invalid_window")
    payload["closes_at"] = "2026-04-30T08:00:00+08:00"
    assert_error(en(city.university_admin).api_post("/calls", payload), 403, "forbidden")
    body = assert_error(en(stranger).api_post("/calls", payload), 404, "not_found")
    assert body["field"] == "programme"
    assert not RecruitmentCall.objects.exists()


# --- applications -------------------------------------------------------------------------------
def test_application_through_every_step(city, call) -> None:
    response = en(city.secretary).api_post(
        "/applications",
        {
            "call": call.pk,
            "branch": city.branch.pk,
            "statement": STATEMENT,
            "excellent_branch": True,
            "other_honours": "校级文明班级",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    app_id = body["id"]
    assert body["state"] == "submitted" and body["honours_score"] == 1
    assert body["branch"]["id"] == city.branch.pk and body["call"]["id"] == call.pk
    assert body["programme"]["id"] == call.programme_id

    waiting = en(city.department_admin).api_get("/applications", {"waiting": "true"}).json()
    assert [a["id"] for a in waiting["items"]] == [app_id]
    assert (
        en(city.university_admin).api_get("/applications", {"waiting": "true"}).json()["count"] == 0
    )

    steps = [
        (city.department_admin, "recommend", "recommended"),
        (city.university_admin, "approve", "reviewed"),
        (city.league_admin, "approve", "confirmed"),
    ]
    for actor, step, state in steps:
        response = en(actor).api_post(f"/applications/{app_id}/{step}")
        assert response.status_code == 200, response.content
        assert response.json()["state"] == state
    assert BranchApplication.objects.get(pk=app_id).state == "confirmed"
    detail = en(city.secretary).api_get(f"/applications/{app_id}").json()
    assert detail["state_label"] == "Confirmed by the league committee"


def test_application_return_with_reason_then_resubmit(city, application) -> None:
    path = f"/applications/{application.pk}"
    body = assert_error(
        en(city.department_admin).api_post(f"{path}/reject", {"reason": "   "}),
        422,
        "reason_required",
    )
    assert body["field"] == "reason"
    assert_error(en(city.department_admin).api_post(f"{path}/reject", {}), 422, "invalid_input")
    application.refresh_from_db()
    assert application.state == "submitted"

    response = en(city.department_admin).api_post(f"{path}/reject", {"reason": "请补充荣誉证明"})
    assert (
        response.json()["state"] == "returned"
        and response.json()["last_reason"] == "请补充荣誉证明"
    )
    response = en(city.secretary).api_post(
        f"{path}/resubmit", {"statement": STATEMENT + "已补充。", "excellent_class": True}
    )
    assert response.status_code == 200, response.content
    application.refresh_from_db()
    assert application.state == "submitted" and application.excellent_class
    assert not application.excellent_branch  # left null: kept


def test_application_outside_window_is_422_and_writes_nothing(city, programme) -> None:
    now = timezone.now()
    closed = services.call_open(
        actor=city.league_admin,
        programme=programme,
        title="已截止的招募",
        criteria="",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )
    payload = {"call": closed.pk, "branch": city.branch.pk, "statement": STATEMENT}
    body = assert_error(
        en(city.secretary).api_post("/applications", payload), 422, "outside_window"
    )
    assert "accepted from" in body["detail"]
    assert not BranchApplication.objects.exists()


def test_application_bad_input_and_duplicate(city, call, application) -> None:
    client = en(city.secretary)
    payload = {"call": call.pk, "branch": city.branch.pk, "statement": STATEMENT}
    assert_error(client.api_post("/applications", payload), 409, "duplicate_application")
    # another branch's application, by a secretary who cannot see that branch
    body = assert_error(
        client.api_post("/applications", {**payload, "branch": city.branch2.pk}), 404, "not_found"
    )
    assert body["field"] == "branch"
    short = {**payload, "branch": city.branch2.pk, "statement": "想参加"}
    assert_error(
        en(city.department_admin).api_post("/applications", short), 422, "statement_too_short"
    )
    body = assert_error(
        client.api_post("/applications", {**payload, "call": 999999}), 404, "not_found"
    )
    assert body["field"] == "call"
    assert BranchApplication.objects.count() == 1


def test_application_outsiders(city, application, stranger) -> None:
    path = f"/applications/{application.pk}"
    for outsider in (city.student2, city.other_staff, city.student, stranger):
        assert_error(en(outsider).api_get(path), 404, "not_found")
        assert_error(en(outsider).api_post(f"{path}/recommend"), 404, "not_found")
        assert_error(
            en(outsider).api_post(f"{path}/reject", {"reason": "不合适"}), 404, "not_found"
        )
        assert en(outsider).api_get("/applications").json()["count"] == 0
    # can see it, but it is not their step
    assert_error(en(city.university_admin).api_post(f"{path}/recommend"), 403, "forbidden")
    # the committee's step comes after the university's review
    assert_error(en(city.league_admin).api_post(f"{path}/approve"), 409, "invalid_state")
    assert_error(
        en(city.secretary).api_post(f"{path}/resubmit", {"statement": STATEMENT}),
        409,
        "invalid_state",
    )
    application.refresh_from_db()
    assert application.state == "submitted" and application.last_reason == ""


def test_application_list_filters_pagination_and_queries(
    city, programme, call, django_assert_max_num_queries
) -> None:
    for i in range(12):
        branch = OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2025级{i}班团支部", parent=city.department
        )
        services.application_submit(
            actor=city.department_admin, call=call, branch=branch, statement=STATEMENT
        )
    client = en(city.university_admin)
    with django_assert_max_num_queries(6):
        body = client.api_get("/applications", {"page_size": 5, "page": 3}).json()
    assert body["count"] == 12 and len(body["items"]) == 2
    with django_assert_max_num_queries(6):
        body = client.api_get("/applications", {"page_size": 50, "programme": programme.pk}).json()
    assert body["count"] == 12 and all(a["programme"]["id"] == programme.pk for a in body["items"])
    assert client.api_get("/applications", {"state": "confirmed"}).json()["count"] == 0
    assert client.api_get("/applications", {"programme": 999999}).json()["count"] == 0
    assert_error(client.api_get("/applications", {"state": "nonsense"}), 422, "invalid_input")


# --- pairings -----------------------------------------------------------------------------------
def test_pairing_propose_by_committee_and_secretary(city, programme) -> None:
    payload = {
        "programme": programme.pk,
        "unit": city.branch.pk,
        "community": city.community.pk,
        **TERM,
    }
    response = en(city.league_admin).api_post(
        "/pairings", {**payload, "suggestion_reasons": ["距离近"]}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "proposed" and body["unit"]["id"] == city.branch.pk
    assert body["community"]["name"] == "白沙社区" and body["suggestion_reasons"] == ["距离近"]
    assert body["programme"]["id"] == programme.pk and body["agreement_confirmed"] is False
    # a secretary does not otherwise see communities, but may name one of the city
    response = en(city.secretary).api_post(
        "/pairings", {**payload, "community": city.community2.pk}
    )
    assert response.status_code == 201, response.content
    assert Pairing.objects.count() == 2


def test_duplicate_pairing_is_409_and_bad_term_is_422(city, programme, proposed) -> None:
    payload = {
        "programme": programme.pk,
        "unit": city.branch.pk,
        "community": city.community.pk,
        **TERM,
    }
    client = en(city.league_admin)
    body = assert_error(client.api_post("/pairings", payload), 409, "duplicate_pairing")
    assert body["detail"] == "These two already have a pairing in this programme."
    bad_term = {**payload, "community": city.community2.pk, "term_end": "2026-08-31"}
    body = assert_error(client.api_post("/pairings", bad_term), 422, "invalid_term")
    assert body["field"] == "term_end" and body["detail"] == "The term ends before it starts."
    assert_error(
        client.api_post("/pairings", {**payload, "community": city.branch2.pk}),
        422,
        "invalid_community",
    )
    assert Pairing.objects.count() == 1


def test_pairing_propose_outsiders(city, programme, stranger) -> None:
    payload = {
        "programme": programme.pk,
        "unit": city.branch.pk,
        "community": city.community.pk,
        **TERM,
    }
    body = assert_error(en(stranger).api_post("/pairings", payload), 404, "not_found")
    assert body["field"] == "programme"
    body = assert_error(en(city.other_staff).api_post("/pairings", payload), 404, "not_found")
    assert body["field"] == "unit"
    assert_error(en(city.student).api_post("/pairings", payload), 403, "forbidden")
    far = OrganisationFactory(kind=OrgKind.CITY_COMMITTEE, name="共青团邻市委员会")
    far = OrganisationFactory(kind=OrgKind.DISTRICT_COMMITTEE, name="远方区团委", parent=far)
    far = OrganisationFactory(kind=OrgKind.STREET, name="远方街道", parent=far)
    foreign = OrganisationFactory(kind=OrgKind.COMMUNITY, name="远方社区", parent=far)
    body = assert_error(
        en(city.league_admin).api_post("/pairings", {**payload, "community": foreign.pk}),
        404,
        "not_found",
    )
    assert body["field"] == "community"
    assert not Pairing.objects.exists()


def test_pairing_list_filters_and_visibility(city, programme, proposed, stranger) -> None:
    other = services.pairing_approve(
        actor=city.league_admin,
        pairing=_propose(city, programme, city.branch2, city.other_community),
    )
    ids = lambda user, **q: [p["id"] for p in en(user).api_get("/pairings", q).json()["items"]]  # noqa: E731
    assert set(ids(city.league_admin)) == {proposed.pk, other.pk}
    assert ids(city.league_admin, state="approved") == [other.pk]
    assert ids(city.league_admin, programme=programme.pk, state="proposed") == [proposed.pk]
    assert ids(city.staff) == [proposed.pk]  # only its community's
    assert ids(city.other_staff) == [other.pk]
    assert ids(city.student2) == [other.pk]
    assert ids(stranger) == []
    assert_error(
        en(city.league_admin).api_get("/pairings", {"state": "bogus"}), 422, "invalid_input"
    )


def test_pairing_list_query_count(city, programme, django_assert_max_num_queries) -> None:
    client = en(city.league_admin)
    _propose(city, programme)
    with django_assert_max_num_queries(6):
        assert client.api_get("/pairings").json()["count"] == 1
    for i in range(10):
        branch = OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2025级{i}班团支部", parent=city.department
        )
        _propose(city, programme, branch, city.community2)
    with django_assert_max_num_queries(6):
        body = client.api_get("/pairings", {"page_size": 100}).json()
    assert body["count"] == len(body["items"]) == 11


def test_pairing_detail_and_outsiders(city, proposed, stranger) -> None:
    path = f"/pairings/{proposed.pk}"
    for insider in (
        city.league_admin,
        city.staff,
        city.secretary,
        city.student,
        city.district_admin,
    ):
        assert en(insider).api_get(path).json()["id"] == proposed.pk
    for outsider in (city.other_staff, city.student2, stranger):
        assert_error(en(outsider).api_get(path), 404, "not_found")
        assert_error(en(outsider).api_post(f"{path}/approve"), 404, "not_found")
        assert_error(
            en(outsider).api_post(f"{path}/reject", {"reason": "不合适"}), 404, "not_found"
        )
        assert_error(
            en(outsider).api_post(f"{path}/confirm", {"side": "community"}), 404, "not_found"
        )
    assert_error(en(city.league_admin).api_get("/pairings/999999"), 404, "not_found")
    proposed.refresh_from_db()
    assert proposed.state == "proposed"


def test_pairing_approve_reject(city, programme, proposed) -> None:
    path = f"/pairings/{proposed.pk}"
    # the district's admin sees the pairing (its community) but the city runs the programme
    assert_error(en(city.district_admin).api_post(f"{path}/approve"), 403, "forbidden")
    assert_error(en(city.secretary).api_post(f"{path}/approve"), 403, "forbidden")
    proposed.refresh_from_db()
    assert proposed.state == "proposed"
    response = en(city.league_admin).api_post(f"{path}/approve")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert response.json()["approved_at"]
    assert_error(en(city.league_admin).api_post(f"{path}/approve"), 409, "invalid_state")

    other = _propose(city, programme, city.branch2, city.community2)
    path = f"/pairings/{other.pk}"
    body = assert_error(
        en(city.league_admin).api_post(f"{path}/reject", {"reason": ""}), 422, "reason_required"
    )
    assert body["field"] == "reason"
    other.refresh_from_db()
    assert other.state == "proposed"
    response = en(city.league_admin).api_post(f"{path}/reject", {"reason": "社区已有结对"})
    assert response.json()["state"] == "rejected" and response.json()["reason"] == "社区已有结对"


def test_pairing_confirm_both_sides(city, approved) -> None:
    path = f"/pairings/{approved.pk}/confirm"
    assert_error(en(city.student).api_post(path, {"side": "unit"}), 403, "forbidden")
    assert_error(en(city.secretary).api_post(path, {"side": "community"}), 403, "forbidden")
    assert_error(en(city.secretary).api_post(path, {"side": "both"}), 422, "invalid_input")
    body = en(city.secretary).api_post(path, {"side": "unit"}).json()
    assert body["state"] == "approved" and body["unit_confirmed_at"]
    body = en(city.staff).api_post(path, {"side": "community"}).json()
    assert body["state"] == "active" and body["agreement_confirmed"] and body["started_at"]


def test_service_record(city, proposed, active) -> None:
    path = f"/pairings/{active.pk}/services"
    response = en(city.staff).api_post(
        path, {"held_on": "2026-10-08", "title": "入户走访", "participants": 6}
    )
    assert response.status_code == 201, response.content
    assert response.json()["pairing_id"] == active.pk and response.json()["participants"] == 6
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert_error(
        en(city.staff).api_post(path, {"held_on": tomorrow, "title": "x"}), 422, "future_date"
    )
    assert_error(
        en(city.staff).api_post(path, {"held_on": "2026-08-01", "title": "x"}), 422, "outside_term"
    )
    assert_error(
        en(city.student).api_post(path, {"held_on": "2026-10-09", "title": "x"}), 403, "forbidden"
    )
    assert_error(
        en(city.other_staff).api_post(path, {"held_on": "2026-10-09", "title": "x"}),
        404,
        "not_found",
    )
    assert ServiceRecord.objects.count() == 1


def test_service_record_needs_an_active_pairing(city, programme) -> None:
    pairing = _propose(city, programme, city.branch2, city.community)
    path = f"/pairings/{pairing.pk}/services"
    assert_error(
        en(city.staff).api_post(path, {"held_on": "2026-10-08", "title": "走访"}),
        409,
        "invalid_state",
    )
    assert not ServiceRecord.objects.exists()


def test_pairing_errors_in_chinese(city, programme) -> None:
    zh = api_client(city.league_admin, language="zh-hans")
    payload = {"programme": programme.pk, "unit": city.branch.pk, "community": city.community.pk}
    body = assert_error(
        zh.api_post("/pairings", {**payload, "term_start": "明天", "term_end": "2027-01-01"}),
        422,
        "invalid_input",
    )
    assert "须为日期" in body["detail"] and body["field"] == "term_start"
    body = assert_error(
        zh.api_post(f"/programmes/{programme.pk}/compliance"), 405, "method_not_allowed"
    )
    assert not Pairing.objects.exists()


def test_suggestions_404_for_a_programme_outside_view(city, programme, stranger) -> None:
    body = assert_error(
        en(stranger).api_get("/pairings/suggestions", {"programme": programme.pk}), 404, "not_found"
    )
    assert body["field"] == "programme"
    assert_error(en(city.league_admin).api_get("/pairings/suggestions"), 422, "invalid_input")


# --- documents and suggestions (programmes.documents, programmes.suggestions) -------------------
def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_agreement_pdf(city, approved) -> None:
    response = en(city.secretary).api_get(f"/pairings/{approved.pk}/agreement.pdf")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="agreement-{approved.pk}.pdf"'
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "白沙社区" in text and "2024级旅游管理班团支部" in text
    # either side, and the committee, may read it
    for reader in (city.staff, city.league_admin):
        assert en(reader).api_get(f"/pairings/{approved.pk}/agreement.pdf").status_code == 200


def test_appointment_letter_pdf(city, approved) -> None:
    response = en(city.staff).api_get(f"/pairings/{approved.pk}/appointment.pdf")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert "团支书" in _pdf_text(response.content)


def test_appointment_letter_without_a_secretary_is_409(city, programme) -> None:
    pairing = services.pairing_approve(
        actor=city.league_admin, pairing=_propose(city, programme, city.branch2, city.community2)
    )
    response = en(city.league_admin).api_get(f"/pairings/{pairing.pk}/appointment.pdf")
    assert_error(response, 409, "no_secretary")


def test_documents_before_approval_are_409_and_hidden_from_outsiders(
    city, proposed, approved
) -> None:
    rejected = services.pairing_reject(
        actor=city.league_admin,
        pairing=_propose(city, proposed.programme, city.branch, city.community2),
        reason="重复",
    )
    for doc in ("agreement.pdf", "appointment.pdf"):
        body = assert_error(
            en(city.secretary).api_get(f"/pairings/{rejected.pk}/{doc}"), 409, "not_approved"
        )
        assert "Rejected" in body["detail"]
        zh = api_client(city.secretary, language="zh-hans")
        body = assert_error(zh.api_get(f"/pairings/{rejected.pk}/{doc}"), 409, "not_approved")
        assert "聘书" in body["detail"]
        for outsider in (city.other_staff, city.student2):
            assert_error(en(outsider).api_get(f"/pairings/{approved.pk}/{doc}"), 404, "not_found")
        assert_error(en(city.secretary).api_get(f"/pairings/999999/{doc}"), 404, "not_found")


def test_suggestions_for_unpaired_branches(city, programme) -> None:
    client = en(city.league_admin)
    body = client.api_get("/pairings/suggestions", {"programme": programme.pk}).json()
    assert set(body) == {"items", "count"}
    assert {b["branch"]["id"] for b in body["items"]} == {city.branch.pk, city.branch2.pk}
    communities = {
        city.community.pk,
        city.community2.pk,
        city.other_community.pk,
        city.street.pk,
        city.other_street.pk,
    }
    for item in body["items"]:
        assert item["suggestions"], item
        scores = [s["score"] for s in item["suggestions"]]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
        for s in item["suggestions"]:
            assert s["community"]["id"] in communities
            assert s["reasons"] and all(isinstance(r, str) and r for r in s["reasons"])
            assert s["distance_km"] is None or s["distance_km"] >= 0
    # a branch with a live pairing is no longer suggested; limit bounds each list
    _propose(city, programme)
    body = client.api_get("/pairings/suggestions", {"programme": programme.pk, "limit": 1}).json()
    assert [b["branch"]["id"] for b in body["items"]] == [city.branch2.pk]
    assert len(body["items"][0]["suggestions"]) == 1


def test_suggestions_follow_who_looks_after_which_branch(city, programme) -> None:
    def branches(user: Any) -> list[int]:
        response = en(user).api_get("/pairings/suggestions", {"programme": programme.pk})
        assert response.status_code == 200, response.content
        return [b["branch"]["id"] for b in response.json()["items"]]

    assert branches(city.secretary) == [city.branch.pk]
    assert set(branches(city.department_admin)) == {city.branch.pk, city.branch2.pk}
    for nobody in (city.student, city.staff, city.other_staff):
        assert branches(nobody) == []
    assert_error(
        en(city.league_admin).api_get("/pairings/suggestions", {"programme": 1, "limit": 0}),
        422,
        "invalid_input",
    )


def test_service_errors_in_both_languages(city, programme, call, proposed) -> None:
    now = timezone.now()
    closed = services.call_open(
        actor=city.league_admin,
        programme=programme,
        title="已截止",
        criteria="",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )
    pairing = {
        "programme": programme.pk,
        "unit": city.branch.pk,
        "community": city.community.pk,
        **TERM,
    }
    cases = [
        (
            "/applications",
            {"call": closed.pk, "branch": city.branch.pk, "statement": STATEMENT},
            city.secretary,
            422,
            "outside_window",
            "accepted from",
            "报名时间",
        ),
        (
            "/pairings",
            pairing,
            city.league_admin,
            409,
            "duplicate_pairing",
            "already have a pairing",
            "已有结对",
        ),
        (
            "/pairings",
            {**pairing, "community": city.community2.pk, "term_end": "2026-01-01"},
            city.league_admin,
            422,
            "invalid_term",
            "ends before it starts",
            "早于",
        ),
        (
            f"/pairings/{proposed.pk}/reject",
            {"reason": " "},
            city.league_admin,
            422,
            "reason_required",
            "give a reason",
            "理由",
        ),
        (
            "/applications/999999/recommend",
            None,
            city.department_admin,
            404,
            "not_found",
            "No such application",
            "申请",
        ),
        (
            "/calls",
            None,
            city.league_admin,
            422,
            "invalid_input",
            "Please check these fields",
            "请检查",
        ),
    ]
    for path, payload, user, status, code, english, chinese in cases:
        body = assert_error(api_client(user, language="en").api_post(path, payload), status, code)
        assert english in body["detail"], body
        body = assert_error(
            api_client(user, language="zh-hans").api_post(path, payload), status, code
        )
        assert chinese in body["detail"], body
    assert Pairing.objects.count() == 1 and not BranchApplication.objects.exists()
    proposed.refresh_from_db()
    assert proposed.state == "proposed"


def test_compliance_query_count_is_bounded(city, programme, django_assert_max_num_queries) -> None:
    client = en(city.league_admin)
    path = f"/programmes/{programme.pk}/compliance"
    with django_assert_max_num_queries(15):
        client.api_get(path)
    for i in range(8):
        branch = OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2025级{i}班团支部", parent=city.department
        )
        services.pairing_approve(
            actor=city.league_admin, pairing=_propose(city, programme, branch, city.community2)
        )
    with django_assert_max_num_queries(15):
        body = client.api_get(path).json()
    assert len(body["late_pairings"]) == 8 and body["departments"][0]["branches_total"] == 10


def test_suggestions_query_count_does_not_grow_with_branches(
    city, programme, django_assert_max_num_queries
) -> None:
    client = en(city.league_admin)
    query = {"programme": programme.pk, "page_size": 100}
    with django_assert_max_num_queries(15):
        assert client.api_get("/pairings/suggestions", query).json()["count"] == 2
    for i in range(10):
        OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2025级{i}班团支部", parent=city.department
        )
    with django_assert_max_num_queries(15):
        assert client.api_get("/pairings/suggestions", query).json()["count"] == 12
