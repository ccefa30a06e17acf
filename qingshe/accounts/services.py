"""Every write to people's records. Keyword-only, atomic, permission-checked and audited."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.accounts.models import (
    ApiToken,
    ConsentPurpose,
    ConsentRecord,
    Skill,
    StudentProfile,
    User,
)
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.lib import crypto, ids
from qingshe.orgs.models import Organisation, OrgKind

ID_CONTEXT = "user.id_number"
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{2,39}$")
# Under this age a person is recorded only with a guardian's consent on file (PIPL art. 31);
# under VOLUNTEER_ADULT_AGE a guardian must consent to volunteering.
GUARDIAN_RECORD_AGE = 14
VOLUNTEER_ADULT_AGE = 18


def identifier_error(exc: ids.IdentifierError, field: str) -> ValidationFailed:
    messages = {
        "invalid_phone": _("Enter a valid mainland mobile number (11 digits starting with 1)."),
        "id_checksum": _("The ID number's check digit is wrong; please check it."),
        "id_birth_date": _("The ID number contains an impossible date of birth."),
        "id_region": _("The ID number's region code does not exist."),
        "id_format": _("An ID number has 18 characters: 17 digits and a digit or X."),
    }
    return ValidationFailed(exc.code, messages[exc.code], field=field)


def _secret() -> str:
    return settings.QINGSHE_FIELD_KEY


def id_number_digest(number: str) -> str:
    return crypto.keyed_hash(number, secret=_secret(), context=ID_CONTEXT)


def generate_volunteer_no() -> str:
    """QS + year + 7 random digits. Random, not sequential, so the number leaks no head count."""
    return f"QS{timezone.localdate().year}{secrets.randbelow(10**7):07d}"


@dataclass(frozen=True)
class GuardianConsent:
    guardian_name: str
    guardian_relation: str


def _validate_phone(phone: str | None, *, exclude_pk: int | None = None) -> str | None:
    if not phone:
        return None
    try:
        value = ids.normalize_phone(phone)
    except ids.IdentifierError as exc:
        raise identifier_error(exc, "phone") from exc
    clash = User.objects.filter(phone=value)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict("phone_taken", _("This mobile number is already registered."), field="phone")
    return value


def _validate_username(username: str | None, *, exclude_pk: int | None = None) -> str | None:
    if not username:
        return None
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            "invalid_username",
            _("A username has 3–40 letters, digits, dots, dashes or underscores and starts with a letter."),
            field="username",
        )
    if ids.looks_like_phone(username):
        raise ValidationFailed(
            "invalid_username", _("A username cannot be a mobile number."), field="username"
        )
    clash = User.objects.filter(username__iexact=username)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict("username_taken", _("This username is already taken."), field="username")
    return username


def _parse_id_number(id_number: str, *, exclude_pk: int | None = None) -> ids.ResidentId:
    try:
        rid = ids.parse_resident_id(id_number, today=timezone.localdate())
    except ids.IdentifierError as exc:
        raise identifier_error(exc, "id_number") from exc
    clash = User.objects.filter(id_number_digest=id_number_digest(rid.number))
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Conflict(
            "id_number_taken",
            _("An account with this ID number already exists."),
            field="id_number",
        )
    return rid


def _apply_id_number(user: User, rid: ids.ResidentId) -> None:
    user.id_number_cipher = crypto.encrypt(rid.number, secret=_secret(), context=ID_CONTEXT)
    user.id_number_digest = id_number_digest(rid.number)
    user.id_number_masked = rid.masked
    user.birth_date = rid.birth_date
    user.sex = rid.sex


def _integrity_conflict(exc: IntegrityError) -> Conflict:
    text = str(exc).lower()
    if "phone" in text:
        return Conflict("phone_taken", _("This mobile number is already registered."), field="phone")
    if "username" in text:
        return Conflict("username_taken", _("This username is already taken."), field="username")
    if "id_number" in text:
        return Conflict(
            "id_number_taken", _("An account with this ID number already exists."), field="id_number"
        )
    return Conflict("conflict", _("This record changed meanwhile; please try again."))


@transaction.atomic
def user_create(
    *,
    name: str,
    phone: str | None = None,
    username: str | None = None,
    password: str | None = None,
    id_number: str | None = None,
    email: str = "",
    actor: User | None = None,
    guardian_consent: GuardianConsent | None = None,
    volunteer_no: str | None = None,
) -> User:
    """Create a person. A mobile number or a username is required; the ID number is optional.

    A person under 14 (by the ID number's date of birth) is recorded only with a guardian's
    consent, which is stored as a ConsentRecord.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name_required", _("Please enter the person's name."), field="name")
    phone_value = _validate_phone(phone)
    username_value = _validate_username(username)
    if not phone_value and not username_value:
        raise ValidationFailed(
            "login_required", _("A mobile number or a username is required."), field="phone"
        )
    rid = _parse_id_number(id_number) if id_number else None
    minor = rid is not None and ids.age_on(rid.birth_date, timezone.localdate()) < GUARDIAN_RECORD_AGE
    if minor and guardian_consent is None:
        raise ValidationFailed(
            "guardian_consent_required",
            _("A child under 14 can be recorded only with a guardian's consent."),
            field="id_number",
        )
    user = User(
        name=name,
        phone=phone_value,
        username=username_value,
        email=email,
        volunteer_no=volunteer_no or generate_volunteer_no(),
    )
    if rid:
        _apply_id_number(user, rid)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from exc
    if guardian_consent is not None:
        _consent_write(user=user, actor=actor, purpose=ConsentPurpose.PRIVACY_NOTICE, guardian=guardian_consent)
    audit(actor=actor, action="user.create", obj=user, data={"with_id_number": bool(rid)})
    return user


def _require_self_or_staff(actor: User, user: User) -> None:
    if not access.can(actor, "person.edit", user):
        raise AccessDenied("forbidden", _("You may only change your own profile."))


@transaction.atomic
def user_update_profile(
    *,
    actor: User,
    user: User,
    name: str,
    phone: str | None,
    email: str = "",
    language: str | None = None,
) -> User:
    _require_self_or_staff(actor, user)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name_required", _("Please enter the person's name."), field="name")
    phone_value = _validate_phone(phone, exclude_pk=user.pk)
    if not phone_value and not user.username:
        raise ValidationFailed(
            "login_required", _("A mobile number or a username is required."), field="phone"
        )
    changed = [f for f, v in (("name", name), ("phone", phone_value), ("email", email)) if getattr(user, f) != v]
    user.name, user.phone, user.email = name, phone_value, email
    if language and language in dict(settings.LANGUAGES):
        if user.language != language:
            changed.append("language")
        user.language = language
    try:
        with transaction.atomic():
            user.save(update_fields=["name", "phone", "email", "language"])
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from exc
    audit(actor=actor, action="user.update", obj=user, data={"fields": changed})
    return user


@transaction.atomic
def user_set_id_number(*, actor: User, user: User, id_number: str) -> User:
    """Record the ID number once; changing a recorded one is for platform staff only."""
    if user.id_number_digest and not access.is_platform_staff(actor):
        raise AccessDenied(
            "id_number_locked",
            _("The ID number is already recorded; ask the platform administrator to correct it."),
            field="id_number",
        )
    _require_self_or_staff(actor, user)
    rid = _parse_id_number(id_number, exclude_pk=user.pk)
    if ids.age_on(rid.birth_date, timezone.localdate()) < GUARDIAN_RECORD_AGE and not has_guardian_consent(user):
        raise ValidationFailed(
            "guardian_consent_required",
            _("A child under 14 can be recorded only with a guardian's consent."),
            field="id_number",
        )
    _apply_id_number(user, rid)
    try:
        with transaction.atomic():
            user.save(update_fields=["id_number_cipher", "id_number_digest", "id_number_masked", "birth_date", "sex"])
    except IntegrityError as exc:
        raise _integrity_conflict(exc) from exc
    audit(actor=actor, action="user.id_number.set", obj=user, data={"masked": rid.masked})
    return user


@transaction.atomic
def user_reveal_id_number(*, actor: User, user: User) -> str:
    """The clear ID number, for the roles that need it. Every read is audited."""
    if not user.id_number_cipher:
        return ""
    if not access.can(actor, "person.view_id_number", user):
        raise AccessDenied("forbidden", _("You may not see this person's ID number."))
    number = crypto.decrypt(user.id_number_cipher, secret=_secret(), context=ID_CONTEXT)
    audit(actor=actor, action="user.id_number.read", obj=user)
    return number


@transaction.atomic
def user_change_password(*, actor: User, user: User, old_password: str, new_password: str) -> None:
    _require_self_or_staff(actor, user)
    if actor.pk == user.pk and not user.check_password(old_password):
        raise ValidationFailed("wrong_password", _("The current password is wrong."), field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed("weak_password", " ".join(exc.messages), field="new_password") from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit(actor=actor, action="user.password.change", obj=user)


# --- student profile ----------------------------------------------------------------------------
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def clean_busy_slots(raw: Any) -> list[dict[str, Any]]:
    """Validate a weekly timetable; return it sorted, or raise ValidationFailed."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationFailed("invalid_timetable", _("The timetable must be a list of busy periods."), field="busy_slots")
    slots: list[dict[str, Any]] = []
    for item in raw:
        try:
            weekday = int(item["weekday"])
            start, end = str(item["start"]), str(item["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(
                "invalid_timetable", _("Each busy period needs a weekday, a start and an end."), field="busy_slots"
            ) from exc
        if not 0 <= weekday <= 6 or not _TIME_RE.match(start) or not _TIME_RE.match(end) or end <= start:
            raise ValidationFailed(
                "invalid_timetable",
                _("A busy period has a weekday from Monday to Sunday and ends after it starts (HH:MM)."),
                field="busy_slots",
            )
        slots.append({"weekday": weekday, "start": start, "end": end, "label": str(item.get("label", ""))[:40]})
    slots.sort(key=lambda s: (s["weekday"], s["start"]))
    for a, b in zip(slots, slots[1:], strict=False):
        if a["weekday"] == b["weekday"] and b["start"] < a["end"]:
            raise ValidationFailed(
                "invalid_timetable", _("Two busy periods on the same day overlap."), field="busy_slots"
            )
    return slots


def is_busy(slots: list[dict[str, Any]], moment: datetime) -> bool:
    """Whether a local datetime falls into a weekly busy period."""
    hhmm = moment.strftime("%H:%M")
    return any(s["weekday"] == moment.weekday() and s["start"] <= hhmm < s["end"] for s in slots)


@transaction.atomic
def student_profile_save(
    *,
    actor: User,
    user: User,
    branch: Organisation,
    major: str,
    grade: int,
    student_no: str = "",
    skills: list[str] | None = None,
    busy_slots: Any = None,
    home_region: str = "",
) -> StudentProfile:
    """Create or update a student's profile. University and department follow from the branch."""
    existing = StudentProfile.objects.filter(user=user).first()
    if existing is not None and existing.branch_id != branch.pk:
        # Moving a student to another branch is the branch's stewards' decision, not their own.
        if not (access.is_platform_staff(actor) or access.holds_over(actor, existing.branch, access.ADMIN_ROLES)):
            raise AccessDenied("forbidden", _("Only an administrator can move a student to another branch."), field="branch")
    elif not (actor.pk == user.pk or access.is_platform_staff(actor) or access.holds_over(actor, branch, access.STEWARD_ROLES)):
        raise AccessDenied("forbidden", _("You may not change this student's profile."))
    if branch.kind != OrgKind.CLASS_BRANCH:
        raise ValidationFailed("invalid_branch", _("Choose a class league branch."), field="branch")
    chain = {o.kind: o for o in Organisation.objects.filter(pk__in=branch.ancestor_ids())}
    department = chain.get(OrgKind.DEPARTMENT_COMMITTEE)
    university = chain.get(OrgKind.UNIVERSITY_COMMITTEE)
    if department is None or university is None:
        raise ValidationFailed("invalid_branch", _("This branch is not under a university department."), field="branch")
    major = (major or "").strip()
    if not major:
        raise ValidationFailed("major_required", _("Please enter the major."), field="major")
    this_year = timezone.localdate().year
    if not 1990 <= int(grade) <= this_year:
        raise ValidationFailed(
            "invalid_grade", _("The grade is the year of entry, between 1990 and this year."), field="grade"
        )
    slots = clean_busy_slots(busy_slots)
    profile = existing or StudentProfile(user=user)
    profile.university, profile.department, profile.branch = university, department, branch
    profile.major, profile.grade, profile.student_no = major, int(grade), student_no.strip()
    profile.busy_slots, profile.home_region = slots, home_region.strip()
    profile.save()
    if skills is not None:
        names = sorted({s.strip() for s in skills if s and s.strip()})
        if any(len(n) > 40 for n in names):
            raise ValidationFailed("invalid_skill", _("A skill name has at most 40 characters."), field="skills")
        for n in names:
            Skill.objects.get_or_create(name=n)
        profile.skills.set(Skill.objects.filter(name__in=names))
    audit(actor=actor, action="student_profile.save", obj=profile, org=branch)
    return profile


# --- consent ------------------------------------------------------------------------------------
def _consent_write(
    *, user: User, actor: User | None, purpose: str, guardian: GuardianConsent | None, notice_version: str | None = None
) -> ConsentRecord:
    if guardian is not None and not (guardian.guardian_name.strip() and guardian.guardian_relation.strip()):
        raise ValidationFailed(
            "guardian_required", _("Enter the guardian's name and relation."), field="guardian_name"
        )
    record = ConsentRecord.objects.create(
        user=user,
        purpose=purpose,
        notice_version=notice_version or settings.QINGSHE_NOTICE_VERSION,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        guardian_name=guardian.guardian_name.strip() if guardian else "",
        guardian_relation=guardian.guardian_relation.strip() if guardian else "",
    )
    audit(actor=actor, action="consent.give", obj=record, data={"purpose": purpose, "guardian": bool(guardian)})
    return record


def is_minor(user: User, *, age: int = VOLUNTEER_ADULT_AGE) -> bool:
    return user.birth_date is not None and ids.age_on(user.birth_date, timezone.localdate()) < age


@transaction.atomic
def consent_give(
    *, actor: User, user: User, purpose: str, guardian: GuardianConsent | None = None
) -> ConsentRecord:
    """The person (or, for a minor, a guardian recorded by a steward) consents to `purpose`."""
    if purpose not in ConsentPurpose.values:
        raise ValidationFailed("invalid_purpose", _("Unknown consent purpose."), field="purpose")
    if actor.pk != user.pk and not access.can(actor, "person.view", user):
        raise AccessDenied("forbidden", _("You may not record consent for this person."))
    if is_minor(user) and guardian is None:
        raise ValidationFailed(
            "guardian_consent_required",
            _("For a person under 18 the guardian gives consent; enter the guardian's name and relation."),
            field="guardian_name",
        )
    return _consent_write(user=user, actor=actor, purpose=purpose, guardian=guardian)


@transaction.atomic
def consent_withdraw(*, actor: User, record: ConsentRecord) -> ConsentRecord:
    if actor.pk != record.user_id and not access.is_platform_staff(actor):
        raise AccessDenied("forbidden", _("Only the person themself can withdraw their consent."))
    if record.withdrawn_at is None:
        record.withdrawn_at = timezone.now()
        record.save(update_fields=["withdrawn_at"])
        audit(actor=actor, action="consent.withdraw", obj=record, data={"purpose": record.purpose})
    return record


def has_current_consent(user: User, purpose: str = ConsentPurpose.PRIVACY_NOTICE) -> bool:
    return ConsentRecord.objects.filter(
        user=user, purpose=purpose, notice_version=settings.QINGSHE_NOTICE_VERSION, withdrawn_at__isnull=True
    ).exists()


def has_guardian_consent(user: User) -> bool:
    return ConsentRecord.objects.filter(user=user, withdrawn_at__isnull=True).exclude(guardian_name="").exists()


# --- API tokens ---------------------------------------------------------------------------------
def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: User) -> tuple[str, ApiToken]:
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, digest=_token_digest(raw), expires_at=timezone.now() + settings.QINGSHE_TOKEN_TTL
    )
    audit(actor=user, action="token.issue", obj=token)
    return raw, token


def token_authenticate(raw: str) -> User | None:
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_token_digest(raw), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user



# === Bulk creation =============================================================================
# Added for the demo city (qingshe/demo) and usable by imports: thousands of people in a few
# queries, with the same invariants as user_create / student_profile_save (phone format and
# uniqueness, unique volunteer numbers, ID checksum and encryption, guardian consent for minors,
# consent records with the notice version, university/department derived from the branch) and
# one AuditEvent per batch instead of one per row.
@dataclass
class NewPerson:
    """One row for users_bulk_create. `birth_date`/`sex` are taken from `id_number` when given."""

    name: str
    volunteer_no: str
    phone: str | None = None
    username: str | None = None
    sex: str = ""
    birth_date: date | None = None
    id_number: str | None = None
    guardian: GuardianConsent | None = None


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _existing(field: str, values: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks([v for v in values if v], 500):
        found.update(User.objects.filter(**{f"{field}__in": chunk}).values_list(field, flat=True))
    return found


@transaction.atomic
def users_bulk_create(
    *,
    actor: User | None,
    people: list[NewPerson],
    password_hash: str | None = None,
    consent_purposes: tuple[str, ...] = (ConsentPurpose.PRIVACY_NOTICE,),
    batch_size: int = 1000,
    source: str = "",
) -> list[User]:
    """Create many people at once. `password_hash` is an already encoded password (hash it once
    with make_password and share it); without it the accounts get unusable passwords.

    Every person gets a consent record per purpose under the current notice version; a person
    under 18 needs a guardian for it, and a child under 14 is refused without one.
    """
    from django.contrib.auth.hashers import identify_hasher, make_password

    if password_hash is not None:
        identify_hasher(password_hash)  # raises ValueError for anything that is not an encoded hash
    today = timezone.localdate()
    users: list[User] = []
    seen: dict[str, set[str]] = {"phone": set(), "username": set(), "volunteer_no": set(), "digest": set()}
    for row in people:
        name = (row.name or "").strip()
        if not name:
            raise ValidationFailed("name_required", _("Please enter the person's name."), field="name")
        phone = None
        if row.phone:
            try:
                phone = ids.normalize_phone(row.phone)
            except ids.IdentifierError as exc:
                raise identifier_error(exc, "phone") from exc
        username = row.username or None
        if username and (not USERNAME_RE.match(username) or ids.looks_like_phone(username)):
            raise ValidationFailed("invalid_username", _("This username is not allowed."), field="username")
        if not phone and not username:
            raise ValidationFailed("login_required", _("A mobile number or a username is required."), field="phone")
        user = User(name=name, phone=phone, username=username, volunteer_no=row.volunteer_no, sex=row.sex, birth_date=row.birth_date)
        if row.id_number:
            try:
                rid = ids.parse_resident_id(row.id_number, today=today)
            except ids.IdentifierError as exc:
                raise identifier_error(exc, "id_number") from exc
            _apply_id_number(user, rid)
        for field, value in (("phone", phone), ("username", (username or "").lower() or None), ("volunteer_no", row.volunteer_no), ("digest", user.id_number_digest)):
            if value is None:
                continue
            if value in seen[field]:
                raise Conflict(f"{field}_taken", _("Two rows share the same %(field)s.") % {"field": field}, field=field)
            seen[field].add(value)
        age = ids.age_on(user.birth_date, today) if user.birth_date else None
        if age is not None and age < GUARDIAN_RECORD_AGE and row.guardian is None:
            raise ValidationFailed(
                "guardian_consent_required",
                _("A child under 14 can be recorded only with a guardian's consent."),
                field="id_number",
            )
        if consent_purposes and age is not None and age < VOLUNTEER_ADULT_AGE and row.guardian is None:
            raise ValidationFailed(
                "guardian_consent_required",
                _("For a person under 18 the guardian gives consent; enter the guardian's name and relation."),
                field="guardian_name",
            )
        user.password = password_hash if password_hash is not None else make_password(None)
        users.append(user)
    for field, values in (("phone", seen["phone"]), ("volunteer_no", seen["volunteer_no"]), ("id_number_digest", seen["digest"])):
        if _existing(field, sorted(values)):
            code = {"id_number_digest": "id_number_taken"}.get(field, f"{field}_taken")
            raise Conflict(code, _("Some of these people are already registered (%(field)s).") % {"field": field}, field=field)
    if seen["username"]:
        for chunk in _chunks(sorted(seen["username"]), 500):
            if User.objects.annotate(lower_username=Lower("username")).filter(lower_username__in=chunk).exists():
                raise Conflict("username_taken", _("This username is already taken."), field="username")
    notice = settings.QINGSHE_NOTICE_VERSION
    now = timezone.now()
    recorder = actor if getattr(actor, "pk", None) else None
    created: list[User] = []
    rows_by_user = list(zip(users, people, strict=True))
    for batch in _chunks(rows_by_user, batch_size):
        try:
            with transaction.atomic():
                saved = User.objects.bulk_create([u for u, _row in batch])
        except IntegrityError as exc:
            raise _integrity_conflict(exc) from exc
        consents = [
            ConsentRecord(
                user=u,
                purpose=purpose,
                notice_version=notice,
                given_at=now,
                recorded_by=recorder,
                guardian_name=row.guardian.guardian_name.strip() if row.guardian else "",
                guardian_relation=row.guardian.guardian_relation.strip() if row.guardian else "",
            )
            for u, row in zip(saved, [r for _u, r in batch], strict=True)
            for purpose in consent_purposes
        ]
        ConsentRecord.objects.bulk_create(consents, batch_size=batch_size)
        audit(
            actor=actor,
            action="user.bulk_create",
            data={
                "count": len(saved),
                "first_id": saved[0].pk,
                "last_id": saved[-1].pk,
                "with_id_number": sum(1 for u in saved if u.id_number_digest),
                "consents": list(consent_purposes),
                "source": source,
            },
        )
        created.extend(saved)
    return created


@dataclass
class NewStudentProfile:
    user: User
    branch: Organisation
    major: str
    grade: int
    student_no: str = ""
    skills: list[str] | None = None
    busy_slots: Any = None
    home_region: str = ""


@transaction.atomic
def student_profiles_bulk_create(
    *, actor: User | None, rows: list[NewStudentProfile], batch_size: int = 1000, source: str = ""
) -> list[StudentProfile]:
    """Create many student profiles (for people who have none yet); university and department
    follow from each branch, exactly as in student_profile_save."""
    if actor is not None and not access.is_platform_staff(actor):
        branches = {r.branch.pk: r.branch for r in rows}
        if not all(access.holds_over(actor, b, access.ADMIN_ROLES) for b in branches.values()):
            raise AccessDenied("forbidden", _("You may not change these students' profiles."))
    branch_paths = {r.branch.pk: r.branch for r in rows}
    ancestor_ids = {a for b in branch_paths.values() for a in b.ancestor_ids()}
    ancestors = {o.pk: o for o in Organisation.objects.filter(pk__in=ancestor_ids).only("pk", "kind", "path")}
    chain: dict[int, tuple[Organisation, Organisation]] = {}
    for pk, branch in branch_paths.items():
        if branch.kind != OrgKind.CLASS_BRANCH:
            raise ValidationFailed("invalid_branch", _("Choose a class league branch."), field="branch")
        kinds = {ancestors[a].kind: ancestors[a] for a in branch.ancestor_ids() if a in ancestors}
        dep, uni = kinds.get(OrgKind.DEPARTMENT_COMMITTEE), kinds.get(OrgKind.UNIVERSITY_COMMITTEE)
        if dep is None or uni is None:
            raise ValidationFailed("invalid_branch", _("This branch is not under a university department."), field="branch")
        chain[pk] = (uni, dep)
    this_year = timezone.localdate().year
    if StudentProfile.objects.filter(user_id__in=[r.user.pk for r in rows]).exists():
        raise Conflict("profile_exists", _("Some of these people already have a student profile."))
    profiles: list[StudentProfile] = []
    skill_names: set[str] = set()
    for r in rows:
        major = (r.major or "").strip()
        if not major:
            raise ValidationFailed("major_required", _("Please enter the major."), field="major")
        if not 1990 <= int(r.grade) <= this_year:
            raise ValidationFailed(
                "invalid_grade", _("The grade is the year of entry, between 1990 and this year."), field="grade"
            )
        uni, dep = chain[r.branch.pk]
        names = sorted({s.strip() for s in (r.skills or []) if s and s.strip()})
        if any(len(n) > 40 for n in names):
            raise ValidationFailed("invalid_skill", _("A skill name has at most 40 characters."), field="skills")
        skill_names.update(names)
        profiles.append(
            StudentProfile(
                user=r.user,
                university=uni,
                department=dep,
                branch=r.branch,
                major=major,
                grade=int(r.grade),
                student_no=r.student_no.strip(),
                busy_slots=clean_busy_slots(r.busy_slots),
                home_region=r.home_region.strip(),
            )
        )
    Skill.objects.bulk_create([Skill(name=n) for n in sorted(skill_names)], ignore_conflicts=True)
    skill_ids = dict(Skill.objects.filter(name__in=skill_names).values_list("name", "pk"))
    through = StudentProfile.skills.through
    created: list[StudentProfile] = []
    for batch in _chunks(list(zip(profiles, rows, strict=True)), batch_size):
        saved = StudentProfile.objects.bulk_create([p for p, _r in batch])
        links = [
            through(studentprofile_id=p.pk, skill_id=skill_ids[n])
            for p, (_p, r) in zip(saved, batch, strict=True)
            for n in sorted({s.strip() for s in (r.skills or []) if s and s.strip()})
        ]
        through.objects.bulk_create(links, batch_size=batch_size)
        audit(
            actor=actor,
            action="student_profile.bulk_create",
            data={"count": len(saved), "first_id": saved[0].pk, "last_id": saved[-1].pk, "source": source},
        )
        created.extend(saved)
    return created
