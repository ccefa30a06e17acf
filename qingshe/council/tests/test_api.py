"""The council API: lists by month, meetings and resolutions, verification and rating by link,
feedback forms and confirmation, evaluations; permissions and bad input in the error shape."""

from __future__ import annotations

import pytest

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.council import services
from qingshe.council.models import Evaluation, FeedbackForm, RatingInvite, Resolution
from qingshe.council.tests.council_support import final_list, open_meeting, this_month
from qingshe.council.tests.test_feedback import DATA
from qingshe.council.tests.test_feedback import pairing as pairing  # noqa: F401 (fixture)
from qingshe.needs.models import Need
from qingshe.needs.tests.needs_support import reported_done
from qingshe.orgs.models import OrgKind
from qingshe.orgs.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _month() -> str:
    year, month = this_month()
    return f"{year:04d}-{month:02d}"


def test_lists_by_month_scoped(council):
    c = council
    mlist = final_list(c)
    body = api_client(c.member).api_get("/council/lists", {"month": _month()}).json()
    assert body["count"] == 1 and body["items"][0]["id"] == mlist.pk
    assert [i["title"] for i in body["items"][0]["items"]] and body["items"][0]["state"] == "final"
    assert (
        api_client(c.other_member).api_get("/council/lists", {"month": _month()}).json()["count"]
        == 0
    )
    assert api_client(c.member).api_get("/council/lists", {"month": "2026-1"}).status_code == 422
    assert_error(
        api_client(c.member).api_get("/council/lists", {"month": "2026-13"}), 422, "invalid_month"
    )


def test_meeting_and_resolutions(council):
    c = council
    mlist = final_list(c)
    team = OrganisationFactory(
        kind=OrgKind.VOLUNTEER_TEAM, name="白沙青年志愿服务队", parent=c.community
    )
    client = api_client(c.member)
    r = client.api_post(
        "/council/meetings", {"monthly_list": mlist.pk, "held_on": "2026-11-20", "title": "议事会"}
    )
    assert r.status_code == 201, r.content
    mid = r.json()["id"]
    first, second = list(mlist.items.order_by("rank"))
    r = client.api_post(
        f"/council/meetings/{mid}/resolutions",
        {"item": first.pk, "kind": "assign", "team": team.pk},
    )
    assert r.status_code == 201, r.content
    assert r.json()["need_state"] == "accepted"
    assert_error(
        client.api_post(
            f"/council/meetings/{mid}/resolutions", {"item": second.pk, "kind": "decline"}
        ),
        422,
        "reason_required",
    )
    listed = client.api_get(f"/council/meetings/{mid}/resolutions").json()
    assert listed["count"] == 1 and listed["items"][0]["kind"] == "assign"
    # Outsiders: the meeting is not found; another council may not write to it.
    assert_error(api_client(c.other_member).api_get(f"/council/meetings/{mid}"), 404, "not_found")
    assert_error(
        api_client(c.staff).api_post(
            f"/council/meetings/{mid}/resolutions",
            {"item": second.pk, "kind": "decline", "reason": "否"},
        ),
        403,
        "forbidden",
    )
    r = client.api_post(
        f"/council/meetings/{mid}/close", {"minutes": "纪要", "attendees": [c.member.pk]}
    )
    assert r.status_code == 200 and r.json()["state"] == "closed"


def test_resolution_on_another_communitys_item(council):
    c = council
    meeting = open_meeting(c)
    from qingshe.council.tests.conftest import need_at

    need_at(c, "列西的问题", actor=c.other_resident, community=c.other_community)
    year, month = this_month()
    other = services.monthly_list_build(
        actor=c.other_staff, community=c.other_community, year=year, month=month
    )
    r = api_client(c.member).api_post(
        f"/council/meetings/{meeting.pk}/resolutions",
        {"item": other.items.get().pk, "kind": "decline", "reason": "不管"},
    )
    assert_error(r, 422, "invalid_item")
    assert not Resolution.objects.exists()


def test_verify_and_rate_by_link_without_account(council):
    c = council
    need = reported_done(c)
    assert_error(
        api_client(c.other_panel).api_post(
            f"/council/needs/{need.pk}/verify", {"evidence": "看了"}
        ),
        404,
        "not_found",
    )
    assert_error(
        api_client(c.staff).api_post(f"/council/needs/{need.pk}/verify", {"evidence": "看了"}),
        403,
        "forbidden",
    )
    r = api_client(c.panel).api_post(f"/council/needs/{need.pk}/verify", {"evidence": "上门查看"})
    assert r.status_code == 200 and r.json()["state"] == "verified"
    token = services.rating_token(RatingInvite.objects.get(user=c.resident))
    anon = api_client()
    assert_error(
        anon.api_post(f"/council/ratings/{token}", {"outcome": "solved", "stars": 9}),
        422,
        "invalid_stars",
    )
    r = anon.api_post(f"/council/ratings/{token}", {"outcome": "not_solved", "stars": 2})
    assert r.status_code == 200 and r.json()["outcome"] == "not_solved"
    assert Need.objects.get(pk=need.pk).state == Need.State.IN_PROGRESS
    assert_error(
        anon.api_post(f"/council/ratings/{token}", {"outcome": "solved", "stars": 5}),
        409,
        "link_used",
    )
    assert_error(
        anon.api_post("/council/ratings/forged", {"outcome": "solved", "stars": 5}),
        404,
        "link_invalid",
    )


def test_feedback_forms(city, pairing):  # noqa: F811
    c = city
    payload = {"pairing": pairing.pk, "month": "2026-10", **DATA}
    r = api_client(c.secretary).api_post("/feedback-forms", payload)
    assert r.status_code == 201, r.content
    fid = r.json()["id"]
    assert_error(api_client(c.secretary).api_post("/feedback-forms", payload), 409, "already_filed")
    year, month = this_month()
    assert_error(
        api_client(c.secretary).api_post(
            "/feedback-forms", {**payload, "month": f"{year:04d}-{month:02d}"}
        ),
        422,
        "month_not_ended",
    )
    assert_error(
        api_client(c.other_staff).api_post(f"/feedback-forms/{fid}/confirm", {}), 404, "not_found"
    )
    assert_error(
        api_client(c.secretary).api_post(f"/feedback-forms/{fid}/confirm", {}), 403, "forbidden"
    )
    r = api_client(c.staff).api_post(
        f"/feedback-forms/{fid}/confirm", {"comments": "<script>x</script>"}
    )
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    assert api_client(c.staff).api_get("/feedback-forms", {"month": "2026-10"}).json()["count"] == 1
    assert FeedbackForm.objects.count() == 1


def test_evaluations(city):
    c = city
    r = api_client(c.student).api_post(
        "/evaluations", {"kind": "self", "subject_org": c.branch.pk, "score": 4}
    )
    assert r.status_code == 201, r.content
    assert_error(
        api_client(c.student).api_post(
            "/evaluations", {"kind": "self", "subject_org": c.branch.pk, "score": 6}
        ),
        422,
        "invalid_score",
    )
    assert_error(
        api_client(c.other_resident).api_post(
            "/evaluations",
            {
                "kind": "resident",
                "subject_org": c.branch.pk,
                "community": c.community.pk,
                "score": 5,
            },
        ),
        403,
        "forbidden",
    )
    r = api_client(c.resident).api_post(
        "/evaluations",
        {"kind": "resident", "subject_org": c.branch.pk, "community": c.community.pk, "score": 5},
    )
    assert r.status_code == 201
    assert (
        api_client(c.secretary).api_get("/evaluations", {"org": c.branch.pk}).json()["count"] == 2
    )
    assert api_client(c.other_staff).api_get("/evaluations").json()["count"] == 0
    assert Evaluation.objects.count() == 2


def test_openapi_documents_the_council_paths(city):
    paths = api_client(city.league_admin).api_get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/council/lists",
        "/api/v1/council/meetings",
        "/api/v1/council/meetings/{meeting_id}/resolutions",
        "/api/v1/feedback-forms",
        "/api/v1/feedback-forms/{form_id}/confirm",
        "/api/v1/evaluations",
        "/api/v1/council/ratings/{token}",
        "/api/v1/council/scores",
    ):
        assert path in paths, path


def test_scores_api(city):
    r = api_client(city.department_admin).api_get("/council/scores", {"month": "2026-10"})
    assert r.status_code == 200 and {i["org"] for i in r.json()["items"]} == {
        city.branch.pk,
        city.branch2.pk,
    }
    assert_error(
        api_client(city.department_admin).api_get("/council/scores", {"month": "10/2026"}),
        422,
        "invalid_month",
    )


def test_lists_query_count_does_not_grow_with_lists(council, django_assert_max_num_queries):
    c = council
    final_list(c)
    from qingshe.council.tests.conftest import need_at

    need_at(c, "列西的问题", actor=c.other_resident, community=c.other_community)
    year, month = this_month()
    services.monthly_list_build(
        actor=c.other_staff, community=c.other_community, year=year, month=month
    )
    client = api_client(c.league_admin)
    client.api_get("/council/lists")
    with django_assert_max_num_queries(8):
        body = client.api_get("/council/lists").json()
    assert body["count"] == 2
