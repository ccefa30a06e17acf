"""How a confirmed visit becomes duty and credited hours.

A visit counts as duty like any attendance: when the supervisor confirms it, it is recorded as a
confirmed attendance of a (draft, so never listed for sign-up) duty activity of the beneficiary's
community, one per relationship, one shift per visit, and credit's public ledger service
(`ledger_post_attendance`) credits the hours, rounded by duty's one rule (duty.hours). The
supervisor's confirmation is the community's stamp here; no ledger row is written by this app.
Nothing identifying reaches duty or the ledger: the title is "One-to-one help #<id>" and the
content a fixed phrase; the observations stay sealed in care.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qingshe.care.models import HelpRelationship, Visit
from qingshe.core.audit import audit
from qingshe.core.errors import Conflict
from qingshe.credit.services import ledger_post_attendance
from qingshe.duty.hours import credited_hours
from qingshe.duty.models import Activity, Attendance, CheckMethod, DutyMode, Shift


def _activity(relationship: HelpRelationship, actor: Any) -> Activity:
    if relationship.duty_activity_id is not None:
        return relationship.duty_activity  # type: ignore[return-value]
    with translation.override("zh-hans"):
        title = _("One-to-one help #%(id)s") % {"id": relationship.pk}
        description = _(
            "One-to-one help (visits and tutoring); details are kept in the care records."
        )
    activity = Activity.objects.create(
        title=title,
        description=description,
        mode=DutyMode.REGULAR,
        organiser=relationship.beneficiary.community,
        requires_insurance=False,
        state=Activity.State.DRAFT,
        created_by=actor,
    )
    relationship.duty_activity = activity
    relationship.save(update_fields=["duty_activity", "updated_at"])
    return activity


def credit_visit(*, visit: Visit, actor: Any) -> Attendance:
    """Called by visit_confirm inside its transaction, the visit locked."""
    # The same lock order as duty's confirmation: the person first, then the ledger.
    get_user_model().objects.select_for_update().filter(pk=visit.helper_id).first()
    start, end = visit.started_at, visit.ended_at
    clash = Attendance.objects.filter(
        user_id=visit.helper_id,
        state=Attendance.State.CONFIRMED,
        confirmed_start__lt=end,
        confirmed_end__gt=start,
    ).exists()
    if clash:
        raise Conflict(
            "overlapping_credit", _("This visit overlaps hours already credited to the volunteer.")
        )
    activity = _activity(visit.relationship, actor)
    shift = Shift.objects.create(
        activity=activity, starts_at=start, ends_at=end, capacity=1, qr_secret=secrets.token_hex(16)
    )
    with translation.override("zh-hans"):
        log = _("One-to-one help: visit or tutoring session")
    attendance = Attendance.objects.create(
        shift=shift,
        user_id=visit.helper_id,
        state=Attendance.State.CONFIRMED,
        checkin_at=start,
        checkin_method=CheckMethod.REMOTE_LOG,
        checkout_at=end,
        checkout_method=CheckMethod.REMOTE_LOG,
        remote_log=log,
        recorded_by_id=visit.helper_id,
        confirmed_start=start,
        confirmed_end=end,
        confirmed_by=actor,
        confirmed_at=timezone.now(),
        credited_hours=credited_hours(start, end),
    )
    ledger_post_attendance(attendance=attendance, actor=actor)
    audit(
        actor=actor,
        action="attendance.confirm",
        obj=attendance,
        org=activity.organiser,
        data={"hours": str(attendance.credited_hours), "care_visit": visit.pk},
    )
    return attendance
