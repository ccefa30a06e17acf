"""The two student pages made lean (issue 11 item 8): MY OFFERS writes the empty reason box of each
waiting offer itself (not through Django's form templates) and reads one query of few columns;
the NEED BOARD counts its needs once (the paginator uses the per-state counts) and reads its
cards as rows. These tests pin that each page shows what the page showed before (the same rows,
words, links and form fields, the reason box as DeclineForm renders it) and how many queries
each page makes, so that they cannot silently grow."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from qingshe.needs import selectors, services
from qingshe.needs.forms_dispatch import DeclineForm, decline_reason_parts
from qingshe.needs.models import Need, NeedAssignment, NeedFollower
from qingshe.needs.selectors.needs import NeedFilters
from qingshe.needs.tests.needs_support import BASE, submit

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
A = NeedAssignment.State

# Queries of one render (the user's load included; the session comes from the cache): the offers
# page reads the user, the person's offers and (for the menu) their memberships; the board the
# user, the memberships, the counts per state and the page's cards (before: + a COUNT for the
# paginator). Staff add the board's community filter and where they may order.
OFFERS_QUERIES = 3
BOARD_QUERIES = 4
BOARD_QUERIES_STAFF = 6


def _count(client: Any, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


# --- my offers ----------------------------------------------------------------------------------
def _offer(city: Any, need: Need, days: int, state: str = A.OFFERED, **kw: Any) -> NeedAssignment:
    start = timezone.now() + timedelta(days=days)
    return NeedAssignment.objects.create(
        need=need,
        volunteer=city.student,
        source=kw.pop("source", NeedAssignment.Source.PLAN),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        state=state,
        reasons=kw.pop("reasons", [{"code": "remote"}, {"code": "insured"}]),
        **kw,
    )


@pytest.fixture
def offers(city: Any) -> dict[str, NeedAssignment]:
    remote = submit(city, title="线上辅导", is_remote=True)
    here = submit(city, title="楼道清理", address="3栋2单元 <二楼>")
    bare = submit(city, title="社区问卷")
    Need.objects.filter(pk=bare.pk).update(address="")
    return {
        "remote": _offer(city, remote, 3),
        "here": _offer(city, here, 1, reasons=[]),
        "accepted": _offer(city, bare, 2, A.ACCEPTED, source=NeedAssignment.Source.CLAIM),
        "past": _offer(city, submit(city, title="已过期的派单"), -2),
        "declined": _offer(city, submit(city, title="已拒绝的派单"), 4, A.DECLINED),
    }


def _box(html: str, pk: int) -> str:
    """The reason box of offer `pk` on the page."""
    match = re.search(
        rf'<div class="field[^"]*">\s*<label for="id_a{pk}-reason">.*?</textarea>\s*</div>',
        html,
        re.S,
    )
    assert match, f"no reason box for {pk}"
    return match.group(0)


def _django_box(form: DeclineForm) -> str:
    css = "field field--error" if form.errors else "field"
    return f'<div class="{css}">{form["reason"].as_field_group()}</div>'


def test_offers_page_rows_words_links_and_queries(client: Any, city: Any, offers: Any) -> None:
    client.force_login(city.student)
    n, html = _count(client, reverse("dispatch:offers"))
    assert n <= OFFERS_QUERIES, n
    remote, here, accepted = offers["remote"], offers["here"], offers["accepted"]
    # waiting: soonest first; the past offer and the declined one are not shown
    assert html.index(f'id="offer-{here.pk}"') < html.index(f'id="offer-{remote.pk}"')
    assert f'id="offer-{offers["past"].pk}"' not in html
    assert f'id="offer-{offers["declined"].pk}"' not in html
    assert '等待您答复 <span class="count">2</span>' in html
    assert '已接单，待服务 <span class="count">1</span>' in html
    with translation.override("zh-hans"):
        online = translation.gettext("Online, wherever you are")
        when = selectors.offer_page_lines(user=city.student)[0].when
    assert f"<dd>{online}</dd>" in html
    assert f"<dd>白沙社区 · {escape('3栋2单元 <二楼>')}</dd>" in html
    assert "<dd>白沙社区</dd>" in html and when in html
    for offer in (here, remote):
        for name in ("accept", "decline"):
            url = reverse(f"dispatch:{name}", args=[offer.pk])
            assert f'action="{url}"' in html and f'hx-post="{url}"' in html
        assert parse_html(_box(html, offer.pk)) == parse_html(
            _django_box(DeclineForm(prefix=f"a{offer.pk}"))
        )
    assert html.count('<h4 class="offer__why">') == 1  # `here` was offered without reasons
    url = reverse("dispatch:withdraw", args=[accepted.pk])
    assert f'action="{url}"' in html and f'hx-post="{url}"' in html
    assert re.search(r"社区问卷 <span class=\"tag\">抢单</span>", html)
    assert f'href="{reverse("dispatch:offers")}?export=xlsx"' in html
    assert f'href="{reverse("dispatch:claims")}"' in html
    # the htmx partial is the same list
    part = client.get(reverse("dispatch:offers"), {"x": "1"}, **HX).content.decode()
    assert "<html" not in part and f'id="offer-{here.pk}"' in part


def test_a_failed_decline_shows_djangos_field_with_its_error(
    client: Any, city: Any, offers: Any
) -> None:
    client.force_login(city.student)
    here, remote = offers["here"], offers["remote"]
    response = client.post(reverse("dispatch:decline", args=[here.pk]), {f"a{here.pk}-reason": ""})
    html = response.content.decode()
    assert response.status_code == 422 and "请说明理由" in html
    box = _box(html, here.pk)
    assert "field--error" in box and "errorlist" in box and 'aria-invalid="true"' in box
    assert re.search(
        rf'<details class="offer__decline" open>\s*<summary>[^<]*</summary>\s*'
        rf'<form method="post" action="{reverse("dispatch:decline", args=[here.pk])}"',
        html,
    )
    # the other offer keeps its empty box, closed
    assert parse_html(_box(html, remote.pk)) == parse_html(
        _django_box(DeclineForm(prefix=f"a{remote.pk}"))
    )
    assert html.count('<details class="offer__decline" open>') == 1
    # the field still posts: a reason declines the offer
    response = client.post(
        reverse("dispatch:decline", args=[here.pk]), {f"a{here.pk}-reason": "那天要考试"}
    )
    assert response.status_code == 302
    here.refresh_from_db()
    assert here.state == A.DECLINED and here.reason == "那天要考试"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_plain_reason_box_is_djangos_in_each_language(language: str) -> None:
    with translation.override(language):
        parts = decline_reason_parts()
        mine = (
            f'<div class="field"><label for="id_a7-reason">{escape(parts["label"])}</label>'
            f'<div class="helptext" id="id_a7-reason_helptext">{parts["help"]}</div>'
            f'<textarea name="a7-reason"{parts["attrs"]} aria-describedby="id_a7-reason_helptext"'
            ' id="id_a7-reason">\n</textarea></div>'
        )
        assert parse_html(mine) == parse_html(_django_box(DeclineForm(prefix="a7")))


def test_offers_export_lists_the_pages_rows(client: Any, city: Any, offers: Any) -> None:
    client.force_login(city.student)
    response = client.get(reverse("dispatch:offers"), {"export": "xlsx"})
    assert response.status_code == 200
    assert "spreadsheet" in response["Content-Type"]


def test_offers_of_nobody_and_of_others(client: Any, city: Any, offers: Any) -> None:
    client.force_login(city.student2)
    n, html = _count(client, reverse("dispatch:offers"))
    assert n <= OFFERS_QUERIES
    assert "没有等待您答复的派单" in html or '等待您答复 <span class="count">0</span>' in html
    assert "楼道清理" not in html and "export=xlsx" not in html


# --- the need board -----------------------------------------------------------------------------
@pytest.fixture
def board(city: Any) -> dict[str, Need]:
    needs = {f"n{i}": submit(city, title=f"需求{i}") for i in range(22)}
    needs["urgent"] = submit(city, title="紧急的事", urgency=2)
    needs["followed"] = submit(city, title="有人关注", urgency=1)
    NeedFollower.objects.create(need=needs["followed"], user=city.student2)
    NeedFollower.objects.create(need=needs["followed"], user=city.secretary)
    needs["other"] = services.need_submit(
        actor=city.other_resident, community=city.other_community, **{**BASE, "title": "列西的事"}
    )
    needs["posted"] = submit(city, actor=city.staff, title="社区发布", urgency=1)
    Need.objects.filter(pk=needs["posted"].pk).update(reporter=None, is_bounty=True)
    services.need_reject(actor=city.staff, need=submit(city, title="被拒绝的"), reason="不属实")
    return needs


FILTERS = [
    NeedFilters(state="open"),
    NeedFilters(state=""),
    NeedFilters(state="rejected"),
    NeedFilters(state="open", urgency=2),
    NeedFilters(state="", q="需求1"),
    NeedFilters(state="open", community_id=None, project_type="governance"),
]


def test_board_reads_match_the_list_and_counts(city: Any, board: Any) -> None:
    for user in (city.staff, city.league_admin, city.student, city.resident):
        for f in FILTERS:
            counts, rows = selectors.need_board_reads(user=user, filters=f)
            listed = list(selectors.need_list_for_user(user=user, filters=f))
            assert counts == selectors.need_board_counts(user=user, filters=f)
            assert [r[0] for r in rows] == [n.pk for n in listed]
            assert counts[f.state or "all"] == len(listed)
            cards = selectors.board_cards(rows)
            for card, need in zip(cards, listed, strict=True):
                assert card.title == need.title and card.state == need.state
                assert card.urgency_label == str(need.get_urgency_display())
                assert card.type_label == str(need.get_project_type_display())
                assert card.community == need.community.name
                assert card.reporter == (need.reporter.name if need.reporter else None)
                assert card.is_bounty == need.is_bounty
                assert ("关注" in card.followers) == bool(need.follower_count)


def test_may_order_is_order_communities(city: Any) -> None:
    for user in (city.student, city.staff, city.resident, city.league_admin, city.other_staff):
        assert selectors.may_order(user=user) == bool(selectors.order_communities(user=user))


def test_board_cards_words_links_and_queries(client: Any, city: Any, board: Any) -> None:
    client.force_login(city.league_admin)
    n, html = _count(client, "/needs/")
    assert n <= BOARD_QUERIES_STAFF, n
    assert "共 26 个需求" in html and "第 1 页，共 2 页" in html
    urgent, posted, followed = board["urgent"], board["posted"], board["followed"]
    at = html.index
    assert at(f"/needs/{urgent.pk}/") < at(f"/needs/{posted.pk}/") < at(f"/needs/{board['n0'].pk}/")
    assert f'<a class="need-card__title" href="/needs/{urgent.pk}/">紧急的事</a>' in html
    assert '<span class="urgency urgency--2">特急</span>' in html
    assert '<span class="urgency urgency--1">紧急</span>' in html
    with translation.override("zh-hans"):
        submitted = selectors.state_label("submitted")
    assert f'<span class="state state--submitted">{submitted}</span>' in html
    assert (
        '<span class="tag tag--bounty">揭榜</span>' in html
        and '<span class="tag">社区治理</span>' in html
    )
    card = html[html.index(f"/needs/{posted.pk}/") :].split("</li>")[0]
    assert "居民甲" not in card and "白沙社区 ·" in card  # posted by the community: no reporter
    card = html[html.index(f"/needs/{urgent.pk}/") :].split("</li>")[0]
    assert "白沙社区 ·\n            居民甲 · " in card and "已在此状态" in card
    assert "关注" not in card
    card = html[html.index(f"/needs/{followed.pk}/") :].split("</li>")[0]
    assert "· 关注 2" in card
    # the league sees several communities: the filter lists them, the chosen one selected
    html = client.get("/needs/", {"community": str(city.community2.pk)}).content.decode()
    assert f'<option value="{city.community2.pk}" selected>富华社区</option>' in html
    assert f'<option value="{city.community.pk}">白沙社区</option>' in html
    html = client.get("/needs/", {"urgency": "2", "state": "all", "age": "1"}).content.decode()
    assert '<option value="2" selected>' in html and '<option value="1" selected>' in html
    assert "共 0 个需求" in html  # nothing has waited a day yet
    html = client.get("/needs/", {"project_type": "governance", "page": "2"}).content.decode()
    assert '<option value="governance" selected>社区治理</option>' in html
    assert "第 2 页，共 2 页" in html and "需求21" in html
    assert 'href="?project_type=governance&amp;page=1"' in html or "page=1" in html


def test_board_of_a_student_and_of_staff_by_queries(client: Any, city: Any, board: Any) -> None:
    NeedAssignment.objects.create(
        need=board["n3"],
        volunteer=city.student,
        source=NeedAssignment.Source.PLAN,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
        state=A.OFFERED,
    )
    client.force_login(city.student)
    n, html = _count(client, "/needs/")
    assert n <= BOARD_QUERIES, n
    assert "共 1 个需求" in html and "需求3" in html and "需求4" not in html
    assert 'id="f-community"' not in html and "needs/order" not in html
    client.force_login(city.staff)
    n, html = _count(client, "/needs/", {"state": "rejected"})
    assert n <= BOARD_QUERIES_STAFF, n
    assert "被拒绝的" in html and "列西的事" not in html
    assert 'href="/needs/order/"' in html
