from datetime import UTC, date, datetime
from decimal import Decimal
from unittest import mock

from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.orgs.models import OrgKind, Role
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory
from qingshe.programmes import selectors, services
from qingshe.programmes.models import Pairing


def _active_pairing(city, programme, unit, community):  # type: ignore[no-untyped-def]
    pairing = services.pairing_propose(
        actor=city.league_admin,
        programme=programme,
        unit=unit,
        community=community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )
    pairing = services.pairing_approve(actor=city.league_admin, pairing=pairing)
    services.pairing_confirm(actor=city.university_admin, pairing=pairing, side="unit")
    return pairing


def _row(result, dept):  # type: ignore[no-untyped-def]
    return next(r for r in result.departments if r.department == dept)


def test_quota_counts_branches_and_students_once(city, programme) -> None:
    # four branches in the department: 1 of 4 (25%) takes part
    b3 = OrganisationFactory(
        kind=OrgKind.CLASS_BRANCH, name="2025级市场营销班团支部", parent=city.department
    )
    b4 = OrganisationFactory(
        kind=OrgKind.CLASS_BRANCH, name="2025级电子商务班团支部", parent=city.department
    )
    for i, branch in enumerate([city.branch, city.branch, b3, b4, b4]):
        MembershipFactory(user=UserFactory(name=f"学生{i}"), org=branch, role=Role.STUDENT)
    # a student in two branches of the department counts once
    MembershipFactory(user=city.student, org=b3, role=Role.STUDENT)
    _active_pairing(city, programme, city.branch, city.community)
    row = _row(
        selectors.compliance_for_user(user=city.league_admin, programme=programme), city.department
    )
    assert (row.branches_taking_part, row.branches_total) == (1, 4)
    assert row.branch_pct == 25 and row.branches_met
    # students: student(branch,b3), student2(branch2), 学生0, 学生1 (branch), 学生2 (b3), 学生3, 学生4 (b4)
    assert row.students_total == 7
    assert row.students_taking_part == 3  # student, 学生0, 学生1
    assert row.student_pct == Decimal("42.9")
    assert row.met


def test_department_below_quota_is_flagged(city, programme) -> None:
    for i in range(3):
        OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2023级{i}班团支部", parent=city.department
        )
    _active_pairing(city, programme, city.branch, city.community)
    row = _row(
        selectors.compliance_for_user(user=city.league_admin, programme=programme), city.department
    )
    assert (row.branches_taking_part, row.branches_total) == (1, 5)
    assert row.branch_pct == 20 and not row.branches_met and not row.met


def test_confirmed_application_counts_as_taking_part(city, programme, call) -> None:
    from qingshe.programmes.tests.conftest import STATEMENT

    app = services.application_submit(
        actor=city.department_admin, call=call, branch=city.branch2, statement=STATEMENT
    )
    services.application_recommend(actor=city.department_admin, application=app)
    services.application_approve(actor=city.university_admin, application=app)
    services.application_approve(actor=city.league_admin, application=app)
    row = _row(
        selectors.compliance_for_user(user=city.league_admin, programme=programme), city.department
    )
    assert row.branches_taking_part == 1 and row.students_taking_part == 1


def test_late_pairing_is_judged_at_local_midnight(city, programme) -> None:
    on_time = datetime(2026, 11, 15, 15, 59, tzinfo=UTC)  # 23:59 on the deadline in Shanghai
    late = datetime(2026, 11, 15, 16, 1, tzinfo=UTC)  # 00:01 the day after
    with mock.patch("django.utils.timezone.now", return_value=on_time):
        a = _active_pairing(city, programme, city.branch, city.community)
    with mock.patch("django.utils.timezone.now", return_value=late):
        b = _active_pairing(city, programme, city.branch2, city.community2)
    result = selectors.compliance_for_user(user=city.league_admin, programme=programme)
    assert b in result.late_pairings and a not in result.late_pairings


def test_pairing_not_started_by_start_deadline(city, programme) -> None:
    pairing = _active_pairing(
        city, programme, city.branch, city.community
    )  # approved, one side confirmed
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 11, 21)):
        result = selectors.compliance_for_user(user=city.league_admin, programme=programme)
    assert pairing in result.not_started
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime(2026, 11, 19, 2, tzinfo=UTC)
    ):
        services.pairing_confirm(actor=city.staff, pairing=pairing, side="community")
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 11, 21)):
        result = selectors.compliance_for_user(user=city.league_admin, programme=programme)
    assert pairing not in result.not_started


def test_low_frequency_counts_services_in_the_month(city, programme) -> None:
    pairing = _active_pairing(city, programme, city.branch, city.community)
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 9, 20, 2, tzinfo=UTC)):
        pairing = services.pairing_confirm(actor=city.staff, pairing=pairing, side="community")
    assert pairing.state == Pairing.State.ACTIVE
    services.service_record(
        actor=city.staff, pairing=pairing, held_on=date(2026, 10, 8), title="入户走访"
    )
    result = selectors.compliance_for_user(
        user=city.league_admin, programme=programme, month=(2026, 10)
    )
    assert [(i.pairing, i.services_in_month) for i in result.low_frequency] == [(pairing, 1)]
    services.service_record(
        actor=city.staff, pairing=pairing, held_on=date(2026, 10, 31), title="周末课堂"
    )
    services.service_record(
        actor=city.staff, pairing=pairing, held_on=date(2026, 11, 1), title="环境整治"
    )
    result = selectors.compliance_for_user(
        user=city.league_admin, programme=programme, month=(2026, 10)
    )
    assert result.low_frequency == []


def test_pairing_started_during_the_month_owes_nothing_for_it(city, programme) -> None:
    pairing = _active_pairing(city, programme, city.branch, city.community)
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime(2026, 10, 20, 2, tzinfo=UTC)
    ):
        services.pairing_confirm(actor=city.staff, pairing=pairing, side="community")
    assert (
        selectors.compliance_for_user(
            user=city.league_admin, programme=programme, month=(2026, 10)
        ).low_frequency
        == []
    )
    flagged = selectors.compliance_for_user(
        user=city.league_admin, programme=programme, month=(2026, 11)
    ).low_frequency
    assert [i.pairing for i in flagged] == [pairing]


def test_department_admin_sees_only_own_department(city, programme) -> None:
    other_dept = OrganisationFactory(
        kind=OrgKind.DEPARTMENT_COMMITTEE, name="共青团青州学院法学系委员会", parent=city.university
    )
    OrganisationFactory(kind=OrgKind.CLASS_BRANCH, name="2024级法学班团支部", parent=other_dept)
    seen = {
        r.department
        for r in selectors.compliance_for_user(
            user=city.department_admin, programme=programme
        ).departments
    }
    assert seen == {city.department}
    seen = {
        r.department
        for r in selectors.compliance_for_user(
            user=city.university_admin, programme=programme
        ).departments
    }
    assert seen == {city.department, other_dept}
    assert selectors.compliance_for_user(user=city.staff, programme=programme).departments == []


def test_drill_down_to_a_university(city, programme) -> None:
    result = selectors.compliance_for_user(
        user=city.league_admin, programme=programme, under=city.university
    )
    assert {r.department for r in result.departments} == {city.department}


def test_compliance_query_count_is_bounded(city, programme, django_assert_max_num_queries) -> None:
    _active_pairing(city, programme, city.branch, city.community)
    for i in range(10):
        OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"测试{i}班团支部", parent=city.department
        )
    with django_assert_max_num_queries(12):
        result = selectors.compliance_for_user(user=city.league_admin, programme=programme)
        _ = [(r.branch_pct, r.student_pct) for r in result.departments]


def test_programme_visibility(city, programme) -> None:
    assert programme in selectors.programme_list_for_user(user=city.student)
    assert programme in selectors.programme_list_for_user(user=city.staff)
    other_city = OrganisationFactory(kind=OrgKind.CITY_COMMITTEE, name="共青团远方市委员会")
    stranger = UserFactory(name="外市管理员")
    MembershipFactory(user=stranger, org=other_city, role=Role.LEAGUE_ADMIN)
    assert programme not in selectors.programme_list_for_user(user=stranger)
    assert timezone.now()


def test_district_coverage_and_drill_down(city, programme, client) -> None:
    from qingshe.api.tests.utils import api_client

    _active_pairing(city, programme, city.branch, city.community)
    result = selectors.compliance_for_user(
        user=city.league_admin, programme=programme, include_districts=True
    )
    rows = {r.district: (r.communities_paired, r.communities_total) for r in result.districts}
    assert rows == {city.district: (1, 2), city.other_district: (0, 1)}
    # drilling into a district keeps that district and its pairings
    result = selectors.compliance_for_user(
        user=city.league_admin,
        programme=programme,
        under=city.other_district,
        include_districts=True,
    )
    assert [r.district for r in result.districts] == [city.other_district]
    # a district's admin sees only their own district
    result = selectors.compliance_for_user(
        user=city.district_admin, programme=programme, include_districts=True
    )
    assert [r.district for r in result.districts] == [city.district]
    client.force_login(city.league_admin)
    html = client.get(f"/programmes/{programme.pk}/compliance/").content.decode()
    assert "各区社区结对覆盖" in html and f"?under={city.other_district.pk}" in html
    assert "已结对 0 个，共 1 个社区（0.0%）" in html
    body = api_client(city.league_admin).api_get(f"/programmes/{programme.pk}/compliance").json()
    assert {d["district"]["id"]: d["communities_paired"] for d in body["districts"]} == {
        city.district.pk: 1,
        city.other_district.pk: 0,
    }
