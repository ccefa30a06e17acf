"""The pages a person sees when a page is refused (403) or does not exist (404): in their
language, inside the site's frame, with the reason a view gave and a way back; never Django's
bare English defaults."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import permission_denied

from qingshe.accounts.tests.factories import UserFactory


@pytest.mark.django_db
def test_a_missing_page_says_so_in_chinese_with_a_way_home(client: Any) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>页面不存在</h1>" in html
    assert "该页面不存在，或其内容已被删除，或您无权查看。" in html
    assert f'href="{reverse("core:home")}"' in html and "返回首页" in html
    assert "Not Found" not in html and "The requested resource" not in html


@pytest.mark.django_db
def test_a_refused_page_gives_the_views_reason(client: Any) -> None:
    # Someone with no league role may not make dispatch plans: the view says who may.
    client.force_login(UserFactory(name="普通用户"))
    response = client.get(reverse("dispatch:new"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>您无权打开此页面</h1>" in html
    assert "只有" in html and "派单" in html  # the view's own reason, translated
    assert "返回首页" in html and "退出登录" in html  # inside the site's frame, logged in
    assert "403 Forbidden" not in html


@pytest.mark.django_db
def test_a_refusal_without_a_reason_gets_the_general_one() -> None:
    request = RequestFactory().get("/somewhere/")
    request.user = UserFactory()
    request.session = {}
    html = permission_denied(request, PermissionDenied()).content.decode()
    assert "您的角色不能进行此操作。如认为应当可以，请联系所在团委。" in html


@pytest.mark.browser
def test_the_missing_page_in_a_browser_leads_home(
    transactional_db: Any, city: Any, live_server: Any, login_page: Any, screenshot_dir: Any
) -> None:
    page = login_page(city.student.phone)
    page.goto(f"{live_server.url}/needs/999999/")
    assert page.locator("h1").inner_text() == "页面不存在"
    page.screenshot(path=str(screenshot_dir / "error-404.png"), full_page=True)
    page.get_by_role("link", name="返回首页").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/"
