"""Notifications: notify() keeps writing the bell row, then serves each recipient's chosen
channels (email through Django's backend; SMS/WeChat logged only, phone masked), the daily
digest, and the recipient's own services (mark read, preferences)."""

from __future__ import annotations

import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from qingshe.core.errors import NotFound, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.core.notifications import digest, selectors, services
from qingshe.core.notifications.kinds import group_of
from qingshe.core.notifications.models import (
    NotificationDelivery,
    NotificationDigest,
    NotificationPreference,
)
from qingshe.core.notify import notify


def _notify(
    django_capture_on_commit_callbacks: Any,
    users: list[Any],
    kind: str = "dispatch.offer",
    **kw: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=users, kind=kind, title=kw.pop("title", "有一条新派单"), url="/needs/1/", **kw)


def test_kind_groups() -> None:
    assert group_of("dispatch.offer") == "needs"
    assert group_of("signup.promoted") == "duty"
    assert group_of("credit.award") == "credit"
    assert group_of("something.new") == "other"


def test_notify_without_preferences_writes_the_bell_row_only(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    _notify(django_capture_on_commit_callbacks, [city.student, city.student2])
    assert Notification.objects.filter(kind="dispatch.offer").count() == 2
    assert NotificationDelivery.objects.count() == 0
    assert mail.outbox == []


def test_rolled_back_write_notifies_nobody(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(users=[city.student], kind="dispatch.offer", title="x")
        raise RuntimeError
    assert Notification.objects.count() == 0


def test_email_and_logged_sms_by_preference(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    city.student.email = "student@example.cn"
    city.student.save(update_fields=["email"])
    services.notification_preferences_update(
        actor=city.student, channels={"needs": ["email", "sms", "wechat"]}, daily_digest=False
    )
    with caplog.at_level(logging.INFO, logger="qingshe.notifications"):
        _notify(django_capture_on_commit_callbacks, [city.student], title="请接单：帮老人买菜")
        _notify(
            django_capture_on_commit_callbacks,
            [city.student],
            kind="signup.promoted",
            title="候补转正",
        )
    note = Notification.objects.get(kind="dispatch.offer")
    statuses = dict(note.deliveries.values_list("channel", "status"))
    assert statuses == {"email": "sent", "sms": "logged", "wechat": "logged"}
    # duty was not chosen: the bell only
    assert not NotificationDelivery.objects.filter(notification__kind="signup.promoted").exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["student@example.cn"]
    assert "请接单：帮老人买菜" in mail.outbox[0].subject
    assert "/needs/1/" in mail.outbox[0].body
    logged = caplog.text
    assert "not sent, logged only" in logged
    phone = city.student.phone
    assert phone not in logged
    assert f"{phone[:3]}****{phone[-4:]}" in logged


def test_delivery_runs_once_per_channel(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    from qingshe.core.notifications.delivery import deliver

    city.student.email = "s@example.cn"
    city.student.save(update_fields=["email"])
    services.notification_preferences_update(
        actor=city.student, channels={"needs": ["email"]}, daily_digest=False
    )
    _notify(django_capture_on_commit_callbacks, [city.student])
    note = Notification.objects.get()
    assert deliver([note.pk]) == {}  # a second run sends nothing more
    assert len(mail.outbox) == 1


def test_no_email_address_is_skipped_not_claimed_sent(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    services.notification_preferences_update(
        actor=city.student, channels={"needs": ["email"]}, daily_digest=False
    )
    _notify(django_capture_on_commit_callbacks, [city.student])
    assert NotificationDelivery.objects.get().status == "skipped"
    assert mail.outbox == []


def test_digest_holds_back_email_and_sends_one_a_day(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    for user, addr in ((city.student, "a@example.cn"), (city.student2, "b@example.cn")):
        user.email = addr
        user.save(update_fields=["email"])
        services.notification_preferences_update(
            actor=user, channels={"needs": ["email"]}, daily_digest=True
        )
    _notify(django_capture_on_commit_callbacks, [city.student, city.student2], title="第一条")
    _notify(django_capture_on_commit_callbacks, [city.student], kind="credit.award", title="第二条")
    assert mail.outbox == []  # held for the digest
    Notification.objects.filter(user=city.student2).update(read_at=timezone.now())  # read already
    old = Notification.objects.create(user=city.student, kind="x.y", title="昨天的")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))

    counts = digest.send_daily_digests()
    assert counts["sent"] == 1 and counts["empty"] == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["a@example.cn"]
    assert "第一条" in message.body and "第二条" in message.body and "昨天的" not in message.body
    assert "2" in message.subject
    # Run again the same day: nothing more.
    assert digest.send_daily_digests()["already"] == 1
    assert len(mail.outbox) == 1
    assert NotificationDigest.objects.get().items == 2


def test_digest_task_runs_through_django_tasks(city: SimpleNamespace) -> None:
    from qingshe.core.notifications.tasks import send_daily_digests

    result = send_daily_digests.enqueue(timezone.localdate().isoformat())
    assert result.return_value["sent"] == 0


def test_mark_read_own_only(city: SimpleNamespace) -> None:
    mine = Notification.objects.create(user=city.student, kind="a.b", title="mine")
    theirs = Notification.objects.create(user=city.student2, kind="a.b", title="theirs")
    services.notification_mark_read(actor=city.student, notification_id=mine.pk)
    mine.refresh_from_db()
    assert mine.read_at is not None
    with pytest.raises(NotFound):
        services.notification_mark_read(actor=city.student, notification_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_own(city: SimpleNamespace) -> None:
    for _i in range(3):
        Notification.objects.create(user=city.student, kind="a.b", title="t")
    Notification.objects.create(user=city.student2, kind="a.b", title="t")
    assert services.notification_mark_all_read(actor=city.student) == 3
    assert selectors.unread_count(user=city.student) == 0
    assert selectors.unread_count(user=city.student2) == 1


@pytest.mark.parametrize(
    ("channels", "code"),
    [
        ({"nonsense": ["email"]}, "unknown_group"),
        ({"needs": ["fax"]}, "unknown_channel"),
        ({"needs": "email"}, "invalid_channels"),
    ],
)
def test_bad_preferences_are_refused_and_nothing_written(
    city: SimpleNamespace, channels: Any, code: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.notification_preferences_update(
            actor=city.student, channels=channels, daily_digest=True
        )
    assert err.value.code == code and err.value.field == "channels"
    assert not NotificationPreference.objects.exists()
    assert not AuditEvent.objects.filter(action="notification.preferences").exists()


def test_preferences_are_saved_and_audited(city: SimpleNamespace) -> None:
    pref = services.notification_preferences_update(
        actor=city.student,
        channels={"duty": ["sms", "email", "sms"], "needs": []},
        daily_digest=True,
    )
    assert pref.channels == {"duty": ["email", "sms"]}
    assert AuditEvent.objects.filter(action="notification.preferences", actor=city.student).exists()


def test_digest_command(city: SimpleNamespace) -> None:
    import io

    from django.core.management import CommandError, call_command

    city.student.email = "a@example.cn"
    city.student.save(update_fields=["email"])
    services.notification_preferences_update(actor=city.student, channels={}, daily_digest=True)
    Notification.objects.create(user=city.student, kind="a.b", title="今天的")
    out = io.StringIO()
    call_command("notify-digest", stdout=out)
    assert "'sent': 1" in out.getvalue()
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError):
        call_command("notify-digest", "--day", "2026-13-40")
