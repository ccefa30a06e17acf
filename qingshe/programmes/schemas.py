"""API schemas of programmes, recruitment calls, applications and pairings (see programmes/api.py).

Inputs carry only the bounds that keep a request sane (lengths, ranges of fields the services do
not check); the business rules (quotas, windows, terms, states) stay in the services, so that the
pages and the API answer the same codes.
"""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import field_validator

from qingshe.orgs.models import Organisation
from qingshe.programmes.models import BranchApplication, Pairing, Programme, RecruitmentCall


# --- references ---------------------------------------------------------------------------------
class OrgRefOut(Schema):
    id: int = Field(..., description="ID of the organisation.")
    name: str = Field(..., description="Full name.")
    short_name: str = Field(..., description="Short name (may be empty).")
    kind: str = Field(..., description="Kind (`class_branch`, `community`, …).")


class ProgrammeRefOut(Schema):
    id: int = Field(..., description="ID of the programme year.")
    name: str = Field(..., description="Its name.")
    year: int = Field(..., description="The year.")


class CallRefOut(Schema):
    id: int = Field(..., description="ID of the recruitment call.")
    title: str = Field(..., description="Its title.")


def _aware(value: datetime) -> datetime:
    """A time without an offset is local time (Asia/Shanghai), as people write it."""
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_current_timezone())
    return value


# --- programmes ---------------------------------------------------------------------------------
class ProgrammeOut(Schema):
    id: int = Field(..., description="ID of the programme year.")
    name: str = Field(..., description="Name, e.g. 大学生社区实践计划.")
    year: int = Field(..., description="The programme's year.")
    state: str = Field(..., description="`draft`, `open` or `closed`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    owner: OrgRefOut = Field(..., description="The city or district league committee running it.")
    scope: list[OrgRefOut] = Field(
        ..., description="Organisations in scope; their whole subtrees take part."
    )
    branch_quota_pct: float = Field(
        ..., description="Share of each department's class branches that must take part (%)."
    )
    student_quota_pct: float = Field(
        ..., description="Share of each department's students that must take part (%)."
    )
    pairing_deadline: date = Field(..., description="Pairings are made by this day (local time).")
    start_deadline: date = Field(..., description="Pairings have started by this day.")
    case_deadline: date = Field(..., description="Typical cases are submitted by this day.")
    min_regular_semesters: int = Field(..., description="Minimum regular duty, in semesters.")
    min_concentrated_months: int = Field(
        ..., description="Minimum concentrated duty, in months (the alternative to regular duty)."
    )
    min_services_per_month: int = Field(
        ..., description="Minimum number of services per active pairing and month."
    )
    cases_per_department: int = Field(..., description="Typical cases each department must submit.")
    reminder_days: int = Field(
        ..., description="Reminders go out this many days before a deadline."
    )
    created_at: datetime = Field(..., description="When the programme was opened (UTC).")

    @staticmethod
    def resolve_state_label(obj: Programme) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_scope(obj: Programme) -> list[Organisation]:
        return list(obj.scope.all())


class ProgrammeFilter(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Only programmes of this year.")


class ProgrammeIn(Schema):
    owner: int = Field(
        ..., description="ID of the city or district league committee that runs the programme."
    )
    name: str = Field(..., max_length=120, description="Name of the programme.")
    year: int = Field(..., description="The year, e.g. 2026.")
    scope: list[int] = Field(
        ...,
        max_length=500,
        description="IDs of the organisations in scope (universities, departments, districts, "
        "streets); each must be visible to the caller.",
    )
    pairing_deadline: date = Field(..., description="Pairings are made by this day.")
    start_deadline: date = Field(
        ..., description="Pairings have started by this day (not before the pairing deadline)."
    )
    case_deadline: date = Field(..., description="Typical cases are submitted by this day.")
    branch_quota_pct: Decimal = Field(
        Decimal("25"), max_digits=5, decimal_places=2, description="Branch quota in %, 0–100."
    )
    student_quota_pct: Decimal = Field(
        Decimal("25"), max_digits=5, decimal_places=2, description="Student quota in %, 0–100."
    )
    min_regular_semesters: int = Field(
        1, ge=0, le=12, description="Minimum regular duty (semesters)."
    )
    min_concentrated_months: int = Field(
        1, ge=0, le=12, description="Minimum concentrated duty (months)."
    )
    min_services_per_month: int = Field(
        2, le=100, description="Minimum services per pairing and month (at least 1)."
    )
    cases_per_department: int = Field(3, le=100, description="Typical cases per department.")
    reminder_days: int = Field(7, ge=0, le=365, description="Days before a deadline to remind.")


# --- compliance ---------------------------------------------------------------------------------
class ComplianceQuery(Schema):
    under: int | None = Field(
        None,
        description="Drill down: only departments and pairings under this organisation "
        "(a district, university or department the caller can see).",
    )
    month: str | None = Field(
        None,
        max_length=7,
        description="The month whose services are counted, `YYYY-MM` (default: last month).",
    )


class DepartmentRowOut(Schema):
    department: OrgRefOut = Field(..., description="The department league committee.")
    university: OrgRefOut | None = Field(None, description="Its university league committee.")
    branches_taking_part: int = Field(
        ...,
        description="Class branches taking part (an approved pairing or a confirmed application).",
    )
    branches_total: int = Field(..., description="Active class branches of the department.")
    branches_pct: float = Field(..., description="branches_taking_part / branches_total, in %.")
    branches_met: bool = Field(..., description="Whether the branch quota is met.")
    students_taking_part: int = Field(
        ..., description="Students in branches taking part, each counted once."
    )
    students_total: int = Field(..., description="Students of the department, each counted once.")
    students_pct: float = Field(..., description="students_taking_part / students_total, in %.")
    students_met: bool = Field(..., description="Whether the student quota is met.")
    met: bool = Field(..., description="Both quotas met.")
    cases_submitted: int = Field(
        ..., description="Typical cases submitted, accepted or featured for this programme."
    )
    cases_required: int = Field(
        ..., description="Typical cases the programme asks of a department."
    )
    cases_met: bool = Field(..., description="Whether enough typical cases were submitted.")

    @staticmethod
    def resolve_branches_pct(obj: Any) -> float:
        return float(obj.branch_pct)

    @staticmethod
    def resolve_students_pct(obj: Any) -> float:
        return float(obj.student_pct)


class PairingFlagOut(Schema):
    pairing_id: int = Field(..., description="ID of the pairing.")
    unit: OrgRefOut = Field(..., description="The university side.")
    community: OrgRefOut = Field(..., description="The community side.")
    state: str = Field(..., description="State of the pairing.")
    created_at: datetime = Field(..., description="When it was proposed (UTC).")
    started_at: datetime | None = Field(None, description="When both sides had confirmed (UTC).")

    @staticmethod
    def resolve_pairing_id(obj: Pairing) -> int:
        return obj.pk


class LowFrequencyOut(PairingFlagOut):
    services_in_month: int = Field(
        ..., description="Services held in the month: records and duty shifts served."
    )

    @staticmethod
    def resolve_pairing_id(obj: Any) -> int:
        return obj.pairing.pk

    @staticmethod
    def resolve_unit(obj: Any) -> Organisation:
        return obj.pairing.unit

    @staticmethod
    def resolve_community(obj: Any) -> Organisation:
        return obj.pairing.community

    @staticmethod
    def resolve_state(obj: Any) -> str:
        return obj.pairing.state

    @staticmethod
    def resolve_created_at(obj: Any) -> datetime:
        return obj.pairing.created_at

    @staticmethod
    def resolve_started_at(obj: Any) -> datetime | None:
        return obj.pairing.started_at


class DistrictCoverageOut(Schema):
    district: OrgRefOut = Field(..., description="The district league committee.")
    communities_total: int = Field(..., description="Communities in the district.")
    communities_paired: int = Field(
        ..., description="Communities with an approved or active pairing."
    )
    pct: float = Field(..., description="Share of communities served (%).")

    @staticmethod
    def resolve_pct(obj: Any) -> float:
        return float(obj.pct)


class FeedbackIssueOut(Schema):
    """council (issue 8): an active pairing whose monthly work feedback form is missing or late."""

    pairing: PairingFlagOut = Field(..., description="The pairing.")
    missing: bool = Field(..., description="No form was filed for the month.")
    filed_at: datetime | None = Field(None, description="When the late form was filed (UTC).")

    @staticmethod
    def resolve_filed_at(obj: Any) -> datetime | None:
        return obj.form.filed_at if obj.form is not None else None


class ComplianceOut(Schema):
    programme: ProgrammeRefOut = Field(..., description="The programme year.")
    month: str = Field(..., description="The month whose services were counted, `YYYY-MM`.")
    under: OrgRefOut | None = Field(None, description="The drill-down organisation, if any.")
    branch_quota_pct: float = Field(..., description="The programme's branch quota (%).")
    student_quota_pct: float = Field(..., description="The programme's student quota (%).")
    min_services_per_month: int = Field(..., description="The minimum monthly frequency.")
    departments: list[DepartmentRowOut] = Field(
        ..., description="One row per department the caller may see, in tree order."
    )
    late_pairings: list[PairingFlagOut] = Field(
        ..., description="Pairings proposed after the pairing deadline."
    )
    not_started: list[PairingFlagOut] = Field(
        ..., description="Approved pairings not started by the start deadline."
    )
    low_frequency: list[LowFrequencyOut] = Field(
        ..., description="Active pairings with fewer services in the month than the minimum."
    )
    missing_cases: list[DepartmentRowOut] = Field(
        ..., description="Departments that have submitted fewer typical cases than required."
    )
    districts: list[DistrictCoverageOut] = Field(
        ..., description="Communities served per district (the drill-down from the city)."
    )
    feedback_issues: list[FeedbackIssueOut] = Field(
        default_factory=list,
        description="Active pairings whose work feedback form (工作情况反馈表) for the month is missing or late.",
    )


# --- recruitment calls --------------------------------------------------------------------------
class CallOut(Schema):
    id: int = Field(..., description="ID of the recruitment call.")
    programme: ProgrammeRefOut = Field(..., description="The programme year.")
    title: str = Field(..., description="Title.")
    criteria: str = Field(..., description="Selection criteria (may be empty).")
    opens_at: datetime = Field(..., description="Applications accepted from (UTC).")
    closes_at: datetime = Field(..., description="Applications accepted until (UTC).")
    is_open: bool = Field(..., description="Whether applications are accepted now.")

    @staticmethod
    def resolve_is_open(obj: RecruitmentCall) -> bool:
        return obj.opens_at <= timezone.now() <= obj.closes_at


class CallFilter(Schema):
    programme: int | None = Field(None, description="Only the calls of this programme.")


class CallIn(Schema):
    programme: int = Field(..., description="ID of the programme year.")
    title: str = Field(..., max_length=120, description="Title of the call.")
    criteria: str = Field("", max_length=5000, description="Selection criteria.")
    opens_at: datetime = Field(
        ..., description="Opening time, ISO 8601; without an offset it is Asia/Shanghai time."
    )
    closes_at: datetime = Field(
        ..., description="Closing time (after the opening), ISO 8601; local time without offset."
    )

    @field_validator("opens_at", "closes_at")
    @classmethod
    def _local_if_naive(cls, value: datetime) -> datetime:
        return _aware(value)


# --- applications -------------------------------------------------------------------------------
class ApplicationOut(Schema):
    id: int = Field(..., description="ID of the application.")
    state: str = Field(
        ...,
        description="`submitted`, `returned`, `recommended`, `reviewed`, `confirmed` or `rejected`.",
    )
    state_label: str = Field(..., description="The state, in the request's language.")
    programme: ProgrammeRefOut = Field(..., description="The programme year.")
    call: CallRefOut = Field(..., description="The recruitment call applied to.")
    branch: OrgRefOut = Field(..., description="The applying class branch.")
    excellent_branch: bool = Field(..., description="Honoured as 优秀团支部.")
    excellent_class: bool = Field(..., description="Honoured as 优秀班集体.")
    excellent_cadre: bool = Field(..., description="The secretary honoured as 优秀团干部.")
    other_honours: str = Field(..., description="Other honours (free text).")
    honours_score: int = Field(..., description="How many of the three honours it holds (0–3).")
    statement: str = Field(..., description="Why the branch should take part.")
    last_reason: str = Field(
        ..., description="The reason given when it was last returned or rejected."
    )
    created_at: datetime = Field(..., description="When it was submitted (UTC).")
    updated_at: datetime = Field(..., description="When it last changed (UTC).")

    @staticmethod
    def resolve_state_label(obj: BranchApplication) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_programme(obj: BranchApplication) -> Programme:
        return obj.call.programme


class ApplicationFilter(Schema):
    state: BranchApplication.State | None = Field(None, description="Only this state.")
    programme: int | None = Field(None, description="Only this programme's applications.")
    waiting: bool = Field(
        False, description="Only what waits for the caller's decision (or resubmission)."
    )


class ApplicationIn(Schema):
    call: int = Field(..., description="ID of the recruitment call (open now).")
    branch: int = Field(..., description="ID of the applying class branch.")
    statement: str = Field(
        ...,
        max_length=5000,
        description="Why the branch should take part (at least 20 characters).",
    )
    excellent_branch: bool = Field(False, description="Honoured as 优秀团支部.")
    excellent_class: bool = Field(False, description="Honoured as 优秀班集体.")
    excellent_cadre: bool = Field(False, description="The secretary honoured as 优秀团干部.")
    other_honours: str = Field("", max_length=200, description="Other honours.")


class ResubmitIn(Schema):
    statement: str = Field(..., max_length=5000, description="The revised statement.")
    excellent_branch: bool | None = Field(None, description="Changed honour; null keeps it.")
    excellent_class: bool | None = Field(None, description="Changed honour; null keeps it.")
    excellent_cadre: bool | None = Field(None, description="Changed honour; null keeps it.")
    other_honours: str | None = Field(None, max_length=200, description="Null keeps it.")


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000, description="Why (required, shown to the applicant).")


# --- pairings -----------------------------------------------------------------------------------
class PairingOut(Schema):
    id: int = Field(..., description="ID of the pairing.")
    programme: ProgrammeRefOut = Field(..., description="The programme year.")
    unit: OrgRefOut = Field(
        ..., description="The university side (class branch, department or volunteer team)."
    )
    community: OrgRefOut = Field(..., description="The community side (community or street).")
    state: str = Field(..., description="`proposed`, `approved`, `active`, `ended` or `rejected`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    term_start: date = Field(..., description="First day of the term.")
    term_end: date = Field(..., description="Last day of the term.")
    approved_at: datetime | None = Field(None, description="When the committee approved it.")
    unit_confirmed_at: datetime | None = Field(
        None, description="When the university side confirmed the agreement."
    )
    community_confirmed_at: datetime | None = Field(
        None, description="When the community side confirmed the agreement."
    )
    agreement_confirmed: bool = Field(..., description="Both sides confirmed the agreement.")
    started_at: datetime | None = Field(None, description="When it became active.")
    ended_at: datetime | None = Field(None, description="When it ended.")
    reason: str = Field(..., description="The reason given when it was rejected or ended.")
    suggestion_reasons: list[str] = Field(
        ..., description="Why it was suggested, when it came from a suggestion."
    )
    created_at: datetime = Field(..., description="When it was proposed (UTC).")

    @staticmethod
    def resolve_state_label(obj: Pairing) -> str:
        return str(obj.get_state_display())


class PairingFilter(Schema):
    programme: int | None = Field(None, description="Only this programme's pairings.")
    state: Pairing.State | None = Field(None, description="Only this state.")


class PairingIn(Schema):
    programme: int = Field(..., description="ID of the programme year.")
    unit: int = Field(..., description="ID of the university side (a class branch, …).")
    community: int = Field(..., description="ID of the community or street.")
    term_start: date = Field(..., description="First day of the term.")
    term_end: date = Field(..., description="Last day of the term (not before the first).")
    suggestion_reasons: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="The reasons of the suggestion it came from, if any.",
    )

    @field_validator("suggestion_reasons")
    @classmethod
    def _short_reasons(cls, value: list[str]) -> list[str]:
        return [r.strip()[:200] for r in value if r.strip()]


class ConfirmIn(Schema):
    side: Literal["unit", "community"] = Field(
        ..., description="Which side confirms the agreement: `unit` or `community`."
    )


class ServiceIn(Schema):
    held_on: date = Field(..., description="The day the service was held (within the term).")
    title: str = Field(..., max_length=120, description="What was done.")
    participants: int = Field(0, ge=0, le=10000, description="How many took part.")


class ServiceOut(Schema):
    id: int = Field(..., description="ID of the service record.")
    pairing_id: int = Field(..., description="ID of the pairing.")
    held_on: date = Field(..., description="The day it was held.")
    title: str = Field(..., description="What was done.")
    participants: int = Field(..., description="How many took part.")
    created_at: datetime = Field(..., description="When it was recorded (UTC).")


class SuggestionQuery(Schema):
    programme: int = Field(..., description="ID of the programme year.")
    limit: int = Field(5, ge=1, le=20, description="Suggestions per branch (default 5).")


class SuggestionOut(Schema):
    community: OrgRefOut = Field(..., description="The suggested community.")
    score: float = Field(..., description="How good a match it is, 0–1 (higher is better).")
    distance_km: float | None = Field(
        None, description="Distance from the campus in km; null when a location is unknown."
    )
    reasons: list[str] = Field(..., description="Why it is suggested, in words.")


class BranchSuggestionsOut(Schema):
    branch: OrgRefOut = Field(..., description="An unpaired class branch.")
    suggestions: list[SuggestionOut] = Field(..., description="Best first.")
