"""Home page, base layout, language, the panel registry and the admin's gate."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshe.accounts import services as account_services
from qingshe.accounts.tests.factories import UserFactory
from qingshe.core import home
from qingshe.orgs import services as org_services
from qingshe.orgs.models import PostKind, Role
from qingshe.orgs.tests.factories import MembershipFactory

from .helpers import make_id_number

HOME = "/"


def test_home_needs_login(client: Any, db: Any) -> None:
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_student_home_asks_for_consent_and_profile(client: Any, city: Any) -> None:
    client.force_login(city.student)
    html = client.get(HOME).content.decode()
    assert "学生甲，您好" in html
    assert "个人信息处理告知书" in html and reverse("accounts:consent") in html
    assert "我的学生信息" in html and "尚未填写学生信息" in html
    # A student does not look after anybody: no steward panels.
    assert "待完善的学生信息" not in html


def test_consent_panel_goes_once_agreed(client: Any, city: Any) -> None:
    account_services.consent_give(actor=city.resident, user=city.resident, purpose="privacy_notice")
    client.force_login(city.resident)
    html = client.get(HOME).content.decode()
    assert "阅读告知书" not in html
    # What is left is the resident's own: their orders (none yet) and the way to place one.
    assert "我的点单" in html and "还没有点过单。" in html


def test_secretary_home_lists_students_to_follow_up(client: Any, city: Any) -> None:
    client.force_login(city.secretary)
    html = client.get(HOME).content.decode()
    assert "您负责的组织" in html and "2024级旅游管理班团支部" in html
    assert "待完善的学生信息" in html and "学生甲" in html
    # The other branch's student is not the secretary's business.
    assert "学生乙" not in html
    assert "未来 30 天内没有到期的兼任职务" in html


def test_department_admin_sees_minors_without_guardian_consent(client: Any, city: Any) -> None:
    today = timezone.localdate()
    minor = UserFactory(name="未成年学生", id_number=make_id_number(date(today.year - 16, 1, 15)))
    MembershipFactory(user=minor, org=city.branch2, role=Role.STUDENT)
    client.force_login(city.department_admin)
    html = client.get(HOME).content.decode()
    assert "缺少监护人同意的未成年人" in html and "未成年学生" in html and "未满18岁" in html
    account_services.consent_give(
        actor=city.department_admin,
        user=minor,
        purpose="privacy_notice",
        guardian=account_services.GuardianConsent(guardian_name="家长", guardian_relation="母亲"),
    )
    html = client.get(HOME).content.decode()
    assert "未满18岁" not in html and "没有缺少监护人同意的未成年人" in html


def test_staff_home_shows_community_and_posts(client: Any, city: Any) -> None:
    today = timezone.localdate()
    org_services.post_appoint(
        actor=None,
        user=city.secretary,
        org=city.community,
        kind=PostKind.ASSISTANT_DIRECTOR,
        start_date=today - timedelta(days=100),
        end_date=today + timedelta(days=10),
    )
    client.force_login(city.staff)
    html = client.get(HOME).content.decode()
    assert "我的社区" in html and "白沙社区居民" in html
    assert re.search(r"白沙社区居民</span>\s*<span class=\"badge\">1</span>", html)
    assert "本社区的兼任职务" in html and "社区居委会主任助理" in html
    assert "30 天内到期的兼任职务" in html and "团支书" in html
    # Another community's staff sees neither.
    client.force_login(city.other_staff)
    html = client.get(HOME).content.decode()
    assert "团支书" not in html and "白沙社区居民" not in html


def test_home_query_count_does_not_grow_with_people(
    client: Any, city: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        MembershipFactory(user=UserFactory(name=f"批量学生{i}"), org=city.branch, role=Role.STUDENT)
    for user in (city.league_admin, city.secretary, city.staff, city.student):
        client.force_login(user)
        with django_assert_max_num_queries(22):
            assert client.get(HOME).status_code == 200
    client.force_login(city.league_admin)
    html = client.get(HOME).content.decode()
    assert "另有" in html  # more than the panel shows


def test_home_htmx_returns_the_panels_partial(client: Any, city: Any) -> None:
    client.force_login(city.secretary)
    response = client.get(HOME, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="panels"' in html
    assert "<html" not in html and "site-header" not in html


def test_pages_are_chinese_by_default_and_english_after_switching(client: Any, city: Any) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="zh-Hans"' in html and "手机号或用户名" in html and "登录青社" in html
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    html = client.get(reverse("accounts:login")).content.decode()
    assert (
        'lang="en"' in html and "Mobile number or username" in html and "手机号或用户名" not in html
    )
    client.force_login(city.secretary)
    html = client.get(HOME).content.decode()
    assert "Organisations you look after" in html and "Student profiles to complete" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "您负责的组织" in client.get(HOME).content.decode()


def test_layout_has_nav_skip_link_and_no_inline_code(client: Any, city: Any) -> None:
    client.force_login(city.student)
    for url in (HOME, reverse("orgs:tree"), reverse("accounts:me"), reverse("accounts:me_edit")):
        response = client.get(url)
        html = response.content.decode()
        assert 'class="skip-link" href="#main"' in html
        assert reverse("accounts:logout") in html and 'action="/i18n/setlang/"' in html
        assert "管理后台" not in html
        assert " style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "script-src 'self'" in response["Content-Security-Policy"]


def test_staff_sees_the_admin_link(client: Any, city: Any) -> None:
    city.league_admin.is_staff = True
    city.league_admin.save(update_fields=["is_staff"])
    client.force_login(city.league_admin)
    assert "管理后台" in client.get(HOME).content.decode()


def test_non_staff_cannot_open_the_admin(client: Any, city: Any) -> None:
    client.force_login(city.student)
    for url in (
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{city.student2.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_another_app_can_add_a_home_panel(client: Any, city: Any) -> None:
    def volunteer_shifts(user: Any) -> list[home.Panel]:
        return [
            home.Panel(title="今日值班", items=[home.PanelItem(text="社区图书角", badge="14:00")])
        ]

    home.register(volunteer_shifts, order=5)
    try:
        client.force_login(city.student)
        html = client.get(HOME).content.decode()
        assert "今日值班" in html and "社区图书角" in html
        assert html.index("今日值班") < html.index("个人信息处理告知书")
    finally:
        home.unregister(volunteer_shifts)
    assert "今日值班" not in client.get(HOME).content.decode()


@pytest.mark.parametrize("name", ["qingshe.accounts.home", "qingshe.orgs.home"])
def test_foundation_providers_are_registered(name: str) -> None:
    assert any(p.__module__ == name for p in home.providers())


def test_an_english_browser_still_gets_chinese_until_switching(client: Any, db: Any) -> None:
    html = client.get(
        reverse("accounts:login"), headers={"Accept-Language": "en-US,en;q=0.9"}
    ).content.decode()
    assert "手机号或用户名" in html
    client.cookies["django_language"] = "en"
    assert "Mobile number or username" in client.get(reverse("accounts:login")).content.decode()


def test_empty_panels_come_after_those_with_something_in_them(client: Any, city: Any) -> None:
    def nothing_here(user: Any) -> list[home.Panel]:
        return [home.Panel(title="空空如也", empty_text="暂无")]

    def late_but_full(user: Any) -> list[home.Panel]:
        return [home.Panel(title="待办一件", items=[home.PanelItem(text="去处理")], total=1)]

    home.register(nothing_here, order=1)
    home.register(late_but_full, order=999)
    try:
        client.force_login(city.student)
        html = client.get(HOME).content.decode()
        # The consent panel asks for an action: it keeps its place before the empty one.
        assert html.index("个人信息处理告知书") < html.index("待办一件") < html.index("空空如也")
    finally:
        home.unregister(nothing_here)
        home.unregister(late_but_full)


def test_form_labels_end_with_a_full_width_colon_in_chinese() -> None:
    """Django's own Chinese catalogue keeps ':' after a label (标题:); the project's says '：'."""
    from django import forms
    from django.utils import translation

    class Form(forms.Form):
        title = forms.CharField(label="标题")

    with translation.override("zh-hans"):
        assert "标题：</label>" in str(Form()["title"].label_tag())
    with translation.override("en"):
        assert "标题:</label>" in str(Form()["title"].label_tag())
