"""API schemas of credit: hours ledger entries, certificates and their public verification."""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class LedgerEntryOut(Schema):
    seq: int = Field(..., description="Number of the entry in the person's ledger, from 1.")
    kind: str = Field(
        ...,
        description="`service` (confirmed attendance), `reversal` (cancels entry `reverses`), `correction` (the corrected service).",
    )
    hours: Decimal = Field(..., description="Hours, to the half hour; negative for a reversal.")
    service_date: date = Field(..., description="Local date of the service.")
    starts_at: datetime | None = Field(None, description="Confirmed start.")
    ends_at: datetime | None = Field(None, description="Confirmed end.")
    activity: str = Field(
        ..., alias="activity_title", description="The activity, as it was named when recorded."
    )
    duty_mode: str = Field(
        ..., description="`regular`, `concentrated` (counted as social practice) or `stage`."
    )
    place: str = Field(..., description="Where the service took place.")
    content: str = Field(
        ...,
        description="Content of the service (the activity's description or the remote work log).",
    )
    organiser: str = Field(..., alias="organiser_name", description="The organising unit.")
    person_in_charge: str = Field(
        ..., description="The shift's leader (or the activity's organiser)."
    )
    confirmed_by: str = Field(
        ..., alias="confirmer_name", description="Who confirmed the attendance."
    )
    recipient: str = Field(..., description="The service recipient, where known.")
    attendance_id: int | None = Field(None, description="The attendance the entry came from.")
    reverses: int | None = Field(
        None, description="For a reversal: the `seq` of the entry it cancels."
    )
    reason: str = Field(..., description="Why (corrections and reversals).")
    recorded_by: str = Field(
        ..., alias="actor_name", description="Who made the change (corrections)."
    )
    recorded_at: datetime = Field(..., description="When the entry was written.")
    hash: str = Field(
        ..., description="SHA-256 of the entry's content chained to the previous entry's hash."
    )

    @staticmethod
    def resolve_reverses(obj: Any) -> int | None:
        return obj.reverses.seq if obj.reverses_id else None


class CertificateIn(Schema):
    period_start: date = Field(..., description="First day of the period to certify.")
    period_end: date = Field(..., description="Last day (today at the latest).")
    person: int | None = Field(
        None, description="For an admin: the person to certify (default: the caller)."
    )


class RevokeIn(Schema):
    reason: str = Field(..., max_length=200, description="Why the certificate is revoked.")


class CertificateOut(Schema):
    code: str = Field(..., description="The verification code (printed and in the QR code).")
    number: str = Field(..., description="The certificate number.")
    person: int = Field(..., alias="user_id", description="ID of the certified person.")
    period_start: date
    period_end: date
    hours: str = Field(..., description="Certified hours.")
    issued_at: datetime
    revoked_at: datetime | None = None
    verify_url: str = Field(
        ..., description="The public verification page (what the QR code opens)."
    )
    pdf_url: str = Field(
        ..., description="The certificate as PDF (the person and admins over them)."
    )

    @staticmethod
    def resolve_hours(obj: Any) -> str:
        return str(obj.statement.get("hours", ""))

    @staticmethod
    def resolve_verify_url(obj: Any, context: Any) -> str:
        from django.urls import reverse

        return context["request"].build_absolute_uri(reverse("certificate_verify", args=[obj.code]))

    @staticmethod
    def resolve_pdf_url(obj: Any, context: Any) -> str:
        from django.urls import reverse

        return context["request"].build_absolute_uri(
            reverse("api-v1:certificate_pdf", args=[obj.code])
        )


class VerificationOut(Schema):
    code: str = Field(..., description="The code as checked (upper case).")
    verdict: str = Field(
        ...,
        description="`genuine`, `revoked` (genuine but revoked) or `tampered` (the stored content does not match its signature).",
    )
    valid: bool = Field(..., description="Genuine and not revoked.")
    genuine: bool = Field(..., description="The platform signed exactly the statement shown.")
    message: str = Field(..., description="The verdict in words, in the request's language.")
    revoked_at: datetime | None = Field(None, description="When it was revoked.")
    statement: dict[str, Any] | None = Field(
        None, description="What the certificate states (only when genuine)."
    )
    key_id: str = Field("", description="The signing key's id.")
    signature: str = Field(
        "", description="Base64 Ed25519 signature of the canonical statement (only when genuine)."
    )
    public_key: str = Field(
        "", description="Base64 raw Ed25519 public key of `key_id` (only when genuine)."
    )
