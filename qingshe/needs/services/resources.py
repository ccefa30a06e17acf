"""The resource list (资源清单): what partner units and universities offer, and which project
groups use it.

A resource belongs to a partner unit, a university committee or a department committee; the
offering organisation's admins and partner contacts manage it (access action `resource.manage`).
A project group records that it uses a resource (link); the group's managers or the resource's
managers may link and unlink, and the other side is told.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.needs.models import ProjectGroup, Resource
from qingshe.needs.services.projects import can_decide, deciders_of, group_url
from qingshe.orgs.models import Organisation, OrgKind, Role

__all__ = [
    "RESOURCE_OWNER_KINDS",
    "can_manage_resource",
    "can_link_resource",
    "resource_create",
    "resource_link_group",
    "resource_unlink_group",
    "resource_update",
    "resource_url",
    "resource_withdraw",
]

RESOURCE_OWNER_KINDS = frozenset(
    {OrgKind.PARTNER, OrgKind.UNIVERSITY_COMMITTEE, OrgKind.DEPARTMENT_COMMITTEE}
)
MAX_QUANTITY = Decimal("9999999999.99")


def resource_url(resource: Resource) -> str:
    return f"/resources/{resource.pk}/"


def can_manage_resource(user: Any, owner: Organisation) -> bool:
    """The offering organisation's admins (and those above) and its partner contacts."""
    return access.can(user, "resource.manage", owner)


def can_link_resource(user: Any, resource: Resource, group: ProjectGroup) -> bool:
    """Either side of the link: the resource's managers, or those who run the group (the
    owner's secretary and admins, the instructor, the leader)."""
    return can_manage_resource(user, resource.owner) or can_decide(user, group)


def _clean(
    *,
    kind: str,
    title: str,
    description: str,
    quantity: Decimal | int | str | None,
    unit: str,
    available_from: date | None,
    available_until: date | None,
    availability_note: str,
    address: str,
    creating: bool,
) -> dict[str, Any]:
    if kind not in Resource.Kind.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="kind"
        )
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(
            "title_required", _("Please say briefly what is offered."), field="title"
        )
    if len(title) > 120:
        raise ValidationFailed(
            "title_too_long", _("A title has at most 120 characters."), field="title"
        )
    amount: Decimal | None = None
    if quantity not in (None, ""):
        try:
            amount = Decimal(str(quantity))
        except (InvalidOperation, ValueError):
            raise ValidationFailed(
                "invalid_quantity", _("Enter a number."), field="quantity"
            ) from None
        if not amount.is_finite() or amount <= 0:
            raise ValidationFailed(
                "invalid_quantity", _("The quantity must be more than zero."), field="quantity"
            )
        if amount > MAX_QUANTITY or amount != amount.quantize(Decimal("0.01")):
            raise ValidationFailed(
                "invalid_quantity",
                _("Enter a quantity below ten billion with at most two decimals."),
                field="quantity",
            )
    unit = (unit or "").strip()
    if len(unit) > 20:
        raise ValidationFailed(
            "unit_too_long", _("A unit has at most 20 characters."), field="unit"
        )
    if unit and amount is None:
        raise ValidationFailed(
            "quantity_required", _("Give the quantity the unit counts."), field="quantity"
        )
    if available_from and available_until and available_until < available_from:
        raise ValidationFailed(
            "invalid_dates",
            _("The resource stops being available before it starts."),
            field="available_until",
        )
    if creating and available_until and available_until < timezone.localdate():
        raise ValidationFailed(
            "date_in_past", _("The availability has already ended."), field="available_until"
        )
    note = (availability_note or "").strip()
    if len(note) > 200:
        raise ValidationFailed(
            "note_too_long", _("At most 200 characters."), field="availability_note"
        )
    address = (address or "").strip()
    if len(address) > 200:
        raise ValidationFailed("address_too_long", _("At most 200 characters."), field="address")
    return {
        "kind": kind,
        "title": title,
        "description": (description or "").strip(),
        "quantity": amount,
        "unit": unit,
        "available_from": available_from,
        "available_until": available_until,
        "availability_note": note,
        "address": address,
    }


@transaction.atomic
def resource_create(
    *,
    actor: Any,
    owner: Organisation,
    kind: str,
    title: str,
    description: str = "",
    quantity: Decimal | int | str | None = None,
    unit: str = "",
    available_from: date | None = None,
    available_until: date | None = None,
    availability_note: str = "",
    address: str = "",
) -> Resource:
    """A partner unit, university or department puts a resource on the list (资源清单)."""
    if owner.kind not in RESOURCE_OWNER_KINDS:
        raise ValidationFailed(
            "invalid_owner",
            _("Resources are offered by partner units, universities and departments."),
            field="owner",
        )
    if not can_manage_resource(actor, owner):
        raise AccessDenied(
            "forbidden", _("Only the unit's contacts and admins can offer its resources.")
        )
    fields = _clean(
        kind=kind,
        title=title,
        description=description,
        quantity=quantity,
        unit=unit,
        available_from=available_from,
        available_until=available_until,
        availability_note=availability_note,
        address=address or owner.address,
        creating=True,
    )
    resource = Resource.objects.create(
        owner=owner, created_by=actor if getattr(actor, "pk", None) else None, **fields
    )
    audit(actor=actor, action="resource.create", obj=resource, org=owner, data={"kind": kind})
    return resource


@transaction.atomic
def resource_update(
    *,
    actor: Any,
    resource: Resource,
    kind: str,
    title: str,
    description: str = "",
    quantity: Decimal | int | str | None = None,
    unit: str = "",
    available_from: date | None = None,
    available_until: date | None = None,
    availability_note: str = "",
    address: str = "",
) -> Resource:
    resource = (
        Resource.objects.select_for_update(of=("self",)).select_related("owner").get(pk=resource.pk)
    )
    if not can_manage_resource(actor, resource.owner):
        raise AccessDenied(
            "forbidden", _("Only the unit's contacts and admins can change its resources.")
        )
    if resource.state != Resource.State.AVAILABLE:
        raise Conflict("resource_withdrawn", _("This resource has been withdrawn."))
    fields = _clean(
        kind=kind,
        title=title,
        description=description,
        quantity=quantity,
        unit=unit,
        available_from=available_from,
        available_until=available_until,
        availability_note=availability_note,
        address=address,
        creating=False,
    )
    changed = [name for name, value in fields.items() if getattr(resource, name) != value]
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.save()
    audit(
        actor=actor,
        action="resource.update",
        obj=resource,
        org=resource.owner,
        data={"changed": changed},
    )
    return resource


def _group_users(groups: list[ProjectGroup]) -> list[Any]:
    users: dict[int, Any] = {}
    for group in groups:
        for user in deciders_of(group):
            users[user.pk] = user
    return list(users.values())


@transaction.atomic
def resource_withdraw(*, actor: Any, resource: Resource, reason: str = "") -> Resource:
    """Take a resource off the list. Groups that used it are told; the links stay as history."""
    resource = (
        Resource.objects.select_for_update(of=("self",)).select_related("owner").get(pk=resource.pk)
    )
    if not can_manage_resource(actor, resource.owner):
        raise AccessDenied(
            "forbidden", _("Only the unit's contacts and admins can withdraw its resources.")
        )
    if resource.state == Resource.State.WITHDRAWN:
        raise Conflict("resource_withdrawn", _("This resource has already been withdrawn."))
    reason = (reason or "").strip()
    resource.state = Resource.State.WITHDRAWN
    resource.save(update_fields=["state", "updated_at"])
    groups = list(
        resource.groups.filter(state=ProjectGroup.State.OPEN).select_related("owner", "instructor")
    )
    audit(
        actor=actor,
        action="resource.withdraw",
        obj=resource,
        org=resource.owner,
        data={"reason": reason, "groups": [g.pk for g in groups]},
    )
    title = resource.title
    notify(
        users=_group_users(groups),
        kind="resource.withdrawn",
        title=lambda: (
            _("The resource %(resource)s has been withdrawn by its owner") % {"resource": title}
        ),
        body=reason,
        url=resource_url(resource),
    )
    return resource


def _lock_pair(resource: Resource, group: ProjectGroup) -> tuple[Resource, ProjectGroup]:
    # Resource before group, always: two links of the same pair cannot deadlock.
    resource = (
        Resource.objects.select_for_update(of=("self",)).select_related("owner").get(pk=resource.pk)
    )
    group = (
        ProjectGroup.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=group.pk)
    )
    return resource, group


def _tell_other_side(actor: Any, resource: Resource, group: ProjectGroup, *, linked: bool) -> None:
    title, name = resource.title, group.name
    if can_manage_resource(actor, resource.owner) and not can_decide(actor, group):
        users, url = deciders_of(group), group_url(group)
    else:
        users = list(
            access.holders_over(
                resource.owner, [Role.PARTNER_CONTACT, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_ADMIN]
            )
        )
        url = resource_url(resource)

    def text() -> str:
        if linked:
            message = _("The project group %(group)s now uses the resource %(resource)s")
        else:
            message = _("The project group %(group)s no longer uses the resource %(resource)s")
        return message % {"group": name, "resource": title}

    notify(
        users=[u for u in users if u.pk != getattr(actor, "pk", None)],
        kind="resource.link",
        title=text,
        url=url,
    )


@transaction.atomic
def resource_link_group(*, actor: Any, resource: Resource, group: ProjectGroup) -> Resource:
    """Record that a project group uses a resource (the group's 'linked resources')."""
    resource, group = _lock_pair(resource, group)
    if not can_link_resource(actor, resource, group):
        raise AccessDenied(
            "forbidden", _("Only those who run the group, or the resource's owner, can link them.")
        )
    if resource.state != Resource.State.AVAILABLE:
        raise Conflict("resource_withdrawn", _("This resource has been withdrawn."))
    if group.state != ProjectGroup.State.OPEN:
        raise Conflict("group_closed", _("This group is closed."))
    if resource.owner.city_id != group.owner.city_id:
        raise ValidationFailed(
            "invalid_group", _("This resource is offered in another city."), field="group"
        )
    if resource.groups.filter(pk=group.pk).exists():
        raise Conflict("already_linked", _("This group already uses this resource."))
    resource.groups.add(group)
    audit(
        actor=actor,
        action="resource.link",
        obj=resource,
        org=resource.owner,
        data={"group": group.pk},
    )
    _tell_other_side(actor, resource, group, linked=True)
    return resource


@transaction.atomic
def resource_unlink_group(*, actor: Any, resource: Resource, group: ProjectGroup) -> Resource:
    resource, group = _lock_pair(resource, group)
    if not can_link_resource(actor, resource, group):
        raise AccessDenied(
            "forbidden", _("Only those who run the group, or the resource's owner, can link them.")
        )
    if not resource.groups.filter(pk=group.pk).exists():
        raise Conflict("not_linked", _("This group does not use this resource."))
    resource.groups.remove(group)
    audit(
        actor=actor,
        action="resource.unlink",
        obj=resource,
        org=resource.owner,
        data={"group": group.pk},
    )
    _tell_other_side(actor, resource, group, linked=False)
    return resource
