"""PIPL (issue 11 item 6): no ID number or mobile number in clear in the logs or in error
responses, through the main flows, with every logger at DEBUG; and every clear ID number read
(a reveal, an export with clear numbers) leaves an audit entry for that person."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.test import Client
from openpyxl import load_workbook

from qingshe.accounts import services as accounts
from qingshe.accounts.personal_data import services as pd
from qingshe.api.tests.utils import API, api_client
from qingshe.core.models import AuditEvent
from qingshe.core.tests.helpers import make_id_number, with_wrong_check_digit
from qingshe.imports.tests.conftest import rows, upload, workbook_bytes
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

# 18 characters (17 digits and a digit or X) and mainland mobiles, not inside a longer token.
ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86)?1[3-9]\d{9}(?![0-9A-Za-z])")


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _log_text(caplog: Any) -> str:
    parts = []
    for rec in caplog.records:
        parts.append(
            f"{rec.name} {rec.getMessage()} {rec.args!r} {getattr(rec, 'exc_text', '') or ''}"
        )
        if rec.exc_info and rec.exc_info[1] is not None:
            parts.append(repr(rec.exc_info[1]))
    return "\n".join(parts)


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _xlsx_text(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(content)).active
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_main_flows_leave_no_id_or_phone_number_in_logs_or_error_responses(
    city: SimpleNamespace,
    caplog: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []  # bodies of every 4xx/5xx answer, and of the import's error report

    def keep_if_error(response: Any) -> Any:
        if response.status_code >= 400:
            errors.append(_body(response))
        return response

    # 1. a student roster with ID numbers, some rows bad (checksum, a taken phone, a taken ID)
    students = rows(12)
    students[3][2] = with_wrong_check_digit(students[3][2])
    students[5][1] = students[4][1]
    students[7][2] = students[6][2]
    admin = api_client(city.league_admin)
    with django_capture_on_commit_callbacks(execute=True):
        r = admin.post(
            f"{API}/imports",
            {"file": upload(workbook_bytes(students=students)), "valid_only": "true"},
        )
    assert r.status_code == 202, r.content
    job = admin.get(f"{API}/imports/{r.json()['id']}").json()
    assert job["error_count"] >= 3
    errors.append(json.dumps(job, ensure_ascii=False))
    errors.append(
        json.dumps(admin.get(f"{API}/imports/{job['id']}/errors").json(), ensure_ascii=False)
    )
    # the same roster again: every row a duplicate
    with django_capture_on_commit_callbacks(execute=True):
        r = admin.post(f"{API}/imports", {"file": upload(workbook_bytes(students=students[:3]))})
    errors.append(
        json.dumps(admin.get(f"{API}/imports/{r.json()['id']}").json(), ensure_ascii=False)
    )

    # 2. registration: a person with an ID number; the same ID and phone again; a child under 14
    number = make_id_number(date(2004, 5, 6))
    person = accounts.user_create(
        name="登记测试", phone="13812345678", id_number=number, password="Qingshe-test-2026"
    )
    MembershipFactory(user=person, org=city.branch, role=Role.STUDENT)
    for kw in (
        {"phone": "13812345678", "id_number": make_id_number(date(2003, 1, 1))},
        {"phone": "13912340000", "id_number": number},
        {"phone": "13912340001", "id_number": make_id_number(date(2018, 1, 1))},
        {"phone": "13912340002", "id_number": with_wrong_check_digit(number)},
    ):
        try:
            accounts.user_create(name="重复登记", **kw)
        except Exception as exc:  # noqa: BLE001 — the message is what is checked
            errors.append(str(exc) + repr(getattr(exc, "message", "")))
    # the profile page: a wrong ID number, then someone else's, typed by the person
    me = _client(city.student)
    page = {
        "name": city.student.name,
        "phone": city.student.phone,
        "email": "",
        "language": "zh-hans",
    }
    # (the form keeps what the person typed, in the answer to that same person: by design, the
    # page's own test; its logs are searched like the rest)
    for typed in (with_wrong_check_digit(number), number):
        assert me.post("/me/edit/", {**page, "id_number": typed}).status_code == 200
    # the API: a wrong password for a phone login, a token for nobody
    keep_if_error(
        api_client().api_post("/auth/token", {"login": "13812345678", "password": "wrong"})
    )
    keep_if_error(
        api_client().api_post("/auth/token", {"login": "13800000000", "password": "wrong"})
    )

    # 3. exports: the members list by someone who may not read ID numbers, and by one who may
    secretary_file = _client(city.secretary).get(f"/orgs/{city.branch.pk}/", {"export": "xlsx"})
    masked = _xlsx_text(secretary_file)
    assert (
        "登记测试" in masked
        and number not in masked
        and f"{number[:6]}********{number[-4:]}" in masked
    )
    student_file = _xlsx_text(
        _client(city.student).get(f"/orgs/{city.branch.pk}/", {"export": "xlsx"})
    )
    assert (
        "登记测试" in student_file
        and not ID_RE.search(student_file)
        and "13812345678" not in student_file
    )
    assert number in _xlsx_text(
        _client(city.league_admin).get(f"/orgs/{city.branch.pk}/", {"export": "xlsx"})
    )

    # 4. error pages: someone else's profile, an ID reveal without the role, a deletion request twice
    keep_if_error(_client(city.other_resident).get(f"/people/{person.pk}/"))
    keep_if_error(_client(city.secretary).post(f"/people/{person.pk}/id-number/"))
    keep_if_error(api_client(person).api_post("/me/deletion-request", {"confirm": True}))
    keep_if_error(api_client(person).api_post("/me/deletion-request", {"confirm": True}))
    keep_if_error(api_client(person).api_get(f"/needs/{10**9}"))

    assert len(errors) >= 12, errors
    # the patterns find what they look for
    assert ID_RE.search(f"id {number}.") and ID_RE.search("x 11010519491231002X")
    assert PHONE_RE.search("login 13812345678,") and not PHONE_RE.search(
        "order 2026112213812345678"
    )
    logs = _log_text(caplog)
    assert caplog.records, "the flows log something at DEBUG"
    for text, where in ((logs, "logs"), ("\n".join(errors), "error responses")):
        assert not ID_RE.findall(text), (where, ID_RE.findall(text))
        assert not PHONE_RE.findall(text), (where, PHONE_RE.findall(text))
    events = json.dumps([e.data for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert not ID_RE.findall(events) and not PHONE_RE.findall(events)


def test_every_clear_id_number_read_is_audited_for_that_person(city: SimpleNamespace) -> None:
    number = make_id_number(date(2005, 3, 1))
    person = accounts.user_create(name="有身份证的学生", phone="13912345678", id_number=number)
    MembershipFactory(user=person, org=city.branch, role=Role.STUDENT)
    no_id = accounts.user_create(name="没有身份证的学生", phone="13912345679")
    MembershipFactory(user=no_id, org=city.branch, role=Role.STUDENT)

    def reads(user: Any) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(action="user.id_number.read", object_id=str(user.pk)))

    # masked exports read nothing
    _client(city.secretary).get(f"/orgs/{city.branch.pk}/", {"export": "xlsx"})
    _client(city.student).get(f"/orgs/{city.branch.pk}/", {"export": "xlsx"})
    assert reads(person) == []
    # an export with clear numbers: one entry per person whose number was written, by the exporter
    _client(city.university_admin).get(f"/orgs/{city.branch.pk}/", {"export": "xlsx"})
    [event] = reads(person)
    assert event.actor == city.university_admin and event.data == {"via": "export"}
    assert reads(no_id) == []
    # the profile page's reveal
    r = _client(city.league_admin).post(f"/people/{person.pk}/id-number/")
    assert number in r.content.decode()
    assert [e.actor for e in reads(person)] == [city.league_admin, city.university_admin]
    # and the person sees those reads among the audit entries about them
    doc = json.loads(pd.personal_data_json(actor=person, person=person))
    assert [r["action"] for r in doc["sections"]["audit"]["rows"]].count("user.id_number.read") == 2
