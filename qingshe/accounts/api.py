"""API: issuing bearer tokens and the current person (`/auth/token`, `/me`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.http import HttpRequest
from ninja import Field, Router, Schema

from qingshe.accounts import selectors, services
from qingshe.accounts.models import ConsentPurpose, StudentProfile, User
from qingshe.api import messages as m
from qingshe.api.errors import ApiError
from qingshe.api.schemas import error_responses
from qingshe.orgs import selectors as org_selectors
from qingshe.orgs.models import Membership, Post

router = Router(tags=["accounts"])


# --- schemas ------------------------------------------------------------------------------------
class TokenIn(Schema):
    login: str = Field(
        ...,
        min_length=1,
        max_length=60,
        description="Mobile number (with or without +86) or username.",
    )
    password: str = Field(..., min_length=1, max_length=256, description="The account's password.")


class UserBriefOut(Schema):
    id: int = Field(..., description="Internal ID of the person.")
    name: str = Field(..., description="Name.")
    volunteer_no: str = Field(
        ..., description="Volunteer number (志愿者编号), the public identifier."
    )
    language: str = Field(..., description="Preferred language: `zh-hans` or `en`.")


class TokenOut(Schema):
    token: str = Field(..., description="Send as `Authorization: Bearer <token>`. Shown only once.")
    expires_at: datetime = Field(..., description="When the token stops working (UTC).")
    user: UserBriefOut


class MembershipOut(Schema):
    id: int = Field(..., description="ID of the membership.")
    org_id: int = Field(..., description="ID of the organisation.")
    org_name: str = Field(..., description="Full name of the organisation.")
    org_kind: str = Field(..., description="Kind of organisation (`community`, `class_branch`, …).")
    org_kind_label: str = Field(..., description="The kind, in the request's language.")
    role: str = Field(..., description="Role code (`student`, `community_staff`, …).")
    role_label: str = Field(
        ..., description="The role, in the request's language (Chinese by default)."
    )

    @staticmethod
    def resolve_org_name(obj: Membership) -> str:
        return obj.org.name

    @staticmethod
    def resolve_org_kind(obj: Membership) -> str:
        return obj.org.kind

    @staticmethod
    def resolve_org_kind_label(obj: Membership) -> str:
        return str(obj.org.get_kind_display())

    @staticmethod
    def resolve_role_label(obj: Membership) -> str:
        return str(obj.get_role_display())


class PostOut(Schema):
    id: int = Field(..., description="ID of the post.")
    org_id: int = Field(..., description="ID of the organisation where the post is held.")
    org_name: str = Field(..., description="Full name of that organisation.")
    kind: str = Field(..., description="Kind of post (`assistant_director`, `grid_leader`, …).")
    kind_label: str = Field(..., description="The kind of post, in the request's language.")
    title: str = Field(..., description="The post's title (the kind's label when none was given).")
    start_date: date = Field(..., description="First day of the term.")
    end_date: date | None = Field(None, description="Last day of the term; null when open-ended.")

    @staticmethod
    def resolve_org_name(obj: Post) -> str:
        return obj.org.name

    @staticmethod
    def resolve_kind_label(obj: Post) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_title(obj: Post) -> str:
        return obj.display_title


class BusySlotOut(Schema):
    weekday: int = Field(..., description="0 = Monday … 6 = Sunday.")
    start: str = Field(..., description="Start, HH:MM local time.")
    end: str = Field(..., description="End, HH:MM local time.")
    label: str = Field("", description="What the time is taken by (a class, …).")


class StudentOut(Schema):
    university_id: int = Field(..., description="ID of the university league committee.")
    university_name: str = Field(..., description="Its name.")
    department_id: int = Field(..., description="ID of the department league committee.")
    department_name: str = Field(..., description="Its name.")
    branch_id: int = Field(..., description="ID of the class league branch.")
    branch_name: str = Field(..., description="Its name.")
    student_no: str = Field(..., description="Student number (may be empty).")
    major: str = Field(..., description="Major.")
    grade: int = Field(..., description="Grade: the year of entry.")
    skills: list[str] = Field(..., description="Names of the student's skills.")
    busy_slots: list[BusySlotOut] = Field(..., description="Weekly timetable: busy periods.")
    home_region: str = Field(..., description="Home region (for concentrated duty near home).")

    @staticmethod
    def resolve_university_name(obj: StudentProfile) -> str:
        return obj.university.name

    @staticmethod
    def resolve_department_name(obj: StudentProfile) -> str:
        return obj.department.name

    @staticmethod
    def resolve_branch_name(obj: StudentProfile) -> str:
        return obj.branch.name

    @staticmethod
    def resolve_skills(obj: StudentProfile) -> list[str]:
        return [s.name for s in obj.skills.all()]


class ConsentOut(Schema):
    notice_version: str = Field(
        ..., description="The current version of the personal-information notice."
    )
    given: bool = Field(
        ..., description="Whether the person consented to this version (and has not withdrawn)."
    )
    given_at: datetime | None = Field(None, description="When they consented.")
    by_guardian: bool = Field(False, description="Whether a guardian consented for them (minors).")


class MeOut(Schema):
    id: int = Field(..., description="Internal ID of the person.")
    name: str = Field(..., description="Name.")
    volunteer_no: str = Field(
        ..., description="Volunteer number (志愿者编号), the public identifier."
    )
    phone: str = Field(..., description="Mobile number, masked (138****5678); empty if none.")
    username: str = Field(..., description="Username (may be empty).")
    id_number: str = Field(
        ..., description="Resident ID number, masked (first 6 and last 4 shown); empty if none."
    )
    sex: str = Field(..., description="`M`, `F` or empty.")
    sex_label: str = Field(..., description="The sex, in the request's language.")
    birth_date: date | None = Field(None, description="Date of birth.")
    language: str = Field(..., description="Preferred language: `zh-hans` or `en`.")
    memberships: list[MembershipOut] = Field(..., description="Active roles in organisations.")
    posts: list[PostOut] = Field(..., description="Concurrent posts (兼职), current and past.")
    student: StudentOut | None = Field(None, description="Student profile; null for non-students.")
    consent: ConsentOut = Field(
        ..., description="Consent to the current personal-information notice."
    )


# --- endpoints ----------------------------------------------------------------------------------
def _cooloff_minutes() -> int:
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", None)
    return max(1, int(cooloff.total_seconds() // 60)) if cooloff else 0


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, **error_responses(401, 422, 429)},
    summary="Issue a bearer token",
)
def token_create(request: HttpRequest, payload: TokenIn) -> Any:
    """Log in with a mobile number or username and a password; get a bearer token.

    Failures are counted by django-axes: after 5 failures for the same login and address the
    login is locked for the cool-off time and every attempt, even with the right password, is
    answered 429 `locked_out` (with `Retry-After`). A wrong login or password is 401
    `invalid_credentials`.
    """
    user = authenticate(request=request, username=payload.login, password=payload.password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            # The API answers the lockout itself, in its error shape; without this AxesMiddleware
            # would replace the response with the HTML lockout page.
            request.axes_locked_out = False  # type: ignore[attr-defined]
            minutes = _cooloff_minutes()
            raise ApiError(
                429,
                "locked_out",
                m.LOCKED_OUT % {"minutes": minutes},
                retry_after=minutes * 60 or None,
            )
        raise ApiError(401, "invalid_credentials", m.INVALID_CREDENTIALS)
    # Issuing a token is a login: Django records last_login; axes resets the failures counted
    # under the account's canonical login (accounts.backends.axes_login_key).
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    raw, token = services.token_issue(user=user)
    return {"token": raw, "expires_at": token.expires_at, "user": user}


@router.get("/me", response={200: MeOut, **error_responses(401)}, summary="The current person")
def me(request: HttpRequest) -> Any:
    """Who the caller is: identity (phone and ID number masked), roles, posts, student profile
    and consent to the current personal-information notice."""
    user: User = request.auth  # type: ignore[attr-defined]
    consent = selectors.current_consent_of(person=user, purpose=ConsentPurpose.PRIVACY_NOTICE)
    return {
        "id": user.pk,
        "name": user.name,
        "volunteer_no": user.volunteer_no,
        "phone": selectors.phone_for_viewer(viewer=user, person=user, in_list=True),
        "username": user.username or "",
        "id_number": user.id_number_masked,
        "sex": user.sex,
        "sex_label": str(user.get_sex_display()) if user.sex else "",
        "birth_date": user.birth_date,
        "language": user.language,
        "memberships": list(org_selectors.memberships_of(person=user)),
        "posts": list(org_selectors.posts_of(person=user)),
        "student": selectors.student_profile_of(person=user),
        "consent": {
            "notice_version": settings.QINGSHE_NOTICE_VERSION,
            "given": consent is not None,
            "given_at": consent.given_at if consent else None,
            "by_guardian": consent.by_guardian if consent else False,
        },
    }
