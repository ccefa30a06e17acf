"""Background work of the council, run daily by `qingshe council-tick` (cron):

- `refresh_weekly_summaries`: each community's summary of this local week (and, on Mondays, of
  last week) brought up to date with the needs collected so far (日收集周汇总).
- `chase_feedback_forms`: from the 1st to the due day of a month, the branch secretaries of active
  pairings whose form for last month is missing are reminded, once a day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from qingshe.core import access
from qingshe.core.models import Notification
from qingshe.core.notify import notify
from qingshe.core.timeutil import previous_month
from qingshe.council import services
from qingshe.council.models import FeedbackForm
from qingshe.council.services.feedback import FEEDBACK_DUE_DAY
from qingshe.orgs.models import Role
from qingshe.programmes.models import Pairing

CHASE_KIND = "council.feedback.chase"


@task()
def refresh_weekly_summaries(now_iso: str | None = None) -> dict[str, Any]:
    now = datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    return {"summaries": services.weekly_summaries_refresh(now=now)}


@task()
def chase_feedback_forms(today_iso: str | None = None) -> dict[str, Any]:
    today = date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    if today.day > FEEDBACK_DUE_DAY:
        return {"reminded": 0}
    year, month = previous_month(today)
    first = date(year, month, 1)
    filed = FeedbackForm.objects.filter(month=first).values("pairing_id")
    kind = f"{CHASE_KIND}.{today:%Y%m%d}"
    label = f"{first:%Y-%m}"
    reminded = 0
    for pairing in (
        Pairing.objects.filter(state=Pairing.State.ACTIVE)
        .exclude(pk__in=filed)
        .select_related("unit")
    ):
        people = [
            u
            for u in access.holders_over(pairing.unit, [Role.BRANCH_SECRETARY])
            if not Notification.objects.filter(user=u, kind=kind).exists()
        ]
        url = reverse("council:feedback_new", args=[pairing.pk])
        notify(
            users=people,
            kind=kind,
            url=url,
            title=lambda: (
                _("Please file the work feedback form for %(month)s by the %(day)dth")
                % {"month": label, "day": FEEDBACK_DUE_DAY}
            ),
        )
        reminded += len(people)
    return {"reminded": reminded}
