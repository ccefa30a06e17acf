"""The calendar feed GET /me/shifts.ics: RFC 5545 structure, escaping, folding, the feed token."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.test import Client

from qingshe.api.tests.utils import api_client, assert_error
from qingshe.duty import ics, services
from qingshe.duty.models import SignUp

FEED = "/api/v1/me/shifts.ics"


def unfold(raw: bytes) -> list[str]:
    """A tiny RFC 5545 reader: check the line endings and octet lengths, then unfold."""
    assert raw.endswith(b"\r\n")
    physical = raw[:-2].split(b"\r\n")
    for line in physical:
        assert b"\n" not in line and b"\r" not in line
        assert len(line) <= 75, line
    text = [p.decode("utf-8") for p in physical]  # folding never cuts a UTF-8 character
    lines: list[str] = []
    for line in text:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            assert value[i] not in ",;", value  # unescaped separators would split the value
            out.append(value[i])
            i += 1
    return "".join(out)


def events(lines: list[str]) -> list[dict[str, str]]:
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            assert current is None
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            found.append(current)
            current = None
        elif current is not None:
            name, _sep, value = line.partition(":")
            current[name] = value
    assert current is None
    return found


@pytest.fixture
def signed_up(city: SimpleNamespace, duty: SimpleNamespace) -> SimpleNamespace:
    services.shift_sign_up(actor=city.student, shift=duty.shift)
    services.shift_sign_up(actor=city.student2, shift=duty.shift)
    services.shift_sign_up(actor=city.secretary, shift=duty.shift)  # waitlisted
    return duty


def test_feed_by_bearer_token(city, signed_up) -> None:
    response = api_client(city.student).api_get("/me/shifts.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [event] = events(unfold(response.content))
    signup = SignUp.objects.get(user=city.student)
    assert event["UID"] == f"signup-{signup.pk}@testserver"
    assert event["DTSTART"] == signed_up.shift.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert event["DTSTART"] == signed_up.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert event["DTSTART"].endswith("T010000Z")  # 09:00 in Shanghai
    assert event["DTEND"].endswith("T030000Z")
    assert event["STATUS"] == "CONFIRMED"
    assert unescape(event["SUMMARY"]) == "敬老院陪伴"
    assert unescape(event["LOCATION"]) == "白沙社区服务站"
    assert "DTSTAMP" in event


def test_feed_by_subscription_token_and_waitlist_is_tentative(city, signed_up) -> None:
    url = api_client(city.secretary).api_get("/me/shifts").json()["ics_url"]
    response = Client().get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    [event] = events(unfold(response.content))
    assert event["STATUS"] == "TENTATIVE"
    # The UID stays when the sign-up is promoted.
    services.shift_cancel(actor=city.student, signup=SignUp.objects.get(user=city.student))
    [again] = events(unfold(Client().get(url.removeprefix("http://testserver")).content))
    assert again["UID"] == event["UID"] and again["STATUS"] == "CONFIRMED"


def test_cancelled_signups_leave_the_feed(city, signed_up) -> None:
    services.shift_cancel(actor=city.student, signup=SignUp.objects.get(user=city.student))
    assert events(unfold(api_client(city.student).api_get("/me/shifts.ics").content)) == []


@pytest.mark.parametrize("token", ["", "garbage", "1:forged", None])
def test_feed_refuses_bad_tokens(city, signed_up, token) -> None:
    forged = ics.feed_token(city.student)[:-2] + "xx"
    params = {} if token is None else {"token": token if token != "1:forged" else forged}
    assert_error(Client().get(FEED, params), 401, "not_authenticated")


def test_token_of_another_salt_does_not_open_the_feed(city) -> None:
    from django.core import signing

    other = signing.Signer(salt="qingshe.something.else").sign(str(city.student.pk))
    assert ics.user_id_from_token(other) is None
    assert ics.user_id_from_token(ics.feed_token(city.student)) == city.student.pk


def test_hostile_text_is_escaped_and_folded(city) -> None:
    title = '抢险,救灾;"夜班"\\备用\n第二行' + "长" * 40
    activity = services.activity_create(
        actor=city.staff,
        organiser=city.community,
        title=title,
        place="A;B,C",
        address="路\r\nEND:VEVENT",
        description="BEGIN:VEVENT\nUID:evil",
        requires_insurance=False,
    )
    start = datetime(2030, 1, 1, 1, 0, tzinfo=UTC)
    shift = services.shift_add(
        actor=city.staff,
        activity=activity,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=2,
    )
    services.shift_sign_up(actor=city.student, shift=shift)
    raw = api_client(city.student).api_get("/me/shifts.ics").content
    lines = unfold(raw)
    [event] = events(lines)
    assert unescape(event["SUMMARY"]) == title.replace("\r\n", "\n")
    assert unescape(event["LOCATION"]) == "A;B,C，路\nEND:VEVENT"
    assert unescape(event["DESCRIPTION"]).endswith("BEGIN:VEVENT\nUID:evil")
    assert lines.count("END:VEVENT") == 1 and lines.count("BEGIN:VEVENT") == 1


def test_fold_counts_octets_not_characters() -> None:
    line = "SUMMARY:" + "志" * 60
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line
    assert ics.fold("short") == "short"
    assert ics.escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
