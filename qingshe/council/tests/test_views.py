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
    for url in (
        f"/council/c/{c.community.pk}/",
        f"/council/lists/{meeting.agenda_id}/",
        f"/council/meetings/{meeting.pk}/",
    ):
        assert _client(c.member).get(url).status_code == 200, url
        assert _client(c.other_member).get(url).status_code == 404, url
    assert _client(c.member).get("/council/").status_code == 200
    assert _client().get("/council/").status_code == 302  # login


def test_script_text_is_shown_escaped(council):
    c = council
    mlist = final_list(c, titles=("<script>alert(1)</script>路灯坏了",))
    body = _client(c.member).get(f"/council/lists/{mlist.pk}/").content.decode()
    assert (
        "<script>alert(1)</script>" not in body
        and "&lt;script&gt;alert(1)&lt;/script&gt;路灯坏了" in body
    )


def test_the_list_says_how_long_a_need_had_waited_when_it_was_listed(council):
    # The figure is the one the need was ranked by, kept with the list: beside a need verified
    # since, "waiting" would be wrong.
    c = council
    need = reported_done(c, title="楼道灯坏了")
    mlist = final_list(c, titles=())
    item = mlist.items.get(need=need)
    services.council_verify(actor=c.panel, need=need, evidence="评议团上门查看，灯已修好")
    body = _client(c.member).get(f"/council/lists/{mlist.pk}/").content.decode()
    assert f"涉及 {item.affected} 位居民 · 列入时已等待 {item.age_days} 天" in body


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


def test_feedback_pages(city):
    from datetime import date

    from qingshe.council.models import FeedbackForm
    from qingshe.programmes import services as programme_services
    from qingshe.programmes.models import Pairing

    c = city
    programme = programme_services.programme_create(
        actor=c.league_admin,
        owner=c.city,
        name="计划",
        year=2026,
        scope=[c.university, c.district],
        pairing_deadline=date(2026, 11, 15),
        start_deadline=date(2026, 11, 20),
        case_deadline=date(2026, 12, 31),
    )
    pairing = Pairing.objects.create(
        programme=programme,
        unit=c.branch,
        community=c.community,
        state=Pairing.State.ACTIVE,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 6, 30),
    )
    url = f"/council/feedback/new/{pairing.pk}/"
    assert _client(c.student).get(url).status_code == 404
    bad = _client(c.secretary).post(
        url,
        {
            "month": "2026-10",
            "activities_held": "3",
            "people_involved": "x",
            "hours": "2",
            "next_plan": "计划",
        },
    )
    assert bad.status_code == 422 and not FeedbackForm.objects.exists()
    ok = _client(c.secretary).post(
        url,
        {
            "month": "2026-10",
            "activities_held": "3",
            "people_involved": "9",
            "hours": "12.5",
            "next_plan": "<script>alert(1)</script>继续",
        },
    )
    form = FeedbackForm.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/council/feedback/{form.pk}/"
    page = _client(c.staff).get(f"/council/feedback/{form.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;继续" in page and "确认（盖章）" in page
    assert _client(c.other_staff).get(f"/council/feedback/{form.pk}/").status_code == 404
    _client(c.staff).post(f"/council/feedback/{form.pk}/", {"action": "confirm"})
    form.refresh_from_db()
    assert form.state == FeedbackForm.State.CONFIRMED


def test_lists_make_a_bounded_number_of_queries(council, django_assert_max_num_queries):
    c = council
    final_list(c, titles=("甲", "乙", "丙", "丁"))
    client = _client(c.member)
    client.get("/council/")  # warm the session and caches
    with django_assert_max_num_queries(25):
        assert client.get("/council/").status_code == 200
    anon = _client()
    with django_assert_max_num_queries(12):
        assert anon.get(f"/council/c/{c.community.pk}/public/").status_code == 200


def test_evaluate_page(city):
    from qingshe.council.models import Evaluation

    c = city
    client = _client(c.student)
    page = client.get("/council/evaluate/")
    assert page.status_code == 200 and c.branch.name in page.content.decode()
    bad = client.post(
        "/council/evaluate/", {"kind": "self", "subject_org": c.branch.pk, "score": "9"}
    )
    assert bad.status_code == 422 and not Evaluation.objects.exists()
    foreign = client.post(
        "/council/evaluate/", {"kind": "self", "subject_org": c.branch2.pk, "score": "4"}
    )
    assert foreign.status_code == 403 and not Evaluation.objects.exists()
    ok = client.post(
        "/council/evaluate/",
        {"kind": "self", "subject_org": c.branch.pk, "score": "4", "comment": "<i>按时</i>"},
    )
    assert ok.status_code == 302 and Evaluation.objects.get().score == 4
    assert "&lt;i&gt;按时&lt;/i&gt;" in client.get("/council/evaluate/").content.decode()


def test_verify_page_with_photo_evidence(council, settings, tmp_path):
    from qingshe.needs.models import NeedPhoto
    from qingshe.needs.tests.needs_support import photo

    settings.MEDIA_ROOT = str(tmp_path / "media")
    c = council
    need = reported_done(c)
    url = f"/council/verify/{need.pk}/"
    assert _client(c.other_panel).get(url).status_code == 404
    denied = _client(c.member).post(url, {"action": "verify", "evidence": "看过"})
    assert (
        denied.status_code == 200 and Need.objects.get(pk=need.pk).state == Need.State.CLAIMED_DONE
    )
    response = _client(c.panel).post(
        url, {"action": "verify", "evidence": "上门查看，灯已亮", "photos": [photo()]}
    )
    assert response.status_code == 302
    assert Need.objects.get(pk=need.pk).state == Need.State.VERIFIED
    assert NeedPhoto.objects.filter(need=need, stage=NeedPhoto.Stage.VERIFIED).count() == 1
