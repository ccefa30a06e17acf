"""The /bounties API: the board (shape, order, filters, who sees it), a bounty's claim history, and
the claimant's steps (assign, start, withdraw) with permissions and bad input (nothing written)."""

# ruff: noqa: F811 - the fixtures imported from bounty_fixtures are parameters by the same name

from types import SimpleNamespace
from typing import Any

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.needs import services
from qingshe.needs.models import BountyClaim, Need, NeedEvent, ProjectGroup
from qingshe.needs.tests.bounty_fixtures import PLAN, bounty, other_university, post_bounty  # noqa: F401


def _claimed(city: SimpleNamespace, need: Need, **kw: Any) -> BountyClaim:
    return services.bounty_claim(
        actor=city.university_admin, need=need, claimant=city.university, plan=PLAN, **kw
    )


def test_board_shape_and_order(
    city: SimpleNamespace, bounty: Need, group: ProjectGroup, django_assert_max_num_queries: Any
) -> None:
    taken = post_bounty(city, "社区微更新方案设计")
    _claimed(city, taken, group=group)
    newest = post_bounty(city, "反诈宣传短视频")
    client = api_client(city.department_admin)
    with django_assert_max_num_queries(6):
        body = client.api_get("/bounties").json()
    assert body["count"] == 3
    # Open ones first (newest first), then the one being carried out.
    assert [i["id"] for i in body["items"]] == [newest.pk, bounty.pk, taken.pk]
    item = body["items"][2]
    assert item["state"] == "claimed" and item["state_label"] == "已接单"
    assert item["community"] == {"id": city.community.pk, "name": "白沙社区", "kind": "community"}
    claim = item["claim"]
    assert (
        claim["claimant"]["id"] == city.university.pk
        and claim["assigned_group"]["name"] == group.name
    )
    assert claim["assigned_org"]["id"] == city.department.pk and claim["plan"] == PLAN
    assert body["items"][0]["claim"] is None
    assert client.api_get("/bounties", {"status": "open"}).json()["count"] == 2
    assert client.api_get("/bounties", {"status": "taken"}).json()["count"] == 1
    assert client.api_get("/bounties", {"status": "done"}).json()["count"] == 0
    assert (
        client.api_get("/bounties", {"page_size": 1, "page": 3}).json()["items"][0]["id"]
        == taken.pk
    )


def test_who_sees_the_board(
    city: SimpleNamespace, bounty: Need, group: ProjectGroup, other_university: SimpleNamespace
) -> None:
    # University and department admins of the city (any university) and the posting community.
    for user in (city.university_admin, other_university.admin, city.staff, city.league_admin):
        assert api_client(user).api_get("/bounties").json()["count"] == 1, user.name
    # Others: nothing, and a bounty outside their view is 404.
    for user in (city.student, city.secretary, city.other_staff, city.resident):
        client = api_client(user)
        assert client.api_get("/bounties").json() == {"items": [], "count": 0}, user.name
        assert_error(client.api_get(f"/bounties/{bounty.pk}"), 404, "not_found")
    # The group carrying it out sees it.
    _claimed(city, bounty, group=group)
    assert api_client(city.secretary).api_get("/bounties").json()["count"] == 1


def test_detail_has_the_claim_history(
    city: SimpleNamespace, bounty: Need, other_university: SimpleNamespace
) -> None:
    _claimed(city, bounty)
    services.bounty_withdraw(actor=city.university_admin, need=bounty, reason="人手不够")
    services.bounty_claim(
        actor=other_university.admin, need=bounty, claimant=other_university.university
    )
    body = api_client(city.staff).api_get(f"/bounties/{bounty.pk}").json()
    assert [(c["claimant"]["id"], c["state"]) for c in body["claims"]] == [
        (other_university.university.pk, "active"),
        (city.university.pk, "withdrawn"),
    ]
    assert (
        body["claims"][1]["reason"] == "人手不够"
        and body["claims"][1]["claimed_by"]["name"] == "校团委管理员"
    )
    assert body["claim"]["claimant"]["id"] == other_university.university.pk


def test_assign_start_withdraw(
    city: SimpleNamespace, bounty: Need, group: ProjectGroup, dept_group: ProjectGroup
) -> None:
    _claimed(city, bounty)
    admin = api_client(city.university_admin)
    body = admin.api_post(f"/bounties/{bounty.pk}/assign", {"group": dept_group.pk}).json()
    assert body["claim"]["assigned_group"]["id"] == dept_group.pk
    body = admin.api_post(
        f"/bounties/{bounty.pk}/assign", {"assigned_org": city.department.pk, "group": group.pk}
    ).json()
    assert body["claim"]["assigned_group"]["id"] == group.pk
    body = api_client(city.secretary).api_post(f"/bounties/{bounty.pk}/start").json()
    assert body["state"] == "in_progress"
    assert_error(admin.api_post(f"/bounties/{bounty.pk}/start"), 409, "invalid_state")
    body = admin.api_post(f"/bounties/{bounty.pk}/withdraw", {"reason": "项目组人手不足"}).json()
    assert body["state"] == "accepted" and body["claim"] is None
    assert body["claims"][0]["state"] == "withdrawn"
    assert_error(admin.api_post(f"/bounties/{bounty.pk}/start"), 409, "bounty_not_claimed")


def test_permissions(
    city: SimpleNamespace, bounty: Need, dept_group: ProjectGroup, other_university: SimpleNamespace
) -> None:
    _claimed(city, bounty)
    events = NeedEvent.objects.count()
    # Sees the bounty (city-wide), but is not the claimant: 403.
    other = api_client(other_university.admin)
    assert_error(other.api_post(f"/bounties/{bounty.pk}/start"), 403, "forbidden")
    assert_error(
        other.api_post(f"/bounties/{bounty.pk}/withdraw", {"reason": "抢过来"}), 403, "forbidden"
    )
    # The community may not hand it on; a student does not even see it.
    assert_error(
        api_client(city.staff).api_post(f"/bounties/{bounty.pk}/assign", {}), 403, "forbidden"
    )
    assert_error(
        api_client(city.student).api_post(f"/bounties/{bounty.pk}/start"), 404, "not_found"
    )
    assert NeedEvent.objects.count() == events
    assert BountyClaim.objects.get().assigned_group is None


def test_bad_input_writes_nothing(
    city: SimpleNamespace, bounty: Need, dept_group: ProjectGroup, other_university: SimpleNamespace
) -> None:
    admin = api_client(city.university_admin)
    assert_error(
        admin.api_post(f"/bounties/{bounty.pk}/assign", {"group": dept_group.pk}),
        409,
        "bounty_not_claimed",
    )
    _claimed(city, bounty)
    assert_error(
        admin.api_post(f"/bounties/{bounty.pk}/withdraw", {"reason": " "}), 422, "reason_required"
    )
    assert_error(admin.api_post(f"/bounties/{bounty.pk}/withdraw", {}), 422, "invalid_input")
    body = assert_error(
        admin.api_post(f"/bounties/{bounty.pk}/assign", {}), 422, "assignee_required"
    )
    assert body["field"] == "assigned_org"
    body = assert_error(
        admin.api_post(
            f"/bounties/{bounty.pk}/assign", {"assigned_org": other_university.department.pk}
        ),
        404,
        "not_found",
    )
    assert body["field"] == "assigned_org"
    assert_error(
        admin.api_post(f"/bounties/{bounty.pk}/assign", {"assigned_org": city.branch.pk}),
        422,
        "invalid_assignee",
    )
    assert_error(
        admin.api_post(f"/bounties/{bounty.pk}/assign", {"group": 99999}), 404, "not_found"
    )
    assert_error(admin.api_post("/bounties/99999/start"), 404, "not_found")
    assert_error(admin.api_get("/bounties", {"page_size": 0}), 422, "invalid_input")
    claim = BountyClaim.objects.get()
    assert (claim.state, claim.assigned_org, claim.assigned_group) == ("active", None, None)
    bounty.refresh_from_db()
    assert bounty.state == "claimed"


def test_errors_in_english(city: SimpleNamespace, bounty: Need) -> None:
    body = assert_error(
        api_client(city.university_admin, language="en").api_post(f"/bounties/{bounty.pk}/start"),
        409,
        "bounty_not_claimed",
    )
    assert body["detail"] == "Nobody has taken up this bounty."


def test_claim_through_the_needs_endpoint_then_carry_it_out(
    city: SimpleNamespace, bounty: Need, group: ProjectGroup, other_university: SimpleNamespace
) -> None:
    """POST /needs/{id}/claim (the dispatch part's endpoint) calls bounty_claim; a second claim is
    409 `bounty_taken` with nothing written; then the claimant's steps here."""
    admin = api_client(city.university_admin)
    response = admin.api_post(
        f"/needs/{bounty.pk}/claim",
        {"claimant": city.university.pk, "group": group.pk, "plan": PLAN},
    )
    assert response.status_code == 201, response.content
    events = NeedEvent.objects.count()
    other = api_client(other_university.admin)
    assert_error(
        other.api_post(f"/needs/{bounty.pk}/claim", {"claimant": other_university.university.pk}),
        409,
        "bounty_taken",
    )
    assert BountyClaim.objects.count() == 1 and NeedEvent.objects.count() == events
    body = admin.api_get(f"/bounties/{bounty.pk}").json()
    assert body["state"] == "claimed" and body["claim"]["assigned_group"]["id"] == group.pk
    assert (
        api_client(city.secretary).api_post(f"/bounties/{bounty.pk}/start").json()["state"]
        == "in_progress"
    )
