"""Every write to people's records. Keyword-only, atomic, permission-checked and audited."""

from __future__ import annotations

import base64
import hashlib
import itertools
import operator
import os
import re
import secrets
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
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


def generate_volunteer_nos(count: int) -> list[str]:
    """`count` numbers as generate_volunteer_no draws them (uniform over the 7 digits; not
    checked for clashes), from one read of the system's random source per few thousand."""
    prefix = f"QS{timezone.localdate().year}"
    # 4-byte draws below the largest multiple of 10**7 under 2**32, so that % 10**7 is uniform.
    limit = (2**32 // 10**7) * 10**7
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        raw = os.urandom(4 * (wanted + wanted // 8 + 8))
        draws = (int.from_bytes(raw[i : i + 4], "big") for i in range(0, len(raw), 4))
        numbers.extend(f"{prefix}{d % 10**7:07d}" for d in draws if d < limit)
    return numbers[:count]


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
            _(
                "A username has 3–40 letters, digits, dots, dashes or underscores and starts with a letter."
            ),
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
        return Conflict(
            "phone_taken", _("This mobile number is already registered."), field="phone"
        )
    if "username" in text:
        return Conflict("username_taken", _("This username is already taken."), field="username")
    if "id_number" in text:
        return Conflict(
            "id_number_taken",
            _("An account with this ID number already exists."),
            field="id_number",
        )
    return Conflict("conflict", _("This record changed meanwhile; please try again."))


VOLUNTEER_NO_DRAWS = 8


def _save_new_user(user: User, *, drawn_number: bool) -> None:
    """Insert `user`. A drawn volunteer number that is already someone's is drawn again: with
    10**7 numbers a year, a city of 100,000 people meets one clash in every hundred sign-ups, and
    the person signing up did nothing wrong. A number given by the caller is reported instead."""
    for attempt in range(VOLUNTEER_NO_DRAWS):
        try:
            with transaction.atomic():
                user.save(force_insert=True)
            return
        except IntegrityError as exc:
            clash_on_number = "volunteer_no" in str(exc).lower()
            if not (drawn_number and clash_on_number) or attempt == VOLUNTEER_NO_DRAWS - 1:
                if clash_on_number:
                    raise Conflict(
                        "volunteer_no_taken",
                        _("This volunteer number is already in use."),
                        field="volunteer_no",
                    ) from exc
                raise _integrity_conflict(exc) from exc
            user.pk = None
            user.volunteer_no = generate_volunteer_no()


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
    minor = (
        rid is not None and ids.age_on(rid.birth_date, timezone.localdate()) < GUARDIAN_RECORD_AGE
    )
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
    _save_new_user(user, drawn_number=volunteer_no is None)
    if guardian_consent is not None:
        _consent_write(
            user=user, actor=actor, purpose=ConsentPurpose.PRIVACY_NOTICE, guardian=guardian_consent
        )
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
    changed = [
        f
        for f, v in (("name", name), ("phone", phone_value), ("email", email))
        if getattr(user, f) != v
    ]
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
    if ids.age_on(
        rid.birth_date, timezone.localdate()
    ) < GUARDIAN_RECORD_AGE and not has_guardian_consent(user):
        raise ValidationFailed(
            "guardian_consent_required",
            _("A child under 14 can be recorded only with a guardian's consent."),
            field="id_number",
        )
    _apply_id_number(user, rid)
    try:
        with transaction.atomic():
            user.save(
                update_fields=[
                    "id_number_cipher",
                    "id_number_digest",
                    "id_number_masked",
                    "birth_date",
                    "sex",
                ]
            )
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
        raise ValidationFailed(
            "wrong_password", _("The current password is wrong."), field="old_password"
        )
    try:
        password_validation.validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "weak_password", " ".join(exc.messages), field="new_password"
        ) from exc
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
        raise ValidationFailed(
            "invalid_timetable",
            _("The timetable must be a list of busy periods."),
            field="busy_slots",
        )
    slots: list[dict[str, Any]] = []
    for item in raw:
        try:
            weekday = int(item["weekday"])
            start, end = str(item["start"]), str(item["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(
                "invalid_timetable",
                _("Each busy period needs a weekday, a start and an end."),
                field="busy_slots",
            ) from exc
        if (
            not 0 <= weekday <= 6
            or not _TIME_RE.match(start)
            or not _TIME_RE.match(end)
            or end <= start
        ):
            raise ValidationFailed(
                "invalid_timetable",
                _(
                    "A busy period has a weekday from Monday to Sunday and ends after it starts (HH:MM)."
                ),
                field="busy_slots",
            )
        slots.append(
            {
                "weekday": weekday,
                "start": start,
                "end": end,
                "label": str(item.get("label", ""))[:40],
            }
        )
    slots.sort(key=lambda s: (s["weekday"], s["start"]))
    for a, b in zip(slots, slots[1:], strict=False):
        if a["weekday"] == b["weekday"] and b["start"] < a["end"]:
            raise ValidationFailed(
                "invalid_timetable",
                _("Two busy periods on the same day overlap."),
                field="busy_slots",
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
        if not (
            access.is_platform_staff(actor)
            or access.holds_over(actor, existing.branch, access.ADMIN_ROLES)
        ):
            raise AccessDenied(
                "forbidden",
                _("Only an administrator can move a student to another branch."),
                field="branch",
            )
    elif not (
        actor.pk == user.pk
        or access.is_platform_staff(actor)
        or access.holds_over(actor, branch, access.STEWARD_ROLES)
    ):
        raise AccessDenied("forbidden", _("You may not change this student's profile."))
    if branch.kind != OrgKind.CLASS_BRANCH:
        raise ValidationFailed("invalid_branch", _("Choose a class league branch."), field="branch")
    chain = {o.kind: o for o in Organisation.objects.filter(pk__in=branch.ancestor_ids())}
    department = chain.get(OrgKind.DEPARTMENT_COMMITTEE)
    university = chain.get(OrgKind.UNIVERSITY_COMMITTEE)
    if department is None or university is None:
        raise ValidationFailed(
            "invalid_branch", _("This branch is not under a university department."), field="branch"
        )
    major = (major or "").strip()
    if not major:
        raise ValidationFailed("major_required", _("Please enter the major."), field="major")
    this_year = timezone.localdate().year
    if not 1990 <= int(grade) <= this_year:
        raise ValidationFailed(
            "invalid_grade",
            _("The grade is the year of entry, between 1990 and this year."),
            field="grade",
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
            raise ValidationFailed(
                "invalid_skill", _("A skill name has at most 40 characters."), field="skills"
            )
        for n in names:
            Skill.objects.get_or_create(name=n)
        profile.skills.set(Skill.objects.filter(name__in=names))
    audit(actor=actor, action="student_profile.save", obj=profile, org=branch)
    return profile


# --- consent ------------------------------------------------------------------------------------
def _consent_write(
    *,
    user: User,
    actor: User | None,
    purpose: str,
    guardian: GuardianConsent | None,
    notice_version: str | None = None,
) -> ConsentRecord:
    if guardian is not None and not (
        guardian.guardian_name.strip() and guardian.guardian_relation.strip()
    ):
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
    audit(
        actor=actor,
        action="consent.give",
        obj=record,
        data={"purpose": purpose, "guardian": bool(guardian)},
    )
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
            _(
                "For a person under 18 the guardian gives consent; enter the guardian's name and relation."
            ),
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
        user=user,
        purpose=purpose,
        notice_version=settings.QINGSHE_NOTICE_VERSION,
        withdrawn_at__isnull=True,
    ).exists()


def has_guardian_consent(user: User) -> bool:
    return (
        ConsentRecord.objects.filter(user=user, withdrawn_at__isnull=True)
        .exclude(guardian_name="")
        .exists()
    )


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
# Added for the demo city (qingshe/demo) and used by imports: thousands of people in a few
# queries, with the same invariants as user_create / student_profile_save (phone format and
# uniqueness, unique volunteer numbers, ID checksum and encryption, guardian consent for minors,
# consent records with the notice version, university/department derived from the branch) and
# one AuditEvent per batch instead of one per row.
#
# The rows go to the database through insert_rows (one multi-row INSERT … RETURNING per
# statement-full of rows) rather than QuerySet.bulk_create: Django compiles bulk inserts value
# by value, and on SQLite in statements of 999 parameters, which for 100,000 students cost more
# than everything else the import does (make bench, key "import").
_TEXT_FIELDS = frozenset({models.CharField, models.EmailField, models.SlugField, models.TextField})
_INTEGER_FIELDS = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.SmallAutoField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.PositiveSmallIntegerField,
    }
)
# Rows per INSERT statement at most, whatever the database's parameter limit allows.
_ROWS_PER_STATEMENT = 2000


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _sent_as_is(field: models.Field[Any, Any]) -> type | None:
    """The Python type whose values Django sends to the database unchanged for this field
    (get_db_prep_save is the identity for a str in a CharField, an int in an IntegerField or a
    foreign key to an integer key, a bool in a BooleanField), or None: always prepare."""
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    kind = type(target)
    if kind in _TEXT_FIELDS:
        return str
    if kind in _INTEGER_FIELDS:
        return int
    if kind is models.BooleanField:
        return bool
    return None


def _param_marker(db: BaseDatabaseWrapper) -> str:
    """The parameter mark for statements of thousands of values. Django's SQLite cursor turns
    each %s into SQLite's ? with a regular expression that costs ~0.6 µs a mark, more than
    SQLite takes to insert the row's value: on SQLite the statement is written with ? at once.
    Not while queries are logged (DEBUG, assertNumQueries): the debug cursor %-formats the
    statement with its parameters to log it."""
    return "?" if db.vendor == "sqlite" and not db.queries_logged else "%s"


def _max_parameters(db: BaseDatabaseWrapper) -> int:
    if db.vendor == "sqlite":
        db.ensure_connection()
        # SQLite's own limit (32,766 since 3.32), not Django's conservative 999.
        return int(db.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return int(db.features.max_query_params or 65_535)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    same: Mapping[str, Any] | None = None,
    instances: bool = False,
) -> list[Any]:
    """INSERT `rows` into `model`'s table and return their new primary keys in row order, or
    with `instances` the saved model instances (as QuerySet.bulk_create returns them).

    `columns` are attnames ("user_id" for a foreign key) of the values each row gives, in
    order; `same` gives one value for every row. Any other field gets what bulk_create would
    give it, computed once per call: the current time for auto_now(_add), else its default.
    Values are prepared for the database by the fields (get_db_prep_save), except the plain ones
    that field would pass through unchanged (_sent_as_is). Model.save, pre_save and signals are
    not involved: the callers are bulk services, which check and audit the rows themselves.
    Callers hold a transaction (the bulk services are atomic)."""
    # The connection itself, not django.db.connection (a proxy looked up on every use).
    connection = connections[router.db_for_write(model)]
    if not connection.features.can_return_rows_from_bulk_insert:
        raise ImproperlyConfigured(
            "insert_rows needs INSERT … RETURNING (SQLite 3.35+, PostgreSQL)"
        )
    opts = model._meta
    same = dict(same or {})
    fields = {f.attname: f for f in opts.concrete_fields}
    given = [fields[name] for name in columns]
    now = timezone.now()
    fixed: dict[str, Any] = {}
    for field in opts.concrete_fields:
        name = field.attname
        if name in columns or (field.primary_key and name not in same):
            continue
        if name in same:
            fixed[name] = same.pop(name)
        elif field.has_db_default():  # type: ignore[attr-defined]  # Django 5, not in the stubs
            raise TypeError(f"{opts.label}.{name}: a database default is not supported")
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fixed[name] = now
        else:
            fixed[name] = field.get_default()
    if same:
        raise ValueError(f"{opts.label} has no field {', '.join(same)}")
    fixed_prepared = tuple(fields[n].get_db_prep_save(v, connection) for n, v in fixed.items())
    adapt = [(_sent_as_is(f), f.get_db_prep_save) for f in given]
    quote = connection.ops.quote_name
    names = [quote(f.column) for f in given] + [quote(fields[n].column) for n in fixed]
    placeholder = "(" + ", ".join([_param_marker(connection)] * len(names)) + ")"
    returning, returning_params = connection.ops.return_insert_columns([opts.pk])
    per_statement = max(1, min(_ROWS_PER_STATEMENT, _max_parameters(connection) // len(names)))
    # Quoted table and column names from the model, values only as parameters.
    head = f"INSERT INTO {quote(opts.db_table)} ({', '.join(names)}) VALUES "  # noqa: S608
    if any(len(row) != len(given) for row in rows):
        raise ValueError(f"{opts.label}: every row gives {len(given)} values")

    def prepared(values: tuple[Any, ...], plain: type | None, prepare: Any) -> Sequence[Any]:
        if all(v is None or type(v) is plain for v in values):
            return values
        return [v if v is None or type(v) is plain else prepare(v, connection) for v in values]

    keys: list[Any] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            # Column by column, then row by row: [row 1's values, fixed values, row 2's …].
            columns_ = [
                prepared(values, plain, prepare)
                for values, (plain, prepare) in zip(zip(*chunk, strict=True), adapt, strict=True)
            ]
            params = list(
                itertools.chain.from_iterable(
                    zip(
                        *columns_,
                        *(itertools.repeat(v, len(chunk)) for v in fixed_prepared),
                        strict=True,
                    )
                )
            )
            sql = head + ", ".join([placeholder] * len(chunk)) + " " + returning
            cursor.execute(sql, (*params, *returning_params))
            keys.extend(r[0] for r in cursor.fetchall())
    if len(keys) != len(rows):
        raise RuntimeError(f"{opts.label}: {len(rows)} rows inserted, {len(keys)} keys returned")
    if not instances:
        return keys
    # Model instances as from_db builds them: values in concrete-field order.
    order = [f.attname for f in opts.concrete_fields]
    source = {opts.pk.attname: 0} | {n: 1 + i for i, n in enumerate(columns)}
    source |= {n: 1 + len(columns) + i for i, n in enumerate(fixed)}
    pick = operator.itemgetter(*(source[n] for n in order))
    fixed_values = tuple(fixed.values())
    alias = connection.alias
    from_db = model.from_db
    return [
        from_db(alias, None, pick((key, *row, *fixed_values)))  # type: ignore[arg-type]
        for key, row in zip(keys, rows, strict=True)
    ]


# Values per `column IN (…)` look-up: few queries, well under every database's limit.
_LOOKUP_CHUNK = 2000


def rows_where_in(
    model: type[models.Model],
    columns: Sequence[str],
    attname: str,
    values: Iterable[Any],
    *,
    among: Mapping[str, Collection[Any]] | None = None,
) -> list[tuple[Any, ...]]:
    """`columns` (attnames) of `model`'s rows whose `attname` is one of `values`, and for each
    `among` item whose attname is one of its (few) values: the bulk services' "is any of these
    already there?" look-ups, in chunks, without compiling one ORM lookup per value (an IN of
    2,000 values cost Django 4–8 ms to compile, the database well under 1 ms). Text, integer and
    foreign-key columns only, whose values need no conversion either way (_sent_as_is)."""
    opts = model._meta
    connection = connections[router.db_for_write(model)]  # the checks belong to the writes
    fields = {f.attname: f for f in opts.concrete_fields}
    wanted = [fields[name] for name in (*columns, attname, *(among or {}))]
    if any(_sent_as_is(f) not in (str, int) for f in wanted):
        raise ValueError(f"rows_where_in: {opts.label}: text and integer columns only")
    quote = connection.ops.quote_name
    select = ", ".join(quote(fields[c].column) for c in columns)
    mark = _param_marker(connection)
    fixed_sql = ""
    fixed_params: list[Any] = []
    for name, allowed in (among or {}).items():
        allowed = list(allowed)
        if not allowed:
            return []
        fixed_sql += f" AND {quote(fields[name].column)} IN ({', '.join([mark] * len(allowed))})"
        fixed_params.extend(allowed)
    where = quote(fields[attname].column)
    found: list[tuple[Any, ...]] = []
    distinct = list(dict.fromkeys(v for v in values if v is not None))
    with connection.cursor() as cursor:
        for chunk in _chunks(distinct, _LOOKUP_CHUNK):
            marks = ", ".join([mark] * len(chunk))
            # Quoted names from the model, values only as parameters.
            sql = (
                f"SELECT {select} FROM {quote(opts.db_table)} WHERE {where} IN ({marks}){fixed_sql}"  # noqa: S608
            )
            cursor.execute(sql, (*chunk, *fixed_params))
            found.extend(tuple(row) for row in cursor.fetchall())
    return found


@dataclass
class NewPerson:
    """One row for users_bulk_create. `birth_date`/`sex` are taken from the ID number when
    there is one: `id_number` as written, or `resident_id`, an ID number that the caller has
    already checked with ids.parse_resident_id (an import does, row by row), which is then not
    parsed again (still encrypted, hashed and checked for minors). Give one or the other."""

    name: str
    volunteer_no: str
    phone: str | None = None
    username: str | None = None
    sex: str = ""
    birth_date: date | None = None
    id_number: str | None = None
    guardian: GuardianConsent | None = None
    resident_id: ids.ResidentId | None = None


def _existing(field: str, values: list[str]) -> set[str]:
    return {row[0] for row in rows_where_in(User, (field,), field, (v for v in values if v))}


def _unusable_passwords(count: int) -> list[str]:
    """What make_password(None) gives, `count` times: the unusable-password mark and 40 random
    characters, so that no two accounts share a password hash (password-reset tokens hash it).
    From one read of the system's random source, not make_password's 40 SystemRandom calls
    each: is_password_usable and check_password look only at the mark."""
    text = base64.urlsafe_b64encode(os.urandom(30 * count)).decode()  # 30 bytes: 40 characters
    return [UNUSABLE_PASSWORD_PREFIX + text[40 * i : 40 * i + 40] for i in range(count)]


# The users' columns that users_bulk_create writes row by row (everything else is a default).
_USER_COLUMNS = (
    "name",
    "phone",
    "username",
    "volunteer_no",
    "sex",
    "birth_date",
    "id_number_cipher",
    "id_number_digest",
    "id_number_masked",
    "password",
)


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
    from django.contrib.auth.hashers import identify_hasher

    if password_hash is not None:
        identify_hasher(password_hash)  # raises ValueError for anything that is not an encoded hash
    today = timezone.localdate()
    secret = _secret()
    passwords = iter(_unusable_passwords(len(people)) if password_hash is None else ())
    rows: list[tuple[Any, ...]] = []
    seen: dict[str, set[str]] = {
        "phone": set(),
        "username": set(),
        "volunteer_no": set(),
        "digest": set(),
    }
    seen_phone, seen_username = seen["phone"], seen["username"]
    seen_volunteer_no, seen_digest = seen["volunteer_no"], seen["digest"]

    def twice(field: str) -> Conflict:
        return Conflict(
            f"{field}_taken",
            _("Two rows share the same %(field)s.") % {"field": field},
            field=field,
        )

    for row in people:
        name = (row.name or "").strip()
        if not name:
            raise ValidationFailed(
                "name_required", _("Please enter the person's name."), field="name"
            )
        phone = None
        if row.phone:
            try:
                phone = ids.normalize_phone(row.phone)
            except ids.IdentifierError as exc:
                raise identifier_error(exc, "phone") from exc
        username = row.username or None
        if username and (not USERNAME_RE.match(username) or ids.looks_like_phone(username)):
            raise ValidationFailed(
                "invalid_username", _("This username is not allowed."), field="username"
            )
        if not phone and not username:
            raise ValidationFailed(
                "login_required", _("A mobile number or a username is required."), field="phone"
            )
        rid = row.resident_id
        if rid is not None and row.id_number:
            raise ValueError("NewPerson: give id_number or resident_id, not both")
        if rid is None and row.id_number:
            try:
                rid = ids.parse_resident_id(row.id_number, today=today)
            except ids.IdentifierError as exc:
                raise identifier_error(exc, "id_number") from exc
        sex, birth_date = row.sex, row.birth_date
        cipher = digest = None
        masked = ""
        if rid is not None:
            cipher = crypto.encrypt(rid.number, secret=secret, context=ID_CONTEXT)
            digest = id_number_digest(rid.number)
            masked, birth_date, sex = rid.masked, rid.birth_date, rid.sex
        if phone is not None:
            if phone in seen_phone:
                raise twice("phone")
            seen_phone.add(phone)
        if username is not None:
            if username.lower() in seen_username:
                raise twice("username")
            seen_username.add(username.lower())
        if row.volunteer_no in seen_volunteer_no:
            raise twice("volunteer_no")
        seen_volunteer_no.add(row.volunteer_no)
        if digest is not None:
            if digest in seen_digest:
                raise twice("digest")
            seen_digest.add(digest)
        age = ids.age_on(birth_date, today) if birth_date else None
        if age is not None and age < GUARDIAN_RECORD_AGE and row.guardian is None:
            raise ValidationFailed(
                "guardian_consent_required",
                _("A child under 14 can be recorded only with a guardian's consent."),
                field="id_number",
            )
        if (
            consent_purposes
            and age is not None
            and age < VOLUNTEER_ADULT_AGE
            and row.guardian is None
        ):
            raise ValidationFailed(
                "guardian_consent_required",
                _(
                    "For a person under 18 the guardian gives consent; enter the guardian's name and relation."
                ),
                field="guardian_name",
            )
        rows.append(
            (
                name,
                phone,
                username,
                row.volunteer_no,
                sex,
                birth_date,
                cipher,
                digest,
                masked,
                password_hash if password_hash is not None else next(passwords),
            )
        )
    for field, values in (
        ("phone", seen["phone"]),
        ("volunteer_no", seen["volunteer_no"]),
        ("id_number_digest", seen["digest"]),
    ):
        if _existing(field, sorted(values)):
            code = {"id_number_digest": "id_number_taken"}.get(field, f"{field}_taken")
            raise Conflict(
                code,
                _("Some of these people are already registered (%(field)s).") % {"field": field},
                field=field,
            )
    if seen["username"]:
        for chunk in _chunks(sorted(seen["username"]), _LOOKUP_CHUNK):
            if (
                User.objects.annotate(lower_username=Lower("username"))
                .filter(lower_username__in=chunk)
                .exists()
            ):
                raise Conflict(
                    "username_taken", _("This username is already taken."), field="username"
                )
    consent_same = {
        "notice_version": settings.QINGSHE_NOTICE_VERSION,
        "given_at": timezone.now(),
        "recorded_by_id": actor.pk if getattr(actor, "pk", None) else None,  # type: ignore[union-attr]
    }
    created: list[User] = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        try:
            with transaction.atomic():
                saved: list[User] = insert_rows(User, _USER_COLUMNS, batch, instances=True)
        except IntegrityError as exc:
            raise _integrity_conflict(exc) from exc
        consents: list[tuple[Any, ...]] = []
        for user, row in zip(saved, people[start : start + batch_size], strict=True):
            guardian_name = row.guardian.guardian_name.strip() if row.guardian else ""
            guardian_relation = row.guardian.guardian_relation.strip() if row.guardian else ""
            consents.extend(
                (user.pk, purpose, guardian_name, guardian_relation) for purpose in consent_purposes
            )
        if consents:
            insert_rows(
                ConsentRecord,
                ("user_id", "purpose", "guardian_name", "guardian_relation"),
                consents,
                same=consent_same,
            )
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


_PROFILE_COLUMNS = (
    "user_id",
    "university_id",
    "department_id",
    "branch_id",
    "major",
    "grade",
    "student_no",
    "busy_slots",
    "home_region",
)


@transaction.atomic
def student_profiles_bulk_create(
    *,
    actor: User | None,
    rows: list[NewStudentProfile],
    batch_size: int = 1000,
    source: str = "",
    returning: bool = True,
) -> list[StudentProfile]:
    """Create many student profiles (for people who have none yet); university and department
    follow from each branch, exactly as in student_profile_save. Returns them, or with
    `returning=False` nothing (an empty list), for callers that do not use the objects: building
    them costs more than inserting their rows."""
    if actor is not None and not access.is_platform_staff(actor):
        branches = {r.branch.pk: r.branch for r in rows}
        if not all(access.holds_over(actor, b, access.ADMIN_ROLES) for b in branches.values()):
            raise AccessDenied("forbidden", _("You may not change these students' profiles."))
    branch_paths = {r.branch.pk: r.branch for r in rows}
    ancestor_ids = {a for b in branch_paths.values() for a in b.ancestor_ids()}
    ancestors = {
        o.pk: o for o in Organisation.objects.filter(pk__in=ancestor_ids).only("pk", "kind", "path")
    }
    chain: dict[int, tuple[Organisation, Organisation]] = {}
    for pk, branch in branch_paths.items():
        if branch.kind != OrgKind.CLASS_BRANCH:
            raise ValidationFailed(
                "invalid_branch", _("Choose a class league branch."), field="branch"
            )
        kinds = {ancestors[a].kind: ancestors[a] for a in branch.ancestor_ids() if a in ancestors}
        dep, uni = kinds.get(OrgKind.DEPARTMENT_COMMITTEE), kinds.get(OrgKind.UNIVERSITY_COMMITTEE)
        if dep is None or uni is None:
            raise ValidationFailed(
                "invalid_branch",
                _("This branch is not under a university department."),
                field="branch",
            )
        chain[pk] = (uni, dep)
    chain_ids = {pk: (uni.pk, dep.pk) for pk, (uni, dep) in chain.items()}
    this_year = timezone.localdate().year
    if rows_where_in(StudentProfile, ("user_id",), "user_id", (r.user.pk for r in rows)):
        raise Conflict("profile_exists", _("Some of these people already have a student profile."))
    values: list[tuple[Any, ...]] = []
    skills_of: list[list[str]] = []
    skill_names: set[str] = set()
    for r in rows:
        major = (r.major or "").strip()
        if not major:
            raise ValidationFailed("major_required", _("Please enter the major."), field="major")
        grade = int(r.grade)
        if not 1990 <= grade <= this_year:
            raise ValidationFailed(
                "invalid_grade",
                _("The grade is the year of entry, between 1990 and this year."),
                field="grade",
            )
        branch_id = r.branch.pk
        university_id, department_id = chain_ids[branch_id]
        names = sorted({s.strip() for s in r.skills if s and s.strip()}) if r.skills else []
        if any(len(n) > 40 for n in names):
            raise ValidationFailed(
                "invalid_skill", _("A skill name has at most 40 characters."), field="skills"
            )
        skill_names.update(names)
        skills_of.append(names)
        values.append(
            (
                r.user.pk,
                university_id,
                department_id,
                branch_id,
                major,
                grade,
                r.student_no.strip(),
                clean_busy_slots(r.busy_slots),
                r.home_region.strip(),
            )
        )
    Skill.objects.bulk_create([Skill(name=n) for n in sorted(skill_names)], ignore_conflicts=True)
    skill_ids = dict(Skill.objects.filter(name__in=skill_names).values_list("name", "pk"))
    through = StudentProfile.skills.through
    cache = [
        StudentProfile._meta.get_field(n) for n in ("user", "university", "department", "branch")
    ]
    created: list[StudentProfile] = []
    for start in range(0, len(values), batch_size):
        batch = values[start : start + batch_size]
        saved = insert_rows(StudentProfile, _PROFILE_COLUMNS, batch, instances=returning)
        keys = [p.pk for p in saved] if returning else saved
        links = [
            (pk, skill_ids[n])
            for pk, names in zip(keys, skills_of[start : start + batch_size], strict=True)
            for n in names
        ]
        if links:
            insert_rows(through, ("studentprofile_id", "skill_id"), links)
        if returning:
            # They know their person and organisations, as those given to bulk_create did.
            for p, r in zip(saved, rows[start : start + batch_size], strict=True):
                uni, dep = chain[r.branch.pk]
                for field, related in zip(cache, (r.user, uni, dep, r.branch), strict=True):
                    field.set_cached_value(p, related)  # type: ignore[union-attr]
            created.extend(saved)
        audit(
            actor=actor,
            action="student_profile.bulk_create",
            data={"count": len(keys), "first_id": keys[0], "last_id": keys[-1], "source": source},
        )
    return created
