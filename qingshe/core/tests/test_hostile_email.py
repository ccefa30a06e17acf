"""Hostile input in e-mail (issue 11): free text typed by one person (a need's title, an
activity's title, a cancellation reason, an award's name, a person's name) travels into the
e-mails sent to others. The app sends two kinds of e-mail, both plain text
(qingshe/core/notifications): a notification by e-mail (every notify() kind whose recipient chose
e-mail: one sender for all of them) and the daily digest.

What must hold for each e-mail, with locmem's mail.outbox:
- no header injection: a CR/LF (or another line break) in a title never reaches a header — the
  subject is one line, the message has no header the text tried to add (Bcc), its recipients
  are exactly the recipient, and the e-mail is still delivered (not lost to BadHeaderError);
- the body is text/plain and shows the text as typed (no HTML entities for the reader);
- an HTML alternative, if one is ever added, carries the text escaped;
- in the digest, a title cannot start a line of its own (a fake item or a fake link).
"""

from __future__ import annotations

import email
import html
from datetime import timedelta
from email import policy
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from qingshe.core.models import Notification
from qingshe.core.notifications import digest, services
from qingshe.core.notifications.models import NotificationDelivery
from qingshe.core.notify import notify

XSS = "<script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'
INJECT = "\r\nBcc: evil@example.com\r\nX-Evil: 1\r\n\r\n伪造的正文"
# Line breaks other than CR/LF that some mail software also honours.
ODD_BREAKS = "甲\u2028乙\x0b丙\x0c丁\x85戊\u2029己"
HOSTILE_TITLE = f"修水管{XSS}{XSS_ATTR}{INJECT}"
HOSTILE_TEXT = f"原因：{XSS}\n{XSS_ATTR}{INJECT}"


@pytest.fixture(autouse=True)
def _outbox(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()


def _wants_email(user: Any, address: str, *groups: str, digest_on: bool = False) -> None:
    user.email = address
    user.save(update_fields=["email"])
    services.notification_preferences_update(
        actor=user, channels={g: ["email"] for g in groups}, daily_digest=digest_on
    )


def _assert_safe(message: Any, *, to: str, typed: tuple[str, ...] = ()) -> None:
    """One e-mail of the outbox: headers intact, body plain text as typed, HTML escaped."""
    assert message.to == [to] and not message.cc and not message.bcc
    for ch in ("\r", "\n", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"):
        assert ch not in message.subject, repr(message.subject)
    raw = message.message().as_bytes()  # BadHeaderError here would mean a lost e-mail
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["To"] == to
    assert parsed.get_all("Subject") and len(parsed.get_all("Subject")) == 1
    assert "\n" not in str(parsed["Subject"])
    assert message.content_subtype == "plain"
    assert parsed.get_content_type() in ("text/plain", "multipart/alternative")
    # Plain text shows what was typed: the reader sees "<script>", not "&lt;script&gt;".
    assert "&lt;" not in message.body and "&quot;" not in message.body
    for text in typed:
        assert text in message.body or text in message.subject
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            assert "<script" not in content and "onerror=alert" not in content.replace(
                html.escape("onerror=alert"), ""
            )
            assert "<img" not in content
            for text in typed:
                assert html.escape(text) in content


def _deliveries(kind: str) -> list[str]:
    return list(
        NotificationDelivery.objects.filter(notification__kind=kind).values_list(
            "status", flat=True
        )
    )


# --- the notification e-mail, through real flows ----------------------------------------------------
def test_a_residents_need_title_reaches_staff_email_safely(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    from qingshe.needs import services as needs

    _wants_email(city.staff, "staff@example.cn", "needs")
    with django_capture_on_commit_callbacks(execute=True):
        needs.need_submit(
            actor=city.resident,
            community=city.community,
            title=HOSTILE_TITLE,
            project_type="governance",
            service_field="technology",
        )
    assert _deliveries("need.submitted") == ["sent"]
    assert len(mail.outbox) == 1
    _assert_safe(mail.outbox[0], to="staff@example.cn", typed=(XSS, XSS_ATTR))


def test_an_activity_title_and_cancellation_reason_reach_volunteers_safely(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    from qingshe.duty import services as duty

    _wants_email(city.student, "student@example.cn", "duty")
    activity = duty.activity_create(
        actor=city.staff,
        organiser=city.community,
        title=f"敬老院陪伴{XSS}{XSS_ATTR}\r\nBcc: evil@example.com",
        place="白沙社区服务站",
        requires_insurance=False,
    )
    start = timezone.now() + timedelta(days=3)
    shift = duty.shift_add(
        actor=city.staff,
        activity=activity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=2,
    )
    duty.shift_sign_up(actor=city.student, shift=shift)
    with django_capture_on_commit_callbacks(execute=True):
        duty.activity_cancel(actor=city.staff, activity=activity, reason=HOSTILE_TEXT)
    # (This test found that nobody was told of a cancellation at all: the volunteers were read
    # after their sign-ups had been cancelled. Fixed in duty.services.activity_cancel.)
    assert Notification.objects.filter(kind="activity.cancelled", user=city.student).exists()
    assert _deliveries("activity.cancelled") == ["sent"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    _assert_safe(message, to="student@example.cn", typed=(XSS, XSS_ATTR))
    # The reason is the body, as typed (its own line breaks are the body's, not headers).
    assert "伪造的正文" in message.body


def test_an_award_name_reaches_the_person_safely(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    from qingshe.credit import services as credit

    _wants_email(city.student, "student@example.cn", "credit")
    with django_capture_on_commit_callbacks(execute=True):
        credit.award_record(
            actor=city.university_admin,
            user=city.student,
            org=city.university,
            name=f"优秀志愿者{XSS_ATTR}{INJECT}",
            granted_on=timezone.localdate(),
            granting_body=XSS,
        )
    assert _deliveries("credit.award") == ["sent"]
    _assert_safe(mail.outbox[0], to="student@example.cn", typed=(XSS_ATTR,))


@pytest.mark.parametrize(
    "kind", ["dispatch.offer", "signup.promoted", "case.returned", "council.rate", "x.unknown"]
)
def test_every_kind_goes_through_one_safe_sender(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any, kind: str
) -> None:
    """All notify() kinds share the e-mail sender: a hostile title and body of any kind (and any
    group, the unknown one too) arrive intact and inert."""
    from qingshe.core.notifications.kinds import group_of

    _wants_email(city.student, "student@example.cn", group_of(kind))
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            users=[city.student],
            kind=kind,
            title=f"{HOSTILE_TITLE}{ODD_BREAKS}",
            body=HOSTILE_TEXT,
            url="/needs/1/",
        )
    assert _deliveries(kind) == ["sent"]
    message = mail.outbox[0]
    _assert_safe(message, to="student@example.cn", typed=(XSS, XSS_ATTR))
    assert "甲 乙 丙 丁 戊 己" in message.subject
    assert message.body.rstrip().endswith("/needs/1/")


def test_a_hostile_name_in_a_title_is_inert(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    """A person's own name is free text too, and titles such as "%(name)s accepted …" carry it."""
    from django.utils.translation import gettext as _

    city.student2.name = f"乙{XSS_ATTR}\r\nBcc: x"  # a name holds at most 40 characters
    city.student2.save(update_fields=["name"])
    _wants_email(city.staff, "staff@example.cn", "needs")
    name = city.student2.name
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            users=[city.staff],
            kind="dispatch.accepted",
            title=lambda: _("%(name)s accepted %(title)s") % {"name": name, "title": XSS},
        )
    _assert_safe(mail.outbox[0], to="staff@example.cn", typed=(XSS, XSS_ATTR))


# --- the daily digest ---------------------------------------------------------------------------------
def test_the_digest_keeps_hostile_titles_inert_and_on_their_own_line(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    city.student.name = f"学生甲{XSS}"
    city.student.save(update_fields=["name"])
    _wants_email(city.student, "student@example.cn", "needs", "credit", digest_on=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            users=[city.student],
            kind="dispatch.offer",
            title=f"{HOSTILE_TITLE}\n- 假的一条\n  https://evil.example/{ODD_BREAKS}",
            url="/needs/1/",
        )
        notify(users=[city.student], kind="credit.award", title=XSS_ATTR, url="/credit/hours/")
    assert mail.outbox == []  # held for the digest
    counts = digest.send_daily_digests()
    assert counts["sent"] == 1 and counts["failed"] == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    _assert_safe(message, to="student@example.cn", typed=(XSS, XSS_ATTR, f"学生甲{XSS}"))
    lines = message.body.splitlines()
    items = [line for line in lines if line.startswith("- ")]
    assert len(items) == 2, lines  # the title's own line breaks start no item of their own
    assert not any(line.strip().startswith("https://evil.example") for line in lines)
    assert not any(line.startswith("Bcc:") for line in lines)
    assert Notification.objects.filter(user=city.student).count() == 2


def test_the_email_sender_does_not_lose_a_title_with_line_breaks(city: SimpleNamespace) -> None:
    """Unit check of the sender: before the fix, a CR/LF in a title made Django refuse the
    header (BadHeaderError) and the e-mail was recorded as failed, i.e. lost."""
    from qingshe.core.notifications.channels import Message, send_email

    city.student.email = "student@example.cn"
    outcome = send_email(
        user=city.student,
        message=Message(kind="x.y", title=HOSTILE_TITLE, body=HOSTILE_TEXT, link=""),
    )
    assert outcome.status == "sent"
    _assert_safe(mail.outbox[0], to="student@example.cn", typed=(XSS, XSS_ATTR))
