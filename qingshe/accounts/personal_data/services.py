"""Writes for a person's rights over their data (PIPL arts. 45 and 47): the download of
everything held about them, and the deletion request and its execution.

Every function is keyword-only, permission-checked, atomic and audited; audit data carry counts
and codes, never personal data.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from qingshe.accounts.personal_data import sections as _sections
from qingshe.accounts.personal_data.models import DeletionRequest
from qingshe.accounts.personal_data.selectors import personal_data_of
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed

# The automatic rule: a request nobody carried out within this many days is carried out by
# `qingshe personal-data-erase` (PIPL art. 50 wants requests handled promptly; 15 days is the
# usual commitment in published privacy notices).
AUTO_EXECUTE_AFTER_DAYS = 15
# What was kept, for how long (shown on the page and in the summary).
RETENTION_YEARS = 10


# --- download -----------------------------------------------------------------------------------
def _document(person: Any) -> dict[str, Any]:
    return {
        "generated_at": timezone.now(),
        "volunteer_no": person.volunteer_no,
        "sections": {
            s.key: {
                "title": str(s.title),
                "columns": {k: str(label) for k, label in t.columns},
                "rows": t.rows,
            }
            for s, t in personal_data_of(person=person)
        },
    }


def personal_data_json(*, actor: Any, person: Any) -> bytes:
    """Everything the platform holds about `person`, as UTF-8 JSON. Only the person."""
    _require_self(actor, person)
    data = json.dumps(_document(person), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    audit(actor=actor, action="personal_data.export", obj=person, data={"format": "json"})
    return data.encode("utf-8")


def personal_data_xlsx(*, actor: Any, person: Any) -> bytes:
    """The same as .xlsx: one sheet per section, cells neutralised against formula injection."""
    from qingshe.core.exports.writer import neutralise, plain

    _require_self(actor, person)
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for section, t in personal_data_of(person=person):
        ws = wb.create_sheet(title=neutralise(str(section.title))[:31])
        ws.append([neutralise(str(label)) for _key, label in t.columns])
        for cell in ws[1]:
            cell.font = bold
        for row in t.rows:
            ws.append([_cell(t.shown(key, row.get(key)), plain) for key, _label in t.columns])
    out = io.BytesIO()
    wb.save(out)
    audit(actor=actor, action="personal_data.export", obj=person, data={"format": "xlsx"})
    return out.getvalue()


def _cell(value: Any, plain: Any) -> Any:
    if isinstance(value, (list, dict)):
        return plain(json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder))
    return plain(value)


def _require_self(actor: Any, person: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or actor.pk != person.pk:
        raise AccessDenied("forbidden", _("Only the person themself can download their data."))


# --- deletion requests --------------------------------------------------------------------------
@transaction.atomic
def deletion_request_create(*, actor: Any, person: Any, confirm: bool) -> DeletionRequest:
    """The person asks for deletion. `confirm` is the explicit second step (a checkbox)."""
    if not getattr(actor, "is_authenticated", False) or actor.pk != person.pk:
        raise AccessDenied(
            "forbidden", _("Only the person themself can ask for their data to be deleted.")
        )
    if person.deidentified_at is not None:
        raise Conflict("already_deleted", _("This account's data has already been deleted."))
    if not confirm:
        raise ValidationFailed(
            "confirmation_required",
            _("Please confirm that you understand what deletion means before sending the request."),
            field="confirm",
        )
    if DeletionRequest.objects.filter(user=person, state=DeletionRequest.State.PENDING).exists():
        raise Conflict(
            "deletion_pending",
            _("You have already asked for deletion; the request is being handled."),
        )
    try:
        with transaction.atomic():
            req = DeletionRequest.objects.create(user=person)
    except IntegrityError as exc:  # two requests at once: the partial unique constraint
        raise Conflict(
            "deletion_pending",
            _("You have already asked for deletion; the request is being handled."),
        ) from exc
    audit(actor=actor, action="personal_data.deletion_request", obj=req)
    from qingshe.core.notify import notify

    stewards = _stewards_of(person)
    if stewards:
        notify(
            users=stewards,
            kind="personal_data.deletion_request",
            title=lambda: _("A person asked for their data to be deleted"),
            body=lambda: (
                _("Carry it out within %(days)d days, or the platform does it automatically.")
                % {"days": AUTO_EXECUTE_AFTER_DAYS}
            ),
            url=reverse("accounts:deletion_requests"),
        )
    return req


def _stewards_of(person: Any) -> list[Any]:
    from qingshe.orgs.models import Membership

    seen: dict[int, Any] = {}
    for m in Membership.objects.filter(user=person, is_active=True).select_related("org"):
        for u in access.holders_over(m.org, access.PERSON_ACTIONS["person.erase"]).exclude(
            pk=person.pk
        ):
            seen[u.pk] = u
    return list(seen.values())


@transaction.atomic
def deletion_request_cancel(*, actor: Any, request: DeletionRequest) -> DeletionRequest:
    if actor.pk != request.user_id:
        raise AccessDenied("forbidden", _("Only the person themself can withdraw their request."))
    req = DeletionRequest.objects.select_for_update().get(pk=request.pk)
    if req.state != DeletionRequest.State.PENDING:
        raise Conflict("not_pending", _("This request has already been carried out or withdrawn."))
    req.state = DeletionRequest.State.CANCELLED
    req.save(update_fields=["state"])
    audit(actor=actor, action="personal_data.deletion_cancel", obj=req)
    return req


def can_execute(actor: Any, person: Any) -> bool:
    """League or university admins over one of the person's organisations (core.access
    person.erase), or platform staff; never the person themself."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk == person.pk:
        return False
    return access.can(actor, "person.erase", person)


@transaction.atomic
def deletion_execute(
    *, actor: Any | None, request: DeletionRequest, automatic: bool = False
) -> DeletionRequest:
    """Carry out a pending request in one transaction: keep the volunteer records de-identified
    (10 years), delete the rest. `actor=None, automatic=True` is the automatic rule.

    Idempotent: a request already carried out is returned as it is, nothing is written twice.
    """
    req = DeletionRequest.objects.select_for_update().select_related("user").get(pk=request.pk)
    if req.state == DeletionRequest.State.DONE:
        return req
    if req.state != DeletionRequest.State.PENDING:
        raise Conflict("not_pending", _("This request has been withdrawn."))
    person = type(req.user).objects.select_for_update().get(pk=req.user_id)
    if not automatic and not can_execute(actor, person):
        raise AccessDenied("forbidden", _("You may not carry out this person's deletion request."))
    ctx = _sections.EraseContext(pseudonym=req.pseudonym, actor=actor, today=timezone.localdate())
    summary: dict[str, int] = {}
    # The profile last: the other sections still see the login (failed-login records) first.
    ordered = sorted(_sections.SECTIONS, key=lambda s: s.key == "profile")
    for section in ordered:
        if section.erase is not None:
            summary.update({k: v for k, v in section.erase(person, ctx).items() if v})
    _rename_admin_log(person, req.pseudonym)
    req.state = DeletionRequest.State.DONE
    req.executed_at = timezone.now()
    req.executed_by = actor if getattr(actor, "pk", None) else None
    req.automatic = automatic
    req.summary = summary | {"kept_years": RETENTION_YEARS}
    req.save(update_fields=["state", "executed_at", "executed_by", "automatic", "summary"])
    audit(
        actor=actor,
        action="personal_data.deletion_execute",
        obj=req,
        data={"automatic": automatic, "counts": summary},
    )
    return req


def _rename_admin_log(person: Any, pseudonym: str) -> None:
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(person)), object_id=str(person.pk)
    ).update(object_repr=pseudonym)


def deletion_execute_due(
    *, now: Any = None, days: int = AUTO_EXECUTE_AFTER_DAYS
) -> list[DeletionRequest]:
    """The automatic rule: carry out every request pending for more than `days` days."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    due = DeletionRequest.objects.filter(
        state=DeletionRequest.State.PENDING, requested_at__lte=cutoff
    )
    return [deletion_execute(actor=None, request=r, automatic=True) for r in due.order_by("pk")]


# --- reads of clear ID numbers outside accounts.services.user_reveal_id_number -------------------
def record_id_number_reads(*, actor: Any, person_ids: Any, via: str) -> int:
    """One audit entry per person whose clear ID number `actor` just read in bulk (an export):
    the same action as a single reveal ("user.id_number.read"), so that a person's audit trail
    shows every read. Returns the number of entries written."""
    from qingshe.accounts.models import User
    from qingshe.core.models import AuditEvent

    ids = list(
        User.objects.filter(
            pk__in=[i for i in person_ids if i], id_number_cipher__isnull=False
        ).values_list("pk", flat=True)
    )
    actor_obj = actor if getattr(actor, "pk", None) else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor_obj,
                action="user.id_number.read",
                object_type="accounts.user",
                object_id=str(pk),
                data={"via": via},
            )
            for pk in ids
        ],
        batch_size=500,
    )
    return len(ids)
