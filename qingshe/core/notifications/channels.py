"""Channels beyond the bell: email through Django's email backend, and SMS / WeChat template
messages through a gateway interface.

No SMS or WeChat contract exists yet, so the gateways shipped here only log the message they
would have sent and report it as "not sent, logged only" — nothing claims a delivery that did
not happen. A deployment with a contract sets QINGSHE_SMS_GATEWAY / QINGSHE_WECHAT_GATEWAY to
the dotted path of its own class implementing `SmsGateway` / `WeChatGateway`. Phone numbers are
masked (3+4) in every log line.
"""

from __future__ import annotations

import logging
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qingshe.core.logging import redact
from qingshe.core.notifications.models import NotificationDelivery
from qingshe.lib.ids import mask_phone

logger = logging.getLogger("qingshe.notifications")
Status = NotificationDelivery.Status

CHANNEL_LABELS: dict[str, object] = {
    "email": gettext_lazy("Email"),
    "sms": gettext_lazy("SMS"),
    "wechat": gettext_lazy("WeChat"),
}


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str = ""


@dataclass(frozen=True)
class Message:
    """What a channel carries: already rendered in the recipient's language."""

    kind: str
    title: str
    body: str
    link: str  # absolute when QINGSHE_SITE_URL is set, else the site path


def one_line(text: str) -> str:
    """`text` on one line: every line break (CR, LF and the Unicode ones) and other control
    character becomes a space, runs of spaces one. Titles are typed by people (a need's title, an
    activity's, a name): in a mail header a line break is refused by Django (the e-mail would be
    lost), and in the digest it would start a line of its own (a fake item or link)."""
    spaced = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    return " ".join(spaced.split())


def absolute(url: str) -> str:
    base = getattr(settings, "QINGSHE_SITE_URL", "").rstrip("/")
    return f"{base}{url}" if url and url.startswith("/") else url


# --- gateways (the interface a provider implements) ---------------------------------------------
class SmsGateway(ABC):
    @abstractmethod
    def send(self, *, phone: str, message: Message) -> Outcome: ...


class WeChatGateway(ABC):
    @abstractmethod
    def send(self, *, user: Any, message: Message) -> Outcome: ...


class LoggingSmsGateway(SmsGateway):
    """Writes one log line instead of sending: no SMS provider is configured."""

    def send(self, *, phone: str, message: Message) -> Outcome:
        logger.info(
            "SMS not sent, logged only (no SMS gateway configured): to %s, kind %s, %d characters",
            mask_phone(phone),
            message.kind,
            len(message.title),
        )
        return Outcome(Status.LOGGED, "no SMS gateway configured")


class LoggingWeChatGateway(WeChatGateway):
    """Writes one log line instead of sending: no WeChat official account is configured."""

    def send(self, *, user: Any, message: Message) -> Outcome:
        logger.info(
            "WeChat template message not sent, logged only (no WeChat gateway configured): "
            "person #%s, kind %s, title %s",
            user.pk,
            message.kind,
            redact(message.title),
        )
        return Outcome(Status.LOGGED, "no WeChat gateway configured")


def sms_gateway() -> SmsGateway:
    path = getattr(settings, "QINGSHE_SMS_GATEWAY", "")
    return import_string(path)() if path else LoggingSmsGateway()


def wechat_gateway() -> WeChatGateway:
    path = getattr(settings, "QINGSHE_WECHAT_GATEWAY", "")
    return import_string(path)() if path else LoggingWeChatGateway()


# --- channels -----------------------------------------------------------------------------------
def send_email(*, user: Any, message: Message) -> Outcome:
    if not user.email:
        return Outcome(Status.SKIPPED, "no email address")
    text = message.body
    if message.link:
        text = f"{text}\n\n{_('Open in Qingshe:')} {message.link}".strip()
    mail = EmailMessage(
        subject=one_line(_("[Qingshe] %(title)s") % {"title": message.title}),
        body=text,
        to=[user.email],
    )
    try:
        mail.send()
    except Exception as exc:  # noqa: BLE001 - an SMTP failure must not lose the others
        logger.warning(
            "email of kind %s to person #%s failed: %s", message.kind, user.pk, type(exc).__name__
        )
        return Outcome(Status.FAILED, type(exc).__name__)
    return Outcome(Status.SENT, "handed to the email backend")


def send_sms(*, user: Any, message: Message) -> Outcome:
    if not user.phone:
        return Outcome(Status.SKIPPED, "no phone number")
    return sms_gateway().send(phone=user.phone, message=message)


def send_wechat(*, user: Any, message: Message) -> Outcome:
    return wechat_gateway().send(user=user, message=message)


SENDERS = {"email": send_email, "sms": send_sms, "wechat": send_wechat}
CHANNELS = tuple(SENDERS)
