"""The programme pages: who sees which page, who may press which button, bad input, htmx
partials and query counts."""

from __future__ import annotations

import sys
import types
from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.models import AuditEvent
from qingshe.orgs.models import OrgKind, Role
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory
from qingshe.programmes import selectors, services
from qingshe.programmes.models import (
    BranchApplication,
    Pairing,
    Programme,
    RecruitmentCall,
    ServiceRecord,
)
from qingshe.programmes.tests.conftest import STATEMENT

HX = {"HX-Request": "true"}


# --- helpers ------------------------------------------------------------------------------------
@pytest.fixture
def stranger(city: Any) -> Any:
    """A league admin of another city: sees none of this city's programme."""
    other_city = OrganisationFactory(kind=OrgKind.CITY_COMMITTEE, name="共青团远方市委员会")
    user = UserFactory(name="外市管理员")
    MembershipFactory(user=user, org=other_city, role=Role.LEAGUE_ADMIN)
    return user


@pytest.fixture
def secretary2(city: Any) -> Any:
    """The secretary of the other branch of the same department."""
    user = UserFactory(name="会计班团支书")
    MembershipFactory(user=user, org=city.branch2, role=Role.BRANCH_SECRETARY)
    return user


def _submitted(city: Any, call: RecruitmentCall) -> BranchApplication:
    return services.application_submit(
        actor=city.secretary,
        call=call,
        branch=city.branch,
        statement=STATEMENT,
        excellent_branch=True,
    )


def _recommended(city: Any, call: RecruitmentCall) -> BranchApplication:
    return services.application_recommend(
        actor=city.department_admin, application=_submitted(city, call)
    )


def _proposed(city: Any, programme: Programme, unit: Any = None, community: Any = None) -> Pairing:
    return services.pairing_propose(
        actor=city.league_admin,
        programme=programme,
        unit=unit or city.branch,
        community=community or city.community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )


def _approved(city: Any, programme: Programme, **kw: Any) -> Pairing:
    return services.pairing_approve(
        actor=city.league_admin, pairing=_proposed(city, programme, **kw)
    )


def _active(city: Any, programme: Programme, **kw: Any) -> Pairing:
    pairing = _approved(city, programme, **kw)
    services.pairing_confirm(actor=city.secretary, pairing=pairing, side="unit")
    return services.pairing_confirm(actor=city.staff, pairing=pairing, side="community")


def _html(response: Any) -> str:
    return response.content.decode()


def _state(obj: Any) -> str:
    obj.refresh_from_db()
    return obj.state


# --- navigation and programme pages -------------------------------------------------------------
def test_pages_need_login(client: Any, db: Any) -> None:
    for url in (
        "/programmes/",
        "/programmes/applications/",
        "/programmes/pairings/",
        "/programmes/1/compliance/",
    ):
        assert client.get(url).status_code == 302


def test_nav_links_to_the_programmes(client: Any, city: Any) -> None:
    client.force_login(city.student)
    html = _html(client.get("/"))
    assert 'href="/programmes/"' in html and "结对共建" in html


def test_programme_list_for_roles_and_outsider(
    client: Any, city: Any, programme: Programme, stranger: Any
) -> None:
    client.force_login(city.league_admin)
    html = _html(client.get("/programmes/"))
    assert f'href="/programmes/{programme.pk}/"' in html and "发起年度计划" in html
    client.force_login(city.student)
    html = _html(client.get("/programmes/"))
    assert f'href="/programmes/{programme.pk}/"' in html and "发起年度计划" not in html
    client.force_login(stranger)
    html = _html(client.get("/programmes/"))
    assert f'href="/programmes/{programme.pk}/"' not in html and "暂无与您相关的年度计划" in html
    assert client.get(f"/programmes/{programme.pk}/").status_code == 404


def test_programme_page_shows_settings_deadlines_calls_and_links(
    client: Any, city: Any, programme: Programme, call: RecruitmentCall
) -> None:
    client.force_login(city.league_admin)
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 11, 10)):
        html = _html(client.get(f"/programmes/{programme.pk}/"))
    assert "2026-11-15" in html and "还剩 5 天" in html and "还剩 10 天" in html
    assert "每个院系不少于 25% 的班级团支部" in html and "每个结对每月至少服务 2 次" in html
    assert call.title in html and "报名中" in html
    for url in (
        reverse("programmes:compliance", args=[programme.pk]),
        reverse("programmes:call_create", args=[programme.pk]),
        reverse("programmes:pairing_create", args=[programme.pk]),
        f"/programmes/applications/?programme={programme.pk}",
        f"/programmes/pairings/?programme={programme.pk}",
    ):
        assert url in html
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 11, 17)):
        html = _html(client.get(f"/programmes/{programme.pk}/"))
    assert "已过 2 天" in html  # the pairing deadline


def test_programme_page_for_a_student_has_no_admin_buttons(
    client: Any, city: Any, programme: Programme
) -> None:
    client.force_login(city.student)
    html = _html(client.get(f"/programmes/{programme.pk}/"))
    assert programme.name in html
    assert reverse("programmes:call_create", args=[programme.pk]) not in html
    assert reverse("programmes:compliance", args=[programme.pk]) not in html
    assert reverse("programmes:pairing_create", args=[programme.pk]) not in html


def test_programme_of_a_district_is_404_for_staff_of_another_district(
    client: Any, city: Any
) -> None:
    programme = services.programme_create(
        actor=city.district_admin,
        owner=city.district,
        name="东湖区社区青春行动",
        year=2026,
        scope=[city.district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    client.force_login(city.staff)
    assert client.get(f"/programmes/{programme.pk}/").status_code == 200
    client.force_login(city.other_staff)
    assert client.get(f"/programmes/{programme.pk}/").status_code == 404
    assert client.get(f"/programmes/{programme.pk}/compliance/").status_code == 404


def _programme_post(city: Any, **over: Any) -> dict[str, Any]:
    data = {
        "owner": city.city.pk,
        "name": "2027年社区青春行动",
        "year": 2027,
        "scope": [city.university.pk, city.district.pk],
        "pairing_deadline": "2027-11-15",
        "start_deadline": "2027-11-20",
        "case_deadline": "2027-12-31",
        "branch_quota_pct": "25",
        "student_quota_pct": "30",
        "min_regular_semesters": 1,
        "min_concentrated_months": 1,
        "min_services_per_month": 2,
        "cases_per_department": 3,
        "reminder_days": 7,
    }
    data.update(over)
    return data


def test_league_admin_opens_a_programme(client: Any, city: Any) -> None:
    client.force_login(city.league_admin)
    html = _html(client.get("/programmes/new/"))
    # the scope is chosen among organisations the admin can see, of the kinds that take part
    assert "青州学院团委" in html and "经管系团委" in html and "白沙街道" in html
    assert "2024级旅游管理班团支部" not in html  # branches are not scope units
    response = client.post("/programmes/new/", _programme_post(city))
    programme = Programme.objects.get(name="2027年社区青春行动")
    assert response.status_code == 302 and response.url == f"/programmes/{programme.pk}/"
    assert set(programme.scope.all()) == {city.university, city.district}
    assert programme.student_quota_pct == 30


def test_programme_form_refused_to_other_roles(client: Any, city: Any) -> None:
    for user in (city.university_admin, city.secretary, city.staff):
        client.force_login(user)
        assert client.get("/programmes/new/").status_code == 403
        assert client.post("/programmes/new/", _programme_post(city)).status_code == 403
    assert not Programme.objects.exists()


def test_district_admin_cannot_open_a_programme_for_the_city(client: Any, city: Any) -> None:
    client.force_login(city.district_admin)
    html = _html(client.post("/programmes/new/", _programme_post(city, scope=[city.street.pk])))
    assert "选择一个有效的选项" in html  # the city is not among the committees offered
    assert not Programme.objects.exists()


def test_programme_bad_deadlines_show_chinese_error_and_keep_values(client: Any, city: Any) -> None:
    client.force_login(city.league_admin)
    response = client.post("/programmes/new/", _programme_post(city, start_deadline="2027-11-01"))
    html = _html(response)
    assert response.status_code == 200
    assert "开展截止日期不能早于结对截止日期" in html
    assert 'value="2027年社区青春行动"' in html and 'value="2027-11-01"' in html
    assert not Programme.objects.exists()
    html = _html(client.post("/programmes/new/", _programme_post(city, scope=[])))
    assert "请至少选择一个参与组织" in html
    assert not Programme.objects.exists()


# --- recruitment calls --------------------------------------------------------------------------
def test_league_admin_opens_a_call(client: Any, city: Any, programme: Programme) -> None:
    url = reverse("programmes:call_create", args=[programme.pk])
    client.force_login(city.league_admin)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "第二批招募",
            "criteria": "优秀团支部优先",
            "opens_at": "2026-09-01T08:00",
            "closes_at": "2026-09-30T18:00",
        },
    )
    call = RecruitmentCall.objects.get(title="第二批招募")
    assert response.status_code == 302 and response.url == f"/programmes/calls/{call.pk}/"
    assert timezone.localtime(call.opens_at).hour == 8  # entered in local (Shanghai) time
    html = _html(client.get(response.url))
    assert "优秀团支部优先" in html and "2026-09-01 08:00" in html and "2026-09-30 18:00" in html


def test_call_form_bad_window_and_wrong_role(client: Any, city: Any, programme: Programme) -> None:
    url = reverse("programmes:call_create", args=[programme.pk])
    client.force_login(city.league_admin)
    html = _html(
        client.post(
            url, {"title": "招募", "opens_at": "2026-09-30T08:00", "closes_at": "2026-09-01T08:00"}
        )
    )
    assert "招募的截止时间须晚于开始时间" in html and 'value="2026-09-30T08:00"' in html
    client.force_login(city.department_admin)
    assert client.get(url).status_code == 403
    assert (
        client.post(
            url, {"title": "招募", "opens_at": "2026-09-01T08:00", "closes_at": "2026-09-30T08:00"}
        ).status_code
        == 403
    )
    assert not RecruitmentCall.objects.exists()


def test_call_page_and_apply_button(
    client: Any, city: Any, call: RecruitmentCall, stranger: Any
) -> None:
    url = f"/programmes/calls/{call.pk}/"
    client.force_login(city.secretary)
    html = _html(client.get(url))
    assert (
        "优秀团支部优先" in html
        and "报名中" in html
        and reverse("programmes:apply", args=[call.pk]) in html
    )
    client.force_login(city.student)
    html = _html(client.get(url))
    assert call.title in html and reverse("programmes:apply", args=[call.pk]) not in html
    client.force_login(stranger)
    assert client.get(url).status_code == 404


# --- applying ----------------------------------------------------------------------------------
def _apply_post(branch: Any, **over: Any) -> dict[str, Any]:
    return {
        "branch": branch.pk,
        "excellent_branch": "on",
        "excellent_cadre": "on",
        "other_honours": "五四红旗团支部",
        "statement": STATEMENT,
        **over,
    }


def test_secretary_applies_with_honours(client: Any, city: Any, call: RecruitmentCall) -> None:
    url = reverse("programmes:apply", args=[call.pk])
    client.force_login(city.secretary)
    html = _html(client.get(url))
    assert "优秀团支部" in html and "优秀班集体" in html and "优秀团干部" in html
    assert (
        "2024级旅游管理班团支部" in html and "2024级会计学班团支部" not in html
    )  # only their own branch
    assert timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M") in html  # the window
    response = client.post(url, _apply_post(city.branch))
    application = BranchApplication.objects.get()
    assert (
        response.status_code == 302
        and response.url == f"/programmes/applications/{application.pk}/"
    )
    assert (
        application.excellent_branch
        and application.excellent_cadre
        and not application.excellent_class
    )
    assert (
        application.other_honours == "五四红旗团支部" and application.submitted_by == city.secretary
    )


def test_apply_outside_the_window_is_refused_with_the_services_message(
    client: Any, city: Any, programme: Programme
) -> None:
    now = timezone.now()
    closed = services.call_open(
        actor=city.league_admin,
        programme=programme,
        title="已截止的招募",
        criteria="",
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(days=1),
    )
    url = reverse("programmes:apply", args=[closed.pk])
    client.force_login(city.secretary)
    assert "本次招募当前不在报名时间内" in _html(client.get(url))
    response = client.post(
        url, _apply_post(city.branch, statement="我们支部非常希望参加社区实践，服务居民。")
    )
    html = _html(response)
    assert response.status_code == 200
    assert "本次招募的报名时间为" in html
    assert "我们支部非常希望参加社区实践，服务居民。" in html and 'value="五四红旗团支部"' in html
    assert not BranchApplication.objects.exists()


def test_apply_short_statement_and_duplicate(client: Any, city: Any, call: RecruitmentCall) -> None:
    url = reverse("programmes:apply", args=[call.pk])
    client.force_login(city.secretary)
    html = _html(client.post(url, _apply_post(city.branch, statement="想参加")))
    assert "请用不少于20个字说明本支部参与的理由" in html and "想参加" in html
    assert not BranchApplication.objects.exists()
    client.post(url, _apply_post(city.branch))
    html = _html(client.post(url, _apply_post(city.branch)))
    assert "该团支部已报名本次招募" in html
    assert BranchApplication.objects.count() == 1


def test_apply_refused_to_students_and_for_another_branch(
    client: Any, city: Any, call: RecruitmentCall
) -> None:
    url = reverse("programmes:apply", args=[call.pk])
    client.force_login(city.student)
    assert client.get(url).status_code == 403
    assert client.post(url, _apply_post(city.branch)).status_code == 403
    client.force_login(city.secretary)
    html = _html(client.post(url, _apply_post(city.branch2)))
    assert "选择一个有效的选项" in html  # not offered, so not accepted
    assert not BranchApplication.objects.exists()


# --- applications: inbox, list, page, buttons ---------------------------------------------------
def test_inbox_per_role(client: Any, city: Any, call: RecruitmentCall) -> None:
    application = _submitted(city, call)
    client.force_login(city.department_admin)
    html = _html(client.get("/programmes/applications/inbox/"))
    assert "待推荐（院系团委）" in html and "2024级旅游管理班团支部" in html
    client.force_login(city.university_admin)
    assert "2024级旅游管理班团支部" not in _html(client.get("/programmes/applications/inbox/"))
    services.application_recommend(actor=city.department_admin, application=application)
    html = _html(client.get("/programmes/applications/inbox/"))
    assert "待审核（学校团委）" in html and "2024级旅游管理班团支部" in html
    services.application_approve(actor=city.university_admin, application=application)
    client.force_login(city.league_admin)
    html = _html(client.get("/programmes/applications/inbox/"))
    assert "待确定（团委）" in html and "2024级旅游管理班团支部" in html
    client.force_login(city.student)
    assert "暂无待您处理的事项" in _html(client.get("/programmes/applications/inbox/"))


def test_returned_application_waits_for_the_secretary(
    client: Any, city: Any, call: RecruitmentCall
) -> None:
    services.application_reject(
        actor=city.department_admin, application=_submitted(city, call), reason="请补充服务计划"
    )
    client.force_login(city.secretary)
    html = _html(client.get("/programmes/applications/inbox/"))
    assert "退回待修改" in html and "2024级旅游管理班团支部" in html


def test_application_list_filters_by_state_plain_and_htmx(
    client: Any, city: Any, call: RecruitmentCall, secretary2: Any
) -> None:
    _recommended(city, call)
    services.application_submit(
        actor=secretary2, call=call, branch=city.branch2, statement=STATEMENT
    )
    client.force_login(city.department_admin)
    html = _html(client.get("/programmes/applications/"))
    assert "2024级旅游管理班团支部" in html and "2024级会计学班团支部" in html and "<html" in html
    html = _html(client.get("/programmes/applications/", {"state": "recommended"}))
    assert "2024级旅游管理班团支部" in html and "2024级会计学班团支部" not in html
    partial = _html(client.get("/programmes/applications/", {"state": "submitted"}, headers=HX))
    assert 'id="results"' in partial and "<html" not in partial
    assert "2024级会计学班团支部" in partial and "2024级旅游管理班团支部" not in partial
    # a state that does not exist shows everything rather than failing
    assert client.get("/programmes/applications/", {"state": "nonsense"}).status_code == 200


def test_application_list_is_scoped(
    client: Any, city: Any, call: RecruitmentCall, secretary2: Any
) -> None:
    _submitted(city, call)
    client.force_login(secretary2)
    assert "2024级旅游管理班团支部" not in _html(client.get("/programmes/applications/"))


def test_application_page_shows_history_and_is_404_to_outsiders(
    client: Any, city: Any, call: RecruitmentCall, secretary2: Any, stranger: Any
) -> None:
    application = _recommended(city, call)
    url = f"/programmes/applications/{application.pk}/"
    client.force_login(city.secretary)
    html = _html(client.get(url))
    assert STATEMENT in html and "院系已推荐" in html
    assert "提交报名" in html and "团支书" in html and "系团委管理员" in html  # history: what, who
    assert timezone.localtime(application.created_at).strftime("%Y-%m-%d") in html  # when
    assert "请您处理" not in html  # no button for the secretary now
    for outsider in (secretary2, city.student, city.student2, city.staff, stranger):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_buttons_shown_to_the_person_whose_turn_it_is(
    client: Any, city: Any, call: RecruitmentCall
) -> None:
    application = _submitted(city, call)
    url = f"/programmes/applications/{application.pk}/"
    client.force_login(city.department_admin)
    html = _html(client.get(url))
    assert ">推荐<" in html and "退回修改" in html
    for user in (city.university_admin, city.league_admin, city.secretary):
        client.force_login(user)
        html = _html(client.get(url))
        assert ">推荐<" not in html and "退回修改" not in html and "审核通过" not in html
    services.application_recommend(actor=city.department_admin, application=application)
    client.force_login(city.university_admin)
    html = _html(client.get(url))
    assert "审核通过" in html and "不予通过" in html
    services.application_approve(actor=city.university_admin, application=application)
    client.force_login(city.league_admin)
    html = _html(client.get(url))
    assert "确定入选" in html and "不予通过" in html


@pytest.mark.parametrize("button", ["recommend", "approve", "reject"])
def test_steps_refused_to_the_wrong_people(
    client: Any, city: Any, call: RecruitmentCall, button: str, secretary2: Any
) -> None:
    application = _submitted(city, call)
    url = f"/programmes/applications/{application.pk}/{button}/"
    for user in (city.secretary, city.university_admin, city.league_admin):
        client.force_login(user)
        assert client.post(url, {"reason": "不合适"}).status_code == 403
    for outsider in (secretary2, city.student, city.staff):
        client.force_login(outsider)
        assert client.post(url, {"reason": "不合适"}).status_code == 404
    assert _state(application) == BranchApplication.State.SUBMITTED
    assert not AuditEvent.objects.filter(
        action__in=["application.recommend", "application.returned"]
    ).exists()


def test_buttons_need_post(client: Any, city: Any, call: RecruitmentCall) -> None:
    application = _submitted(city, call)
    client.force_login(city.department_admin)
    assert client.get(f"/programmes/applications/{application.pk}/recommend/").status_code == 405
    assert _state(application) == BranchApplication.State.SUBMITTED


def test_whole_selection_through_the_pages(client: Any, city: Any, call: RecruitmentCall) -> None:
    application = _submitted(city, call)
    url = f"/programmes/applications/{application.pk}/"
    client.force_login(city.department_admin)
    response = client.post(url + "recommend/")
    assert response.status_code == 302 and response.url == url
    assert _state(application) == BranchApplication.State.RECOMMENDED
    assert "已办理：该报名现为“院系已推荐”" in _html(client.get(url))  # the message, once
    client.force_login(city.university_admin)
    client.post(url + "approve/")
    assert _state(application) == BranchApplication.State.REVIEWED
    client.force_login(city.league_admin)
    client.post(url + "approve/")
    assert _state(application) == BranchApplication.State.CONFIRMED
    html = _html(client.get(url))
    for label in ("提交报名", "院系已推荐", "通过学校审核", "团委已确定"):
        assert label in html
    for name in ("团支书", "系团委管理员", "校团委管理员", "市团委管理员"):
        assert name in html


def test_htmx_step_returns_the_changed_part(client: Any, city: Any, call: RecruitmentCall) -> None:
    application = _submitted(city, call)
    client.force_login(city.department_admin)
    response = client.post(f"/programmes/applications/{application.pk}/recommend/", headers=HX)
    html = _html(response)
    assert response.status_code == 200
    assert 'id="workflow"' in html and "<html" not in html
    assert "院系已推荐" in html and "已办理" in html
    assert _state(application) == BranchApplication.State.RECOMMENDED


def test_return_needs_a_reason_then_the_secretary_resubmits(
    client: Any, city: Any, call: RecruitmentCall
) -> None:
    application = _submitted(city, call)
    url = f"/programmes/applications/{application.pk}/"
    client.force_login(city.department_admin)
    response = client.post(url + "reject/", {"reason": "  "})
    html = _html(response)
    assert response.status_code == 422 and "errorlist" in html and "请说明理由" in html
    assert _state(application) == BranchApplication.State.SUBMITTED
    # htmx: the same error in the part, with 200 so that htmx swaps it in
    response = client.post(url + "reject/", {"reason": ""}, headers=HX)
    assert (
        response.status_code == 200
        and "errorlist" in _html(response)
        and "<html" not in _html(response)
    )
    client.post(url + "reject/", {"reason": "请补充本学期服务计划"})
    assert _state(application) == BranchApplication.State.RETURNED
    html = _html(client.get(url))
    assert "已退回修改" in html and "请补充本学期服务计划" in html  # the reason, in the history too
    client.force_login(city.secretary)
    html = _html(client.get(url))
    assert reverse("programmes:application_resubmit", args=[application.pk]) in html
    resubmit = reverse("programmes:application_resubmit", args=[application.pk])
    assert STATEMENT in _html(client.get(resubmit))  # the form starts from what was sent
    html = _html(client.post(resubmit, {"statement": "太短"}))
    assert "请用不少于20个字说明本支部参与的理由" in html and "太短" in html
    assert _state(application) == BranchApplication.State.RETURNED
    new_statement = STATEMENT + "本学期计划每周六开展两次服务。"
    response = client.post(resubmit, {"statement": new_statement, "excellent_class": "on"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (
        application.state == BranchApplication.State.SUBMITTED
        and application.statement == new_statement
    )
    assert application.excellent_class and not application.excellent_branch
    assert "重新提交报名" in _html(client.get(url))


def test_resubmit_refused_to_others(client: Any, city: Any, call: RecruitmentCall) -> None:
    application = _submitted(city, call)
    services.application_reject(
        actor=city.department_admin, application=application, reason="请补充"
    )
    resubmit = reverse("programmes:application_resubmit", args=[application.pk])
    client.force_login(city.university_admin)
    assert client.post(resubmit, {"statement": STATEMENT}).status_code == 403
    client.force_login(city.student2)
    assert client.post(resubmit, {"statement": STATEMENT}).status_code == 404
    assert _state(application) == BranchApplication.State.RETURNED


def test_a_step_in_the_wrong_state_says_why(client: Any, city: Any, call: RecruitmentCall) -> None:
    application = _recommended(city, call)
    client.force_login(city.department_admin)
    # the department returns an application it already recommended (e.g. an old tab)
    response = client.post(f"/programmes/applications/{application.pk}/recommend/")
    assert response.status_code == 409
    assert "该报名目前为“院系已推荐”，现在不能进行这一步" in _html(response)
    assert _state(application) == BranchApplication.State.RECOMMENDED


def test_application_list_query_count_is_bounded(
    client: Any,
    city: Any,
    programme: Programme,
    call: RecruitmentCall,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(15):
        branch = OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2025级{i}班团支部", parent=city.department
        )
        services.application_submit(
            actor=city.department_admin, call=call, branch=branch, statement=STATEMENT
        )
    client.force_login(city.league_admin)
    with django_assert_max_num_queries(10):
        assert client.get("/programmes/applications/").status_code == 200
    for i in range(10):
        branch = OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2026级{i}班团支部", parent=city.department
        )
        services.application_submit(
            actor=city.department_admin, call=call, branch=branch, statement=STATEMENT
        )
    html = _html(
        client.get("/programmes/applications/", {"state": "submitted", "programme": programme.pk})
    )
    assert (
        "第 1 页，共 2 页" in html
        and f"?state=submitted&amp;programme={programme.pk}&amp;page=2" in html
    )
    html = _html(
        client.get("/programmes/applications/", {"state": "submitted", "page": 2}, headers=HX)
    )
    assert "第 2 页，共 2 页" in html and "<html" not in html
    client.force_login(city.department_admin)
    with django_assert_max_num_queries(10):
        assert client.get("/programmes/applications/inbox/").status_code == 200


# --- pairings -----------------------------------------------------------------------------------
def test_propose_form_offers_the_right_units_and_communities(
    client: Any, city: Any, programme: Programme
) -> None:
    url = reverse("programmes:pairing_create", args=[programme.pk])
    client.force_login(city.secretary)
    html = _html(client.get(url))
    assert "2024级旅游管理班团支部" in html and "2024级会计学班团支部" not in html
    assert (
        "白沙社区" in html and "列西社区" in html and "列西街道" in html
    )  # the city's communities and streets
    client.force_login(city.league_admin)
    html = _html(client.get(url))
    assert (
        "2024级旅游管理班团支部" in html and "2024级会计学班团支部" in html and "经管系团委" in html
    )
    client.force_login(city.staff)
    assert client.get(url).status_code == 403


def test_secretary_proposes_a_pairing(client: Any, city: Any, programme: Programme) -> None:
    url = reverse("programmes:pairing_create", args=[programme.pk])
    client.force_login(city.secretary)
    response = client.post(
        url,
        {
            "unit": city.branch.pk,
            "community": city.community.pk,
            "term_start": "2026-09-01",
            "term_end": "2027-07-01",
        },
    )
    pairing = Pairing.objects.get()
    assert response.status_code == 302 and response.url == f"/programmes/pairings/{pairing.pk}/"
    assert pairing.state == Pairing.State.PROPOSED and pairing.proposed_by == city.secretary


def test_propose_refused_for_another_branch(client: Any, city: Any, programme: Programme) -> None:
    client.force_login(city.secretary)
    html = _html(
        client.post(
            reverse("programmes:pairing_create", args=[programme.pk]),
            {
                "unit": city.branch2.pk,
                "community": city.community.pk,
                "term_start": "2026-09-01",
                "term_end": "2027-07-01",
            },
        )
    )
    assert "选择一个有效的选项" in html
    assert not Pairing.objects.exists()


def test_propose_bad_term_and_duplicate_show_chinese_errors(
    client: Any, city: Any, programme: Programme
) -> None:
    url = reverse("programmes:pairing_create", args=[programme.pk])
    client.force_login(city.league_admin)
    data = {
        "unit": city.branch.pk,
        "community": city.community.pk,
        "term_start": "2026-09-01",
        "term_end": "2026-08-01",
    }
    response = client.post(url, data)
    html = _html(response)
    assert response.status_code == 200 and "结束日期早于开始日期" in html
    assert 'value="2026-08-01"' in html and f'value="{city.community.pk}" selected' in html
    assert not Pairing.objects.exists()
    _proposed(city, programme)
    html = _html(client.post(url, {**data, "term_end": "2027-07-01"}))
    assert "双方在本年度计划中已有结对" in html
    assert Pairing.objects.count() == 1


def test_propose_form_is_prefilled_from_a_suggestion(
    client: Any, city: Any, programme: Programme
) -> None:
    client.force_login(city.league_admin)
    html = _html(
        client.get(
            reverse("programmes:pairing_create", args=[programme.pk]),
            {"unit": city.branch2.pk, "community": city.community2.pk},
        )
    )
    assert (
        f'value="{city.branch2.pk}" selected' in html
        and f'value="{city.community2.pk}" selected' in html
    )


def test_suggestions_page_links_to_a_filled_in_proposal(
    client: Any, city: Any, programme: Programme
) -> None:
    _proposed(city, programme)  # 2024级旅游管理班 has a live pairing: not suggested again
    url = reverse("programmes:suggestions", args=[programme.pk])
    client.force_login(city.league_admin)
    html = _html(client.get(url))
    assert "2024级会计学班团支部" in html and "2024级旅游管理班团支部" not in html
    create = reverse("programmes:pairing_create", args=[programme.pk])
    assert f"{create}?unit={city.branch2.pk}&amp;community=" in html
    assert "距离未知" in html  # the reasons, in Chinese
    partial = _html(client.get(url, headers=HX))
    assert 'id="results"' in partial and "<html" not in partial
    assert reverse("programmes:suggestions", args=[programme.pk]) in _html(
        client.get(f"/programmes/{programme.pk}/")
    )
    client.force_login(city.secretary)
    assert "每个班级团支部" not in _html(client.get(url)) and "您负责的班级团支部均已结对" in _html(
        client.get(url)
    )
    for user in (city.staff, city.student):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_pairing_page_for_both_sides_and_404_for_outsiders(
    client: Any, city: Any, programme: Programme, secretary2: Any, stranger: Any
) -> None:
    pairing = _proposed(city, programme)
    url = f"/programmes/pairings/{pairing.pk}/"
    for user in (
        city.secretary,
        city.staff,
        city.league_admin,
        city.department_admin,
        city.student,
    ):
        client.force_login(user)
        html = _html(client.get(url))
        assert "2024级旅游管理班团支部" in html and "白沙社区" in html and "2026-09-01" in html
    for outsider in (city.other_staff, secretary2, city.student2, stranger):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_pairing_list_filters_and_is_scoped(client: Any, city: Any, programme: Programme) -> None:
    _approved(city, programme)
    _proposed(city, programme, unit=city.branch2, community=city.other_community)
    client.force_login(city.league_admin)
    html = _html(client.get("/programmes/pairings/"))
    assert "白沙社区" in html and "列西社区" in html
    partial = _html(client.get("/programmes/pairings/", {"state": "approved"}, headers=HX))
    assert 'id="results"' in partial and "<html" not in partial
    assert "白沙社区" in partial and "列西社区" not in partial
    client.force_login(city.staff)
    html = _html(client.get("/programmes/pairings/"))
    assert "白沙社区" in html and "列西社区" not in html


def test_committee_approves_and_both_sides_confirm(
    client: Any, city: Any, programme: Programme
) -> None:
    pairing = _proposed(city, programme)
    url = f"/programmes/pairings/{pairing.pk}/"
    client.force_login(city.league_admin)
    assert "批准结对" in _html(client.get(url))
    assert client.post(url + "approve/").status_code == 302
    assert _state(pairing) == Pairing.State.APPROVED
    html = _html(client.get(url))
    assert "/agreement.pdf" in html and "/appointment.pdf" in html
    client.force_login(city.secretary)
    html = _html(client.get(url))
    assert "代表高校方确认</button>" in html and "代表社区方确认</button>" not in html
    client.post(url + "confirm/", {"side": "unit"})
    client.force_login(city.staff)
    html = _html(client.get(url))
    assert "代表社区方确认</button>" in html and "代表高校方确认</button>" not in html
    response = client.post(url + "confirm/", {"side": "community"}, headers=HX)
    assert 'id="workflow"' in _html(response) and "<html" not in _html(response)
    assert _state(pairing) == Pairing.State.ACTIVE
    assert "已于" in _html(client.get(url))


def test_pairing_buttons_refused_to_the_wrong_people(
    client: Any, city: Any, programme: Programme
) -> None:
    pairing = _proposed(city, programme)
    url = f"/programmes/pairings/{pairing.pk}/"
    for user in (city.university_admin, city.secretary, city.staff, city.district_admin):
        client.force_login(user)
        assert client.post(url + "approve/").status_code == 403
        assert client.post(url + "reject/", {"reason": "太远"}).status_code == 403
    client.force_login(city.other_staff)
    assert client.post(url + "approve/").status_code == 404
    assert _state(pairing) == Pairing.State.PROPOSED
    services.pairing_approve(actor=city.league_admin, pairing=pairing)
    client.force_login(city.staff)
    assert client.post(url + "confirm/", {"side": "unit"}).status_code == 403
    client.force_login(city.secretary)
    assert client.post(url + "confirm/", {"side": "community"}).status_code == 403
    assert client.post(url + "end/").status_code == 403
    pairing.refresh_from_db()
    assert pairing.unit_confirmed_at is None and pairing.community_confirmed_at is None
    assert pairing.state == Pairing.State.APPROVED


def test_rejecting_a_pairing_needs_a_reason(client: Any, city: Any, programme: Programme) -> None:
    pairing = _proposed(city, programme)
    url = f"/programmes/pairings/{pairing.pk}/"
    client.force_login(city.league_admin)
    response = client.post(url + "reject/", {"reason": ""})
    assert response.status_code == 422 and "errorlist" in _html(response)
    assert _state(pairing) == Pairing.State.PROPOSED
    client.post(url + "reject/", {"reason": "距离过远，建议就近结对"})
    assert _state(pairing) == Pairing.State.REJECTED
    html = _html(client.get(url))
    assert "距离过远，建议就近结对" in html and "/agreement.pdf" not in html


def test_recording_a_service_and_bad_dates(client: Any, city: Any, programme: Programme) -> None:
    pairing = _active(city, programme)
    url = f"/programmes/pairings/{pairing.pk}/"
    client.force_login(city.staff)
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 10, 20)):
        assert "记录一次服务" in _html(client.get(url))
        data = {"held_on": "2026-10-21", "title": "入户走访独居老人", "participants": 6}
        html = _html(client.post(url + "services/", data))
        assert (
            "服务尚未开展，不能提前记录" in html
            and "入户走访独居老人" in html
            and 'value="2026-10-21"' in html
        )
        assert not ServiceRecord.objects.exists()
        html = _html(client.post(url + "services/", {**data, "held_on": "2026-08-01"}))
        assert "该日期不在结对期限内" in html
        html = _html(client.post(url + "services/", {**data, "held_on": ""}))
        assert "errorlist" in html and "入户走访独居老人" in html
        assert not ServiceRecord.objects.exists()
        response = client.post(
            url + "services/", {"held_on": "2026-10-10", "title": "四点半课堂", "participants": 12}
        )
        assert response.status_code == 302
        assert ServiceRecord.objects.get().title == "四点半课堂"
        assert "四点半课堂" in _html(client.get(url))
        client.force_login(city.league_admin)  # the committee watches but does not record
        assert (
            client.post(
                url + "services/", {"held_on": "2026-10-10", "title": "代记", "participants": 1}
            ).status_code
            == 403
        )
    assert ServiceRecord.objects.count() == 1


def test_committee_ends_a_pairing(client: Any, city: Any, programme: Programme) -> None:
    pairing = _active(city, programme)
    url = f"/programmes/pairings/{pairing.pk}/"
    client.force_login(city.staff)
    assert client.post(url + "end/").status_code == 403
    client.force_login(city.league_admin)
    assert "结束结对" in _html(client.get(url))
    client.post(url + "end/", {"reason": "期满"})
    assert _state(pairing) == Pairing.State.ENDED


@pytest.fixture
def fake_documents(monkeypatch: Any) -> Any:
    """The PDF functions are another module's; the routes are tested with stand-ins."""
    calls: list[tuple[str, int]] = []
    module = types.ModuleType("qingshe.programmes.documents")

    def agreement_pdf(pairing: Pairing) -> bytes:
        calls.append(("agreement", pairing.pk))
        return b"%PDF-1.7 agreement"

    def appointment_letter_pdf(pairing: Pairing) -> bytes:
        calls.append(("appointment", pairing.pk))
        return b"%PDF-1.7 appointment"

    module.agreement_pdf = agreement_pdf  # type: ignore[attr-defined]
    module.appointment_letter_pdf = appointment_letter_pdf  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "qingshe.programmes.documents", module)
    return calls


def test_documents_only_for_approved_pairings_and_their_people(
    client: Any, city: Any, programme: Programme, fake_documents: Any
) -> None:
    pairing = _proposed(city, programme)
    agreement = f"/programmes/pairings/{pairing.pk}/agreement.pdf"
    appointment = f"/programmes/pairings/{pairing.pk}/appointment.pdf"
    client.force_login(city.secretary)
    assert client.get(agreement).status_code == 404  # not approved yet
    services.pairing_approve(actor=city.league_admin, pairing=pairing)
    response = client.get(agreement)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.7 agreement" and "inline" in response["Content-Disposition"]
    client.force_login(city.staff)
    assert client.get(appointment).content == b"%PDF-1.7 appointment"
    client.force_login(city.other_staff)
    assert client.get(agreement).status_code == 404
    assert client.get(appointment).status_code == 404
    assert fake_documents == [("agreement", pairing.pk), ("appointment", pairing.pk)]


def test_the_real_agreement_names_both_sides_in_chinese(
    client: Any, city: Any, programme: Programme
) -> None:
    import io

    import pypdf

    pairing = _approved(city, programme)
    client.force_login(city.secretary)
    response = client.get(f"/programmes/pairings/{pairing.pk}/agreement.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert "2024级旅游管理班团支部" in text.replace(" ", "") and "白沙社区" in text.replace(" ", "")


def test_a_document_that_cannot_be_made_says_why(
    client: Any, city: Any, programme: Programme, monkeypatch: Any
) -> None:
    from qingshe.core.errors import Conflict

    module = types.ModuleType("qingshe.programmes.documents")

    def appointment_letter_pdf(pairing: Pairing) -> bytes:
        raise Conflict("no_secretary", "该团支部尚未登记团支部书记，无法出具聘书。")

    module.appointment_letter_pdf = appointment_letter_pdf  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "qingshe.programmes.documents", module)
    pairing = _approved(city, programme)
    client.force_login(city.league_admin)
    response = client.get(f"/programmes/pairings/{pairing.pk}/appointment.pdf")
    assert (
        response.status_code == 409
        and "无法出具聘书" in _html(response)
        and "<html" in _html(response)
    )


def test_pairing_list_query_count_is_bounded(
    client: Any, city: Any, programme: Programme, django_assert_max_num_queries: Any
) -> None:
    for i in range(12):
        community = OrganisationFactory(
            kind=OrgKind.COMMUNITY, name=f"测试{i}社区", parent=city.street
        )
        _proposed(city, programme, community=community)
    client.force_login(city.league_admin)
    with django_assert_max_num_queries(10):
        assert client.get("/programmes/pairings/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/programmes/").status_code == 200


# --- compliance ---------------------------------------------------------------------------------
def _law_department(city: Any) -> Any:
    """A second department, below quota: one of its four branches takes part."""
    law = OrganisationFactory(
        kind=OrgKind.DEPARTMENT_COMMITTEE,
        name="共青团青州学院法学系委员会",
        short_name="法学系团委",
        parent=city.university,
    )
    branches = [
        OrganisationFactory(kind=OrgKind.CLASS_BRANCH, name=f"2024级法学{i}班团支部", parent=law)
        for i in range(4)
    ]
    for i, b in enumerate(branches):
        MembershipFactory(user=UserFactory(name=f"法学学生{i}"), org=b, role=Role.STUDENT)
    return law, branches


def test_compliance_page_by_department_with_text_marks(
    client: Any, city: Any, programme: Programme
) -> None:
    law, branches = _law_department(city)
    for b in branches[1:]:
        services.pairing_propose(
            actor=city.league_admin,
            programme=programme,
            unit=b,
            community=city.community2,
            term_start=date(2026, 9, 1),
            term_end=date(2027, 7, 1),
        )  # proposed only: not counted
    _approved(city, programme)  # 经管系: 1 of 2 branches
    url = f"/programmes/{programme.pk}/compliance/"
    client.force_login(city.league_admin)
    html = _html(client.get(url))
    assert "青州学院团委" in html and "经管系团委" in html and "法学系团委" in html
    assert "1 / 2" in html and "50.0%" in html and "0 / 4" in html and "0.0%" in html
    assert "✗ 未达标" in html and "✓ 达标" in html  # text, not colour alone
    assert "1 个院系未达到指标" in html
    assert f"?under={city.university.pk}" in html and f"?under={law.pk}" in html


def test_compliance_university_header_counts_each_student_once(
    client: Any, city: Any, programme: Programme
) -> None:
    from qingshe.orgs.models import Membership

    law, branches = _law_department(city)
    _approved(city, programme)  # 经管系's branch takes part
    MembershipFactory(
        user=city.student, org=branches[0], role=Role.STUDENT
    )  # also a 法学系 student
    students = Membership.objects.filter(
        org__parent__in=[city.department, law],
        org__kind=OrgKind.CLASS_BRANCH,
        role=Role.STUDENT,
        is_active=True,
    )
    distinct = students.values("user_id").distinct().count()
    assert students.count() == distinct + 1
    result = selectors.compliance_for_user(user=city.league_admin, programme=programme)
    summed = sum(r.students_total for r in result.departments)
    assert summed == distinct + 1
    taking = result.university_students[city.university.pk][1]
    client.force_login(city.league_admin)
    html = _html(client.get(f"/programmes/{programme.pk}/compliance/"))
    assert f"学生 {taking}/{distinct}" in html
    summed_in = sum(r.students_taking_part for r in result.departments)
    assert f"学生 {summed_in}/{summed}" not in html


def test_compliance_drill_down_to_a_department_lists_its_branches(
    client: Any, city: Any, programme: Programme
) -> None:
    _law_department(city)
    _approved(city, programme)
    url = f"/programmes/{programme.pk}/compliance/"
    client.force_login(city.league_admin)
    html = _html(client.get(url, {"under": city.university.pk}))
    assert "经管系团委" in html and "法学系团委" in html
    html = _html(client.get(url, {"under": city.department.pk}))
    assert "法学系团委" not in html
    assert "2024级旅游管理班团支部" in html and "已参与（已结对）" in html
    assert "2024级会计学班团支部" in html and "✗ 未参与" in html
    assert f'href="{url}?under={city.university.pk}"' in html  # back up one level
    assert client.get(url, {"under": "x"}).status_code == 404
    client.force_login(city.department_admin)
    assert (
        client.get(url, {"under": city.other_community.pk}).status_code == 404
    )  # not visible to them


def test_compliance_is_for_admins_only(
    client: Any, city: Any, programme: Programme, stranger: Any
) -> None:
    law, _ = _law_department(city)
    url = f"/programmes/{programme.pk}/compliance/"
    client.force_login(city.department_admin)
    html = _html(client.get(url))
    assert "经管系团委" in html and "法学系团委" not in html  # their own department only
    client.force_login(city.university_admin)
    assert "法学系团委" in _html(client.get(url))
    for user in (city.secretary, city.student, city.staff, stranger):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_compliance_lists_late_not_started_and_low_frequency(
    client: Any, city: Any, programme: Programme
) -> None:
    with mock.patch(
        "django.utils.timezone.now",
        return_value=timezone.make_aware(timezone.datetime(2026, 11, 18, 10)),
    ):
        late = _approved(city, programme, unit=city.branch2, community=city.community2)
    # active since September: it owes October its two services
    with mock.patch(
        "django.utils.timezone.now",
        return_value=timezone.make_aware(timezone.datetime(2026, 9, 20, 10)),
    ):
        active = _active(city, programme)
    ServiceRecord.objects.create(
        pairing=active, held_on=date(2026, 10, 8), title="入户走访", recorded_by=city.staff
    )
    url = f"/programmes/{programme.pk}/compliance/"
    client.force_login(city.league_admin)
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 11, 25)):
        html = _html(client.get(url, {"month": "2026-10"}))
    assert "逾期建立的结对" in html and "2024级会计学班团支部 ⇄ 富华社区" in html
    assert "未按期开展的结对" in html  # `late` was approved but never started
    assert "月服务次数不足的结对" in html and "✗ 1 次服务" in html and 'value="2026-10"' in html
    assert late.pk and f"/programmes/pairings/{active.pk}/" in html
    # the month's part alone for htmx; a malformed month says so and shows last month
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 11, 25)):
        partial = _html(client.get(url, {"month": "2026-09"}, headers=HX))
    # (in September the pairing had not been active for the whole month: nothing owed)
    assert (
        'id="low-frequency"' in partial
        and "<html" not in partial
        and "当月所有进行中的结对均达到最少服务次数" in partial
    )
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 11, 25)):
        html = _html(client.get(url, {"month": "十月"}))
    assert "请按“年-月”格式填写月份" in html and 'value="2026-10"' in html


def test_compliance_query_count_is_bounded(
    client: Any, city: Any, programme: Programme, django_assert_max_num_queries: Any
) -> None:
    law, branches = _law_department(city)
    for i, b in enumerate(branches):
        community = OrganisationFactory(
            kind=OrgKind.COMMUNITY, name=f"测试{i}社区", parent=city.street
        )
        _active_for(city, programme, b, community)
    url = f"/programmes/{programme.pk}/compliance/"
    client.force_login(city.league_admin)
    with django_assert_max_num_queries(19):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(21):
        assert client.get(url, {"under": law.pk}).status_code == 200


def _active_for(city: Any, programme: Programme, unit: Any, community: Any) -> Pairing:
    pairing = services.pairing_approve(
        actor=city.league_admin,
        pairing=services.pairing_propose(
            actor=city.league_admin,
            programme=programme,
            unit=unit,
            community=community,
            term_start=date(2026, 9, 1),
            term_end=date(2027, 7, 1),
        ),
    )
    return pairing


# --- home panels --------------------------------------------------------------------------------
def test_home_panels_for_each_role(
    client: Any, city: Any, programme: Programme, call: RecruitmentCall
) -> None:
    application = _submitted(city, call)
    pairing = _approved(city, programme)
    client.force_login(city.department_admin)
    html = _html(client.get("/"))
    assert "待我处理的报名" in html and "2024级旅游管理班团支部" in html and "待推荐" in html
    assert f"/programmes/applications/{application.pk}/" in html
    client.force_login(city.secretary)
    html = _html(client.get("/"))
    assert (
        "待我确认或审批的结对" in html
        and "待确认协议" in html
        and f"/programmes/pairings/{pairing.pk}/" in html
    )
    client.force_login(city.staff)
    assert "待确认协议" in _html(client.get("/"))
    client.force_login(city.student)
    html = _html(client.get("/"))
    assert "待我处理的报名" not in html and "待我确认或审批的结对" not in html


def test_home_compliance_warnings_for_league_admins(
    client: Any, city: Any, programme: Programme
) -> None:
    for i in range(3):
        OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2023级{i}班团支部", parent=city.department
        )
    _proposed(city, programme)
    client.force_login(city.league_admin)
    html = _html(client.get("/"))
    assert "达标情况：2026年 大学生社区实践计划" in html and "1 个院系未达到指标" in html
    assert "待审批" in html  # the proposed pairing waits for the committee
    client.force_login(city.university_admin)
    assert "达标情况：" not in _html(client.get("/"))


def test_home_queries_are_bounded(
    client: Any,
    city: Any,
    programme: Programme,
    call: RecruitmentCall,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(12):
        branch = OrganisationFactory(
            kind=OrgKind.CLASS_BRANCH, name=f"2025级{i}班团支部", parent=city.department
        )
        services.application_submit(
            actor=city.department_admin, call=call, branch=branch, statement=STATEMENT
        )
        community = OrganisationFactory(
            kind=OrgKind.COMMUNITY, name=f"测试{i}社区", parent=city.street
        )
        _proposed(city, programme, unit=branch, community=community)
    client.force_login(city.league_admin)
    # A constant bound whatever the number of applications and pairings: every app's panels for
    # a league admin (programmes, needs, dispatch, bounties, cases, points, imports…) read a fixed
    # number of rows each.
    with django_assert_max_num_queries(32):
        assert client.get("/").status_code == 200


def test_pages_carry_no_inline_script_or_style(
    client: Any, city: Any, programme: Programme, call: RecruitmentCall
) -> None:
    application = _submitted(city, call)
    pairing = _approved(city, programme)
    client.force_login(city.league_admin)
    for url in (
        "/programmes/",
        "/programmes/new/",
        f"/programmes/{programme.pk}/",
        f"/programmes/{programme.pk}/calls/new/",
        f"/programmes/calls/{call.pk}/",
        "/programmes/applications/",
        "/programmes/applications/inbox/",
        f"/programmes/applications/{application.pk}/",
        "/programmes/pairings/",
        f"/programmes/pairings/{pairing.pk}/",
        f"/programmes/{programme.pk}/pairings/new/",
        f"/programmes/{programme.pk}/compliance/",
    ):
        response = client.get(url)
        html = _html(response)
        assert response.status_code == 200, url
        assert " style=" not in html and "<script>" not in html and " on" + "click=" not in html, (
            url
        )
        assert "script-src 'self'" in response["Content-Security-Policy"]


def test_english_switch(client: Any, city: Any, programme: Programme) -> None:
    client.force_login(city.league_admin)
    client.cookies["django_language"] = "en"
    html = _html(client.get(f"/programmes/{programme.pk}/"))
    assert "Deadlines" in html and "Open a recruitment call" in html
    assert selectors.programme_can_manage(user=city.league_admin, programme=programme)


# --- the selectors added for the pages ----------------------------------------------------------
def test_pairings_waiting_for_each_side_and_the_committee(
    city: Any, programme: Programme, secretary2: Any
) -> None:
    proposed = _proposed(city, programme, unit=city.branch2, community=city.community2)
    approved = _approved(city, programme)
    assert list(selectors.pairings_waiting_for(user=city.league_admin)) == [proposed]
    assert list(selectors.pairings_waiting_for(user=city.secretary)) == [approved]
    assert list(selectors.pairings_waiting_for(user=city.staff)) == [approved]
    assert (
        list(selectors.pairings_waiting_for(user=secretary2)) == []
    )  # proposed: nothing to confirm yet
    assert list(selectors.pairings_waiting_for(user=city.other_staff)) == []
    assert list(selectors.pairings_waiting_for(user=city.student)) == []
    services.pairing_confirm(actor=city.secretary, pairing=approved, side="unit")
    assert list(selectors.pairings_waiting_for(user=city.department_admin)) == []
    assert list(selectors.pairings_waiting_for(user=city.staff)) == [approved]


def test_compliance_branches_say_how_each_takes_part(
    city: Any, programme: Programme, call: RecruitmentCall
) -> None:
    _approved(city, programme)
    application = services.application_submit(
        actor=city.department_admin, call=call, branch=city.branch2, statement=STATEMENT
    )
    services.application_recommend(actor=city.department_admin, application=application)
    rows = {
        r.branch: r
        for r in selectors.compliance_branches(programme=programme, department=city.department)
    }
    assert (
        rows[city.branch].taking_part
        and rows[city.branch].by_pairing
        and rows[city.branch].students == 1
    )
    assert not rows[city.branch2].taking_part  # recommended is not yet selected
    services.application_approve(actor=city.university_admin, application=application)
    services.application_approve(actor=city.league_admin, application=application)
    rows = {
        r.branch: r
        for r in selectors.compliance_branches(programme=programme, department=city.department)
    }
    assert (
        rows[city.branch2].taking_part
        and rows[city.branch2].by_application
        and not rows[city.branch2].by_pairing
    )


def test_units_owners_and_scope_choices(city: Any, programme: Programme) -> None:
    assert list(selectors.pairing_units_for_user(user=city.secretary, programme=programme)) == [
        city.branch
    ]
    units = set(selectors.pairing_units_for_user(user=city.university_admin, programme=programme))
    assert units == {city.department, city.branch, city.branch2}
    assert not selectors.pairing_units_for_user(user=city.staff, programme=programme).exists()
    assert list(selectors.programme_owners_for_user(user=city.league_admin)) == [
        city.city,
        city.district,
        city.other_district,
    ]
    assert list(selectors.programme_owners_for_user(user=city.district_admin)) == [city.district]
    assert not selectors.programme_owners_for_user(user=city.university_admin).exists()
    scope = set(
        selectors.programme_scope_choices_for_user(user=city.district_admin, owner=city.district)
    )
    assert scope == {city.district, city.street}
    assert list(selectors.programmes_managed_by(user=city.league_admin)) == [programme]
    assert not selectors.programmes_managed_by(user=city.district_admin).exists()
    communities = set(selectors.pairing_communities_for(programme=programme))
    assert communities == {
        city.street,
        city.community,
        city.community2,
        city.other_street,
        city.other_community,
    }


def test_application_history_is_oldest_first(city: Any, call: RecruitmentCall) -> None:
    application = _recommended(city, call)
    services.application_reject(
        actor=city.university_admin, application=application, reason="名额已满"
    )
    events = list(selectors.application_history(application=application))
    assert [e.action for e in events] == [
        "application.submit",
        "application.recommend",
        "application.rejected",
    ]
    assert [e.actor for e in events] == [
        city.secretary,
        city.department_admin,
        city.university_admin,
    ]
    assert events[-1].data["reason"] == "名额已满"
