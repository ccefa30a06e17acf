"""Council pages: outsiders get 404, the public board and the rating page work without an
account and show no reporter, text with script tags is shown escaped."""

from __future__ import annotations

import pytest
from django.test import Client

from qingshe.council import services
from qingshe.council.models import RatingInvite
from qingshe.council.tests.council_support import final_list, open_meeting
from qingshe.needs.models import Need
from qingshe.needs.tests.needs_support import reported_done

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_pages_for_the_council_and_404_for_outsiders(council):
    c = council
    meeting = open_meeting(c)
    for url in (f"/council/c/{c.community.pk}/", f"/council/lists/{meeting.agenda_id}/", f"/council/meetings/{meeting.pk}/"):
        assert _client(c.member).get(url).status_code == 200, url
        assert _client(c.other_member).get(url).status_code == 404, url
    assert _client(c.member).get("/council/").status_code == 200
    assert _client().get("/council/").status_code == 302  # login


def test_script_text_is_shown_escaped(council):
    c = council
    mlist = final_list(c, titles=("<script>alert(1)</script>路灯坏了",))
    body = _client(c.member).get(f"/council/lists/{mlist.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;路灯坏了" in body


def test_public_board_counts_only_verified_and_shows_no_reporter(council):
    c = council
    need = reported_done(c, title="楼道灯坏了")
    mlist = final_list(c, titles=())
    assert mlist.items.filter(need=need).exists()
    page = _client().get(f"/council/c/{c.community.pk}/public/")
    body = page.content.decode()
    assert page.status_code == 200 and "楼道灯坏了" in body and c.resident.name not in body
    assert page.context["board"].solved == 0  # reported done is not solved
    services.council_verify(actor=c.panel, need=need, evidence="评议团上门查看，灯已修好")
    page = _client().get(f"/council/c/{c.community.pk}/public/")
    assert page.context["board"].solved == 1 and "评议团上门查看" in page.content.decode()
    assert _client().get(f"/council/c/{c.street.pk}/public/").status_code == 404


def test_rating_page_by_link(council):
    c = council
    need = reported_done(c)
    services.council_verify(actor=c.panel, need=need, evidence="看过")
    url = f"/council/rate/{services.rating_token(RatingInvite.objects.get(user=c.resident))}/"
    anon = _client()
    assert anon.get(url).status_code == 200
    assert anon.post(url, {"outcome": "solved", "stars": "7"}).status_code == 422
    assert anon.post(url, {"outcome": "partly", "stars": "3"}).status_code == 200
    assert RatingInvite.objects.get(user=c.resident).outcome == "partly"
    assert "已经记录" in anon.get(url).content.decode() or anon.get(url).context["done"]
    assert anon.get("/council/rate/forged/").status_code == 404
    assert Need.objects.get(pk=need.pk).state == Need.State.VERIFIED


def test_home_panel_for_the_panel(council):
    c = council
    need = reported_done(c, title="楼道灯坏了")
    body = _client(c.panel).get("/").content.decode()
    assert "待评议团核实" in body and f"/council/verify/{need.pk}/" in body
    assert f"/council/verify/{need.pk}/" not in _client(c.other_panel).get("/").content.decode()
