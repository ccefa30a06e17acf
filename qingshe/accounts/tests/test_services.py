from datetime import date, datetime

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone
from stdnum.cn import ric

from qingshe.accounts import services
from qingshe.accounts.models import ConsentPurpose, ConsentRecord, StudentProfile, User
from qingshe.accounts.tests.factories import PASSWORD, UserFactory
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent

ADULT_ID = "11010519491231002X"


def _id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def test_user_create_normalises_phone_encrypts_id_and_audits(db) -> None:
    user = services.user_create(
        name="张三", phone="+86 138 0013 8000", password="pw-123456", id_number=ADULT_ID
    )
    user.refresh_from_db()
    assert user.phone == "13800138000"
    assert user.id_number_masked == "110105********002X"
    assert user.birth_date == date(1949, 12, 31) and user.sex == "F"
    assert ADULT_ID.encode() not in bytes(user.id_number_cipher)
    assert user.volunteer_no.startswith("QS") and len(user.volunteer_no) == 13
    assert user.check_password("pw-123456")
    event = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert ADULT_ID not in str(event.data) and "13800138000" not in str(event.data)


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"phone": "12345"}, "invalid_phone", "phone"),
        ({"phone": "13800138001", "id_number": "110105194912310021"}, "id_checksum", "id_number"),
        (
            {"phone": "13800138001", "id_number": _id("11010519990230001")},
            "id_birth_date",
            "id_number",
        ),
        ({}, "login_required", "phone"),
        ({"username": "13800138001"}, "invalid_username", "username"),
    ],
)
def test_user_create_rejects_bad_input_and_writes_nothing(db, kwargs, code, field) -> None:
    before = User.objects.count()
    with pytest.raises(ValidationFailed) as err:
        services.user_create(name="李四", **kwargs)
    assert (err.value.code, err.value.field) == (code, field)
    assert str(err.value.message)
    assert User.objects.count() == before


def test_duplicate_phone_and_id_number_are_conflicts(db) -> None:
    services.user_create(name="甲", phone="13800138000", id_number=ADULT_ID)
    with pytest.raises(Conflict) as err:
        services.user_create(name="乙", phone="138 0013 8000")
    assert err.value.code == "phone_taken"
    with pytest.raises(Conflict) as err:
        services.user_create(name="丙", phone="13900139000", id_number=ADULT_ID.lower())
    assert err.value.code == "id_number_taken"
    assert User.objects.count() == 1


def test_a_drawn_volunteer_number_that_is_taken_is_drawn_again(db, monkeypatch) -> None:
    first = services.user_create(name="甲", phone="13800138000")
    draws = iter([first.volunteer_no, first.volunteer_no, "QS20260000042"])
    monkeypatch.setattr(services, "generate_volunteer_no", lambda: next(draws))
    second = services.user_create(name="乙", phone="13900139000")
    second.refresh_from_db()
    assert second.volunteer_no == "QS20260000042"
    assert User.objects.count() == 2
    assert AuditEvent.objects.filter(action="user.create", object_id=str(second.pk)).count() == 1


def test_a_given_volunteer_number_that_is_taken_is_a_conflict(db) -> None:
    first = services.user_create(name="甲", phone="13800138000")
    with pytest.raises(Conflict) as err:
        services.user_create(name="乙", phone="13900139000", volunteer_no=first.volunteer_no)
    assert err.value.code == "volunteer_no_taken" and err.value.field == "volunteer_no"
    assert User.objects.count() == 1


def test_child_under_14_needs_guardian_consent(db) -> None:
    child_id = _id("11010520150301002")
    with pytest.raises(ValidationFailed) as err:
        services.user_create(name="小明", username="xiaoming", id_number=child_id)
    assert err.value.code == "guardian_consent_required"
    assert not User.objects.exists()
    child = services.user_create(
        name="小明",
        username="xiaoming",
        id_number=child_id,
        guardian_consent=services.GuardianConsent(guardian_name="王芳", guardian_relation="母亲"),
    )
    record = ConsentRecord.objects.get(user=child)
    assert record.by_guardian and record.guardian_relation == "母亲"


def test_login_by_phone_with_prefix_or_username(db, rf) -> None:
    services.user_create(name="甲", phone="13800138000", username="jia", password=PASSWORD)
    request = rf.post("/accounts/login/")
    assert authenticate(request, username="+8613800138000", password=PASSWORD) is not None
    assert authenticate(request, username="JIA", password=PASSWORD) is not None
    assert authenticate(request, username="13800138000", password="wrong") is None


def test_update_profile_only_self(city) -> None:
    services.user_update_profile(
        actor=city.student, user=city.student, name="学生甲改", phone="13700137000"
    )
    city.student.refresh_from_db()
    assert city.student.name == "学生甲改" and city.student.phone == "13700137000"
    with pytest.raises(AccessDenied):
        services.user_update_profile(
            actor=city.secretary, user=city.student, name="x", phone="13700137001"
        )


def test_update_profile_duplicate_phone_keeps_old_value(city) -> None:
    old = city.student.phone
    with pytest.raises(Conflict):
        services.user_update_profile(
            actor=city.student, user=city.student, name="学生甲", phone=city.staff.phone
        )
    city.student.refresh_from_db()
    assert city.student.phone == old


def test_id_number_set_once_then_locked(city) -> None:
    services.user_set_id_number(actor=city.student, user=city.student, id_number=ADULT_ID)
    with pytest.raises(AccessDenied) as err:
        services.user_set_id_number(
            actor=city.student, user=city.student, id_number=_id("11010519900101001")
        )
    assert err.value.code == "id_number_locked"


def test_second_account_for_same_id_number_refused_on_set(city) -> None:
    services.user_set_id_number(actor=city.student, user=city.student, id_number=ADULT_ID)
    with pytest.raises(Conflict):
        services.user_set_id_number(actor=city.student2, user=city.student2, id_number=ADULT_ID)
    city.student2.refresh_from_db()
    assert city.student2.id_number_digest is None


def test_reveal_id_number_only_for_entitled_roles_and_audited(city) -> None:
    services.user_set_id_number(actor=city.student, user=city.student, id_number=ADULT_ID)
    assert (
        services.user_reveal_id_number(actor=city.university_admin, user=city.student) == ADULT_ID
    )
    assert (
        AuditEvent.objects.filter(action="user.id_number.read", actor=city.university_admin).count()
        == 1
    )
    for outsider in (city.secretary, city.staff, city.student2, city.district_admin):
        with pytest.raises(AccessDenied):
            services.user_reveal_id_number(actor=outsider, user=city.student)
    assert AuditEvent.objects.filter(action="user.id_number.read").count() == 1


def test_student_profile_derives_university_and_department(city) -> None:
    profile = services.student_profile_save(
        actor=city.student,
        user=city.student,
        branch=city.branch,
        major="旅游管理",
        grade=2024,
        skills=["摄影", " 急救 ", "摄影"],
        busy_slots=[
            {"weekday": 0, "start": "08:00", "end": "09:40"},
            {"weekday": 0, "start": "10:00", "end": "11:40"},
        ],
    )
    assert profile.university == city.university and profile.department == city.department
    assert sorted(s.name for s in profile.skills.all()) == ["急救", "摄影"]


@pytest.mark.parametrize(
    "slots",
    [
        [{"weekday": 7, "start": "08:00", "end": "09:00"}],
        [{"weekday": 1, "start": "10:00", "end": "09:00"}],
        [{"weekday": 1, "start": "8:00", "end": "09:00"}],
        [
            {"weekday": 1, "start": "08:00", "end": "10:00"},
            {"weekday": 1, "start": "09:00", "end": "11:00"},
        ],
        "Monday",
    ],
)
def test_bad_timetable_is_refused_and_nothing_saved(city, slots) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.student_profile_save(
            actor=city.student,
            user=city.student,
            branch=city.branch,
            major="旅游管理",
            grade=2024,
            busy_slots=slots,
        )
    assert err.value.code == "invalid_timetable"
    assert not StudentProfile.objects.filter(user=city.student).exists()


def test_student_cannot_move_themself_to_another_branch(city) -> None:
    services.student_profile_save(
        actor=city.student, user=city.student, branch=city.branch, major="旅游管理", grade=2024
    )
    with pytest.raises(AccessDenied):
        services.student_profile_save(
            actor=city.student, user=city.student, branch=city.branch2, major="会计学", grade=2024
        )
    services.student_profile_save(
        actor=city.department_admin,
        user=city.student,
        branch=city.branch2,
        major="会计学",
        grade=2024,
    )
    assert StudentProfile.objects.get(user=city.student).branch == city.branch2


def test_consent_for_minor_requires_guardian(db) -> None:
    teen = services.user_create(
        name="少年",
        username="teen01",
        id_number=_id("11010520100601001"),
        guardian_consent=services.GuardianConsent("李华", "父亲"),
    )
    with pytest.raises(ValidationFailed):
        services.consent_give(actor=teen, user=teen, purpose=ConsentPurpose.VOLUNTEERING)
    services.consent_give(
        actor=teen,
        user=teen,
        purpose=ConsentPurpose.VOLUNTEERING,
        guardian=services.GuardianConsent("李华", "父亲"),
    )
    assert ConsentRecord.objects.filter(user=teen, purpose=ConsentPurpose.VOLUNTEERING).count() == 1


def test_consent_current_version_and_withdrawal(city) -> None:
    assert not services.has_current_consent(city.student)
    record = services.consent_give(
        actor=city.student, user=city.student, purpose=ConsentPurpose.PRIVACY_NOTICE
    )
    assert services.has_current_consent(city.student)
    with pytest.raises(AccessDenied):
        services.consent_withdraw(actor=city.secretary, record=record)
    services.consent_withdraw(actor=city.student, record=record)
    assert not services.has_current_consent(city.student)


def test_token_issue_and_authenticate(db) -> None:
    user = UserFactory()
    raw, token = services.token_issue(user=user)
    assert services.token_authenticate(raw) == user
    assert raw not in token.digest
    assert services.token_authenticate("nope") is None
    user.is_active = False
    user.save()
    assert services.token_authenticate(raw) is None


def test_the_logged_in_person_is_read_as_django_reads_them(db, client) -> None:
    """The backend's get_user (one fixed statement) gives the same person, every field converted
    as the ORM converts it; nobody for an unknown, malformed or deactivated id."""
    from django.contrib.auth.backends import ModelBackend

    from qingshe.accounts.backends import PhoneOrUsernameBackend

    user = UserFactory(id_number="11010519491231002X")
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    ours, django = PhoneOrUsernameBackend().get_user(str(user.pk)), ModelBackend().get_user(user.pk)
    assert ours == django == user
    for field in User._meta.concrete_fields:
        assert getattr(ours, field.attname) == getattr(django, field.attname), field.name
    assert isinstance(ours.last_login, datetime) and ours.last_login.tzinfo is not None
    assert ours.is_active is True
    assert PhoneOrUsernameBackend().get_user(str(user.pk + 1000)) is None
    assert PhoneOrUsernameBackend().get_user("7; DROP TABLE accounts_user") is None
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert PhoneOrUsernameBackend().get_user(str(user.pk)) is None
    # The person a page sees is the session's person.
    user.is_active = True
    user.save(update_fields=["is_active"])
    client.force_login(user, backend="qingshe.accounts.backends.PhoneOrUsernameBackend")
    assert client.get("/me/").status_code == 200
    assert str(client.get("/me/").wsgi_request.user.pk) == str(user.pk)
