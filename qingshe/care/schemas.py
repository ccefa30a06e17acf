"""Schemas of the care API. What leaves the server about a beneficiary in a list is masked:
kind, masked name, age, community. The sensitive fields only come from `POST .../reveal`."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from qingshe.care.models import Beneficiary, HelpRelationship, Visit
from qingshe.lib import ids


class BeneficiaryIn(Schema):
    community: int = Field(..., description="ID of the community (the caller holds its care role).")
    kind: str = Field(
        ...,
        description="migrant_child, poor_family_child, at_risk_youth, elder_alone, disabled, zero_employment, hardship.",
    )
    name: str = Field(..., max_length=40)
    birth_date: date | None = Field(None, description="Required unless an ID number gives it.")
    id_number: str = Field("", description="Optional resident ID number; stored encrypted.")
    phone: str = ""
    address: str = Field("", description="Address within the community.")
    guardian_name: str = Field("", description="Required under 18.")
    guardian_phone: str = Field("", description="Required under 18.")
    needs: str = ""
    lives_alone: bool = False
    consent_given_by: str | None = Field(
        None,
        description="`self` or `guardian` (guardian required under 18; nothing is recorded under 14 without it).",
    )
    consent_guardian_relation: str = ""
    consent_given_on: date | None = None


class BeneficiaryOut(Schema):
    id: int
    kind: str
    kind_label: str
    name_masked: str
    age: int
    minor: bool
    lives_alone: bool
    community: int
    community_name: str
    state: str

    @staticmethod
    def from_model(b: Beneficiary) -> dict[str, Any]:
        age = ids.age_on(b.birth_date, timezone.localdate())
        return {
            "id": b.pk,
            "kind": b.kind,
            "kind_label": str(b.get_kind_display()),
            "name_masked": b.name_masked,
            "age": age,
            "minor": age < 18,
            "lives_alone": b.lives_alone,
            "community": b.community_id,
            "community_name": b.community.name,
            "state": b.state,
        }


class RevealIn(Schema):
    reason: str = Field(
        "",
        description="Why the details are needed; required unless the caller is an assigned helper. Audited.",
    )


class DetailsOut(Schema):
    name: str
    id_number: str = Field("", description="Masked (first 6, last 4).")
    phone: str = Field("", description="Masked except for the care role.")
    address: str
    guardian_name: str
    guardian_relation: str
    guardian_phone: str
    needs: str


class RelationshipIn(Schema):
    beneficiary: int
    mode: str = Field(..., description="`one_to_one` or `many_to_one`.")
    helpers: list[str] = Field(
        ..., description="Volunteer numbers of the helpers (one for one-to-one)."
    )
    team: int | None = Field(None, description="The branch or team (many-to-one).")
    subject: str = ""
    term_start: date
    term_end: date
    goals: str
    supervisor: str | None = Field(
        None, description="Volunteer number of the supervisor (community staff or instructor)."
    )


class PersonOut(Schema):
    volunteer_no: str
    name: str


class RelationshipOut(Schema):
    id: int
    beneficiary: BeneficiaryOut
    mode: str
    subject: str
    team_name: str
    term_start: date
    term_end: date
    goals: str
    supervisor: PersonOut | None
    status: str
    status_label: str
    end_reason: str
    helpers: list[PersonOut]

    @staticmethod
    def from_model(r: HelpRelationship, helpers: list[Any]) -> dict[str, Any]:
        person = lambda u: {"volunteer_no": u.volunteer_no, "name": u.name}  # noqa: E731
        return {
            "id": r.pk,
            "beneficiary": BeneficiaryOut.from_model(r.beneficiary),
            "mode": r.mode,
            "subject": r.subject,
            "team_name": r.team.name if r.team else "",
            "term_start": r.term_start,
            "term_end": r.term_end,
            "goals": r.goals,
            "supervisor": person(r.supervisor) if r.supervisor else None,
            "status": r.status,
            "status_label": str(r.get_status_display()),
            "end_reason": r.end_reason,
            "helpers": [person(h) for h in helpers],
        }


class VisitIn(Schema):
    started_at: datetime = Field(..., description="With its time zone.")
    minutes: int = Field(..., description="15 to 720.")
    done: str = Field(..., description="What was done.")
    observations: str = Field(
        "", description="Kept encrypted; seen by helpers, supervisor and care role."
    )
    concern: str = Field("", description="Raises a concern that alerts the supervisor.")
    concern_priority: str = Field(
        "urgent", description="`urgent` (also alerts the care role) or `normal`."
    )


class VisitOut(Schema):
    id: int
    relationship: int
    helper: PersonOut
    started_at: datetime
    ended_at: datetime
    done: str
    state: str
    state_label: str
    hours: Decimal | None = Field(None, description="Credited hours once confirmed.")

    @staticmethod
    def from_model(v: Visit) -> dict[str, Any]:
        return {
            "id": v.pk,
            "relationship": v.relationship_id,
            "helper": {"volunteer_no": v.helper.volunteer_no, "name": v.helper.name},
            "started_at": v.started_at,
            "ended_at": v.ended_at,
            "done": v.done,
            "state": v.state,
            "state_label": str(v.get_state_display()),
            "hours": v.attendance.credited_hours if v.attendance is not None else None,
        }


class RejectIn(Schema):
    reason: str


class StatsRowOut(Schema):
    kind: str
    label: str
    helped: int
    relationships: int
    hours: Decimal


class StatsOut(Schema):
    helped: int
    relationships: int
    hours: Decimal
    rows: list[StatsRowOut]
