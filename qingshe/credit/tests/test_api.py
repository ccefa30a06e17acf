"""API of credit: /me/hours, /me/transcript.pdf, /certificates (list, issue, PDF, revoke) and the
public /certificates/{code}/verify, with permissions and bad input."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from qingshe.accounts.services import token_issue
from qingshe.credit.models import Certificate


def _api(user) -> Client:  # type: ignore[no-untyped-def]
    raw, _token = token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _period() -> dict[str, str]:
    today = timezone.localdate()
    return {
        "period_start": (today - timedelta(days=30)).isoformat(),
        "period_end": today.isoformat(),
    }


def test_my_hours_lists_entries_with_their_source_and_the_total(
    city, serve, django_assert_max_num_queries
) -> None:
    first = serve(city.student, days_ago=3, minutes=120)
    serve(city.student, days_ago=2, minutes=90)
    api = _api(city.student)
    with django_assert_max_num_queries(8):
        body = api.get("/api/v1/me/hours").json()
    assert body["count"] == 2 and body["total_hours"] == "3.5"
    oldest = body["items"][-1]
    assert (
        oldest["seq"] == 1 and oldest["kind"] == "service" and oldest["attendance_id"] == first.pk
    )
    assert oldest["activity"] == "敬老院陪伴" and oldest["organiser"] == "白沙社区"
    assert oldest["person_in_charge"] == "团支书" and oldest["confirmed_by"] == "社区工作者"
    assert len(oldest["hash"]) == 64
    assert _api(city.student2).get("/api/v1/me/hours").json() == {
        "items": [],
        "count": 0,
        "total_hours": "0",
    }
    assert Client().get("/api/v1/me/hours").status_code == 401


def test_my_transcript_pdf(city, serve) -> None:
    serve(city.student)
    response = _api(city.student).get("/api/v1/me/transcript.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_issue_list_pdf_and_verify_a_certificate(city, serve) -> None:
    serve(city.student)
    api = _api(city.student)
    created = api.post("/api/v1/certificates", _period(), content_type="application/json")
    assert created.status_code == 201, created.content
    cert = created.json()
    assert cert["hours"] == "2.0" and cert["verify_url"].endswith(
        f"/certificates/{cert['code']}/verify/"
    )
    assert api.get("/api/v1/certificates").json()["count"] == 1
    pdf = api.get(f"/api/v1/certificates/{cert['code']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _api(city.student2).get(f"/api/v1/certificates/{cert['code']}.pdf").status_code == 404
    public = Client().get(f"/api/v1/certificates/{cert['code']}/verify").json()
    assert (
        public["verdict"] == "genuine"
        and public["valid"]
        and public["statement"]["name"] == "学生甲"
    )
    assert public["statement"]["hours"] == "2.0" and public["signature"] and public["public_key"]


def test_verify_refuses_unknown_and_altered_codes_without_data(city, serve) -> None:
    serve(city.student)
    code = (
        _api(city.student)
        .post("/api/v1/certificates", _period(), content_type="application/json")
        .json()["code"]
    )
    altered = ("1" if code[0] != "1" else "2") + code[1:]
    for bad in (altered, "NOPE", "0" * 16):
        response = Client().get(f"/api/v1/certificates/{bad}/verify")
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == "not_found" and "学生甲" not in response.content.decode()
        assert set(body) <= {"detail", "code", "field"}
    Certificate.objects.filter(code=code).update(
        statement={"code": code, "name": "伪造", "hours": "99.0"}
    )
    tampered = Client().get(f"/api/v1/certificates/{code}/verify").json()
    assert (
        tampered["verdict"] == "tampered"
        and not tampered["genuine"]
        and tampered["statement"] is None
    )


def test_verify_is_rate_limited(city, serve, settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "credit-rl",
        }
    }
    cache.clear()
    serve(city.student)
    code = (
        _api(city.student)
        .post("/api/v1/certificates", _period(), content_type="application/json")
        .json()["code"]
    )
    anonymous = Client()
    statuses = [anonymous.get(f"/api/v1/certificates/{code}/verify").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    assert anonymous.get(f"/api/v1/certificates/{code}/verify").json()["code"] == "throttled"
    cache.clear()


def test_a_period_without_hours_is_a_clear_422(city, serve) -> None:
    serve(city.student)
    response = _api(city.student).post(
        "/api/v1/certificates",
        {"period_start": "2020-01-01", "period_end": "2020-03-01"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "no_hours" and "没有已确认的志愿服务时长" in body["detail"]
    bad = _api(city.student).post(
        "/api/v1/certificates", {"period_start": "2020-13-01"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    assert Certificate.objects.count() == 0


def test_admins_issue_for_people_they_look_after_and_revoke(city, serve) -> None:
    serve(city.student)
    admin = _api(city.department_admin)
    created = admin.post(
        "/api/v1/certificates",
        {**_period(), "person": city.student.pk},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["person"] == city.student.pk
    code = created.json()["code"]
    outsider = _api(city.other_staff).post(
        "/api/v1/certificates",
        {**_period(), "person": city.student.pk},
        content_type="application/json",
    )
    assert outsider.status_code == 404 and outsider.json()["field"] == "person"
    assert (
        _api(city.secretary).get(f"/api/v1/certificates?person={city.student.pk}").status_code
        == 404
    )
    assert admin.get(f"/api/v1/certificates?person={city.student.pk}").json()["count"] == 1
    assert (
        _api(city.student)
        .post(
            f"/api/v1/certificates/{code}/revoke", {"reason": "x"}, content_type="application/json"
        )
        .status_code
        == 404
    )
    empty = admin.post(
        f"/api/v1/certificates/{code}/revoke", {"reason": " "}, content_type="application/json"
    )
    assert empty.status_code == 422 and empty.json()["code"] == "reason_required"
    revoked = admin.post(
        f"/api/v1/certificates/{code}/revoke",
        {"reason": "时长有误"},
        content_type="application/json",
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    again = admin.post(
        f"/api/v1/certificates/{code}/revoke", {"reason": "再次"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "already_revoked"
    public = Client().get(f"/api/v1/certificates/{code}/verify").json()
    assert (
        public["verdict"] == "revoked"
        and public["genuine"]
        and not public["valid"]
        and public["revoked_at"]
    )
