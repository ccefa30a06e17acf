"""Reads of people that depend on who asks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from qingshe.accounts.models import ConsentRecord, StudentProfile, User
from qingshe.core import access
from qingshe.core.errors import NotFound
from qingshe.lib.ids import mask_phone


def person_get_for_user(*, user: Any, person_id: int) -> User:
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None or not access.can(user, "person.view", person):
        raise NotFound("not_found", _("No such person."))
    return person


def people_for_user(*, user: Any, q: str = "") -> QuerySet[User]:
    qs = User.objects.filter(access.people_q(user, "person.view"), is_active=True)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("name", "pk")


def phone_for_viewer(*, viewer: Any, person: User, in_list: bool = True) -> str:
    """Lists always mask (3+4); a single profile shows the number to those who look after it."""
    if not person.phone:
        return ""
    if not in_list and access.can(viewer, "person.view_contact", person):
        return person.phone
    return mask_phone(person.phone)


def student_profile_of(*, person: User) -> StudentProfile | None:
    return (
        StudentProfile.objects.filter(user=person)
        .select_related("university", "department", "branch")
        .prefetch_related("skills")
        .first()
    )


def consents_of(*, person: User) -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.filter(user=person).order_by("-given_at")


# --- Pages (issue item 7): home-page panels and member lists ------------------------------------
# Added by the pages work; each read is one query whatever the number of people.
PROFILE_GAP_NO_PROFILE = "no_profile"
PROFILE_GAP_NO_SKILLS = "no_skills"
PROFILE_GAP_NO_TIMETABLE = "no_timetable"


def student_profile_gaps(*, profile: StudentProfile | None) -> list[str]:
    """What a student's profile lacks for dispatch: the profile, skills, a weekly timetable.
    `profile` comes from `student_profile_of` (its skills prefetched)."""
    if profile is None:
        return [PROFILE_GAP_NO_PROFILE]
    gaps = []
    if not profile.skills.all():
        gaps.append(PROFILE_GAP_NO_SKILLS)
    if not profile.busy_slots:
        gaps.append(PROFILE_GAP_NO_TIMETABLE)
    return gaps


def own_profile_gaps(*, user: Any) -> list[str]:
    """`student_profile_gaps` of the person's own profile, read in one small query (the busy
    slots and whether any skill is entered) instead of loading the whole profile."""
    from django.db.models import Exists, OuterRef

    rows = list(
        StudentProfile.objects.filter(user_id=getattr(user, "pk", None))
        .annotate(
            has_skills=Exists(
                StudentProfile.skills.through.objects.filter(studentprofile_id=OuterRef("pk"))
            )
        )
        .values_list("busy_slots", "has_skills")[:1]
    )
    if not rows:
        return [PROFILE_GAP_NO_PROFILE]
    busy_slots, has_skills = rows[0]
    gaps = []
    if not has_skills:
        gaps.append(PROFILE_GAP_NO_SKILLS)
    if not busy_slots:
        gaps.append(PROFILE_GAP_NO_TIMETABLE)
    return gaps


def _stewarded_members(user: Any, *, role: str | None = None) -> QuerySet[Any]:
    """User ids with an active membership in a subtree the user looks after."""
    from qingshe.orgs.models import Membership

    qs = Membership.objects.filter(
        access.subtree_q(user, access.STEWARD_ROLES, prefix="org__"), is_active=True
    )
    if role:
        qs = qs.filter(role=role)
    return qs.values("user_id")


def students_with_incomplete_profile_for_user(*, user: Any) -> QuerySet[User]:
    """Students in the subtrees `user` looks after whose profile is missing, has no skills or
    no timetable. Annotated with has_profile, has_skills, has_timetable."""
    from django.db.models import Exists, OuterRef, Q

    from qingshe.orgs.models import Role

    if not access.has_role(user, access.STEWARD_ROLES) and not access.is_platform_staff(user):
        return User.objects.none()
    profiles = StudentProfile.objects.filter(user=OuterRef("pk"))
    skills = StudentProfile.skills.through.objects.filter(studentprofile__user=OuterRef("pk"))
    return (
        User.objects.filter(pk__in=_stewarded_members(user, role=Role.STUDENT), is_active=True)
        .annotate(
            has_profile=Exists(profiles),
            has_skills=Exists(skills),
            has_timetable=Exists(profiles.exclude(busy_slots=[])),
        )
        .filter(Q(has_profile=False) | Q(has_skills=False) | Q(has_timetable=False))
        .order_by("name", "pk")
    )


def minors_without_guardian_consent_for_user(*, user: Any) -> QuerySet[User]:
    """People under 18 (by date of birth) in the subtrees `user` looks after, with no guardian's
    consent on file."""
    from datetime import date

    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    if not access.has_role(user, access.STEWARD_ROLES) and not access.is_platform_staff(user):
        return User.objects.none()
    today = timezone.localdate()
    try:
        cutoff = today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        cutoff = date(today.year - 18, 2, 28)
    guardian = ConsentRecord.objects.filter(user=OuterRef("pk"), withdrawn_at__isnull=True).exclude(
        guardian_name=""
    )
    return (
        User.objects.filter(pk__in=_stewarded_members(user), is_active=True, birth_date__gt=cutoff)
        .exclude(Exists(guardian))
        .order_by("birth_date", "pk")
    )


def visible_person_ids(*, user: Any, ids: list[int]) -> set[int]:
    """Which of `ids` the user may open as a profile (one query, for linking names in lists)."""
    if not ids:
        return set()
    return set(
        User.objects.filter(access.people_q(user, "person.view"), pk__in=ids).values_list(
            "pk", flat=True
        )
    )


# --- added for the API (GET /me): consent to the current notice ----------------------------------
def current_consent_of(*, person: User, purpose: str) -> ConsentRecord | None:
    """The person's standing consent to `purpose` under the current notice version, if any."""
    from django.conf import settings

    return (
        ConsentRecord.objects.filter(
            user_id=person.pk,
            purpose=purpose,
            notice_version=settings.QINGSHE_NOTICE_VERSION,
            withdrawn_at__isnull=True,
        )
        .order_by("-given_at")
        .first()
    )
