"""Writes of typical cases: a department submits, the programme's committee reviews."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.programmes.models import Programme
from qingshe.reports.models import TypicalCase

REVIEW_DECISIONS = {"accept": TypicalCase.State.ACCEPTED, "return": TypicalCase.State.RETURNED, "feature": TypicalCase.State.FEATURED}


def case_text_length(text: str) -> int:
    """Characters, not bytes, and not counting white space: 1,000 字 means 1,000 characters."""
    return sum(1 for ch in text if not ch.isspace())


@transaction.atomic
def case_submit(
    *, actor: Any, programme: Programme, department: Organisation, title: str, text: str, activity: Any = None
) -> TypicalCase:
    if department.kind != OrgKind.DEPARTMENT_COMMITTEE:
        raise ValidationFailed("invalid_department", _("Typical cases are submitted by a department."), field="department")
    if not access.holds_over(actor, department, {Role.DEPARTMENT_ADMIN}) and not access.is_platform_staff(actor):
        raise AccessDenied("forbidden", _("Only the department's league admins submit its typical cases."))
    if not any(department.is_within(s) for s in programme.scope.all()):
        raise ValidationFailed("out_of_scope", _("This department is not in the programme's scope."), field="department")
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Please enter a title."), field="title")
    length = case_text_length(text or "")
    if length < programme.case_min_chars:
        raise ValidationFailed(
            "text_too_short",
            _("A typical case has at least %(min)d characters; this one has %(n)d.")
            % {"min": programme.case_min_chars, "n": length},
            field="text",
        )
    case = TypicalCase.objects.create(
        programme=programme, department=department, title=title, text=text.strip(), activity=activity, submitted_by=actor
    )
    audit(actor=actor, action="case.submit", obj=case, org=department, data={"chars": length})
    notify(
        users=access.holders_over(programme.owner, [Role.LEAGUE_ADMIN]),
        kind="case.to_review",
        title=lambda: _("New typical case from %(department)s: %(title)s") % {"department": department.name, "title": title},
        url=f"/admin/reports/typicalcase/{case.pk}/change/",
    )
    return case


@transaction.atomic
def case_review(*, actor: Any, case: TypicalCase, decision: str, note: str = "") -> TypicalCase:
    case = TypicalCase.objects.select_for_update().select_related("programme__owner", "department").get(pk=case.pk)
    if not access.can(actor, "programme.manage", case.programme.owner):
        raise AccessDenied("forbidden", _("Only the programme's league committee reviews its cases."))
    if decision not in REVIEW_DECISIONS:
        raise ValidationFailed("invalid_decision", _("Accept, return or feature the case."), field="decision")
    if decision == "return" and not (note or "").strip():
        raise ValidationFailed("reason_required", _("Say what should be changed."), field="note")
    if case.state == TypicalCase.State.RETURNED:
        raise Conflict("invalid_state", _("This case was returned; it is reviewed again when resubmitted."))
    case.state = REVIEW_DECISIONS[decision]
    case.review_note, case.reviewed_by, case.reviewed_at = (note or "").strip(), actor, timezone.now()
    case.save()
    audit(actor=actor, action=f"case.{decision}", obj=case, org=case.department)
    notify(
        users=access.holders_over(case.department, [Role.DEPARTMENT_ADMIN]),
        kind=f"case.{case.state}",
        title=lambda: _("Your typical case “%(title)s”: %(state)s") % {"title": case.title, "state": case.get_state_display()},
        body=case.review_note,
    )
    return case
