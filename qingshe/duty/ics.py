"""A personal calendar feed (iCalendar, RFC 5545) of one's shifts, and the token that lets a phone
subscribe to it.

Phones subscribe to a URL and cannot send a bearer header, so the feed also accepts
`?token=<signed user id>` (django.core.signing, salt "qingshe.duty.ics"). The token only opens
this feed; it does not expire (a subscription must keep working) and changing SECRET_KEY voids
every one.

Written by hand rather than with a library: the subset needed is small (VCALENDAR with VEVENTs,
UTC times, text escaping, CRLF, folding at 75 octets without splitting a UTF-8 character).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.core import signing
from django.utils import timezone

from qingshe.duty.models import SignUp

SALT = "qingshe.duty.ics"
PRODID = "-//Qingshe//Duty shifts//ZH"
MAX_OCTETS = 75


# --- the subscription token ---------------------------------------------------------------------
def feed_token(user: Any) -> str:
    return signing.Signer(salt=SALT).sign(str(user.pk))


def user_id_from_token(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


# --- the format ---------------------------------------------------------------------------------
def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets (§3.1), each continuation starting
    with one space, never cutting a multi-byte character."""
    out: list[str] = []
    current, size, limit = "", 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, MAX_OCTETS
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(signup: SignUp, *, host: str, stamp: str) -> list[str]:
    shift = signup.shift
    activity = shift.activity
    waiting = signup.state == SignUp.State.WAITLISTED
    summary = activity.title
    if waiting:
        summary = f"{summary} ({signup.get_state_display()})"
    location = "，".join(part for part in (activity.place, activity.address) if part)
    description = "\n".join(
        part for part in (activity.organiser.name, activity.description) if part
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:signup-{signup.pk}@{host}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{utc_stamp(shift.starts_at)}",
        f"DTEND:{utc_stamp(shift.ends_at)}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if activity.lat is not None and activity.lng is not None:
        lines.append(f"GEO:{activity.lat};{activity.lng}")
    lines += [
        f"STATUS:{'TENTATIVE' if waiting else 'CONFIRMED'}",
        f"SEQUENCE:{int(signup.updated_at.timestamp())}" if signup.updated_at else "SEQUENCE:0",
        "END:VEVENT",
    ]
    return lines


def calendar(
    signups: Iterable[SignUp], *, name: str, host: str, now: datetime | None = None
) -> str:
    """The feed as text: CRLF line endings, folded lines. Encode it as UTF-8."""
    stamp = utc_stamp(now or timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for signup in signups:
        lines += _event(signup, host=host, stamp=stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
