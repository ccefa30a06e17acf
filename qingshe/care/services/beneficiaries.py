"""Recording beneficiaries with their consent, the care role, and the audited reading of a
beneficiary's sensitive fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.care import sealing, visibility
from qingshe.care.models import Beneficiary, BeneficiaryKind, CareRole, Consent
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.lib import ids
from qingshe.orgs.models import Organisation, OrgKind, Role

GUARDIAN_RECORD_AGE = 14  # under this, nothing is recorded without the guardian's consent
ADULT_AGE = 18  # under this, the guardian consents
MAX_AGE = 120
MAX_TEXT = {"name": 20, "address": 120, "guardian_name": 20, "guardian_relation": 10, "needs": 1000}


@dataclass(frozen=True)
class ConsentIn:
    """The consent on file: given by the person ("self") or the guardian ("guardian")."""

    given_by: str
    given_on: date | None = None
    guardian_relation: str = ""
    notice_version: str = ""


def age_of(birth_date: date, today: date | None = None) -> int:
    return ids.age_on(birth_date, today or timezone.localdate())


@transaction.atomic
def care_role_grant(*, actor: Any, user: Any, community: Organisation) -> CareRole:
    """The community's league secretary (or a league admin above) gives a staff member the
    care role."""
    if not (
        access.is_platform_staff(actor)
        or access.holds_over(actor, community, {Role.COMMUNITY_SECRETARY, Role.LEAGUE_ADMIN})
    ):
        raise AccessDenied("forbidden", _("You may not give the care role in this community."))
    if not access.holds_over(user, community, visibility.COMMUNITY_SIDE_ROLES):
        raise ValidationFailed(
            "not_community_staff",
            _("Only the community's own staff can hold the care role."),
            field="user",
        )
    role, _created = CareRole.objects.update_or_create(
        user=user, community=community, defaults={"is_active": True, "granted_by": actor}
    )
    visibility.forget(user)
    audit(actor=actor, action="care.role.grant", obj=role, org=community)
    return role


def _text(value: str | None, field: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        messages = {
            "name": _("Enter the beneficiary's name."),
            "guardian_name": _("Enter the guardian's name."),
            "guardian_relation": _("Enter the guardian's relation to the beneficiary."),
        }
        raise ValidationFailed(
            f"{field}_required", messages.get(field, _("This field is required.")), field=field
        )
    if len(value) > MAX_TEXT.get(field, 200):
        raise ValidationFailed("too_long", _("This text is too long."), field=field)
    return value


def _phone(value: str | None, field: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationFailed(
                "guardian_phone_required",
                _("A minor's guardian must be reachable: enter a mobile number."),
                field=field,
            )
        return ""
    try:
        return ids.normalize_phone(value)
    except ids.IdentifierError:
        raise ValidationFailed(
            "invalid_phone",
            _("Enter a valid mainland mobile number (11 digits starting with 1)."),
            field=field,
        ) from None


def _consent_checks(consent: ConsentIn | None, age: int) -> ConsentIn:
    if consent is None or consent.given_by not in Consent.GivenBy.values:
        if age < GUARDIAN_RECORD_AGE:
            raise ValidationFailed(
                "guardian_consent_required",
                _("A child under 14 can be recorded only with the guardian's consent on file."),
                field="consent",
            )
        raise ValidationFailed(
            "consent_required",
            _("Record the consent before recording the person."),
            field="consent",
        )
    if age < ADULT_AGE and consent.given_by != Consent.GivenBy.GUARDIAN:
        code = "guardian_consent_required"
        if age < GUARDIAN_RECORD_AGE:
            message = _(
                "A child under 14 can be recorded only with the guardian's consent on file."
            )
        else:
            message = _("For a beneficiary under 18 the guardian gives consent.")
        raise ValidationFailed(code, message, field="consent")
    if consent.given_on is not None and consent.given_on > timezone.localdate():
        raise ValidationFailed(
            "consent_in_future", _("The consent cannot be dated in the future."), field="consent"
        )
    return consent


@transaction.atomic
def beneficiary_create(
    *,
    actor: Any,
    community: Organisation,
    kind: str,
    name: str,
    birth_date: date | None,
    consent: ConsentIn | None,
    id_number: str = "",
    phone: str = "",
    address: str = "",
    guardian_name: str = "",
    guardian_phone: str = "",
    needs: str = "",
    lives_alone: bool = False,
) -> Beneficiary:
    """Record a beneficiary together with the consent on file; nothing is written without it."""
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationFailed("invalid_community", _("Choose a community."), field="community")
    if not access.can(actor, "care.beneficiary.create", community):
        raise AccessDenied(
            "forbidden", _("Only the community's staff with the care role record beneficiaries.")
        )
    if kind not in BeneficiaryKind.values:
        raise ValidationFailed("invalid_kind", _("Choose the kind of help."), field="kind")
    name = _text(name, "name", required=True)
    number = ""
    if (id_number or "").strip():
        try:
            rid = ids.parse_resident_id(id_number, today=timezone.localdate())
        except ids.IdentifierError:
            raise ValidationFailed(
                "invalid_id_number",
                _("The ID number is not valid; please check it."),
                field="id_number",
            ) from None
        number = rid.number
        if birth_date is not None and birth_date != rid.birth_date:
            raise ValidationFailed(
                "birth_date_mismatch",
                _("The date of birth does not match the ID number."),
                field="birth_date",
            )
        birth_date = rid.birth_date
    if birth_date is None:
        raise ValidationFailed(
            "birth_date_required", _("Enter the date of birth."), field="birth_date"
        )
    age = age_of(birth_date)
    if birth_date > timezone.localdate() or age > MAX_AGE:
        raise ValidationFailed(
            "invalid_birth_date", _("Enter a real date of birth."), field="birth_date"
        )
    consent = _consent_checks(consent, age)
    minor = age < ADULT_AGE
    guardian_name = _text(
        guardian_name,
        "guardian_name",
        required=minor or consent.given_by == Consent.GivenBy.GUARDIAN,
    )
    relation = _text(
        consent.guardian_relation,
        "guardian_relation",
        required=consent.given_by == Consent.GivenBy.GUARDIAN,
    )
    data = {
        "name": name,
        "id_number": number,
        "phone": _phone(phone, "phone"),
        "address": _text(address, "address"),
        "guardian_name": guardian_name,
        "guardian_relation": relation,
        "guardian_phone": _phone(guardian_phone, "guardian_phone", required=minor),
        "needs": _text(needs, "needs"),
    }
    try:
        with transaction.atomic():
            beneficiary = Beneficiary.objects.create(
                community=community,
                kind=kind,
                birth_date=birth_date,
                lives_alone=bool(lives_alone),
                sealed=sealing.seal(data, context=sealing.BENEFICIARY_CONTEXT),
                name_masked=sealing.mask_name(name),
                id_number_digest=sealing.id_digest(number) if number else None,
                recorded_by=actor,
            )
    except IntegrityError:
        raise Conflict(
            "already_recorded", _("This person is already recorded as a beneficiary.")
        ) from None
    record = Consent.objects.create(
        beneficiary=beneficiary,
        given_by=consent.given_by,
        guardian_relation=relation,
        notice_version=consent.notice_version or settings.QINGSHE_NOTICE_VERSION,
        given_on=consent.given_on or timezone.localdate(),
        recorded_by=actor,
    )
    audit(
        actor=actor,
        action="care.beneficiary.create",
        obj=beneficiary,
        org=community,
        data={"kind": kind, "minor": minor, "consent": record.given_by},
    )
    return beneficiary


@transaction.atomic
def beneficiary_reveal(*, actor: Any, beneficiary: Beneficiary, reason: str = "") -> dict[str, Any]:
    """The sensitive fields of a beneficiary, for someone allowed to see them. An assigned helper
    reads them directly; a supervisor or the care role gives a reason, which is audited with
    who and when (as is every read). Contact data is masked for everyone but the care role."""
    if not access.can(actor, "care.beneficiary.view", beneficiary):
        raise NotFound("not_found", _("No such beneficiary."))
    reason = (reason or "").strip()
    assigned = access.can(actor, "care.beneficiary.view_without_reason", beneficiary)
    if not assigned and len(reason) < 4:
        raise ValidationFailed(
            "reason_required",
            _("Say why you need to see this person's details (at least 4 characters)."),
            field="reason",
        )
    data = sealing.unseal(beneficiary.sealed, context=sealing.BENEFICIARY_CONTEXT)
    care_role = beneficiary.community_id in visibility.care_community_ids(actor)
    if data.get("id_number"):
        data["id_number"] = ids.mask_resident_id(data["id_number"])
    if not care_role:
        for field in ("phone", "guardian_phone"):
            if data.get(field) and not (assigned and field == "guardian_phone"):
                data[field] = sealing.mask_phone(data[field])
    audit(
        actor=actor,
        action="care.beneficiary.reveal",
        obj=beneficiary,
        org=beneficiary.community,
        data={
            "reason": reason[:200] or "assigned helper",
            "as": "care_role" if care_role else ("helper" if assigned else "supervisor"),
        },
    )
    return data
