"""Intake of needs: a resident orders a service (点单), community staff enter an order on a
resident's behalf, post a need or a bounty (发榜); following a need; photos of a need.

Everything a request brings is checked before the first row is written, and photo files are
written last, so that a refused request leaves neither rows nor files behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.accounts.models import Skill
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.lib import images
from qingshe.needs.models import (
    BountyClaim,
    Need,
    NeedAssignment,
    NeedEvent,
    NeedFollower,
    NeedPhoto,
    NeedWindow,
    ProjectType,
    ServiceField,
    Urgency,
    WorkKind,
)
from qingshe.orgs.models import Organisation, OrgKind, Role

__all__ = [
    "INTAKE_ROLES",
    "MAX_PHOTOS",
    "MAX_WINDOWS",
    "MAX_WINDOW_DAYS",
    "PEOPLE_MAX",
    "TERMINAL_STATES",
    "check_photos",
    "is_resident_of",
    "may_act_for",
    "may_follow",
    "need_follow",
    "need_photo_add",
    "need_staff",
    "need_submit",
    "need_unfollow",
    "need_url",
    "need_visible_q",
    "resident_communities",
    "save_photos",
]

INTAKE_ROLES = {Role.RESIDENT, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}
PEOPLE_MAX = 500
MAX_WINDOWS = 20
MAX_WINDOW_DAYS = 14
MAX_PHOTOS = 6
TITLE_MAX = 120
DESCRIPTION_MAX = 4000
TERMINAL_STATES = (
    Need.State.CLOSED,
    Need.State.REJECTED,
    Need.State.DUPLICATE,
    Need.State.NOT_RESPONSIBLE,
)


def need_url(need: Need) -> str:
    return f"/needs/{need.pk}/"


# --- who is who -----------------------------------------------------------------------------------
def _paths(user: Any, roles: Iterable[str]) -> list[str]:
    wanted = set(roles)
    return [g.path for g in access.grants(user) if g.role in wanted]


def is_resident_of(user: Any, community: Organisation) -> bool:
    """A resident of the community: the membership is held at the community or inside it (a
    residential area or grid of it), or above it."""
    return any(
        p.startswith(community.path) or community.path.startswith(p)
        for p in _paths(user, {Role.RESIDENT})
    )


def resident_communities(user: Any) -> list[Organisation]:
    """The communities in which `user` is a resident (the community itself for a membership held
    in one of its residential areas or grids)."""
    ids: set[int] = set()
    for path in _paths(user, {Role.RESIDENT}):
        ids.update(int(p) for p in path.strip("/").split("/") if p)
    return list(
        Organisation.objects.filter(pk__in=ids, kind=OrgKind.COMMUNITY, is_active=True).order_by(
            "path"
        )
    )


def _street_path(community: Organisation) -> str:
    parts = community.path.strip("/").split("/")[:-1]
    return "/" + "/".join(parts) + "/" if parts else community.path


def need_staff(community: Organisation) -> list[Any]:
    """Whom to tell about a community's needs: its staff and league secretary."""
    return list(access.holders_over(community, [Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY]))


def need_visible_q(user: Any) -> Q:
    """The needs a person may see (the one rule behind every list, page and endpoint):
    - those who hold need.view over the community (staff, secretary, panel, council, league);
    - the reporter, whoever entered it, and its followers;
    - volunteers with an assignment on it (offered, accepted, declined or done);
    - the people doing it: managers of its project group, admins of the organisation that
      claimed the bounty."""
    if access.is_platform_staff(user):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    q = access.subtree_q(user, access.ORG_ACTIONS["need.view"], prefix="community__")
    q |= Q(reporter_id=user.pk) | Q(entered_by_id=user.pk)
    q |= Q(pk__in=NeedFollower.objects.filter(user_id=user.pk).values("need_id"))
    q |= Q(pk__in=NeedAssignment.objects.filter(volunteer_id=user.pk).values("need_id"))
    if _paths(user, access.ORG_ACTIONS["project.manage"]):
        q |= access.subtree_q(
            user, access.ORG_ACTIONS["project.manage"], prefix="project_group__owner__"
        )
    if _paths(user, access.ADMIN_ROLES):
        claims = BountyClaim.objects.filter(
            access.subtree_q(user, access.ADMIN_ROLES, prefix="claimant__")
            | access.subtree_q(user, access.ADMIN_ROLES, prefix="assigned_org__")
        )
        q |= Q(pk__in=claims.values("need_id"))
    return q


def _can_view(user: Any, need: Need) -> bool:
    return Need.objects.filter(need_visible_q(user), pk=need.pk).exists()


# --- checking what a request brings ---------------------------------------------------------------
def _as_int(value: Any, field: str, message: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("invalid_number", message, field=field) from None


def _check_people(value: Any) -> int:
    people = _as_int(value, "people_needed", _("Say how many people are needed, as a number."))
    if people < 1:
        raise ValidationFailed(
            "invalid_people", _("At least one person must be asked for."), field="people_needed"
        )
    if people > PEOPLE_MAX:
        raise ValidationFailed(
            "invalid_people",
            _(
                "At most %(max)d people can be asked for in one need; split a larger event into several needs."
            )
            % {"max": PEOPLE_MAX},
            field="people_needed",
        )
    return people


def _aware(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def _check_windows(windows: Sequence[Any] | None, now: datetime) -> list[tuple[datetime, datetime]]:
    rows = list(windows or [])
    if len(rows) > MAX_WINDOWS:
        raise ValidationFailed(
            "too_many_windows",
            _("At most %(n)d time windows can be given.") % {"n": MAX_WINDOWS},
            field="windows",
        )
    out: list[tuple[datetime, datetime]] = []
    for row in rows:
        try:
            start, end = row
        except (TypeError, ValueError):
            raise ValidationFailed(
                "invalid_window", _("Give each time window a start and an end."), field="windows"
            ) from None
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            raise ValidationFailed(
                "invalid_window", _("Give each time window a start and an end."), field="windows"
            )
        start, end = _aware(start), _aware(end)
        if end <= start:
            raise ValidationFailed(
                "invalid_window", _("A time window must end after it starts."), field="windows"
            )
        if start < now:
            raise ValidationFailed(
                "window_in_past",
                _("A time window starts in the past; choose a time still to come."),
                field="windows",
            )
        if end - start > timedelta(days=MAX_WINDOW_DAYS):
            raise ValidationFailed(
                "window_too_long",
                _("A time window lasts at most %(days)d days; give several windows instead.")
                % {"days": MAX_WINDOW_DAYS},
                field="windows",
            )
        out.append((start, end))
    return sorted(out)


def _check_location(lat: Any, lng: Any) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lng in (None, ""):
        return None, None
    try:
        la, ln = (
            Decimal(str(lat)).quantize(Decimal("0.000001")),
            Decimal(str(lng)).quantize(Decimal("0.000001")),
        )
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            "invalid_location", _("The location is not valid."), field="lat"
        ) from None
    if not (-90 <= la <= 90 and -180 <= ln <= 180):
        raise ValidationFailed("invalid_location", _("The location is not valid."), field="lat")
    return la, ln


PHOTO_MESSAGES = {
    "empty": lambda name: _("“%(name)s” is empty.") % {"name": name},
    "too_large": lambda name: (
        _("“%(name)s” is larger than %(mb)d MB; send a smaller photo.")
        % {"name": name, "mb": settings.QINGSHE_PHOTO_MAX_BYTES // (1024 * 1024)}
    ),
    "not_an_image": lambda name: (
        _("“%(name)s” is not a photo; send a JPEG, PNG or WebP picture.") % {"name": name}
    ),
    "unsupported_format": lambda name: (
        _("“%(name)s” is a kind of picture that is not accepted; send a JPEG, PNG or WebP picture.")
        % {"name": name}
    ),
}


def check_photos(
    files: Sequence[Any] | None, *, field: str = "photos"
) -> list[images.CheckedImage]:
    """Check every upload by content (before anything is written); a clear error names the file."""
    files = [f for f in files or [] if f is not None]
    if len(files) > MAX_PHOTOS:
        raise ValidationFailed(
            "too_many_photos",
            _("At most %(n)d photos can be sent at once.") % {"n": MAX_PHOTOS},
            field=field,
        )
    checked = []
    for index, upload in enumerate(files, start=1):
        name = str(getattr(upload, "name", "") or _("photo %(n)d") % {"n": index})[:80]
        size = getattr(upload, "size", None)
        if size is not None and size > settings.QINGSHE_PHOTO_MAX_BYTES:
            raise ValidationFailed(
                "photo_too_large", PHOTO_MESSAGES["too_large"](name), field=field
            )
        try:
            checked.append(images.check_image(upload, max_bytes=settings.QINGSHE_PHOTO_MAX_BYTES))
        except images.ImageError as exc:
            code = "photo_too_large" if exc.code == "too_large" else "photo_not_image"
            raise ValidationFailed(code, PHOTO_MESSAGES[exc.code](name), field=field) from exc
    return checked


def save_photos(
    *, need: Need, photos: Sequence[images.CheckedImage], stage: str, actor: Any
) -> list[NeedPhoto]:
    """Write checked photos (call last in a service: a failure removes the files it wrote)."""
    saved: list[NeedPhoto] = []
    try:
        for img in photos:
            photo = NeedPhoto(
                need=need,
                stage=stage,
                extension=img.extension,
                size=len(img.content),
                uploaded_by=actor if getattr(actor, "pk", None) else None,
            )
            photo.file.save(f"photo.{img.extension}", ContentFile(img.content), save=False)
            saved.append(photo)
            photo.save()
    except Exception:
        for photo in saved:
            photo.file.delete(save=False)
        raise
    return saved


# --- intake -----------------------------------------------------------------------------------------
@transaction.atomic
def need_submit(
    *,
    actor: Any,
    community: Organisation,
    title: str,
    project_type: str,
    service_field: str,
    work_kind: str = WorkKind.LABOUR,
    description: str = "",
    skills: list[str] | None = None,
    majors: list[str] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    windows: Sequence[tuple[datetime, datetime]] | None = None,
    people_needed: int = 1,
    urgency: int = Urgency.NORMAL,
    minutes_each: int = 120,
    required_courses: Sequence[int] | None = None,
    needs_insurance: bool = False,
    open_claim: bool = False,
    is_remote: bool = False,
    is_bounty: bool = False,
    address: str = "",
    lat: Any = None,
    lng: Any = None,
    photos: Sequence[Any] | None = None,
    on_behalf_of: Any = None,
    now: datetime | None = None,
) -> Need:
    """A resident orders a service (点单), staff enter an order for a resident (`on_behalf_of`),
    or community staff post a need or a bounty (发榜). The community's staff are told."""
    now = now or timezone.now()
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationFailed(
            "invalid_community", _("A need belongs to a community."), field="community"
        )
    is_staff = access.can(actor, "need.enter_for_resident", community)
    if not (is_staff or is_resident_of(actor, community) or access.is_platform_staff(actor)):
        raise AccessDenied(
            "forbidden", _("Only residents and staff of this community can post its needs.")
        )
    if is_bounty and not access.can(actor, "need.post_bounty", community):
        raise AccessDenied("forbidden", _("Only community staff can post a bounty."))
    reporter = actor if is_resident_of(actor, community) else None
    if on_behalf_of is not None:
        if not is_staff:
            raise AccessDenied(
                "forbidden", _("Only community staff can enter an order for a resident.")
            )
        if not getattr(on_behalf_of, "is_active", False) or not is_resident_of(
            on_behalf_of, community
        ):
            raise ValidationFailed(
                "invalid_resident",
                _("The person is not a resident of this community."),
                field="on_behalf_of",
            )
        reporter = on_behalf_of
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(
            "title_required", _("Please say briefly what is needed."), field="title"
        )
    if len(title) > TITLE_MAX:
        raise ValidationFailed(
            "title_too_long",
            _("Say it in at most %(n)d characters; details go below.") % {"n": TITLE_MAX},
            field="title",
        )
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(
            "description_too_long",
            _("The description has at most %(n)d characters.") % {"n": DESCRIPTION_MAX},
            field="description",
        )
    for value, choices, field in (
        (project_type, ProjectType, "project_type"),
        (service_field, ServiceField, "service_field"),
        (work_kind, WorkKind, "work_kind"),
    ):
        if value not in choices.values:
            raise ValidationFailed(
                "invalid_choice", _("Choose one of the listed options."), field=field
            )
    people = _check_people(people_needed)
    urgency = _as_int(urgency, "urgency", _("Choose one of the listed options."))
    if urgency not in Urgency.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="urgency"
        )
    minutes = _as_int(minutes_each, "minutes_each", _("Say how many minutes, as a number."))
    if not 15 <= minutes <= 720:
        raise ValidationFailed(
            "invalid_minutes",
            _("One person's service lasts between 15 minutes and 12 hours."),
            field="minutes_each",
        )
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationFailed(
            "invalid_dates", _("The need ends before it starts."), field="ends_on"
        )
    if ends_on and ends_on < timezone.localdate(now):
        raise ValidationFailed("date_in_past", _("The dates are already past."), field="ends_on")
    slots = _check_windows(windows, now)
    if slots:
        starts_on = min(timezone.localtime(s).date() for s, _e in slots)
        ends_on = max(timezone.localtime(e).date() for _s, e in slots)
    courses = []
    if required_courses:
        from qingshe.duty.selectors import courses_selectable_for

        wanted = {
            _as_int(c, "required_courses", _("Choose one of the listed options."))
            for c in required_courses
        }
        courses = list(courses_selectable_for(organiser=community).filter(pk__in=wanted))
        if len(courses) != len(wanted):
            raise ValidationFailed(
                "invalid_course",
                _(
                    "Only training offered by this community or the organisations above it can be required."
                ),
                field="required_courses",
            )
    la, ln = _check_location(lat, lng)
    checked = check_photos(photos)

    need = Need.objects.create(
        community=community,
        reporter=reporter,
        entered_by=actor if getattr(actor, "pk", None) else None,
        title=title,
        description=description,
        project_type=project_type,
        service_field=service_field,
        work_kind=work_kind,
        majors=sorted({m.strip() for m in majors or [] if m.strip()}),
        starts_on=starts_on,
        ends_on=ends_on,
        people_needed=people,
        urgency=urgency,
        minutes_each=minutes,
        needs_insurance=bool(needs_insurance),
        open_claim=bool(open_claim),
        is_remote=bool(is_remote),
        is_bounty=bool(is_bounty),
        address=(address or "").strip()[:200] or community.address,
        lat=la if la is not None else community.lat,
        lng=ln if ln is not None else community.lng,
        state=Need.State.SUBMITTED,
        state_changed_at=now,
    )
    NeedWindow.objects.bulk_create(NeedWindow(need=need, starts_at=s, ends_at=e) for s, e in slots)
    names = sorted({s.strip()[:40] for s in skills or [] if s.strip()})
    if names:
        Skill.objects.bulk_create([Skill(name=n) for n in names], ignore_conflicts=True)
        need.skills.set(Skill.objects.filter(name__in=names))
    if courses:
        need.required_courses.set(courses)
    on_behalf = reporter is not None and reporter.pk != getattr(actor, "pk", None)
    NeedEvent.objects.create(
        need=need,
        from_state="",
        to_state=Need.State.SUBMITTED,
        actor=need.entered_by,
        at=now,
        data={"on_behalf_of": reporter.pk} if on_behalf else {},
    )
    audit(
        actor=actor,
        action="need.submit",
        obj=need,
        org=community,
        data={
            "bounty": need.is_bounty,
            "on_behalf": on_behalf,
            "windows": len(slots),
            "photos": len(checked),
        },
    )
    staff = [u for u in need_staff(community) if u.pk != getattr(actor, "pk", None)]
    need_title = need.title
    notify(
        users=staff,
        kind="need.submitted",
        title=(lambda: _("New bounty posted: %(title)s") % {"title": need_title})
        if need.is_bounty
        else (lambda: _("A new need waits for triage: %(title)s") % {"title": need_title}),
        url=need_url(need),
    )
    save_photos(need=need, photos=checked, stage=NeedPhoto.Stage.INTAKE, actor=actor)
    return need


# --- following ----------------------------------------------------------------------------------
def may_follow(user: Any, need: Need) -> bool:
    """Who may follow a need: anyone who may see it, and the residents of its street (a neighbour
    seeing the same broken lamp follows it instead of reporting it again)."""
    if not getattr(user, "is_authenticated", False):
        return False
    street = _street_path(need.community)
    if any(p.startswith(street) for p in _paths(user, {Role.RESIDENT})):
        return True
    return _can_view(user, need)


def may_act_for(actor: Any, person: Any) -> bool:
    """Community staff may follow a need for a resident of a community they enter orders for."""
    staff_paths = _paths(actor, access.ORG_ACTIONS["need.enter_for_resident"])
    return access.is_platform_staff(actor) or any(
        r.startswith(p) for p in staff_paths for r in _paths(person, {Role.RESIDENT})
    )


def _follower_for(actor: Any, need: Need, user: Any | None) -> Any:
    person = user if user is not None else actor
    if person.pk == getattr(actor, "pk", None):
        return person
    # Staff entering for a resident of a community they enter orders for.
    if not may_act_for(actor, person):
        raise AccessDenied("forbidden", _("Only community staff can do this for a resident."))
    return person


@transaction.atomic
def need_follow(*, actor: Any, need: Need, user: Any | None = None) -> NeedFollower:
    """Follow a need instead of reporting it again: told of its progress, may reopen it if it
    is verified but not solved. Staff may do it for a resident (`user`)."""
    need = Need.objects.select_related("community").get(pk=need.pk)
    person = _follower_for(actor, need, user)
    if not may_follow(person, need):
        raise AccessDenied("forbidden", _("Only residents near this need can follow it."))
    if need.state in TERMINAL_STATES:
        raise Conflict("need_closed", _("This need is no longer open; it cannot be followed."))
    if need.reporter_id == person.pk:
        raise Conflict(
            "own_need", _("You reported this need; you are told of its progress already.")
        )
    existing = NeedFollower.objects.filter(need=need, user=person).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            follower = NeedFollower.objects.create(need=need, user=person)
    except IntegrityError:  # followed at the same moment from another device
        return NeedFollower.objects.get(need=need, user=person)
    audit(actor=actor, action="need.follow", obj=need, org=need.community, data={"user": person.pk})
    return follower


@transaction.atomic
def need_unfollow(*, actor: Any, need: Need, user: Any | None = None) -> bool:
    """Stop following; True when a follow was removed."""
    person = _follower_for(actor, need, user)
    deleted, _rows = NeedFollower.objects.filter(need=need, user=person).delete()
    if deleted:
        audit(
            actor=actor,
            action="need.unfollow",
            obj=need,
            org=need.community,
            data={"user": person.pk},
        )
    return bool(deleted)


# --- photos added later ---------------------------------------------------------------------------
def _may_add_photo(actor: Any, need: Need, stage: str) -> bool:
    from qingshe.needs.services.triage import can_report_done, can_triage, can_verify

    if stage == NeedPhoto.Stage.INTAKE:
        own = getattr(actor, "pk", None) in {need.reporter_id, need.entered_by_id}
        return own or can_triage(actor, need)
    if stage == NeedPhoto.Stage.DONE:
        return can_report_done(actor, need)
    return can_verify(actor, need)


PHOTO_STATES = {
    NeedPhoto.Stage.INTAKE: (*Need.OPEN_STATES,),
    NeedPhoto.Stage.DONE: (Need.State.IN_PROGRESS, Need.State.CLAIMED_DONE),
    NeedPhoto.Stage.VERIFIED: (Need.State.CLAIMED_DONE, Need.State.VERIFIED),
}


@transaction.atomic
def need_photo_add(
    *, actor: Any, need: Need, photos: Sequence[Any], stage: str = NeedPhoto.Stage.INTAKE
) -> list[NeedPhoto]:
    """Add photos to a need: at intake by its reporter or staff while it is open; as evidence of
    the work by the people doing it, or of the verification by the verifiers."""
    from qingshe.needs.services.lifecycle import need_lock

    need = need_lock(need.pk)
    if stage not in NeedPhoto.Stage.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="stage"
        )
    if not _may_add_photo(actor, need, stage):
        raise AccessDenied("forbidden", _("You may not add photos to this need."))
    if need.state not in PHOTO_STATES[stage]:
        raise Conflict(
            "invalid_state",
            _("This need is %(state)s; such photos cannot be added now.")
            % {"state": Need.State(need.state).label},
        )
    checked = check_photos(photos)
    if not checked:
        raise ValidationFailed("photos_required", _("Choose at least one photo."), field="photos")
    if need.photos.count() + len(checked) > 3 * MAX_PHOTOS:
        raise Conflict(
            "too_many_photos", _("This need has as many photos as it can hold."), field="photos"
        )
    audit(
        actor=actor,
        action="need.photo_add",
        obj=need,
        org=need.community,
        data={"stage": stage, "n": len(checked)},
    )
    return save_photos(need=need, photos=checked, stage=stage, actor=actor)
