"""The needs API: order, list (scoped, filtered, paginated), detail, possible duplicates,
triage, complete, verify, send back, reopen, close, follow, photos; bad input and permissions
answer the API's error shape and write nothing."""

from typing import Any

import pytest

from qingshe.accounts.tests.factories import UserFactory
from qingshe.api.tests.utils import api_client, assert_error
from qingshe.needs.models import Need, NeedFollower, NeedPhoto
from qingshe.needs.tests.needs_support import BASE, image_bytes, in_progress, photo, submit, window
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory


def _payload(city: Any, **extra: Any) -> dict[str, Any]:
    start, end = window(days=3)
    return {
        "community": city.community.pk,
        **BASE,
        "service_field": "technology",
        "windows": [{"starts_at": start.isoformat(), "ends_at": end.isoformat()}],
        **extra,
    }


def test_order_and_read_back(city) -> None:
    client = api_client(city.resident)
    response = client.api_post("/needs", _payload(city, people_needed=2, urgency=1))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["state"] == "submitted"
        and body["state_label"] == "待受理"
        and body["people_needed"] == 2
    )
    assert len(body["windows"]) == 1 and body["history"][0]["to_state"] == "submitted"
    assert body["actions"]["can_add_photo"] and not body["actions"]["can_accept"]
    assert (
        body["reporter"] is None
    )  # residents do not get reporters' names, not even their own here
    listed = client.api_get("/needs").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    staff_view = api_client(city.staff).api_get(f"/needs/{body['id']}").json()
    assert staff_view["reporter"]["name"] == "居民甲" and staff_view["actions"]["can_accept"]


def test_staff_order_for_a_resident_and_bounty(city) -> None:
    client = api_client(city.staff)
    body = client.api_post("/needs", _payload(city, on_behalf_of=city.resident.pk)).json()
    assert Need.objects.get(pk=body["id"]).reporter == city.resident
    assert_error(
        client.api_post("/needs", _payload(city, on_behalf_of=city.other_resident.pk)),
        422,
        "invalid_resident",
    )
    body = client.api_post(
        "/needs", _payload(city, is_bounty=True, open_claim=True, needs_insurance=True)
    ).json()
    assert body["is_bounty"] and body["open_claim"] and body["needs_insurance"]
    assert_error(
        api_client(city.resident).api_post("/needs", _payload(city, is_bounty=True)),
        403,
        "forbidden",
    )


@pytest.mark.parametrize(
    ("extra", "status", "code"),
    [
        ({"people_needed": 0}, 422, "invalid_people"),
        ({"people_needed": 10000}, 422, "invalid_people"),
        ({"windows": "end_before_start"}, 422, "invalid_window"),
        ({"windows": "past"}, 422, "window_in_past"),
        ({"title": ""}, 422, "title_required"),
        ({"project_type": "magic"}, 422, "invalid_choice"),
        ({"windows": "not_a_date"}, 422, "invalid_input"),
        ({"community": 999999}, 404, "not_found"),
    ],
)
def test_bad_input_writes_nothing(city, extra, status, code) -> None:
    start, end = window(days=3)
    windows = {
        "end_before_start": [{"starts_at": end.isoformat(), "ends_at": start.isoformat()}],
        "past": [
            {"starts_at": "2020-01-01T09:00:00+08:00", "ends_at": "2020-01-01T11:00:00+08:00"}
        ],
        "not_a_date": [{"starts_at": "tomorrow", "ends_at": "later"}],
    }
    if "windows" in extra:
        extra = {"windows": windows[extra["windows"]]}
    body = assert_error(
        api_client(city.resident).api_post("/needs", _payload(city, **extra)), status, code
    )
    if code == "invalid_people":
        assert "人" in body["detail"] and body["field"] == "people_needed"
    assert not Need.objects.exists()


def test_outsiders(city) -> None:
    need = submit(city)
    assert_error(
        api_client(city.other_resident).api_post("/needs", _payload(city)), 404, "not_found"
    )
    assert_error(api_client(city.student).api_post("/needs", _payload(city)), 404, "not_found")
    assert_error(api_client(city.league_admin).api_post("/needs", _payload(city)), 403, "forbidden")
    for outsider in (city.other_staff, city.student, city.other_resident):
        client = api_client(outsider)
        assert_error(client.api_get(f"/needs/{need.pk}"), 404, "not_found")
        assert_error(
            client.api_post(f"/needs/{need.pk}/triage", {"decision": "accept"}), 404, "not_found"
        )
        assert client.api_get("/needs").json()["count"] == 0
    assert_error(api_client().api_get("/needs"), 401, "not_authenticated")
    need.refresh_from_db()
    assert need.state == "submitted"


def test_list_filters_and_pages(city, django_assert_max_num_queries) -> None:
    for i in range(25):
        submit(city, title=f"需求{i}", urgency=2 if i == 3 else 0)
    client = api_client(city.staff)
    with django_assert_max_num_queries(8):
        body = client.api_get("/needs", {"page_size": 10, "page": 2}).json()
    assert body["count"] == 25 and len(body["items"]) == 10
    assert client.api_get("/needs", {"urgency": 2}).json()["count"] == 1
    assert client.api_get("/needs", {"state": "accepted"}).json()["count"] == 0
    assert client.api_get("/needs", {"q": "需求1"}).json()["count"] == 11
    assert_error(client.api_get("/needs", {"urgency": 9}), 422, "invalid_input")
    resident = api_client(city.resident).api_get("/needs", {"mine": "true", "state": "open"}).json()
    assert resident["count"] == 25


def test_similar_for_a_draft_and_for_a_need(city, neighbour) -> None:
    lamp = submit(city, title="3号楼楼道灯不亮")
    other = submit(city, title="楼道灯坏了")
    body = (
        api_client(city.resident)
        .api_post(
            "/needs/similar",
            {"community": city.community.pk, "project_type": "governance", "title": "楼道灯坏了"},
        )
        .json()
    )
    assert {row["id"] for row in body["items"]} == {lamp.pk, other.pk} and body["items"][0][
        "reasons"
    ]
    assert_error(
        api_client(city.other_resident).api_post(
            "/needs/similar", {"community": city.community.pk, "title": "x"}
        ),
        404,
        "not_found",
    )
    body = api_client(city.staff).api_get(f"/needs/{other.pk}/similar").json()
    assert [row["id"] for row in body["items"]] == [lamp.pk]


def test_triage_decisions(city, neighbour) -> None:
    original, again, third, fourth = (
        submit(city, title=t) for t in ("路灯坏了", "路灯不亮", "漏水", "噪音")
    )
    NeedFollower.objects.create(need=again, user=neighbour)
    staff = api_client(city.staff)
    assert_error(
        staff.api_post(f"/needs/{again.pk}/triage", {"decision": "reject"}), 422, "reason_required"
    )
    assert_error(
        staff.api_post(f"/needs/{again.pk}/triage", {"decision": "maybe"}), 422, "invalid_choice"
    )
    assert_error(
        staff.api_post(f"/needs/{again.pk}/triage", {"decision": "duplicate"}),
        422,
        "original_required",
    )
    body = staff.api_post(
        f"/needs/{again.pk}/triage", {"decision": "duplicate", "original": original.pk}
    ).json()
    assert body["state"] == "duplicate" and body["original"] == original.pk
    assert set(original.followers.values_list("user", flat=True)) == {
        neighbour.pk
    }  # the reporter is the same
    assert (
        staff.api_post(
            f"/needs/{third.pk}/triage", {"decision": "reject", "reason": "已处理"}
        ).json()["state"]
        == "rejected"
    )
    body = staff.api_post(
        f"/needs/{fourth.pk}/triage",
        {"decision": "not_responsible", "reason": "归物业", "refer_to": "物业"},
    ).json()
    assert body["state"] == "not_responsible" and body["history"][-1]["data"] == {
        "refer_to": "物业"
    }
    body = staff.api_post(
        f"/needs/{original.pk}/triage", {"decision": "accept", "urgency": 2}
    ).json()
    assert body["state"] == "accepted" and body["urgency"] == 2
    assert_error(
        staff.api_post(f"/needs/{original.pk}/triage", {"decision": "accept"}), 409, "invalid_state"
    )
    assert_error(
        api_client(city.resident).api_post(f"/needs/{third.pk}/triage", {"decision": "accept"}),
        403,
        "forbidden",
    )


def test_complete_verify_send_back_reopen_close(city, panel, media_root) -> None:
    need = in_progress(city)
    student, resident, staff = (
        api_client(city.student),
        api_client(city.resident),
        api_client(city.staff),
    )
    assert_error(
        api_client(city.student2).api_post(f"/needs/{need.pk}/complete", {"note": "x"}),
        404,
        "not_found",
    )
    assert_error(student.api_post(f"/needs/{need.pk}/complete", {"note": ""}), 422, "note_required")
    response = student.post(
        f"/api/v1/needs/{need.pk}/photos", {"files": [photo()], "stage": "done"}
    )
    assert response.status_code == 201 and response.json()[0]["stage"] == "done"
    assert (
        student.api_post(f"/needs/{need.pk}/complete", {"note": "完成"}).json()["state"]
        == "claimed_done"
    )
    assert_error(
        student.api_post(f"/needs/{need.pk}/verify", {"note": "我自己说完成了"}), 403, "forbidden"
    )
    assert_error(staff.api_post(f"/needs/{need.pk}/verify", {"note": ""}), 422, "evidence_required")
    assert (
        staff.api_post(f"/needs/{need.pk}/send-back", {"note": "没做完"}).json()["state"]
        == "in_progress"
    )
    student.api_post(f"/needs/{need.pk}/complete", {"note": "再次完成"})
    assert (
        api_client(panel).api_post(f"/needs/{need.pk}/verify", {"note": "回访确认"}).json()["state"]
        == "verified"
    )
    assert_error(staff.api_post(f"/needs/{need.pk}/reopen", {"note": "x"}), 403, "forbidden")
    body = resident.api_post(f"/needs/{need.pk}/reopen", {"note": "没解决"}).json()
    assert body["state"] == "in_progress" and body["history"][-1]["data"] == {"reopened": True}
    student.api_post(f"/needs/{need.pk}/complete", {"note": "第三次"})
    staff.api_post(f"/needs/{need.pk}/verify", {"note": "上门看过"})
    assert_error(resident.api_post(f"/needs/{need.pk}/close", {"note": ""}), 403, "forbidden")
    assert staff.api_post(f"/needs/{need.pk}/close", {"note": "办结"}).json()["state"] == "closed"
    assert_error(staff.api_post(f"/needs/{need.pk}/close", {"note": ""}), 409, "invalid_state")
    # The volunteer does not get the resident's name through the history either.
    history = student.api_get(f"/needs/{need.pk}").json()["history"]
    assert history[0]["actor"] is None and history[-1]["actor"]["name"] == "社区工作者"


def test_follow_and_unfollow(city, neighbour) -> None:
    need = submit(city)
    client = api_client(neighbour)
    assert client.api_post(f"/needs/{need.pk}/follow", {}).json() == {
        "following": True,
        "follower_count": 1,
    }
    assert client.api_get(f"/needs/{need.pk}").status_code == 200
    assert client.api_post(f"/needs/{need.pk}/follow", {"follow": False}).json() == {
        "following": False,
        "follower_count": 0,
    }
    assert_error(
        api_client(city.resident).api_post(f"/needs/{need.pk}/follow", {}), 409, "own_need"
    )
    assert_error(
        api_client(city.other_resident).api_post(f"/needs/{need.pk}/follow", {}), 404, "not_found"
    )
    # Staff follow for a resident of their community; not for anybody else (404, nothing shown).
    other = UserFactory(name="居民乙")
    MembershipFactory(user=other, org=city.community, role=Role.RESIDENT)
    for staff, person in ((city.staff, neighbour), (city.other_staff, other)):
        response = api_client(staff).api_post(f"/needs/{need.pk}/follow", {"resident": person.pk})
        assert_error(response, 404, "not_found")
    body = (
        api_client(city.staff).api_post(f"/needs/{need.pk}/follow", {"resident": other.pk}).json()
    )
    assert body == {"following": True, "follower_count": 1}


def test_photos_checked_by_content(city, media_root, settings) -> None:
    need = submit(city)
    client = api_client(city.resident)
    url = f"/api/v1/needs/{need.pk}/photos"
    assert_error(
        client.post(url, {"files": [photo("x.jpg", data=b"%PDF-1.4")]}), 422, "photo_not_image"
    )
    big = image_bytes("PNG") + b"\0" * settings.QINGSHE_PHOTO_MAX_BYTES
    assert_error(client.post(url, {"files": [photo("big.png", data=big)]}), 422, "photo_too_large")
    assert_error(client.post(url, {"files": [photo()] * 7}), 422, "too_many_photos")
    assert_error(client.post(url, {"files": [photo()], "stage": "verified"}), 403, "forbidden")
    assert_error(client.post(url, {"files": [photo()], "stage": "nonsense"}), 422, "invalid_choice")
    assert not NeedPhoto.objects.exists()
    body = client.post(url, {"files": [photo(), photo("b.webp", data=image_bytes("WEBP"))]}).json()
    assert [p["stage"] for p in body] == ["intake", "intake"]
    response = client.get(body[1]["url"])
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff" and response[
        "Content-Disposition"
    ].startswith("inline")
    assert_error(api_client(city.other_staff).get(body[1]["url"]), 404, "not_found")
