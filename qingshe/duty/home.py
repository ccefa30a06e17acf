"""Home-page panels of duty: a student's next shifts, a leader's shifts today, and for community
staff the attendance waiting for confirmation (count, oldest due date) and corrections to decide.
Each provider makes a bounded number of queries."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qingshe.core import access, sql
from qingshe.core.home import Panel, PanelItem, register, url, url_maker
from qingshe.duty import selectors
from qingshe.duty.hours import confirmation_due
from qingshe.duty.models import Shift, SignUp
from qingshe.orgs.models import Role

LIST_LIMIT = 5
# The main navigation's label, kept in this app's catalogue.
NAV_LABEL = gettext_lazy("Duty")


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


@register(order=30)
def my_next_shifts(user: Any) -> list[Panel]:
    if not access.has_role(user, {Role.STUDENT, Role.BRANCH_SECRETARY}):
        return []
    # Only the columns the panel shows (values() drops the selector's select_related).
    rows = list(
        selectors.my_shifts(user=user).values(
            "shift_id", "shift__starts_at", "shift__activity__title", "state"
        )[: LIST_LIMIT + 1]
    )
    shift_url = url_maker("duty:shift")
    labels = dict(SignUp._meta.get_field("state").flatchoices)
    return [
        Panel(
            title=gettext_lazy("My next shifts"),
            items=[
                PanelItem(
                    text=f"{_when(s['shift__starts_at'])} {s['shift__activity__title']}",
                    url=shift_url(s["shift_id"]),
                    badge=str(labels.get(s["state"], s["state"])),
                )
                for s in rows[:LIST_LIMIT]
            ],
            empty_text=gettext_lazy("No shift to come. Find an activity and sign up."),
            action_url=url("duty:list"),
            action_text=gettext_lazy("Duty activities"),
            total=len(rows) if len(rows) <= LIST_LIMIT else selectors.my_shifts(user=user).count(),
        )
    ]


def _leads_a_shift_between(user: Any, start: datetime, end: datetime) -> bool:
    """Whether `user` leads a shift overlapping [start, end), cancelled activities included (so
    True may still find nothing in `selectors.shifts_led_between`). Every person's home page asks,
    and almost nobody leads one today: one small statement written out instead of building the
    whole query. Names from the model, quoted; every value a parameter."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    ops, column = connection.ops, (lambda name: sql.column(Shift, name))
    statement = (
        f"SELECT EXISTS(SELECT 1 FROM {sql.table(Shift)} WHERE {column('leader')} = %s"  # noqa: S608
        f" AND {column('starts_at')} < %s AND {column('ends_at')} > %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [pk, ops.adapt_datetimefield_value(end), ops.adapt_datetimefield_value(start)],
        )
        return bool(cursor.fetchone()[0])


@register(order=31)
def shifts_i_lead_today(user: Any) -> list[Panel]:
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    if not _leads_a_shift_between(user, start, start + timedelta(days=1)):
        return []
    rows = list(
        selectors.shifts_led_between(user=user, start=start, end=start + timedelta(days=1)).values(
            "pk", "starts_at", "activity__title"
        )[:LIST_LIMIT]
    )
    if not rows:
        return []
    lead_url = url_maker("duty:lead")
    return [
        Panel(
            title=gettext_lazy("Shifts I lead today"),
            items=[
                PanelItem(
                    text=f"{_when(s['starts_at'])} {s['activity__title']}",
                    url=lead_url(s["pk"]),
                    badge=_("QR code"),
                )
                for s in rows
            ],
            tone="attention",
        )
    ]


@register(order=32)
def attendance_waiting(user: Any) -> list[Panel]:
    if not access.has_role(user, access.ORG_ACTIONS["attendance.confirm"]):
        return []
    pending = selectors.attendance_to_confirm(user=user)
    total = pending.count()
    oldest = pending.first() if total else None
    corrections = selectors.corrections_to_decide(user=user).count()
    items = []
    if oldest is not None:
        due = confirmation_due(timezone.localtime(oldest.shift.starts_at).date())
        overdue = due < timezone.localdate()
        items.append(
            PanelItem(
                text=_("%(n)d attendance to confirm; the oldest is due %(due)s")
                % {"n": total, "due": due.isoformat()},
                url=reverse("duty:confirm"),
                badge=_("overdue") if overdue else None,
            )
        )
    if corrections:
        items.append(
            PanelItem(
                text=_("%(n)d correction requests to decide") % {"n": corrections},
                url=reverse("duty:confirm") + "#corr-title",
            )
        )
    return [
        Panel(
            title=gettext_lazy("Attendance to confirm"),
            items=items,
            empty_text=gettext_lazy("Nothing to confirm."),
            action_url=reverse("duty:confirm"),
            action_text=gettext_lazy("Open the confirmation inbox"),
            tone="attention" if items else "info",
        )
    ]
