"""Background work of duty, run every 10 minutes by `qingshe duty-tick` (cron):

- `send_shift_reminders`: a day before and an hour before each shift, every person signed up
  (with a place, not on the waitlist) is reminded. Idempotent per sign-up and kind: a person who
  already holds a notification of that kind for that shift's URL is skipped, so ticks every 10
  minutes send each reminder once.
- `close_forgotten_checkouts`: checks out, at the shift's end and flagged for the confirmer,
  everyone who forgot (services.auto_checkout_due).
- `chase_confirmations`: tells the organiser's confirmers what awaits confirmation and is due
  within 3 working days or overdue (the 10-working-day rule of duty.hours); the league committee,
  which alone may confirm late, is told of the overdue ones. Once a day per person and organiser
  (the kind carries the date).

Times are aware UTC; days are Asia/Shanghai days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from qingshe.core import access
from qingshe.core.models import Notification
from qingshe.core.notify import notify
from qingshe.core.timeutil import day_start, local_text
from qingshe.duty import services
from qingshe.duty.hours import add_working_days, confirmation_due
from qingshe.duty.models import Activity, Attendance, SignUp

REMIND_DAY = "duty.reminder.day"
REMIND_HOUR = "duty.reminder.hour"
CHASE_KIND = "duty.confirm.chase"
CHASE_WITHIN_WORKING_DAYS = 3
# (kind, how long before the start it goes out)
REMINDERS = ((REMIND_HOUR, timedelta(hours=1)), (REMIND_DAY, timedelta(hours=24)))


def shift_url(shift_id: int) -> str:
    return f"/duty/shifts/{shift_id}/"


def _parse_now(now_iso: str | None) -> datetime:
    if not now_iso:
        return timezone.now()
    moment = datetime.fromisoformat(now_iso)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# --- reminders ----------------------------------------------------------------------------------
def _reminder_title(kind: str, title: str, starts_at: datetime) -> Callable[[], str]:
    def render() -> str:
        values = {"title": title, "time": local_text(starts_at)}
        if kind == REMIND_HOUR:
            return _("In an hour: %(title)s at %(time)s") % values
        return _("Tomorrow: %(title)s at %(time)s") % values

    return render


def _reminder_body(place: str) -> Callable[[], str]:
    def render() -> str:
        text = _(
            "Check in with the code on the leader's screen; if you cannot come, cancel or tell the leader."
        )
        return f"{place}\n{text}" if place else text

    return render


@task()
def send_shift_reminders(now_iso: str | None = None) -> dict[str, Any]:
    """Remind everyone with a place on a shift starting within the next hour (kind "hour") or,
    when it starts later, within the next 24 hours (kind "day")."""
    now = _parse_now(now_iso)
    signups = list(
        SignUp.objects.filter(
            state=SignUp.State.CONFIRMED,
            shift__starts_at__gt=now,
            shift__starts_at__lte=now + timedelta(hours=24),
            shift__activity__state=Activity.State.PUBLISHED,
        ).select_related("user", "shift__activity")
    )
    # One query for what was already sent to these people.
    sent = set(
        Notification.objects.filter(
            kind__in=[REMIND_DAY, REMIND_HOUR], user_id__in={s.user_id for s in signups}
        ).values_list("user_id", "kind", "url")
    )
    batches: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for signup in signups:
        lead = signup.shift.starts_at - now
        kind = REMIND_HOUR if lead <= timedelta(hours=1) else REMIND_DAY
        if (signup.user_id, kind, shift_url(signup.shift_id)) in sent:
            continue
        batches[(kind, signup.shift_id)].append(signup)
    count = 0
    for (kind, shift_id), group in batches.items():
        shift = group[0].shift
        notify(
            users=[s.user for s in group],
            kind=kind,
            title=_reminder_title(kind, shift.activity.title, shift.starts_at),
            body=_reminder_body(shift.activity.place),
            url=shift_url(shift_id),
        )
        count += len(group)
    return {"now": now.isoformat(), "reminders": count}


# --- forgotten check-outs -----------------------------------------------------------------------
@task()
def close_forgotten_checkouts(now_iso: str | None = None) -> dict[str, Any]:
    return {"closed": services.auto_checkout_due(now=_parse_now(now_iso))}


# --- chasing confirmations ----------------------------------------------------------------------
def chase_kind(day: date) -> str:
    return f"{CHASE_KIND}.{day:%Y%m%d}"


def confirm_url(organiser_id: int) -> str:
    return f"/duty/confirm/?org={organiser_id}"


def _chase_title(organiser: str, due_soon: int, overdue: int) -> Callable[[], str]:
    def render() -> str:
        text = ngettext(
            "%(org)s: %(n)d attendance awaits your confirmation",
            "%(org)s: %(n)d attendances await your confirmation",
            due_soon + overdue,
        ) % {"org": organiser, "n": due_soon + overdue}
        if overdue:
            text += _(" (%(n)d overdue)") % {"n": overdue}
        return text

    return render


def _chase_body(rows: list[tuple[str, datetime, int, date]], today: date) -> Callable[[], str]:
    def render() -> str:
        lines = []
        for title, starts_at, n, due in rows:
            values = {"title": title, "time": local_text(starts_at), "n": n, "due": due.isoformat()}
            if due < today:
                lines.append(_("%(title)s (%(time)s): %(n)d, overdue since %(due)s") % values)
            else:
                lines.append(_("%(title)s (%(time)s): %(n)d, confirm by %(due)s") % values)
        return "\n".join(lines)

    return render


@task()
def chase_confirmations(today_iso: str | None = None) -> dict[str, Any]:
    """Tell each organiser's confirmers, once a day, what is due within 3 working days or
    overdue; and the league committee above it what is overdue."""
    today = date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    horizon = add_working_days(today, CHASE_WITHIN_WORKING_DAYS)
    # Due dates grow with the service day: every shift on or before `last_day` is due by the horizon.
    last_day = horizon
    while confirmation_due(last_day) > horizon:
        last_day -= timedelta(days=1)
    pending = Attendance.objects.filter(
        state=Attendance.State.PENDING, shift__starts_at__lt=day_start(last_day + timedelta(days=1))
    ).select_related("shift__activity__organiser")
    # organiser → shift → (count); only what falls due by the horizon.
    by_org: dict[int, dict[int, list[Attendance]]] = defaultdict(lambda: defaultdict(list))
    organisers: dict[int, Any] = {}
    for attendance in pending.order_by("shift__starts_at", "pk"):
        due = confirmation_due(timezone.localtime(attendance.shift.starts_at).date())
        if due > horizon:
            continue
        organiser = attendance.shift.activity.organiser
        organisers[organiser.pk] = organiser
        by_org[organiser.pk][attendance.shift_id].append(attendance)
    kind = chase_kind(today)
    count = 0
    for org_id, shifts in by_org.items():
        organiser = organisers[org_id]
        url = confirm_url(org_id)
        rows = []
        for group in shifts.values():
            shift = group[0].shift
            rows.append(
                (
                    shift.activity.title,
                    shift.starts_at,
                    len(group),
                    confirmation_due(timezone.localtime(shift.starts_at).date()),
                )
            )
        overdue_rows = [r for r in rows if r[3] < today]
        confirmers = list(access.holders_over(organiser, access.ORG_ACTIONS["attendance.confirm"]))
        committee: list[Any] = []
        if overdue_rows:
            committee = list(
                access.holders_over(organiser, access.ORG_ACTIONS["attendance.confirm_overdue"])
            )
        already = set(
            Notification.objects.filter(
                kind=kind, url=url, user_id__in=[u.pk for u in confirmers + committee]
            ).values_list("user_id", flat=True)
        )
        confirmer_ids = {u.pk for u in confirmers}
        for users, own_rows in (
            ([u for u in confirmers if u.pk not in already], rows),
            (
                [u for u in committee if u.pk not in already and u.pk not in confirmer_ids],
                overdue_rows,
            ),
        ):
            if not users or not own_rows:
                continue
            notify(
                users=users,
                kind=kind,
                title=_chase_title(
                    organiser.name,
                    sum(r[2] for r in own_rows if r[3] >= today),
                    sum(r[2] for r in own_rows if r[3] < today),
                ),
                body=_chase_body(own_rows, today),
                url=url,
            )
            count += len(users)
    return {"date": today.isoformat(), "notifications": count, "organisers": len(by_org)}
