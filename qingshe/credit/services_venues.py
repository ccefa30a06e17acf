"""Every write of venues (阵地) and their bookings.

A booking locks the venue's row (select_for_update: on PostgreSQL the row lock, on SQLite the
IMMEDIATE transaction's write lock), checks the opening hours, the capacity and that no live
booking overlaps, then writes. The database refuses an overlap by itself as well (exclusion
constraint on PostgreSQL, trigger on SQLite: migration 0002); should it ever fire, the person
gets the same clear message.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify
from qingshe.credit.models import Venue, VenueBooking
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role

OWNER_KINDS = (OrgKind.COMMUNITY, OrgKind.RESIDENTIAL_AREA, OrgKind.STREET, OrgKind.PARTNER)
MAX_CAPACITY = 5000
WEEKDAYS = range(7)


def can_manage_venue(user: Any, owner: Organisation) -> bool:
    """A partner's contacts and the admins above it; a community's staff and league secretary."""
    return access.can(user, "resource.manage", owner) or access.can(user, "need.post_bounty", owner)


def _hhmm(value: Any) -> time:
    try:
        return datetime.strptime(str(value), "%H:%M").time()
    except ValueError:
        raise ValidationFailed(
            "invalid_opening_hours", _("Give times as HH:MM."), field="opening_hours"
        ) from None


def clean_opening_hours(windows: Any) -> list[dict[str, Any]]:
    """[{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}, …], each window ordered, windows of a
    day not overlapping; sorted."""
    if not isinstance(windows, list) or not windows:
        raise ValidationFailed(
            "opening_hours_required",
            _("Give the days and hours the venue is open."),
            field="opening_hours",
        )
    out: list[dict[str, Any]] = []
    for w in windows:
        if not isinstance(w, dict) or w.get("weekday") not in WEEKDAYS:
            raise ValidationFailed(
                "invalid_opening_hours", _("Choose a day of the week."), field="opening_hours"
            )
        start, end = _hhmm(w.get("start")), _hhmm(w.get("end"))
        if end <= start:
            raise ValidationFailed(
                "invalid_opening_hours",
                _("Each opening window ends after it starts."),
                field="opening_hours",
            )
        out.append(
            {
                "weekday": int(w["weekday"]),
                "start": start.strftime("%H:%M"),
                "end": end.strftime("%H:%M"),
            }
        )
    out.sort(key=lambda w: (w["weekday"], w["start"]))
    for a, b in zip(out, out[1:], strict=False):
        if a["weekday"] == b["weekday"] and b["start"] < a["end"]:
            raise ValidationFailed(
                "invalid_opening_hours",
                _("Opening windows of one day must not overlap."),
                field="opening_hours",
            )
    return out


def windows_on(venue: Venue, day: date) -> list[tuple[time, time]]:
    return [
        (_hhmm(w["start"]), _hhmm(w["end"]))
        for w in venue.opening_hours
        if w.get("weekday") == day.weekday()
    ]


def _clean_venue(kind: str, name: str, capacity: Any, opening_hours: Any) -> dict[str, Any]:
    if kind not in Venue.Kind.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="kind"
        )
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name_required", _("Please name the venue."), field="name")
    if len(name) > 80:
        raise ValidationFailed("too_long", _("At most %(n)s characters.") % {"n": 80}, field="name")
    try:
        cap = int(str(capacity).strip())
    except (TypeError, ValueError):
        cap = 0
    if not 1 <= cap <= MAX_CAPACITY:
        raise ValidationFailed(
            "invalid_capacity",
            _("Capacity is 1 to %(n)s people.") % {"n": MAX_CAPACITY},
            field="capacity",
        )
    return {
        "kind": kind,
        "name": name,
        "capacity": cap,
        "opening_hours": clean_opening_hours(opening_hours),
    }


@transaction.atomic
def venue_create(
    *,
    actor: Any,
    owner: Organisation,
    kind: str,
    name: str,
    capacity: Any,
    opening_hours: Any,
    address: str = "",
    description: str = "",
    resource: Any = None,
) -> Venue:
    """A community or a partner lists a venue it shares, with opening hours and capacity."""
    if owner.kind not in OWNER_KINDS:
        raise ValidationFailed(
            "invalid_owner", _("Venues are shared by communities and partner units."), field="owner"
        )
    if not can_manage_venue(actor, owner):
        raise AccessDenied("forbidden", _("Only the unit's staff or contacts list its venues."))
    fields = _clean_venue(kind, name, capacity, opening_hours)
    if Venue.objects.filter(owner=owner, name=fields["name"]).exists():
        raise Conflict(
            "duplicate_name", _("The unit already has a venue of this name."), field="name"
        )
    if resource is not None and resource.owner_id != owner.pk:
        raise ValidationFailed(
            "invalid_resource", _("Choose one of the unit's own resources."), field="resource"
        )
    venue = Venue.objects.create(
        owner=owner,
        city_id=owner.city_id,
        resource=resource,
        address=(address or owner.address or "").strip()[:200],
        description=(description or "").strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    audit(actor=actor, action="venue.create", obj=venue, org=owner)
    return venue


@transaction.atomic
def venue_update(
    *,
    actor: Any,
    venue: Venue,
    kind: str,
    name: str,
    capacity: Any,
    opening_hours: Any,
    address: str = "",
    description: str = "",
    is_active: bool = True,
) -> Venue:
    """Change a venue's details; bookings already made stay (the owner cancels any that no
    longer fit, with a reason)."""
    venue = Venue.objects.select_for_update(of=("self",)).select_related("owner").get(pk=venue.pk)
    if not can_manage_venue(actor, venue.owner):
        raise NotFound("not_found", _("No such venue."))
    fields = _clean_venue(kind, name, capacity, opening_hours)
    if Venue.objects.filter(owner=venue.owner, name=fields["name"]).exclude(pk=venue.pk).exists():
        raise Conflict(
            "duplicate_name", _("The unit already has a venue of this name."), field="name"
        )
    for key, value in fields.items():
        setattr(venue, key, value)
    venue.address = (address or "").strip()[:200]
    venue.description = (description or "").strip()
    venue.is_active = bool(is_active)
    venue.save()
    audit(actor=actor, action="venue.update", obj=venue, org=venue.owner)
    return venue


def _local(dt: datetime) -> datetime:
    return timezone.localtime(dt)


def _hours_text(windows: list[tuple[time, time]]) -> str:
    return "、".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in windows)


def _for(actor: Any, activity: Any, group: Any) -> Organisation:
    """Who the booking is for, and that the actor runs it; returns the organisation whose city
    it belongs to."""
    if activity is None and group is None:
        raise ValidationFailed(
            "for_required",
            _("Book for one of your activities or project groups."),
            field="activity",
        )
    if activity is not None:
        if not access.can(actor, "activity.manage", activity.organiser):
            raise AccessDenied("forbidden", _("You may book only for activities you organise."))
        return activity.organiser
    from qingshe.needs.services.projects import can_decide

    if not can_decide(actor, group):
        raise AccessDenied("forbidden", _("You may book only for project groups you run."))
    return group.owner


@transaction.atomic
def booking_create(
    *,
    actor: Any,
    venue: Venue,
    starts_at: datetime,
    ends_at: datetime,
    purpose: str,
    people: Any,
    activity: Any = None,
    group: Any = None,
) -> VenueBooking:
    """Book a slot of a venue for an activity or a project group: within one of its opening
    windows, for no more people than it holds, overlapping no other booking."""
    venue = Venue.objects.select_for_update(of=("self",)).select_related("owner").get(pk=venue.pk)
    if not venue.is_active:
        raise Conflict("venue_closed", _("This venue is not open for booking."))
    unit = _for(actor, activity, group)
    if unit.city_id != venue.city_id:
        raise ValidationFailed("other_city", _("This venue is in another city."), field="venue")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationFailed(
            "purpose_required", _("Say what the venue is booked for."), field="purpose"
        )
    if ends_at <= starts_at:
        raise ValidationFailed(
            "invalid_times", _("The booking ends after it starts."), field="ends_at"
        )
    if starts_at <= timezone.now():
        raise ValidationFailed("in_the_past", _("Book a time still to come."), field="starts_at")
    start, end = _local(starts_at), _local(ends_at)
    windows = windows_on(venue, start.date())
    if start.date() != end.date() or not any(
        a <= start.time() and end.time() <= b for a, b in windows
    ):
        day = date_format(start.date(), "l")
        raise ValidationFailed(
            "outside_opening_hours",
            (
                _("On %(day)s the venue is open %(hours)s: choose a time within them.")
                % {"day": day, "hours": _hours_text(windows)}
            )
            if windows
            else _("The venue is closed on %(day)s.") % {"day": day},
            field="starts_at",
        )
    try:
        n = int(str(people).strip())
    except (TypeError, ValueError):
        n = 0
    if n < 1:
        raise ValidationFailed(
            "invalid_people", _("Say how many people will come."), field="people"
        )
    if n > venue.capacity:
        raise ValidationFailed(
            "over_capacity",
            _("The venue holds %(n)s people.") % {"n": venue.capacity},
            field="people",
        )
    clash = (
        VenueBooking.objects.filter(
            venue=venue,
            state=VenueBooking.State.BOOKED,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise _overlap(clash)
    try:
        with transaction.atomic():
            booking = VenueBooking.objects.create(
                venue=venue,
                starts_at=starts_at,
                ends_at=ends_at,
                purpose=purpose[:120],
                people=n,
                activity=activity,
                group=group,
                booked_by=actor,
            )
    except IntegrityError as exc:  # the database's own guard (exclusion constraint / trigger)
        raise Conflict("overlap", _("The venue is already booked at that time.")) from exc
    audit(
        actor=actor,
        action="venue.book",
        obj=booking,
        org=venue.owner,
        data={"from": starts_at.isoformat(), "until": ends_at.isoformat()},
    )
    notify(
        users=venue_managers(venue.owner),
        kind="credit.venue_booked",
        title=lambda: (
            _("%(venue)s booked for %(when)s: %(purpose)s")
            % {"venue": venue.name, "when": f"{start:%m-%d %H:%M}–{end:%H:%M}", "purpose": purpose}
        ),
        url=f"/credit/venues/{venue.pk}/?week={start.date().isoformat()}",
    )
    return booking


def _overlap(clash: VenueBooking) -> Conflict:
    a, b = _local(clash.starts_at), _local(clash.ends_at)
    return Conflict(
        "overlap",
        _("The venue is already booked from %(start)s to %(end)s.")
        % {"start": f"{a:%Y-%m-%d %H:%M}", "end": f"{b:%H:%M}"},
        field="starts_at",
    )


def venue_managers(owner: Organisation) -> Any:
    from django.contrib.auth import get_user_model

    roles = {Role.PARTNER_CONTACT, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY}
    return get_user_model().objects.filter(
        pk__in=Membership.objects.filter(org=owner, role__in=roles, is_active=True).values(
            "user_id"
        ),
        is_active=True,
    )


@transaction.atomic
def booking_cancel(*, actor: Any, booking: VenueBooking, reason: str = "") -> VenueBooking:
    """The booker cancels; the venue's managers may cancel with a reason (the booker is told)."""
    booking = (
        VenueBooking.objects.select_for_update(of=("self",))
        .select_related("venue__owner", "booked_by")
        .get(pk=booking.pk)
    )
    own = booking.booked_by_id == actor.pk
    manager = can_manage_venue(actor, booking.venue.owner)
    if not own and not manager:
        raise NotFound("not_found", _("No such booking."))
    reason = (reason or "").strip()
    if not own and not reason:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    if booking.state == VenueBooking.State.CANCELLED:
        raise Conflict("already_cancelled", _("This booking is already cancelled."))
    if booking.ends_at <= timezone.now():
        raise Conflict("already_over", _("This booking is over; it can no longer be cancelled."))
    booking.state = VenueBooking.State.CANCELLED
    booking.cancelled_at, booking.cancelled_by, booking.cancel_reason = (
        timezone.now(),
        actor,
        reason[:200],
    )
    booking.save(
        update_fields=["state", "cancelled_at", "cancelled_by", "cancel_reason", "updated_at"]
    )
    audit(actor=actor, action="venue.cancel", obj=booking, org=booking.venue.owner)
    if not own:
        notify(
            users=[booking.booked_by],
            kind="credit.booking_cancelled",
            title=lambda: (
                _("Your booking of %(venue)s was cancelled") % {"venue": booking.venue.name}
            ),
            body=reason,
            url=f"/credit/venues/{booking.venue_id}/",
        )
    return booking
