"""Every write to the organisation tree, memberships and posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from qingshe.accounts.services import insert_rows, rows_where_in
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent
from qingshe.lib import ids
from qingshe.orgs.models import (
    ALLOWED_PARENTS,
    Membership,
    Organisation,
    OrgKind,
    Post,
    PostKind,
    Role,
)


def _require_manage(actor: Any, org: Organisation | None) -> None:
    if access.is_platform_staff(actor):
        return
    if org is None or not access.can(actor, "org.manage", org):
        raise AccessDenied("forbidden", _("You may not manage this organisation."))


def _clean_contact_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not phone:
        return ""
    try:
        return ids.normalize_phone(phone)
    except ids.IdentifierError:
        # Landlines (0598-1234567) are common for offices; accept digits and dashes.
        if phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20:
            return phone
        raise ValidationFailed(
            "invalid_phone",
            _("Enter a mobile number or an office landline."),
            field="contact_phone",
        ) from None


@transaction.atomic
def org_create(
    *,
    actor: Any,
    kind: str,
    name: str,
    parent: Organisation | None = None,
    short_name: str = "",
    code: str = "",
    address: str = "",
    lat: Decimal | float | None = None,
    lng: Decimal | float | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    description: str = "",
) -> Organisation:
    if kind not in OrgKind.values:
        raise ValidationFailed("invalid_kind", _("Unknown kind of organisation."), field="kind")
    if actor is not None:
        _require_manage(actor, parent)
    allowed = ALLOWED_PARENTS[OrgKind(kind)]
    parent_kind = parent.kind if parent else None
    if parent_kind not in allowed:
        raise ValidationFailed(
            "invalid_parent",
            _("A %(kind)s cannot be placed under %(parent)s.")
            % {
                "kind": OrgKind(kind).label,
                "parent": OrgKind(parent_kind).label if parent_kind else _("the top of the tree"),
            },
            field="parent",
        )
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            "name_required", _("Please enter the organisation's name."), field="name"
        )
    if Organisation.objects.filter(parent=parent, name=name).exists():
        raise Conflict(
            "duplicate_name", _("An organisation of this name already exists here."), field="name"
        )
    if (lat is None) != (lng is None):
        raise ValidationFailed(
            "invalid_location", _("Give both latitude and longitude, or neither."), field="lat"
        )
    if lat is not None and not (-90 <= float(lat) <= 90 and -180 <= float(lng) <= 180):  # type: ignore[arg-type]
        raise ValidationFailed(
            "invalid_location", _("The location is outside the valid range."), field="lat"
        )
    org = Organisation(
        kind=kind,
        name=name,
        short_name=(short_name or "").strip(),
        parent=parent,
        code=code,
        address=address,
        lat=Decimal(str(round(float(lat), 6))) if lat is not None else None,
        lng=Decimal(str(round(float(lng), 6))) if lng is not None else None,
        contact_name=contact_name,
        contact_phone=_clean_contact_phone(contact_phone),
        description=description,
        path="/",
        depth=(parent.depth + 1) if parent else 0,
    )
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:
        raise Conflict(
            "duplicate_name", _("An organisation of this name already exists here."), field="name"
        ) from exc
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    Organisation.objects.filter(pk=org.pk).update(path=org.path)
    audit(actor=actor, action="org.create", obj=org, org=org)
    return org


@transaction.atomic
def org_update(*, actor: Any, org: Organisation, **fields: Any) -> Organisation:
    """Change an organisation's descriptive fields (not its place in the tree)."""
    _require_manage(actor, org)
    editable = {
        "name",
        "short_name",
        "code",
        "address",
        "lat",
        "lng",
        "contact_name",
        "contact_phone",
        "description",
        "is_active",
    }
    unknown = set(fields) - editable
    if unknown:
        raise ValidationFailed(
            "invalid_field",
            _("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)),
        )
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise ValidationFailed(
                "name_required", _("Please enter the organisation's name."), field="name"
            )
        if (
            Organisation.objects.filter(parent_id=org.parent_id, name=fields["name"])
            .exclude(pk=org.pk)
            .exists()
        ):
            raise Conflict(
                "duplicate_name",
                _("An organisation of this name already exists here."),
                field="name",
            )
    if "contact_phone" in fields:
        fields["contact_phone"] = _clean_contact_phone(fields["contact_phone"])
    for key, value in fields.items():
        setattr(org, key, value)
    org.save()
    audit(actor=actor, action="org.update", obj=org, org=org, data={"fields": sorted(fields)})
    return org


# Which roles make sense in which kinds of organisation.
ROLE_KINDS: dict[str, set[str]] = {
    Role.LEAGUE_ADMIN: {OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE},
    Role.UNIVERSITY_ADMIN: {OrgKind.UNIVERSITY_COMMITTEE},
    Role.DEPARTMENT_ADMIN: {OrgKind.DEPARTMENT_COMMITTEE},
    Role.BRANCH_SECRETARY: {OrgKind.CLASS_BRANCH},
    Role.STUDENT: {OrgKind.CLASS_BRANCH, OrgKind.VOLUNTEER_TEAM},
    Role.COMMUNITY_STAFF: {
        OrgKind.STREET,
        OrgKind.COMMUNITY,
        OrgKind.RESIDENTIAL_AREA,
        OrgKind.GRID,
    },
    Role.COMMUNITY_SECRETARY: {OrgKind.STREET, OrgKind.COMMUNITY},
    Role.RESIDENT: {OrgKind.COMMUNITY, OrgKind.RESIDENTIAL_AREA, OrgKind.GRID},
    Role.PARTNER_CONTACT: {OrgKind.PARTNER},
    Role.COUNCIL_MEMBER: {OrgKind.COMMUNITY, OrgKind.STREET},
    Role.PANEL_MEMBER: {OrgKind.COMMUNITY, OrgKind.STREET, OrgKind.DISTRICT_COMMITTEE},
    Role.INSTRUCTOR: {
        OrgKind.DEPARTMENT_COMMITTEE,
        OrgKind.CLASS_BRANCH,
        OrgKind.COMMUNITY,
        OrgKind.VOLUNTEER_TEAM,
    },
}


def _require_grant_right(actor: Any, org: Organisation) -> None:
    """Admins grant roles in their subtree; branch secretaries and community staff add members
    (students, residents) to their own unit."""
    if access.is_platform_staff(actor) or access.can(actor, "org.manage", org):
        return
    raise AccessDenied("forbidden", _("You may not change the members of this organisation."))


@transaction.atomic
def membership_grant(
    *,
    actor: Any,
    user: Any,
    org: Organisation,
    role: str,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Membership:
    if actor is not None:
        if role in (Role.STUDENT, Role.RESIDENT) and access.holds_over(
            actor, org, access.STEWARD_ROLES
        ):
            pass
        else:
            _require_grant_right(actor, org)
    if role not in Role.values:
        raise ValidationFailed("invalid_role", _("Unknown role."), field="role")
    if org.kind not in ROLE_KINDS[Role(role)]:
        raise ValidationFailed(
            "invalid_role",
            _("The role %(role)s does not exist in a %(kind)s.")
            % {"role": Role(role).label, "kind": OrgKind(org.kind).label},
            field="role",
        )
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed(
            "invalid_term", _("The term ends before it starts."), field="end_date"
        )
    membership, created = Membership.objects.get_or_create(
        user=user, org=org, role=role, defaults={"start_date": start_date, "end_date": end_date}
    )
    if not created:
        if membership.is_active:
            raise Conflict(
                "duplicate_membership", _("This person already has this role here."), field="role"
            )
        membership.is_active, membership.start_date, membership.end_date = (
            True,
            start_date,
            end_date,
        )
        membership.save(update_fields=["is_active", "start_date", "end_date", "updated_at"])
    access.forget(user)
    audit(actor=actor, action="membership.grant", obj=membership, org=org, data={"role": role})
    return membership


@transaction.atomic
def membership_revoke(*, actor: Any, membership: Membership) -> Membership:
    _require_grant_right(actor, membership.org)
    if membership.is_active:
        membership.is_active = False
        membership.end_date = membership.end_date or date.today()
        membership.save(update_fields=["is_active", "end_date", "updated_at"])
        access.forget(membership.user)
        audit(
            actor=actor,
            action="membership.revoke",
            obj=membership,
            org=membership.org,
            data={"role": membership.role},
        )
    return membership


@transaction.atomic
def post_appoint(
    *,
    actor: Any,
    user: Any,
    org: Organisation,
    kind: str,
    start_date: date,
    end_date: date | None = None,
    title: str = "",
) -> Post:
    """Record a concurrent post, e.g. a branch secretary appointed assistant to the director."""
    if actor is not None and not (
        access.is_platform_staff(actor) or access.holds_over(actor, org, access.STEWARD_ROLES)
    ):
        raise AccessDenied("forbidden", _("You may not appoint people in this organisation."))
    if kind not in PostKind.values:
        raise ValidationFailed("invalid_post", _("Unknown kind of post."), field="kind")
    if end_date and end_date < start_date:
        raise ValidationFailed(
            "invalid_term", _("The term ends before it starts."), field="end_date"
        )
    overlapping = Post.objects.filter(user=user, org=org, kind=kind).exclude(
        end_date__lt=start_date
    )
    if end_date:
        overlapping = overlapping.exclude(start_date__gt=end_date)
    if overlapping.exists():
        raise Conflict(
            "duplicate_post",
            _("This person already holds this post for part of that term."),
            field="start_date",
        )
    post = Post.objects.create(
        user=user,
        org=org,
        kind=kind,
        title=title.strip(),
        start_date=start_date,
        end_date=end_date,
        appointed_by=actor if getattr(actor, "pk", None) else None,
    )
    audit(actor=actor, action="post.appoint", obj=post, org=org, data={"kind": kind})
    return post


# === Bulk creation =============================================================================
# Added for the demo city (qingshe/demo) and used by imports: many organisations or memberships
# in a few queries, with the same rules as org_create and membership_grant (kind allowed under
# the parent, unique name under a parent, role valid for the kind of organisation, term ordered,
# no duplicate). Organisations get one org.create AuditEvent each, as from org_create;
# memberships one per batch, filed under the organisations' nearest common ancestor so that the
# auditors of that subtree see it.
def _common_ancestor_id(paths: list[str]) -> int | None:
    parts = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for segment in zip(*parts, strict=False):
        if len(set(segment)) != 1:
            break
        common.append(segment[0])
    return int(common[-1]) if common else None


@dataclass(eq=False)
class NewOrg:
    """One row for orgs_bulk_create: under an organisation in the database, or under an
    earlier row of the same call."""

    kind: str
    name: str
    parent: Organisation | NewOrg
    short_name: str = ""


@transaction.atomic
def orgs_bulk_create(*, actor: Any, rows: list[NewOrg]) -> list[Organisation]:
    """Create organisations as org_create would one by one (kind, placement, name, the actor's
    right to manage the parent, the tree path), level by level of the new rows' tree: a few
    queries per level instead of five per organisation. Returns them in the order of `rows`."""
    created: dict[int, Organisation] = {}  # id(NewOrg) → its organisation
    level_of: dict[int, int] = {}
    for row in rows:
        if isinstance(row.parent, NewOrg):
            if id(row.parent) not in level_of:
                raise ValueError("orgs_bulk_create: a row's parent must come before it")
            level_of[id(row)] = level_of[id(row.parent)] + 1
        else:
            level_of[id(row)] = 0
    levels: dict[int, list[NewOrg]] = {}
    for row in rows:
        levels.setdefault(level_of[id(row)], []).append(row)
    kinds = set(OrgKind.values)
    recorder = actor if getattr(actor, "pk", None) else None
    may_manage: set[int] = set()
    for level in sorted(levels):
        batch = levels[level]
        parents = [
            created[id(r.parent)] if isinstance(r.parent, NewOrg) else r.parent for r in batch
        ]
        names: list[str] = []
        for row, parent in zip(batch, parents, strict=True):
            if row.kind not in kinds:
                raise ValidationFailed(
                    "invalid_kind", _("Unknown kind of organisation."), field="kind"
                )
            if actor is not None and parent.pk not in may_manage:
                _require_manage(actor, parent)
                may_manage.add(parent.pk)
            if parent.kind not in ALLOWED_PARENTS[OrgKind(row.kind)]:
                raise ValidationFailed(
                    "invalid_parent",
                    _("A %(kind)s cannot be placed under %(parent)s.")
                    % {"kind": OrgKind(row.kind).label, "parent": OrgKind(parent.kind).label},
                    field="parent",
                )
            name = (row.name or "").strip()
            if not name:
                raise ValidationFailed(
                    "name_required", _("Please enter the organisation's name."), field="name"
                )
            names.append(name)
        wanted = {(p.pk, n) for p, n in zip(parents, names, strict=True)}
        taken = Organisation.objects.filter(
            parent_id__in={p.pk for p in parents}, name__in=set(names)
        ).values_list("parent_id", "name")
        if len(wanted) < len(batch) or any(pair in wanted for pair in taken):
            raise Conflict(
                "duplicate_name",
                _("An organisation of this name already exists here."),
                field="name",
            )
        orgs = [
            Organisation(
                kind=row.kind,
                name=name,
                short_name=(row.short_name or "").strip(),
                parent=parent,
                path="/",
                depth=parent.depth + 1,
            )
            for row, name, parent in zip(batch, names, parents, strict=True)
        ]
        try:
            with transaction.atomic():
                Organisation.objects.bulk_create(orgs)
        except IntegrityError as exc:
            raise Conflict(
                "duplicate_name",
                _("An organisation of this name already exists here."),
                field="name",
            ) from exc
        # Each path is its parent's path and its own id, as org_create writes it: one UPDATE
        # for the level (bulk_update would compile a CASE branch per organisation).
        parent_path = Organisation.objects.filter(pk=OuterRef("parent_id")).values("path")[:1]
        Organisation.objects.filter(pk__in=[o.pk for o in orgs]).update(
            path=Concat(Subquery(parent_path), Cast("pk", models.CharField()), Value("/"))
        )
        for org, parent in zip(orgs, parents, strict=True):
            org.path = f"{parent.path}{org.pk}/"
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor=recorder,
                action="org.create",
                object_type=Organisation._meta.label_lower,
                object_id=str(org.pk),
                org=org,
                data={},
            )
            for org in orgs
        )
        created.update((id(row), org) for row, org in zip(batch, orgs, strict=True))
    return [created[id(row)] for row in rows]


_MEMBERSHIP_COLUMNS = ("user_id", "org_id", "role")


@transaction.atomic
def memberships_bulk_grant(
    *,
    actor: Any,
    grants: list[tuple[Any, Organisation, str]],
    start_date: date | None = None,
    end_date: date | None = None,
    batch_size: int = 1000,
    source: str = "",
    returning: bool = True,
) -> list[Membership]:
    """Grant (user, org, role) triples that do not exist yet; refuses duplicates. Returns the
    memberships, or with `returning=False` nothing (an empty list), for callers that do not use
    the objects: building them costs more than inserting their rows."""
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed(
            "invalid_term", _("The term ends before it starts."), field="end_date"
        )
    if actor is not None:
        for org in {o.pk: o for _u, o, _r in grants}.values():
            _require_grant_right(actor, org)
    roles = set(Role.values)
    fits: set[tuple[str, str]] = set()  # (role, kind of organisation) already found valid
    seen: set[tuple[int, int, str]] = set()
    rows: list[tuple[int, int, str]] = []
    for user, org, role in grants:
        if (role, org.kind) not in fits:
            if role not in roles:
                raise ValidationFailed("invalid_role", _("Unknown role."), field="role")
            if org.kind not in ROLE_KINDS[Role(role)]:
                raise ValidationFailed(
                    "invalid_role",
                    _("The role %(role)s does not exist in a %(kind)s.")
                    % {"role": Role(role).label, "kind": OrgKind(org.kind).label},
                    field="role",
                )
            fits.add((role, org.kind))
        key = (user.pk, org.pk, role)
        if key in seen:
            raise Conflict(
                "duplicate_membership", _("This person already has this role here."), field="role"
            )
        seen.add(key)
        rows.append(key)
    existing = rows_where_in(
        Membership, _MEMBERSHIP_COLUMNS, "user_id", sorted({k[0] for k in seen})
    )
    if any(e in seen for e in existing):
        raise Conflict(
            "duplicate_membership", _("This person already has this role here."), field="role"
        )
    user_field, org_field = Membership._meta.get_field("user"), Membership._meta.get_field("org")
    created: list[Membership] = []
    for i in range(0, len(rows), batch_size):
        chunk = grants[i : i + batch_size]
        saved = insert_rows(
            Membership,
            _MEMBERSHIP_COLUMNS,
            rows[i : i + batch_size],
            same={"start_date": start_date, "end_date": end_date},
            instances=returning,
        )
        if returning:
            # They know their person and organisation, as those given to bulk_create did.
            for membership, (user, org, _role) in zip(saved, chunk, strict=True):
                user_field.set_cached_value(membership, user)  # type: ignore[union-attr]
                org_field.set_cached_value(membership, org)  # type: ignore[union-attr]
            created.extend(saved)
        keys = [m.pk for m in saved] if returning else saved
        ancestor_id = _common_ancestor_id(list({org.path for _u, org, _r in chunk}))
        audit(
            actor=actor,
            action="membership.bulk_grant",
            org=Organisation(pk=ancestor_id) if ancestor_id else None,
            data={
                "count": len(keys),
                "roles": sorted({role for _u, _o, role in chunk}),
                "first_id": keys[0],
                "last_id": keys[-1],
                "source": source,
            },
        )
    for user, _org, _role in grants:
        access.forget(user)
    return created
