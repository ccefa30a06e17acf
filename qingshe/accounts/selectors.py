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
