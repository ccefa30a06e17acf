"""Pages of notifications: the centre (pagination, empty state, filters), mark read (someone
else's is a 404), the bell fragment, the preferences form."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.test import Client

from qingshe.core.models import Notification
from qingshe.core.notifications.models import NotificationPreference


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_empty_state(city: SimpleNamespace) -> None:
    html = _client(city.student).get("/notifications/").content.decode()
    assert "还没有通知" in html
    html = _client(city.student).get("/notifications/?show=unread").content.decode()
    assert "没有未读通知" in html


def test_centre_paginates_own_items(
    city: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    for i in range(25):
        Notification.objects.create(user=city.student, kind="a.b", title=f"通知{i:02d}")
    Notification.objects.create(user=city.student2, kind="a.b", title="别人的通知")
    client = _client(city.student)
    with django_assert_max_num_queries(12):
        html = client.get("/notifications/").content.decode()
    assert "通知24" in html and "通知04" not in html and "别人的通知" not in html
    assert "2 页" in html
    html = client.get("/notifications/?page=2").content.decode()
    assert "通知04" in html


def test_mark_read_opens_the_link_and_outsider_404(city: SimpleNamespace) -> None:
    mine = Notification.objects.create(user=city.student, kind="a.b", title="t", url="/needs/")
    theirs = Notification.objects.create(user=city.student2, kind="a.b", title="t")
    client = _client(city.student)
    r = client.post(f"/notifications/{mine.pk}/read/", {"go": "1"})
    assert r.status_code == 302 and r["Location"] == "/needs/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{mine.pk}/read/").status_code == 405


def test_offsite_link_is_not_followed(city: SimpleNamespace) -> None:
    mine = Notification.objects.create(
        user=city.student, kind="a.b", title="t", url="https://evil.example/"
    )
    r = _client(city.student).post(f"/notifications/{mine.pk}/read/", {"go": "1"})
    assert r["Location"] == "/notifications/"
    r = _client(city.student).post(f"/notifications/{mine.pk}/read/", {"next": "//evil.example/x"})
    assert r["Location"] == "/notifications/"
    r = _client(city.student).post(
        f"/notifications/{mine.pk}/read/", {"next": "/notifications/?page=2"}
    )
    assert r["Location"] == "/notifications/?page=2"


def test_mark_all_read(city: SimpleNamespace) -> None:
    Notification.objects.create(user=city.student, kind="a.b", title="t")
    other = Notification.objects.create(user=city.student2, kind="a.b", title="t")
    r = _client(city.student).post("/notifications/read-all/", follow=True)
    assert "已将 1 条通知标为已读" in r.content.decode()
    other.refresh_from_db()
    assert other.read_at is None


def test_bell_fragment_counts_unread(city: SimpleNamespace) -> None:
    Notification.objects.create(user=city.student, kind="a.b", title="t")
    Notification.objects.create(user=city.student, kind="a.b", title="t")
    html = (
        _client(city.student).get("/notifications/bell/", HTTP_HX_REQUEST="true").content.decode()
    )
    assert 'data-unread="2"' in html and "通知：2 条未读" in html
    # The pages render the bell without a count (core/bell.js fetches it after load), and
    # without hx-trigger, so that a page's own polling stays recognisable.
    page = _client(city.student).get("/notifications/").content.decode()
    assert 'id="notification-bell"' in page and 'data-bell-url="/notifications/bell/"' in page
    assert "data-unread" not in page and "hx-trigger" not in page
    assert "core/bell.js" in page


def test_anonymous_is_sent_to_login(db: None) -> None:
    r = Client().get("/notifications/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert Client().get("/notifications/bell/").status_code == 302


def test_preferences_form(city: SimpleNamespace) -> None:
    client = _client(city.student)
    html = client.get("/notifications/settings/").content.decode()
    assert "通知设置" in html
    r = client.post(
        "/notifications/settings/",
        {"ch_duty": ["sms"], "ch_needs": ["email", "wechat"], "daily_digest": "on"},
    )
    assert r.status_code == 302
    pref = NotificationPreference.objects.get(user=city.student)
    assert pref.channels == {"duty": ["sms"], "needs": ["email", "wechat"]} and pref.daily_digest
    r = client.post("/notifications/settings/", {"ch_duty": ["fax"]})
    assert r.status_code == 422
    assert "未知的渠道" in r.content.decode()
    pref.refresh_from_db()
    assert pref.channels == {"duty": ["sms"], "needs": ["email", "wechat"]}
