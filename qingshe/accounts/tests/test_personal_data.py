"""我的数据 (issue 11 item 6): the download of everything held about a person, the deletion
request and its execution (de-identify volunteer records, delete the rest), permissions and bad
input, through the services, the pages and the API."""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from qingshe.accounts import services as accounts
from qingshe.accounts.models import ApiToken, ConsentPurpose, DeletionRequest, User
from qingshe.accounts.personal_data import sections, selectors
from qingshe.accounts.personal_data import services as pd
from qingshe.accounts.tests.factories import PASSWORD, UserFactory
from qingshe.api.tests.utils import api_client, assert_error
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.core.notify import notify
from qingshe.credit import ledger, signing
from qingshe.credit import services as credit
from qingshe.credit.models import Certificate, LedgerEntry
from qingshe.credit.tests.conftest import serve  # noqa: F401  (fixture)
from qingshe.orgs.models import Membership, OrgKind, Role
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def volunteer(
    city: SimpleNamespace,
    serve: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> SimpleNamespace:
    """city.student with an ID number, a consent, served hours, a certificate, a notification
    and an API token."""
    s = city.student
    accounts.user_set_id_number(actor=s, user=s, id_number=ID_NUMBER)
    accounts.consent_give(actor=s, user=s, purpose=ConsentPurpose.PRIVACY_NOTICE)
    serve(s, days_ago=3, minutes=120)
    today = timezone.localdate()
    cert = credit.certificate_issue(
        actor=s, user=s, period_start=today - timedelta(days=30), period_end=today
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[s], kind="test.hello", title="你好", body="欢迎加入青社")
    accounts.token_issue(user=s)
    s.refresh_from_db()
    return SimpleNamespace(user=s, cert=cert, phone=s.phone)


def _doc(person: Any) -> dict[str, Any]:
    return json.loads(pd.personal_data_json(actor=person, person=person))


# --- download -----------------------------------------------------------------------------------
def test_download_holds_every_section_and_the_id_number_masked_only(
    volunteer: SimpleNamespace,
) -> None:
    doc = _doc(volunteer.user)
    assert set(doc["sections"]) == {s.key for s in sections.SECTIONS}
    profile = doc["sections"]["profile"]["rows"][0]
    assert profile["id_number_masked"] == "110105********002X"
    assert profile["phone"] == volunteer.phone
    assert ID_NUMBER not in json.dumps(doc)
    s = doc["sections"]
    assert len(s["hours"]["rows"]) == LedgerEntry.objects.filter(user=volunteer.user).count() >= 1
    assert len(s["attendance"]["rows"]) == 1 and len(s["signups"]["rows"]) == 1
    assert len(s["certificates"]["rows"]) == 1
    assert s["notifications"]["rows"][0]["title"] == "你好"
    assert s["memberships"]["rows"][0]["org__name"] == "2024级旅游管理班团支部"
    assert s["consents"]["rows"] and s["tokens"]["rows"]
    actions = {r["action"] for r in s["audit"]["rows"]}
    assert {"user.id_number.set", "user.create"} <= actions
    assert s["profile"]["title"] == "身份与联系方式"
    assert (
        AuditEvent.objects.filter(
            action="personal_data.export", object_id=str(volunteer.user.pk)
        ).count()
        == 1
    )


def test_excel_has_a_sheet_per_section_and_neutralises_formulas(volunteer: SimpleNamespace) -> None:
    u = volunteer.user
    accounts.user_update_profile(actor=u, user=u, name="=HYPERLINK(1)", phone=u.phone)
    book = load_workbook(io.BytesIO(pd.personal_data_xlsx(actor=u, person=u)))
    assert len(book.sheetnames) == len(sections.SECTIONS)
    ws = book["身份与联系方式"]
    assert ws.cell(2, 1).value == "'=HYPERLINK(1)"
    assert ID_NUMBER not in " ".join(str(c.value) for row in ws.iter_rows() for c in row)
    # choices show their labels in the file (the JSON keeps the codes)
    roles = [c.value for c in book["组织与角色"][2]]
    assert "student" not in roles and str(Role.STUDENT.label) in roles
    assert _doc(u)["sections"]["memberships"]["rows"][0]["role"] == "student"


def test_nobody_downloads_someone_elses_data(
    volunteer: SimpleNamespace, city: SimpleNamespace
) -> None:
    for other in (city.student2, city.university_admin, city.secretary):
        with pytest.raises(AccessDenied):
            pd.personal_data_json(actor=other, person=volunteer.user)
        with pytest.raises(AccessDenied):
            pd.personal_data_xlsx(actor=other, person=volunteer.user)
    # The API and the pages only ever answer with the caller's own data.
    body = api_client(city.student2).api_get("/me/data").json()
    assert body["volunteer_no"] == city.student2.volunteer_no
    assert volunteer.user.name not in json.dumps(body, ensure_ascii=False)


# --- deletion -----------------------------------------------------------------------------------
def test_deletion_keeps_volunteer_records_deidentified_and_deletes_the_rest(
    volunteer: SimpleNamespace, city: SimpleNamespace
) -> None:
    u = volunteer.user
    name, phone = u.name, u.phone
    entries = LedgerEntry.objects.filter(user=u).count()
    req = pd.deletion_request_create(actor=u, person=u, confirm=True)
    done = pd.deletion_execute(actor=city.university_admin, request=req)

    u.refresh_from_db()
    assert done.state == DeletionRequest.State.DONE and done.executed_by == city.university_admin
    assert u.name == f"已注销用户#{req.pk}" and u.phone is None and u.email == ""
    assert u.id_number_cipher is None and u.id_number_digest is None and u.id_number_masked == ""
    assert u.birth_date is None and not u.is_active and not u.has_usable_password()
    assert u.deidentified_at is not None
    assert not u.check_password(PASSWORD)
    # kept: the hours ledger (its hash chain intact), attendance, the certificate re-signed
    assert LedgerEntry.objects.filter(user=u).count() == entries
    problems, *_rest = ledger.verify_chain(u.pk, LedgerEntry.objects.filter(user=u).order_by("seq"))
    assert problems == []
    cert = Certificate.objects.get(pk=volunteer.cert.pk)
    assert cert.statement["name"] == u.name and cert.statement["id_masked"] == ""
    assert signing.verify(cert.statement, cert.key_id, cert.signature)
    assert not Membership.objects.filter(user=u, is_active=True).exists()
    # deleted: notifications, tokens; consents kept as proof but withdrawn
    assert not Notification.objects.filter(user=u).exists()
    assert not ApiToken.objects.filter(user=u).exists()
    assert not u.consents.filter(withdrawn_at__isnull=True).exists()
    # the audit trail says what was done, without personal data
    event = AuditEvent.objects.get(action="personal_data.deletion_execute")
    assert event.data["counts"]["notifications_deleted"] == 1
    text = json.dumps([e.data for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert name not in text and phone not in text and ID_NUMBER not in text
    # a second execution changes nothing and writes nothing
    before = AuditEvent.objects.count()
    assert (
        pd.deletion_execute(actor=city.university_admin, request=req).state
        == DeletionRequest.State.DONE
    )
    assert AuditEvent.objects.count() == before


def test_the_person_can_register_again_after_deletion(
    volunteer: SimpleNamespace, city: SimpleNamespace
) -> None:
    u = volunteer.user
    req = pd.deletion_request_create(actor=u, person=u, confirm=True)
    pd.deletion_execute(actor=city.league_admin, request=req)
    again = UserFactory(name="学生甲", phone=volunteer.phone, id_number=ID_NUMBER)
    assert again.pk != u.pk and again.id_number_masked == "110105********002X"


def test_second_request_while_pending_is_refused_in_chinese(city: SimpleNamespace) -> None:
    u = city.student
    pd.deletion_request_create(actor=u, person=u, confirm=True)
    with pytest.raises(Conflict) as exc:
        pd.deletion_request_create(actor=u, person=u, confirm=True)
    assert exc.value.code == "deletion_pending"
    assert str(exc.value.message) == "您已申请删除个人信息，申请正在处理中。"
    assert DeletionRequest.objects.filter(user=u).count() == 1


def test_unconfirmed_request_is_refused_and_nothing_is_written(city: SimpleNamespace) -> None:
    with pytest.raises(ValidationFailed) as exc:
        pd.deletion_request_create(actor=city.student, person=city.student, confirm=False)
    assert exc.value.code == "confirmation_required"
    assert not DeletionRequest.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="personal_data").exists()


def test_who_may_carry_out_a_deletion(
    city: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    u = city.student
    with django_capture_on_commit_callbacks(execute=True):
        req = pd.deletion_request_create(actor=u, person=u, confirm=True)
    # the admins who may carry it out are told, nobody else
    told = set(
        Notification.objects.filter(kind="personal_data.deletion_request").values_list(
            "user_id", flat=True
        )
    )
    assert told == {city.university_admin.pk, city.league_admin.pk}
    other_city = OrganisationFactory(
        kind=OrgKind.CITY_COMMITTEE, name="共青团海州市委员会", short_name="海州团市委"
    )
    foreign_admin = UserFactory(name="海州市团委管理员")
    MembershipFactory(user=foreign_admin, org=other_city, role=Role.LEAGUE_ADMIN)
    for actor in (
        u,
        foreign_admin,
        city.student2,
        city.secretary,
        city.department_admin,
        city.staff,
    ):
        with pytest.raises(AccessDenied):
            pd.deletion_execute(actor=actor, request=req)
        assert selectors.deletion_requests_for_steward(user=actor).count() == 0
    req.refresh_from_db()
    assert req.state == DeletionRequest.State.PENDING
    u.refresh_from_db()
    assert u.name == "学生甲" and u.is_active
    assert list(selectors.deletion_requests_for_steward(user=city.university_admin)) == [req]
    assert list(selectors.deletion_requests_for_steward(user=city.league_admin)) == [req]


def test_the_automatic_rule_carries_out_requests_after_15_days(city: SimpleNamespace) -> None:
    req = pd.deletion_request_create(actor=city.student, person=city.student, confirm=True)
    assert pd.deletion_execute_due(now=timezone.now() + timedelta(days=14)) == []
    done = pd.deletion_execute_due(now=timezone.now() + timedelta(days=16))
    assert [r.pk for r in done] == [req.pk] and done[0].automatic and done[0].executed_by is None
    assert not User.objects.get(pk=city.student.pk).is_active


def test_withdrawing_a_request(city: SimpleNamespace) -> None:
    req = pd.deletion_request_create(actor=city.student, person=city.student, confirm=True)
    with pytest.raises(AccessDenied):
        pd.deletion_request_cancel(actor=city.student2, request=req)
    pd.deletion_request_cancel(actor=city.student, request=req)
    with pytest.raises(Conflict):
        pd.deletion_execute(actor=city.university_admin, request=req)
    assert (
        pd.deletion_request_create(actor=city.student, person=city.student, confirm=True).pk
        != req.pk
    )


# --- API ----------------------------------------------------------------------------------------
def test_api_my_data_and_excel(volunteer: SimpleNamespace) -> None:
    client = api_client(volunteer.user)
    body = client.api_get("/me/data").json()
    assert body["sections"]["profile"]["rows"][0]["id_number_masked"] == "110105********002X"
    assert body["sections"]["profile"]["columns"]["id_number_masked"] == "身份证号（脱敏）"
    r = client.api_get("/me/data.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "身份与联系方式" in load_workbook(io.BytesIO(r.content)).sheetnames
    assert api_client().api_get("/me/data").status_code == 401


def test_api_deletion_request_and_execute(city: SimpleNamespace) -> None:
    client = api_client(city.student)
    assert_error(client.api_post("/me/deletion-request", {}), 422, "confirmation_required")
    assert_error(
        client.api_post("/me/deletion-request", {"confirm": "perhaps"}), 422, "invalid_input"
    )
    r = client.api_post("/me/deletion-request", {"confirm": True})
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    body = assert_error(
        client.api_post("/me/deletion-request", {"confirm": True}), 409, "deletion_pending"
    )
    assert body["detail"] == "您已申请删除个人信息，申请正在处理中。"
    assert client.api_get("/me/deletion-request").json()["state"] == "pending"
    # the person, another student, a steward of another city: 404, nothing done
    other_city = OrganisationFactory(
        kind=OrgKind.CITY_COMMITTEE, name="共青团海州市委员会", short_name="海州团市委"
    )
    foreign_admin = UserFactory(name="海州市团委管理员")
    MembershipFactory(user=foreign_admin, org=other_city, role=Role.LEAGUE_ADMIN)
    for actor in (city.student, city.student2, foreign_admin):
        assert_error(
            api_client(actor).api_post(f"/deletion-requests/{rid}/execute"), 404, "not_found"
        )
    assert DeletionRequest.objects.get(pk=rid).state == "pending"
    admin = api_client(city.university_admin)
    r = admin.api_post(f"/deletion-requests/{rid}/execute")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "done" and r.json()["summary"]["person"] == 1
    assert admin.api_post(f"/deletion-requests/{rid}/execute").json()["state"] == "done"
    assert assert_error(client.api_get("/me/data"), 401, "not_authenticated")


# --- pages --------------------------------------------------------------------------------------
def test_pages_request_and_carry_out(city: SimpleNamespace) -> None:
    c = Client()
    c.force_login(city.student)
    page = c.get("/me/data/")
    assert page.status_code == 200 and "我的数据" in page.content.decode()
    assert "/me/data/" in c.get("/me/").content.decode()
    r = c.post("/me/data/delete/", {})
    assert r.status_code == 422 and "请先确认" in r.content.decode()
    assert not DeletionRequest.objects.exists()
    r = c.post("/me/data/delete/", {"confirm": "on"})
    assert r.status_code == 302
    req = DeletionRequest.objects.get()
    assert "撤回" in c.get("/me/data/").content.decode()
    assert c.get("/me/data/my-data.json")["Content-Disposition"].startswith("attachment")
    outsider = Client()
    outsider.force_login(city.student2)
    assert outsider.post(f"/me/data/requests/{req.pk}/carry-out/").status_code == 404
    admin = Client()
    admin.force_login(city.university_admin)
    assert "/me/data/requests/" in admin.get("/me/data/").content.decode()
    assert "/me/data/requests/" not in c.get("/me/data/").content.decode()
    assert city.student.volunteer_no in admin.get("/me/data/requests/").content.decode()
    assert admin.post(f"/me/data/requests/{req.pk}/carry-out/").status_code == 302
    req.refresh_from_db()
    assert req.state == "done"


def test_deleting_a_resident_removes_their_photos_sessions_and_login_records(
    city: SimpleNamespace, settings: Any, tmp_path: Any
) -> None:
    from django.contrib.sessions.models import Session

    from qingshe.needs import services as needs
    from qingshe.needs.models import Need, NeedPhoto
    from qingshe.needs.tests.needs_support import photo, submit

    settings.MEDIA_ROOT = tmp_path / "media"
    resident = city.resident
    need = submit(city, description="我家在3号楼2单元", address="白沙社区3号楼2单元501")
    [kept] = needs.need_photo_add(actor=resident, need=need, photos=[photo()])
    path = kept.file.path
    c = Client()
    c.force_login(resident)
    Client().post("/accounts/login/", {"username": resident.phone, "password": "wrong"})
    axes = pytest.importorskip("axes.models")
    assert axes.AccessAttempt.objects.filter(username=resident.phone).exists()
    req = pd.deletion_request_create(actor=resident, person=resident, confirm=True)
    pd.deletion_execute(actor=city.league_admin, request=req)

    need.refresh_from_db()
    assert need.reporter is None and need.address == "" and need.title == "帮老人学用智能手机"
    assert not NeedPhoto.objects.filter(need=need).exists()
    assert not os.path.exists(path)
    assert not Session.objects.filter(pk=c.session.session_key).exists()
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import cache

    assert cache.get(KEY_PREFIX + c.session.session_key) is None  # nor its copy in the cache
    assert c.get("/me/").status_code == 302  # logged out
    assert not axes.AccessAttempt.objects.filter(username=resident.phone).exists()
    assert Need.objects.filter(pk=need.pk).exists()


def test_the_daily_command_runs_the_automatic_rule(city: SimpleNamespace) -> None:
    from django.core.management import call_command

    req = pd.deletion_request_create(actor=city.student, person=city.student, confirm=True)
    out = io.StringIO()
    call_command("personal-data-erase", stdout=out)
    assert "0 carried out" in out.getvalue()
    call_command("personal-data-erase", "--days", "0", stdout=out)
    assert (
        f"1 carried out [{req.pk}]" in out.getvalue() and city.student.phone not in out.getvalue()
    )
    req.refresh_from_db()
    assert req.state == "done" and req.automatic
