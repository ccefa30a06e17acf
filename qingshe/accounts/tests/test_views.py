"""Login, password, profiles, the edit page and consent: roles, outsiders, bad input."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone

from qingshe.accounts import services
from qingshe.accounts.models import ConsentRecord, StudentProfile, User
from qingshe.accounts.tests.factories import PASSWORD, UserFactory
from qingshe.core.models import AuditEvent
from qingshe.core.tests.helpers import (
    impossible_birth_date_id,
    make_id_number,
    with_wrong_check_digit,
)

LOGIN = "/accounts/login/"


# --- login, logout, password ----------------------------------------------------------------------
def test_login_with_phone_and_plus86(client: Any, city: Any) -> None:
    response = client.post(LOGIN, {"username": f"+86 {city.student.phone}", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_with_username(client: Any, db: Any) -> None:
    UserFactory(name="用户名用户", phone=None, username="zhangsan")
    response = client.post(LOGIN, {"username": "ZhangSan", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_keeps_the_login_and_explains_in_chinese(client: Any, city: Any) -> None:
    response = client.post(LOGIN, {"username": city.student.phone, "password": "wrong-password"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "手机号、用户名或密码不正确" in html
    assert f'value="{city.student.phone}"' in html
    assert "wrong-password" not in html


def test_five_failures_lock_the_login(client: Any, city: Any) -> None:
    for _ in range(5):
        response = client.post(LOGIN, {"username": city.student.phone, "password": "nope"})
    html = response.content.decode()
    assert response.status_code in (403, 429)
    assert "登录失败次数过多" in html and "15 分钟后再试" in html
    # Even the right password is refused while locked.
    response = client.post(LOGIN, {"username": city.student.phone, "password": PASSWORD})
    assert response.status_code in (403, 429)


def test_logout_is_a_post(client: Any, city: Any) -> None:
    client.force_login(city.student)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_change(client: Any, city: Any) -> None:
    client.force_login(city.student)
    url = reverse("accounts:password_change")
    response = client.post(
        url,
        {
            "old_password": "bad",
            "new_password1": "Xin-mima-2026!",
            "new_password2": "Xin-mima-2026!",
        },
    )
    assert "当前密码不正确" in response.content.decode()
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": "Xin-mima-2026!", "new_password2": "other"}
    )
    assert "两次输入的新密码不一致" in response.content.decode()
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    city.student.refresh_from_db()
    assert city.student.check_password(PASSWORD)
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Xin-mima-2026!",
            "new_password2": "Xin-mima-2026!",
        },
    )
    assert response.status_code == 302
    city.student.refresh_from_db()
    assert city.student.check_password("Xin-mima-2026!")
    assert client.get("/").status_code == 200  # still logged in


# --- person page --------------------------------------------------------------------------------
def test_secretary_sees_a_students_profile_with_full_phone(client: Any, city: Any) -> None:
    client.force_login(city.secretary)
    html = client.get(reverse("accounts:person", args=[city.student.pk])).content.decode()
    assert "学生甲" in html and city.student.phone in html and city.student.volunteer_no in html
    assert "查看完整身份证号" not in html


def test_outsiders_get_404_on_a_person(client: Any, city: Any) -> None:
    cases = [
        (city.student, city.student2),  # a student does not open other people's profiles
        (city.staff, city.other_resident),  # another community
        (city.resident, city.staff),
        (city.secretary, city.student2),  # another branch
    ]
    for viewer, person in cases:
        client.force_login(viewer)
        assert client.get(reverse("accounts:person", args=[person.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("accounts:person", args=[city.student.pk])).status_code == 302


def test_league_admin_reveals_an_id_number_through_htmx_and_it_is_audited(
    client: Any, city: Any
) -> None:
    number = make_id_number(date(2004, 3, 9))
    services.user_set_id_number(actor=city.student, user=city.student, id_number=number)
    client.force_login(city.league_admin)
    url = reverse("accounts:person", args=[city.student.pk])
    html = client.get(url).content.decode()
    assert "110101********" in html and number not in html and "查看完整身份证号" in html
    response = client.post(
        reverse("accounts:reveal_id", args=[city.student.pk]), headers={"HX-Request": "true"}
    )
    partial = response.content.decode()
    assert number in partial and "<html" not in partial and "本次查看已记录" in partial
    assert (
        AuditEvent.objects.filter(
            action="user.id_number.read", object_id=str(city.student.pk)
        ).count()
        == 1
    )
    # Without htmx the full page comes back with the number.
    response = client.post(reverse("accounts:reveal_id", args=[city.student.pk]))
    assert "<html" in response.content.decode() and number in response.content.decode()


def test_department_admin_may_not_reveal_an_id_number(client: Any, city: Any) -> None:
    services.user_set_id_number(
        actor=city.student, user=city.student, id_number=make_id_number(date(2004, 3, 9))
    )
    client.force_login(city.department_admin)
    assert (
        "查看完整身份证号"
        not in client.get(reverse("accounts:person", args=[city.student.pk])).content.decode()
    )
    assert client.post(reverse("accounts:reveal_id", args=[city.student.pk])).status_code == 403
    client.force_login(city.other_staff)
    assert client.post(reverse("accounts:reveal_id", args=[city.student.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="user.id_number.read").exists()


def test_me_shows_own_profile(client: Any, city: Any) -> None:
    client.force_login(city.student)
    html = client.get(reverse("accounts:me")).content.decode()
    assert "学生甲" in html and city.student.phone in html and "编辑我的资料" in html
    assert "2024级旅游管理班团支部" in html and "学生团员" in html


# --- the edit page ------------------------------------------------------------------------------
def _edit_data(user: Any, **over: Any) -> dict[str, Any]:
    data = {
        "name": user.name,
        "phone": user.phone,
        "email": "",
        "language": "zh-hans",
        "id_number": "",
        "slot-TOTAL_FORMS": "3",
        "slot-INITIAL_FORMS": "0",
        "slot-MIN_NUM_FORMS": "0",
        "slot-MAX_NUM_FORMS": "40",
    }
    data.update(over)
    return data


def _student_data(city: Any, **over: Any) -> dict[str, Any]:
    data = {
        "student-branch": str(city.branch.pk),
        "student-major": "旅游管理",
        "student-grade": "2024",
        "student-student_no": "2024001",
        "student-skills": "摄影、急救, 编程",
        "student-home_region": "福建三明",
        "slot-0-weekday": "0",
        "slot-0-start": "08:00",
        "slot-0-end": "11:40",
        "slot-0-label": "课",
        "slot-1-weekday": "2",
        "slot-1-start": "14:00",
        "slot-1-end": "17:30",
        "slot-1-label": "",
    }
    data.update(over)
    return data


def test_student_saves_profile_with_skills_and_timetable(client: Any, city: Any) -> None:
    client.force_login(city.student)
    html = client.get(reverse("accounts:me_edit")).content.decode()
    assert (
        "2024级旅游管理班团支部" in html and "2024级会计学班团支部" not in html
    )  # only visible branches
    data = _edit_data(city.student, name="学生甲改", email="a@example.com", **_student_data(city))
    response = client.post(reverse("accounts:me_edit"), data)
    assert response.status_code == 302, response.content.decode()
    profile = StudentProfile.objects.get(user=city.student)
    assert sorted(s.name for s in profile.skills.all()) == ["急救", "摄影", "编程"]
    assert profile.busy_slots[0] == {"weekday": 0, "start": "08:00", "end": "11:40", "label": "课"}
    assert profile.department_id == city.department.pk
    city.student.refresh_from_db()
    assert city.student.name == "学生甲改" and city.student.email == "a@example.com"
    # The home page no longer asks for the profile.
    assert "您的信息已完善" in client.get("/").content.decode()


def _assert_nothing_written(user: Any) -> None:
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.name, fresh.phone, fresh.id_number_digest) == (
        user.name,
        user.phone,
        user.id_number_digest,
    )
    assert not StudentProfile.objects.filter(user=user).exists()


def test_bad_inputs_on_the_edit_page(client: Any, city: Any) -> None:
    client.force_login(city.student)
    taken = make_id_number(date(1990, 5, 5))
    services.user_set_id_number(actor=city.resident, user=city.resident, id_number=taken)
    cases = [
        ({"phone": "12345"}, "请输入有效的中国大陆手机号", "12345"),
        ({"phone": city.student2.phone}, "该手机号已被注册", city.student2.phone),
        (
            {"id_number": with_wrong_check_digit(make_id_number(date(2004, 3, 9)))},
            "校验位不正确",
            None,
        ),
        ({"id_number": impossible_birth_date_id()}, "出生日期不存在", impossible_birth_date_id()),
        ({"id_number": taken}, "该身份证号已有账号", taken),
        (
            {"slot-1-start": "09:00", "slot-1-weekday": "0", "slot-1-end": "10:00"},
            "同一天的两个忙碌时段有重叠",
            None,
        ),
        ({"student-grade": "1980"}, "年级即入学年份", None),
        ({"student-branch": ""}, "请选择班级团支部", None),
        ({"student-branch": str(city.branch2.pk)}, "选择一个有效的选项", None),
    ]
    for over, message, kept in cases:
        data = _edit_data(city.student, name="不该写入", **_student_data(city))
        data.update(over)
        response = client.post(reverse("accounts:me_edit"), data)
        html = response.content.decode()
        assert response.status_code == 200, over
        assert message in html, (over, message)
        assert 'value="不该写入"' in html
        if kept:
            assert f'value="{kept}"' in html
        _assert_nothing_written(city.student)


def test_id_number_can_be_set_once(client: Any, city: Any) -> None:
    client.force_login(city.resident)
    number = make_id_number(date(1985, 7, 1))
    response = client.post(reverse("accounts:me_edit"), _edit_data(city.resident, id_number=number))
    assert response.status_code == 302
    city.resident.refresh_from_db()
    assert city.resident.id_number_masked == "110101********" + number[-4:]
    html = client.get(reverse("accounts:me_edit")).content.decode()
    assert 'name="id_number"' not in html and city.resident.id_number_masked in html
    # A resident has no student section.
    assert 'name="student-branch"' not in html


def test_language_choice_is_saved_and_applied(client: Any, city: Any) -> None:
    client.force_login(city.resident)
    response = client.post(reverse("accounts:me_edit"), _edit_data(city.resident, language="en"))
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"
    assert "Edit my profile" in client.get(reverse("accounts:me")).content.decode()


# --- consent ------------------------------------------------------------------------------------
def test_notice_is_public_and_consent_is_recorded(client: Any, city: Any) -> None:
    html = client.get(reverse("accounts:consent")).content.decode()
    assert "10 年" in html and "个人信息处理告知书" in html and 'name="agree"' not in html
    client.force_login(city.student)
    response = client.post(reverse("accounts:consent"), {})
    assert "请勾选表示同意" in response.content.decode()
    assert not ConsentRecord.objects.filter(user=city.student).exists()
    response = client.post(reverse("accounts:consent"), {"agree": "on"})
    assert response.status_code == 302
    assert services.has_current_consent(city.student)
    assert "您已同意本告知书" in client.get(reverse("accounts:consent")).content.decode()


def test_a_minor_needs_a_guardian_to_consent(client: Any, city: Any) -> None:
    today = timezone.localdate()
    minor = UserFactory(name="中学生", id_number=make_id_number(date(today.year - 16, 2, 1)))
    client.force_login(minor)
    html = client.get(reverse("accounts:consent")).content.decode()
    assert "您未满 18 周岁" in html and 'name="guardian_name"' in html
    response = client.post(reverse("accounts:consent"), {"agree": "on", "guardian_name": "王芳"})
    html = response.content.decode()
    assert "监护人" in html and 'value="王芳"' in html
    assert not ConsentRecord.objects.filter(user=minor).exists()
    response = client.post(
        reverse("accounts:consent"),
        {"agree": "on", "guardian_name": "王芳", "guardian_relation": "母亲"},
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get(user=minor)
    assert record.guardian_name == "王芳" and record.guardian_relation == "母亲"


def test_every_spelling_of_a_login_counts_against_one_account(client: Any, city: Any) -> None:
    """Failures typed as 138…, +86 138… or the username lock the same account."""
    from qingshe.accounts import services

    services.user_update_profile(
        actor=city.student, user=city.student, name="学生甲", phone=city.student.phone
    )
    spellings = [
        city.student.phone,
        f"+86{city.student.phone}",
        f"+86 {city.student.phone}",
        city.student.phone,
    ]
    for typed in spellings:
        client.post(LOGIN, {"username": typed, "password": "nope"})
    # the 5th failure, under yet another spelling, locks
    response = client.post(LOGIN, {"username": f"0086{city.student.phone}", "password": "nope"})
    assert response.status_code in (403, 429)


def test_a_successful_phone_login_resets_the_failures(client: Any, city: Any) -> None:
    for _ in range(4):
        client.post(LOGIN, {"username": f"+86{city.student.phone}", "password": "nope"})
    assert (
        client.post(LOGIN, {"username": city.student.phone, "password": PASSWORD}).status_code
        == 302
    )
    client.post("/accounts/logout/")
    for _ in range(4):
        client.post(LOGIN, {"username": city.student.phone, "password": "nope"})
    assert (
        client.post(LOGIN, {"username": city.student.phone, "password": PASSWORD}).status_code
        == 302
    )
