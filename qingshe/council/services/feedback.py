"""工作情况反馈表: each active pairing's branch secretary files one form a month, after the month
has ended and by the FEEDBACK_DUE_DAY of the next (later is filed but marked late); the community
confirms it (the digital stamp) or returns it with comments, and a returned form is filed again
(keeping the lateness of its first filing: a correction asked for is not a late form)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.core.timeutil import after_day, local_date
from qingshe.council.models import FeedbackForm
from qingshe.council.services.common import check_month, require, text
from qingshe.orgs.models import Role
from qingshe.programmes.models import Pairing

__all__ = [
    "FEEDBACK_DUE_DAY",
    "feedback_confirm",
    "feedback_due_on",
    "feedback_file",
    "feedback_return",
]

FEEDBACK_DUE_DAY = 5


def feedback_due_on(first: date) -> date:
    """The last day a form for the month beginning `first` is on time."""
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt + timedelta(days=FEEDBACK_DUE_DAY - 1)


def _count(value: Any, field: str, top: int) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = -1
    if not 0 <= n <= top:
        raise ValidationFailed(
            "invalid_number", _("Give a whole number from 0 to %(n)d.") % {"n": top}, field=field
        )
    return n


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    try:
        hours = Decimal(str(data.get("hours", "0"))).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        hours = Decimal("-1")
    if not Decimal("0") <= hours <= Decimal("99999"):
        raise ValidationFailed(
            "invalid_hours", _("Give the hours as a number, e.g. 12.5."), field="hours"
        )
    return {
        "activities_held": _count(data.get("activities_held"), "activities_held", 1000),
        "people_involved": _count(data.get("people_involved"), "people_involved", 100000),
        "hours": hours,
        "solved": text(data.get("solved"), field="solved"),
        "problems": text(data.get("problems"), field="problems"),
        "next_plan": text(
            data.get("next_plan"),
            field="next_plan",
            required=True,
            message=_("Please write next month's plan."),
        ),
    }


@transaction.atomic
def feedback_file(
    *, actor: Any, pairing: Pairing, year: Any, month: Any, now: datetime | None = None, **data: Any
) -> FeedbackForm:
    """File the month's form, or file a returned form again."""
    require(
        actor,
        "feedback.file",
        pairing.unit,
        _("Only the branch secretary of this pairing can file its form."),
    )
    if pairing.state != Pairing.State.ACTIVE:
        raise ValidationFailed(
            "pairing_not_active", _("Only an active pairing files monthly forms."), field="pairing"
        )
    year, month = check_month(year, month)
    first = date(year, month, 1)
    now = now or timezone.now()
    today = local_date(now)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    if today < nxt:
        raise ValidationFailed(
            "month_not_ended",
            _("A month's form can be filed once the month has ended."),
            field="month",
        )
    fields = _fields(data)
    late = after_day(now, feedback_due_on(first))
    form = FeedbackForm.objects.select_for_update().filter(pairing=pairing, month=first).first()
    if form is not None and form.state != FeedbackForm.State.RETURNED:
        raise Conflict("already_filed", _("The form for this month has already been filed."))
    if form is None:
        try:
            with transaction.atomic():
                form = FeedbackForm.objects.create(
                    pairing=pairing,
                    month=first,
                    filed_by=actor,
                    filed_at=now,
                    is_late=late,
                    **fields,
                )
        except IntegrityError:
            raise Conflict(
                "already_filed", _("The form for this month has already been filed.")
            ) from None
    else:
        for key, value in fields.items():
            setattr(form, key, value)
        form.state = FeedbackForm.State.SUBMITTED
        form.filed_by, form.filed_at = actor, now
        form.save()
    audit(
        actor=actor,
        action="council.feedback_file",
        obj=form,
        org=pairing.community,
        data={"month": f"{first:%Y-%m}", "late": late},
    )
    label = f"{first:%Y-%m}"
    unit = pairing.unit.display_name
    notify(
        users=access.holders_over(
            pairing.community, [Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY]
        ),
        kind="council.feedback_filed",
        title=lambda: (
            _("Work feedback form of %(unit)s for %(month)s: please confirm")
            % {"unit": unit, "month": label}
        ),
        url=reverse("council:feedback", args=[form.pk]),
    )
    return form


def _decide(actor: Any, form: FeedbackForm) -> FeedbackForm:
    form = (
        FeedbackForm.objects.select_for_update()
        .select_related("pairing__community", "pairing__unit")
        .get(pk=form.pk)
    )
    require(
        actor,
        "feedback.confirm",
        form.pairing.community,
        _("Only the paired community's staff can confirm or return this form."),
    )
    if form.state != FeedbackForm.State.SUBMITTED:
        raise Conflict("already_decided", _("This form has already been confirmed or returned."))
    return form


@transaction.atomic
def feedback_confirm(*, actor: Any, form: FeedbackForm, comments: str = "") -> FeedbackForm:
    form = _decide(actor, form)
    form.comments = text(comments, field="comments")
    form.state = FeedbackForm.State.CONFIRMED
    form.decided_by, form.decided_at = actor, timezone.now()
    form.save(update_fields=["comments", "state", "decided_by", "decided_at", "updated_at"])
    audit(actor=actor, action="council.feedback_confirm", obj=form, org=form.pairing.community)
    return form


@transaction.atomic
def feedback_return(*, actor: Any, form: FeedbackForm, comments: str) -> FeedbackForm:
    form = _decide(actor, form)
    form.comments = text(
        comments, field="comments", required=True, message=_("Say what should be changed.")
    )
    form.state = FeedbackForm.State.RETURNED
    form.decided_by, form.decided_at = actor, timezone.now()
    form.save(update_fields=["comments", "state", "decided_by", "decided_at", "updated_at"])
    audit(actor=actor, action="council.feedback_return", obj=form, org=form.pairing.community)
    label = f"{form.month:%Y-%m}"
    notify(
        users=[form.filed_by] if form.filed_by_id else [],
        kind="council.feedback_returned",
        title=lambda: _("Your work feedback form for %(month)s was returned") % {"month": label},
        url=reverse("council:feedback", args=[form.pk]),
    )
    return form
