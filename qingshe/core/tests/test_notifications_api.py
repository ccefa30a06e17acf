"""API of notifications: the caller's own list, mark read (someone else's is a 404), read-all,
and preferences with bad input refused in Chinese."""

from __future__ import annotations

import json
from types import SimpleNamespace

from qingshe.api.tests.utils import API, api_client, assert_error
from qingshe.core.models import Notification
from qingshe.core.notifications.models import NotificationPreference


def _seed(city: SimpleNamespace) -> tuple[Notification, Notification]:
    read = Notification.objects.create(
        user=city.student, kind="dispatch.offer", title="旧的", url="/needs/1/"
    )
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00:00Z")
    unread = Notification.objects.create(user=city.student, kind="signup.promoted", title="新的")
    Notification.objects.create(user=city.student2, kind="a.b", title="别人的")
    return read, unread


def test_list_is_own_and_paginated(city: SimpleNamespace) -> None:
    _read, unread = _seed(city)
    client = api_client(city.student)
    body = client.api_get("/me/notifications").json()
    assert body["count"] == 2
    assert [i["title"] for i in body["items"]] == ["新的", "旧的"]
    assert body["items"][0]["group"] == "duty"
    body = client.api_get("/me/notifications", {"unread": "true"}).json()
    assert body["count"] == 1 and body["items"][0]["id"] == unread.pk
    body = client.api_get("/me/notifications", {"page_size": 1, "page": 2}).json()
    assert body["count"] == 2 and len(body["items"]) == 1


def test_mark_read_and_someone_elses_is_404(city: SimpleNamespace) -> None:
    _read, unread = _seed(city)
    other = Notification.objects.get(user=city.student2)
    client = api_client(city.student)
    r = client.api_post(f"/me/notifications/{unread.pk}/read")
    assert r.status_code == 200 and r.json()["read_at"]
    assert_error(client.api_post(f"/me/notifications/{other.pk}/read"), 404, "not_found")
    other.refresh_from_db()
    assert other.read_at is None
    assert_error(client.api_post("/me/notifications/999999/read"), 404, "not_found")


def test_read_all(city: SimpleNamespace) -> None:
    _seed(city)
    r = api_client(city.student).api_post("/me/notifications/read-all")
    assert r.json() == {"marked": 1, "unread": 0}
    assert Notification.objects.filter(user=city.student2, read_at__isnull=True).count() == 1


def test_anonymous_is_401(db: None) -> None:
    assert_error(api_client().api_get("/me/notifications"), 401, "not_authenticated")


def test_preferences_round_trip(city: SimpleNamespace) -> None:
    client = api_client(city.student)
    assert client.api_get("/me/notification-preferences").json() == {
        "channels": {},
        "daily_digest": False,
    }
    r = client.put(
        f"{API}/me/notification-preferences",
        json.dumps({"channels": {"needs": ["email", "wechat"]}, "daily_digest": True}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json() == {"channels": {"needs": ["email", "wechat"]}, "daily_digest": True}
    assert client.api_get("/me/notification-preferences").json()["daily_digest"] is True


def test_bad_preferences_422_in_chinese(city: SimpleNamespace) -> None:
    client = api_client(city.student)
    r = client.put(
        f"{API}/me/notification-preferences",
        json.dumps({"channels": {"needs": ["fax"]}}),
        content_type="application/json",
    )
    body = assert_error(r, 422, "unknown_channel")
    assert body["field"] == "channels"
    assert "未知" in body["detail"]
    assert not NotificationPreference.objects.exists()


def test_bad_paging_and_unknown_body_are_422(city: SimpleNamespace) -> None:
    client = api_client(city.student)
    assert_error(client.api_get("/me/notifications", {"page_size": 500}), 422, "invalid_input")
    r = client.put(
        f"{API}/me/notification-preferences",
        json.dumps({"channels": ["email"]}),
        content_type="application/json",
    )
    assert_error(r, 422, "invalid_input")
    assert not NotificationPreference.objects.exists()
