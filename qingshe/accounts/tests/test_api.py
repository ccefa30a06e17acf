"""API of accounts: POST /auth/token (with axes lockout) and GET /me."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from qingshe.accounts import services
from qingshe.accounts.models import ApiToken, ConsentPurpose, Sex
from qingshe.accounts.tests.factories import PASSWORD, UserFactory
from qingshe.api.tests.utils import api_client, assert_error
from qingshe.orgs import services as org_services
from qingshe.orgs.models import OrgKind, PostKind, Role

ID_NUMBER = "11010519491231002X"


def zh(label: Any) -> str:
    """A model label as the API renders it by default (zh-hans), whichever catalog has it."""
    with translation.override("zh-hans"):
        text = str(label)
    assert not text.isascii(), f"{label!r} has no Chinese translation"
    return text


@pytest.fixture(autouse=True)
def _fresh_axes(db: Any) -> None:
    # Axes counts in the database (rolled back per test); the cache only speeds look-ups.
    cache.clear()


def test_token_issue_and_use(city: Any) -> None:
    client = api_client()
    response = client.api_post("/auth/token", {"login": city.staff.phone, "password": PASSWORD})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expires_at", "user"}
    assert body["user"]["id"] == city.staff.pk
    assert body["user"]["volunteer_no"] == city.staff.volunteer_no
    assert ApiToken.objects.filter(user=city.staff).count() == 1
    me = client.api_get("/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200 and me.json()["id"] == city.staff.pk


def test_token_with_phone_in_plus86_form_and_with_username(city: Any) -> None:
    client = api_client()
    ok = client.api_post("/auth/token", {"login": f"+86{city.student.phone}", "password": PASSWORD})
    assert ok.status_code == 200
    UserFactory(name="账号用户", phone=None, username="zhanghao")
    ok = client.api_post("/auth/token", {"login": "zhanghao", "password": PASSWORD})
    assert ok.status_code == 200


def test_wrong_password_is_401_invalid_credentials(city: Any) -> None:
    client = api_client(language="en")
    body = assert_error(
        client.api_post("/auth/token", {"login": city.staff.phone, "password": "wrong"}),
        401,
        "invalid_credentials",
    )
    assert body["detail"] == "The login or the password is wrong."
    zh = assert_error(
        api_client().api_post("/auth/token", {"login": "13900000000", "password": "x"}),
        401,
        "invalid_credentials",
    )
    assert zh["detail"] == "账号或密码错误。"


def test_lockout_after_five_failures(city: Any) -> None:
    """Axes locks on the 5th failure; from then on even the right password is 429."""
    client = api_client(language="en")
    login = city.student.phone
    statuses = [
        client.api_post("/auth/token", {"login": login, "password": f"wrong-{i}"}).status_code
        for i in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses == [401] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    response = client.api_post("/auth/token", {"login": login, "password": PASSWORD})
    body = assert_error(response, 429, "locked_out")
    assert "15 minutes" in body["detail"]
    assert response["Retry-After"] == "900"
    assert response["Content-Type"].startswith("application/json")
    assert not ApiToken.objects.filter(user=city.student).exists()
    # Another person is not affected.
    assert (
        client.api_post(
            "/auth/token", {"login": city.staff.phone, "password": PASSWORD}
        ).status_code
        == 200
    )


def test_success_resets_the_failure_count(city: Any) -> None:
    client = api_client()
    login = city.student.phone
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.api_post("/auth/token", {"login": login, "password": "wrong"})
    assert client.api_post("/auth/token", {"login": login, "password": PASSWORD}).status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.api_post("/auth/token", {"login": login, "password": "wrong"})
    assert client.api_post("/auth/token", {"login": login, "password": PASSWORD}).status_code == 200


def test_inactive_person_gets_no_token(city: Any) -> None:
    type(city.student).objects.filter(pk=city.student.pk).update(is_active=False)
    response = api_client().api_post(
        "/auth/token", {"login": city.student.phone, "password": PASSWORD}
    )
    assert_error(response, 401, "invalid_credentials")


def test_me_contents(city: Any) -> None:
    org_services.post_appoint(
        actor=city.staff,
        user=city.secretary,
        org=city.community,
        kind=PostKind.ASSISTANT_DIRECTOR,
        start_date=date(2026, 9, 1),
    )
    services.student_profile_save(
        actor=city.secretary,
        user=city.secretary,
        branch=city.branch,
        major="旅游管理",
        grade=2024,
        skills=["摄影", "急救"],
        busy_slots=[{"weekday": 0, "start": "08:00", "end": "09:40", "label": "高数"}],
        home_region="福建三明",
    )
    services.consent_give(
        actor=city.secretary, user=city.secretary, purpose=ConsentPurpose.PRIVACY_NOTICE
    )

    body = api_client(city.secretary).api_get("/me").json()
    assert body["name"] == "团支书"
    assert body["volunteer_no"] == city.secretary.volunteer_no
    assert body["phone"] == f"{city.secretary.phone[:3]}****{city.secretary.phone[-4:]}"
    assert body["language"] == "zh-hans"
    assert body["memberships"] == [
        {
            "id": body["memberships"][0]["id"],
            "org_id": city.branch.pk,
            "org_name": "2024级旅游管理班团支部",
            "org_kind": "class_branch",
            "org_kind_label": zh(OrgKind.CLASS_BRANCH.label),
            "role": "branch_secretary",
            "role_label": zh(Role.BRANCH_SECRETARY.label),
        }
    ]
    [post] = body["posts"]
    assert post["org_id"] == city.community.pk and post["kind"] == "assistant_director"
    assert post["kind_label"] == post["title"] == zh(PostKind.ASSISTANT_DIRECTOR.label)
    student = body["student"]
    assert (student["university_id"], student["department_id"], student["branch_id"]) == (
        city.university.pk,
        city.department.pk,
        city.branch.pk,
    )
    assert student["university_name"] == "共青团青州学院委员会"
    assert student["major"] == "旅游管理" and student["grade"] == 2024
    assert sorted(student["skills"]) == ["急救", "摄影"]
    assert student["busy_slots"] == [
        {"weekday": 0, "start": "08:00", "end": "09:40", "label": "高数"}
    ]
    assert student["home_region"] == "福建三明"
    assert body["consent"]["notice_version"] == settings.QINGSHE_NOTICE_VERSION
    assert body["consent"]["given"] is True and body["consent"]["given_at"]


def test_me_in_english_and_without_student_profile(city: Any) -> None:
    body = api_client(city.staff, language="en").api_get("/me").json()
    assert body["student"] is None
    assert body["posts"] == []
    assert body["memberships"][0]["role_label"] == "Community staff"
    assert body["consent"] == {
        "notice_version": settings.QINGSHE_NOTICE_VERSION,
        "given": False,
        "given_at": None,
        "by_guardian": False,
    }


def test_consent_to_an_old_notice_does_not_count(city: Any, settings: Any) -> None:
    services.consent_give(actor=city.staff, user=city.staff, purpose=ConsentPurpose.PRIVACY_NOTICE)
    settings.QINGSHE_NOTICE_VERSION = "2099-01"
    body = api_client(city.staff).api_get("/me").json()
    assert body["consent"]["given"] is False
    assert body["consent"]["notice_version"] == "2099-01"


def test_me_never_shows_the_clear_id_number(city: Any) -> None:
    person = services.user_create(
        name="王身份", phone="13712345678", password=PASSWORD, id_number=ID_NUMBER
    )
    org_services.membership_grant(actor=None, user=person, org=city.community, role="resident")
    response = api_client(person).api_get("/me")
    raw = response.content.decode()
    assert ID_NUMBER not in raw and ID_NUMBER.lower() not in raw
    assert "13712345678" not in raw
    body = response.json()
    assert body["id_number"] == "110105********002X"
    assert body["birth_date"] == "1949-12-31"
    assert body["sex"] == "F" and body["sex_label"] == zh(Sex.FEMALE.label)


def test_me_query_count_is_bounded(city: Any, django_assert_max_num_queries: Any) -> None:
    services.student_profile_save(
        actor=city.student,
        user=city.student,
        branch=city.branch,
        major="会计",
        grade=2024,
        skills=["a", "b", "c"],
    )
    client = api_client(city.student)
    with django_assert_max_num_queries(9):
        assert client.api_get("/me").status_code == 200
