"""Reading a person's data (我的数据) and the deletion requests a steward may carry out."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from qingshe.accounts.personal_data import sections as _sections
from qingshe.accounts.personal_data.models import DeletionRequest
from qingshe.core import access
from qingshe.core.errors import NotFound


def personal_data_of(*, person: Any) -> list[tuple[_sections.Section, _sections.Table]]:
    """Every registered section's table for `person`, in the registry's order."""
    return [(s, s.collect(person)) for s in _sections.SECTIONS]


def pending_request_of(*, person: Any) -> DeletionRequest | None:
    return DeletionRequest.objects.filter(user=person, state=DeletionRequest.State.PENDING).first()


def deletion_requests_of(*, person: Any) -> QuerySet[DeletionRequest]:
    return DeletionRequest.objects.filter(user=person)


def deletion_requests_for_steward(*, user: Any) -> QuerySet[DeletionRequest]:
    """Pending requests of people in the subtrees where `user` may carry out a deletion."""
    if not (
        access.is_platform_staff(user)
        or access.has_role(user, access.PERSON_ACTIONS["person.erase"])
    ):
        return DeletionRequest.objects.none()
    people = access.people_q(user, "person.erase")
    return (
        DeletionRequest.objects.filter(state=DeletionRequest.State.PENDING, user__in=_users(people))
        .exclude(user=user)
        .select_related("user")
        .order_by("requested_at", "pk")
    )


def _users(q: Any) -> Any:
    from qingshe.accounts.models import User

    return User.objects.filter(q).values("pk")


def deletion_request_get_for_steward(*, user: Any, request_id: int) -> DeletionRequest:
    req = deletion_requests_for_steward(user=user).filter(pk=request_id).first()
    if req is None:
        raise NotFound("not_found", _("This deletion request does not exist."))
    return req
