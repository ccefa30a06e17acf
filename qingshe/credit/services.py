"""Every write of credit: posting to the hours ledger (from duty's confirmation and corrections,
and the take-over of attendance confirmed before the ledger existed), awards and evaluations,
certificates (issue, revoke) and transcript export jobs.

The ledger is append-only: `_append` is the only code that writes a LedgerEntry. It locks the
person (the same row duty's confirmation locks first) and their balance, numbers the entry after
the last one, chains its hash to the last one's, and moves the cached total by the entry's hours.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from stdnum.iso7064 import mod_37_36

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify
from qingshe.credit import ledger, signing
from qingshe.credit.models import (
    Award,
    Certificate,
    EntryKind,
    Evaluation,
    ExportJob,
    HoursBalance,
    LedgerEntry,
    Rating,
)
from qingshe.duty.hours import credited_hours
from qingshe.duty.models import Attendance, Correction
from qingshe.orgs.models import Membership, Organisation, OrgKind

CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CODE_RANDOM_CHARS = 15  # ~77 bits, plus one ISO 7064 check character
MAX_CERTIFICATE_YEARS = 10
CERTIFICATE_SERVICE_ROWS = 12  # rows on the one-page certificate; the rest are summed up
RECIPIENT_KINDS = (OrgKind.COMMUNITY, OrgKind.RESIDENTIAL_AREA, OrgKind.GRID)


def _name(user: Any) -> str:
    return (getattr(user, "name", "") or str(user or ""))[:40] if user is not None else ""


# --- who may act for a person -------------------------------------------------------------------
def may_administer(actor: Any, person: Any) -> bool:
    """Platform staff, or an admin (league, university, department) over one of the person's
    organisations: who may request a certificate for them, record awards and evaluations."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if access.is_platform_staff(actor):
        return True
    paths = Membership.objects.filter(user_id=person.pk, is_active=True).values_list(
        "org__path", flat=True
    )
    admin_paths = [g.path for g in access.grants(actor) if g.role in access.ADMIN_ROLES]
    return any(p.startswith(a) for p in paths for a in admin_paths)


# --- the ledger ---------------------------------------------------------------------------------
def _lock_person(user_id: int) -> HoursBalance:
    get_user_model().objects.select_for_update().filter(pk=user_id).first()
    HoursBalance.objects.get_or_create(user_id=user_id)
    return HoursBalance.objects.select_for_update().get(user_id=user_id)


def _append(*, user_id: int, kind: str, hours: Decimal, actor: Any, **fields: Any) -> LedgerEntry:
    """Append one entry to the person's chain. Called with nothing locked; locks the person."""
    balance = _lock_person(user_id)
    last = LedgerEntry.objects.filter(user_id=user_id).order_by("-seq").only("seq", "hash").first()
    entry = LedgerEntry(
        user_id=user_id,
        seq=(last.seq + 1) if last else 1,
        kind=kind,
        hours=Decimal(hours).quantize(ledger.HOURS_QUANTUM),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=_name(actor) if getattr(actor, "pk", None) else "",
        recorded_at=timezone.now(),
        prev_hash=last.hash if last else "",
        **fields,
    )
    entry.hash = ledger.entry_hash(entry, entry.prev_hash)
    entry.save(force_insert=True)
    _enqueue_points(entry.pk)
    balance.total = balance.total + entry.hours
    balance.entries = entry.seq
    balance.head_hash = entry.hash
    balance.save()
    return entry


def _enqueue_points(entry_id: int) -> None:
    """Once the entry is committed, the points it earns (or takes back) are worked out by a task
    keyed by the entry (credit.services_points.award_for_hours_entry): confirming twice, or a
    retried task, never pays twice."""

    def _enqueue() -> None:
        from qingshe.credit.tasks_points import points_for_hours_entry

        points_for_hours_entry.enqueue(entry_id=entry_id)

    transaction.on_commit(_enqueue)


def _recipient(activity: Any) -> str:
    need = getattr(activity, "need", None)
    if need is not None:
        return f"{need.community.name}：{need.title}"[:200]
    if activity.organiser.kind in RECIPIENT_KINDS:
        return activity.organiser.name
    return ""


def _service_fields(attendance: Attendance, start: Any, end: Any) -> dict[str, Any]:
    shift = attendance.shift
    activity = shift.activity
    in_charge = shift.leader or activity.created_by
    return {
        "attendance": attendance,
        "service_date": timezone.localtime(start).date(),
        "starts_at": start,
        "ends_at": end,
        "activity_title": activity.title[:120],
        "duty_mode": activity.mode,
        "place": (activity.place or activity.address)[:200],
        "content": (attendance.remote_log or activity.description or activity.title).strip(),
        "organiser": activity.organiser,
        "organiser_name": activity.organiser.name[:120],
        "person_in_charge": _name(in_charge),
        "confirmer": attendance.confirmed_by,
        "confirmer_name": _name(attendance.confirmed_by),
        "recipient": _recipient(activity),
    }


def _attendance_for_posting(attendance_id: int) -> Attendance:
    return Attendance.objects.select_related(
        "shift__leader",
        "shift__activity__organiser",
        "shift__activity__created_by",
        "shift__activity__need__community",
        "confirmed_by",
    ).get(pk=attendance_id)


def live_entry(attendance_id: int) -> LedgerEntry | None:
    """The entry that currently credits an attendance: its latest credit not yet reversed."""
    return (
        LedgerEntry.objects.filter(
            attendance_id=attendance_id,
            kind__in=(EntryKind.SERVICE, EntryKind.CORRECTION),
            reversed_by__isnull=True,
        )
        .order_by("-seq")
        .first()
    )


@transaction.atomic
def ledger_post_attendance(*, attendance: Attendance, actor: Any, reason: str = "") -> LedgerEntry:
    """Credit a confirmed attendance. Called by duty's confirmation (which checked that `actor`
    may confirm) inside its transaction, and by the take-over. Idempotent: an attendance already
    credited returns its entry."""
    attendance = _attendance_for_posting(attendance.pk)
    if attendance.state != Attendance.State.CONFIRMED:
        raise Conflict("not_confirmed", _("Only confirmed attendance is credited."))
    existing = LedgerEntry.objects.filter(attendance=attendance, kind=EntryKind.SERVICE).first()
    if existing is not None:
        return existing
    assert attendance.confirmed_start is not None and attendance.confirmed_end is not None
    entry = _append(
        user_id=attendance.user_id,
        kind=EntryKind.SERVICE,
        hours=attendance.credited_hours,
        actor=actor,
        reason=reason[:200],
        **_service_fields(attendance, attendance.confirmed_start, attendance.confirmed_end),
    )
    audit(
        actor=actor,
        action="ledger.post",
        obj=entry,
        org=attendance.shift.activity.organiser,
        data={"hours": str(entry.hours), "attendance": attendance.pk},
    )
    return entry


@transaction.atomic
def ledger_post_correction(*, correction: Correction, actor: Any) -> list[LedgerEntry]:
    """An approved correction of confirmed hours: a reversing entry of what the ledger credited,
    then a new entry with the corrected times, both carrying the actor and the request's reason.
    Idempotent per correction."""
    correction = Correction.objects.select_related("attendance").get(pk=correction.pk)
    if correction.state != Correction.State.APPROVED:
        raise Conflict("not_approved", _("Only an approved correction changes the ledger."))
    if LedgerEntry.objects.filter(correction=correction, kind=EntryKind.CORRECTION).exists():
        return list(LedgerEntry.objects.filter(correction=correction).order_by("seq"))
    attendance = _attendance_for_posting(correction.attendance_id)
    posted: list[LedgerEntry] = []
    current = live_entry(attendance.pk)
    if current is None:
        # Confirmed before the ledger existed: record what was credited before this correction.
        start = correction.previous_start or attendance.confirmed_start
        end = correction.previous_end or attendance.confirmed_end
        hours = (
            correction.previous_hours
            if correction.previous_hours is not None
            else credited_hours(start, end)
        )  # type: ignore[arg-type]
        current = _append(
            user_id=attendance.user_id,
            kind=EntryKind.SERVICE,
            hours=hours,
            actor=actor,
            reason=_("Taken over from the attendance record")[:200],
            **_service_fields(attendance, start, end),
        )
        posted.append(current)
    reason = f"{correction.reason} {correction.decision_note}".strip()[:200]
    reversal_fields = {
        name: getattr(current, name)
        for name in (
            "attendance",
            "service_date",
            "starts_at",
            "ends_at",
            "activity_title",
            "duty_mode",
            "place",
            "content",
            "organiser",
            "organiser_name",
            "person_in_charge",
            "confirmer",
            "confirmer_name",
            "recipient",
        )
    }
    posted.append(
        _append(
            user_id=attendance.user_id,
            kind=EntryKind.REVERSAL,
            hours=-current.hours,
            actor=actor,
            reverses=current,
            correction=correction,
            reason=reason,
            **reversal_fields,
        )
    )
    fields = _service_fields(attendance, correction.new_start, correction.new_end)
    posted.append(
        _append(
            user_id=attendance.user_id,
            kind=EntryKind.CORRECTION,
            hours=credited_hours(correction.new_start, correction.new_end),
            actor=actor,
            correction=correction,
            reason=reason,
            **fields,
        )
    )
    audit(
        actor=actor,
        action="ledger.correct",
        obj=posted[-1],
        org=attendance.shift.activity.organiser,
        data={"from": str(current.hours), "to": str(posted[-1].hours), "correction": correction.pk},
    )
    return posted


def ledger_backfill(*, actor: Any = None) -> int:
    """The take-over: credit every confirmed attendance that has no ledger entry yet, with its
    approved corrections in the order they were decided (so the trail survives). One transaction
    per attendance; running it again posts nothing. Returns the number of attendances posted."""
    missing = (
        Attendance.objects.filter(state=Attendance.State.CONFIRMED)
        .exclude(ledger_entries__isnull=False)
        .order_by("confirmed_at", "pk")
        .values_list("pk", flat=True)
    )
    posted = 0
    for pk in list(missing):
        with transaction.atomic():
            attendance = _attendance_for_posting(pk)
            if LedgerEntry.objects.filter(attendance_id=pk).exists():
                continue
            approved = list(
                attendance.corrections.filter(state=Correction.State.APPROVED).order_by(
                    "decided_at", "pk"
                )
            )
            note = _("Taken over from the attendance record")
            if approved:
                first = approved[0]
                start, end = first.previous_start, first.previous_end
                hours = (
                    first.previous_hours
                    if first.previous_hours is not None
                    else credited_hours(start, end)
                )  # type: ignore[arg-type]
                _append(
                    user_id=attendance.user_id,
                    kind=EntryKind.SERVICE,
                    hours=hours,
                    actor=attendance.confirmed_by,
                    reason=note,
                    **_service_fields(attendance, start, end),
                )
                for correction in approved:
                    ledger_post_correction(correction=correction, actor=correction.decided_by)
            else:
                ledger_post_attendance(
                    attendance=attendance, actor=attendance.confirmed_by, reason=note
                )
            posted += 1
    if posted:
        audit(actor=actor, action="ledger.backfill", data={"attendances": posted})
    return posted


# --- awards and evaluations ---------------------------------------------------------------------
def _require_recorder(actor: Any, person: Any, org: Organisation) -> None:
    if not may_administer(actor, person):
        raise NotFound("not_found", _("No such person."))
    if not access.is_platform_staff(actor) and not access.holds_over(
        actor, org, access.ADMIN_ROLES
    ):
        raise AccessDenied("forbidden", _("You may not record for this organisation."))


@transaction.atomic
def award_record(
    *, actor: Any, user: Any, org: Organisation, name: str, granted_on: date, granting_body: str
) -> Award:
    _require_recorder(actor, user, org)
    name, granting_body = (name or "").strip(), (granting_body or "").strip()
    if not name:
        raise ValidationFailed("name_required", _("Please enter the award's name."), field="name")
    if not granting_body:
        raise ValidationFailed(
            "body_required", _("Please enter the body that granted it."), field="granting_body"
        )
    if granted_on > timezone.localdate():
        raise ValidationFailed(
            "future_date", _("An award cannot be dated in the future."), field="granted_on"
        )
    award = Award.objects.create(
        user=user,
        org=org,
        name=name[:120],
        granted_on=granted_on,
        granting_body=granting_body[:120],
        recorded_by=actor,
    )
    audit(actor=actor, action="award.record", obj=award, org=org)
    notify(
        users=[user],
        kind="credit.award",
        title=lambda: _("Award recorded: %(name)s") % {"name": award.name},
        url="/credit/hours/",
    )
    return award


@transaction.atomic
def evaluation_record(
    *,
    actor: Any,
    user: Any,
    org: Organisation,
    rating: str,
    evaluated_on: date,
    star_level: int | None = None,
    note: str = "",
) -> Evaluation:
    _require_recorder(actor, user, org)
    if rating not in Rating.values:
        raise ValidationFailed("invalid_rating", _("Choose a quality rating."), field="rating")
    if star_level is not None and not 1 <= int(star_level) <= 5:
        raise ValidationFailed(
            "invalid_star_level", _("A star level is 1 to 5."), field="star_level"
        )
    if evaluated_on > timezone.localdate():
        raise ValidationFailed(
            "future_date", _("An evaluation cannot be dated in the future."), field="evaluated_on"
        )
    evaluation = Evaluation.objects.create(
        user=user,
        org=org,
        rating=rating,
        evaluated_on=evaluated_on,
        star_level=star_level,
        note=(note or "").strip()[:200],
        recorded_by=actor,
    )
    audit(actor=actor, action="evaluation.record", obj=evaluation, org=org)
    return evaluation


# --- certificates -------------------------------------------------------------------------------
def new_code() -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_RANDOM_CHARS))
    return body + mod_37_36.calc_check_digit(body)


def recording_org(user: Any) -> Organisation:
    """The organisation that keeps the person's record: a student's university league committee
    (which certifies hours into the transcript), otherwise the league committee at the top of
    their first organisation."""
    from qingshe.accounts.models import StudentProfile

    profile = StudentProfile.objects.filter(user_id=user.pk).select_related("university").first()
    if profile is not None:
        return profile.university
    membership = (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("org")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise Conflict(
            "no_organisation",
            _("This person belongs to no organisation that could record the service."),
        )
    root = Organisation.objects.filter(pk=membership.org.city_id).first()
    return root or membership.org


def _services_in(user: Any, start: date, end: date) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(
            user=user, service_date__gte=start, service_date__lte=end
        ).order_by("service_date", "seq")
    )


def certificate_statement_services(
    entries: list[LedgerEntry],
) -> tuple[list[dict[str, Any]], Decimal]:
    """Group the period's entries by activity and organiser (reversals net out corrections)."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for e in entries:
        row = groups.setdefault(
            (e.activity_title, e.organiser_name),
            {
                "activity": e.activity_title,
                "organiser": e.organiser_name,
                "from": e.service_date,
                "to": e.service_date,
                "dates": set(),
                "hours": Decimal("0"),
                "content": e.content,
            },
        )
        row["from"], row["to"] = min(row["from"], e.service_date), max(row["to"], e.service_date)
        row["hours"] += e.hours
        if e.kind != EntryKind.REVERSAL:
            row["dates"].add(e.service_date)
    rows = [r for r in groups.values() if r["hours"] > 0]
    rows.sort(key=lambda r: (r["from"], r["activity"]))
    total = sum((r["hours"] for r in rows), Decimal("0"))
    out = [
        {
            "activity": r["activity"],
            "organiser": r["organiser"],
            "from": r["from"].isoformat(),
            "to": r["to"].isoformat(),
            "times": len(r["dates"]),
            "hours": str(r["hours"].quantize(ledger.HOURS_QUANTUM)),
            "content": r["content"][:120],
        }
        for r in rows
    ]
    return out, total


@transaction.atomic
def certificate_issue(
    *, actor: Any, user: Any, period_start: date, period_end: date
) -> Certificate:
    """A person (or an admin for them) asks for a certificate of their service in a period."""
    if actor.pk != user.pk and not may_administer(actor, user):
        raise NotFound("not_found", _("No such person."))
    today = timezone.localdate()
    if period_end < period_start:
        raise ValidationFailed(
            "invalid_period",
            _("The period must end on or after its first day."),
            field="period_end",
        )
    if period_end > today:
        raise ValidationFailed(
            "future_period",
            _("A certificate covers service already done: end the period today at the latest."),
            field="period_end",
        )
    if period_end - period_start > timedelta(days=366 * MAX_CERTIFICATE_YEARS):
        raise ValidationFailed(
            "period_too_long", _("A certificate covers at most ten years."), field="period_start"
        )
    services_rows, total = certificate_statement_services(
        _services_in(user, period_start, period_end)
    )
    if total <= 0:
        raise ValidationFailed(
            "no_hours",
            _(
                "No confirmed volunteer hours between %(start)s and %(end)s: there is nothing to certify."
            )
            % {"start": period_start.isoformat(), "end": period_end.isoformat()},
            field="period_start",
        )
    org = recording_org(user)
    now = timezone.now()
    cert = Certificate.objects.create(
        code=new_code(),
        user=user,
        period_start=period_start,
        period_end=period_end,
        recording_org=org,
        issued_at=now,
        requested_by=actor,
    )
    cert.number = f"QSZM-{timezone.localtime(now).year}-{cert.pk:06d}"
    shown = services_rows[:CERTIFICATE_SERVICE_ROWS]
    rest = services_rows[CERTIFICATE_SERVICE_ROWS:]
    with translation.override("zh-hans"):  # the certificate's language, whoever asks
        issuer = (
            _name(actor)
            if actor.pk != user.pk
            else str(_("Qingshe platform, on the person's request"))
        )
    statement = {
        "v": 1,
        "code": cert.code,
        "number": cert.number,
        "name": user.name,
        "id_masked": user.id_number_masked,
        "volunteer_no": user.volunteer_no,
        "period_start": period_start.isoformat(),
        "period_end": period_end.isoformat(),
        "hours": str(total.quantize(ledger.HOURS_QUANTUM)),
        "times": sum(r["times"] for r in services_rows),
        "services": shown,
        "more_activities": len(rest),
        "more_hours": str(
            sum((Decimal(r["hours"]) for r in rest), Decimal("0")).quantize(ledger.HOURS_QUANTUM)
        ),
        "recording_org": org.name,
        "issued_on": timezone.localtime(now).date().isoformat(),
        "issuer": issuer,
    }
    cert.key_id, cert.signature = signing.sign(statement)
    cert.statement = statement
    cert.save(update_fields=["number", "statement", "key_id", "signature"])
    audit(
        actor=actor,
        action="certificate.issue",
        obj=cert,
        org=org,
        data={"number": cert.number, "hours": statement["hours"], "key_id": cert.key_id},
    )
    if actor.pk != user.pk:
        notify(
            users=[user],
            kind="credit.certificate",
            title=lambda: (
                _("A certificate of volunteer service was issued for you: %(number)s")
                % {"number": cert.number}
            ),
            url="/credit/certificates/",
        )
    return cert


@transaction.atomic
def certificate_revoke(*, actor: Any, certificate: Certificate, reason: str) -> Certificate:
    certificate = (
        Certificate.objects.select_for_update()
        .select_related("user", "recording_org")
        .get(pk=certificate.pk)
    )
    if not may_administer(actor, certificate.user):
        raise NotFound("not_found", _("No such certificate."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    if certificate.revoked_at is not None:
        raise Conflict("already_revoked", _("This certificate is already revoked."))
    certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason = (
        timezone.now(),
        actor,
        reason[:200],
    )
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit(
        actor=actor,
        action="certificate.revoke",
        obj=certificate,
        org=certificate.recording_org,
        data={"reason": reason[:200]},
    )
    notify(
        users=[certificate.user],
        kind="credit.certificate_revoked",
        title=lambda: _("Certificate %(number)s was revoked") % {"number": certificate.number},
        body=reason,
        url="/credit/certificates/",
    )
    return certificate


# --- transcript exports -------------------------------------------------------------------------
@transaction.atomic
def transcript_export_start(*, actor: Any, org: Organisation) -> ExportJob:
    """A department's (or university's) transcripts as Excel and a ZIP of PDFs, in the background."""
    if not access.can(actor, "org.manage", org):
        raise NotFound("not_found", _("No such organisation."))
    if org.kind not in (
        OrgKind.DEPARTMENT_COMMITTEE,
        OrgKind.UNIVERSITY_COMMITTEE,
        OrgKind.CLASS_BRANCH,
    ):
        raise ValidationFailed(
            "not_a_department",
            _("Transcripts are exported for a department, a university or a class branch."),
        )
    if ExportJob.objects.filter(
        org=org, state__in=(ExportJob.State.QUEUED, ExportJob.State.RUNNING)
    ).exists():
        raise Conflict("export_running", _("An export of this organisation is already running."))
    job = ExportJob.objects.create(org=org, requested_by=actor)
    audit(actor=actor, action="transcripts.export", obj=job, org=org)

    def _enqueue() -> None:
        from qingshe.credit.tasks import export_transcripts

        export_transcripts.enqueue(job_id=job.pk)

    transaction.on_commit(_enqueue)
    return job


def hours_total(user: Any) -> Decimal:
    """The sum of the person's entries (the truth the cached balance is checked against)."""
    return LedgerEntry.objects.filter(user=user).aggregate(t=Sum("hours"))["t"] or Decimal("0")
