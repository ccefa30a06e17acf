from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from qingshe.core import nav


def _nav(client: Any) -> str:
    html = client.get("/").content.decode()
    return html[html.index('class="site-nav"') : html.index("</nav>")]


def test_each_person_sees_the_entries_of_their_roles(client: Any, city: Any) -> None:
    client.force_login(city.resident)
    menu = _nav(client)
    assert 'href="/"' in menu and 'href="/me/"' in menu
    assert (
        'href="/duty/"' not in menu
        and 'href="/programmes/"' not in menu
        and 'href="/orgs/"' not in menu
    )
    client.force_login(city.student)
    menu = _nav(client)
    assert 'href="/duty/"' in menu and 'href="/programmes/"' in menu and 'href="/projects/"' in menu
    assert "报到服务" in menu


def test_the_current_section_is_marked(client: Any, city: Any) -> None:
    client.force_login(city.student)
    html = client.get("/duty/").content.decode()
    assert 'href="/duty/" aria-current="page"' in html
    assert 'href="/" aria-current="page"' not in html


def test_an_entry_with_a_wrong_url_name_fails_loudly(city: Any) -> None:
    nav.register("nowhere:list", "x", order=999)
    try:
        with pytest.raises(NoReverseMatch):
            nav.items_for(city.student, "/")
    finally:
        nav._registry.pop("nowhere:list")


def test_anonymous_pages_have_no_menu(client: Any, db: Any) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert 'class="site-nav"' not in html


def test_dispatch_offers_and_resources_in_the_menu(client: Any, city: Any) -> None:
    client.force_login(city.student)
    menu = _nav(client)
    assert 'href="/dispatch/offers/"' in menu and "接单" in menu
    assert 'href="/dispatch/"' not in menu and 'href="/resources/"' not in menu
    client.force_login(city.league_admin)
    menu = _nav(client)
    assert 'href="/dispatch/"' in menu and "派单" in menu and 'href="/resources/"' in menu


def test_the_menu_worked_out_once_per_roles_and_language_is_still_each_persons(city: Any) -> None:
    """The per-process menu memo (issue 11): keyed by the roles held, platform staff and the
    language, never by person; the current entry is marked per request."""
    from django.utils import translation

    with translation.override("en"):
        en = nav.items_for(city.student, "/duty/mine/")
    with translation.override("zh-hans"):
        zh = nav.items_for(city.student, "/duty/mine/")
        resident = nav.items_for(city.resident, "/")
        again = nav.items_for(city.student, "/")
    assert [i["url"] for i in en] == [i["url"] for i in zh] and [i["label"] for i in en] != [
        i["label"] for i in zh
    ]
    assert [i["url"] for i in en if i["current"]] == ["/duty/"]
    assert [i["url"] for i in again if i["current"]] == ["/"]
    assert "/duty/" not in [i["url"] for i in resident]
    home = nav._registry["core:home"]
    nav.register("core:home", "x", order=0)  # a change of the registry is seen at once
    try:
        with translation.override("zh-hans"):
            assert [i["label"] for i in nav.items_for(city.student, "/")][0] == "x"
    finally:
        nav._registry["core:home"] = home
        nav._menus.clear()


def test_the_menu_html_is_the_entries_rendered_and_kept_per_menu_and_current_entry(
    client: Any, city: Any
) -> None:
    html = nav.menu_html(city.student, "/duty/mine/")
    assert html.count("<li>") == len(nav.items_for(city.student, "/duty/mine/"))
    assert html.count('aria-current="page"') == 1 and 'href="/duty/" aria-current="page"' in html
    assert nav.menu_html(city.student2, "/duty/mine/") is html  # same roles, same path: kept
    home = nav.menu_html(city.student, "/")
    assert 'href="/" aria-current="page"' in home and 'href="/duty/" aria-current' not in home
    client.force_login(city.student)
    page = client.get("/duty/mine/").content.decode()
    assert html in page


def test_a_fragment_without_the_menu_reads_no_roles(client: Any, city: Any) -> None:
    """The bell, polled every minute, is rendered with the page context but shows no menu."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(city.student)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(reverse("core:notification_bell"))
    assert answer.status_code == 200 and 'id="notification-bell"' in answer.content.decode()
    assert not [q for q in queries.captured_queries if "orgs_membership" in q["sql"]]
    with CaptureQueriesContext(connection) as queries:
        home = client.get("/").content.decode()
    assert [q for q in queries.captured_queries if "orgs_membership" in q["sql"]]
    assert 'class="site-nav"' in home
