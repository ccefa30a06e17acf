"""Reads of credit that depend on who asks: a person's volunteer record (hours ledger, training,
awards, evaluations), certificates, the public verification, the ledger check, and the people a
steward may see records of. Anything outside the caller's scope is a NotFound, as if absent."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_37_36

from qingshe.core import access, sql
from qingshe.core.errors import NotFound
from qingshe.credit import ledger, signing
from qingshe.credit.models import (
    Award,
    Certificate,
    EntryKind,
    Evaluation,
    HoursBalance,
    LedgerEntry,
)
from qingshe.credit.services import CODE_ALPHABET, CODE_RANDOM_CHARS, may_administer
from qingshe.duty.hours import credited_hours
from qingshe.duty.models import Attendance, TrainingRecord
from qingshe.orgs.models import Membership, Organisation


# --- people -------------------------------------------------------------------------------------
def person_get_for_viewer(*, viewer: Any, person_id: int) -> Any:
    """The person if `viewer` is them or looks after them (stewards of their subtree)."""
    person = get_user_model().objects.filter(pk=person_id, is_active=True).first()
    if person is None or not access.can(viewer, "person.view", person):
        raise NotFound("not_found", _("No such person."))
    return person


# --- the record ---------------------------------------------------------------------------------
def entries_of(*, user: Any) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(user=user)
        .select_related("attendance__shift__activity", "reverses", "correction")
        .order_by("-seq")
    )


@dataclass
class TrainingRow:
    name: str
    content: str
    hours: Decimal | None
    organiser: str
    completed_on: Any


def training_of(*, user: Any) -> list[TrainingRow]:
    rows = (
        TrainingRecord.objects.filter(user=user)
        .select_related("course__org", "session")
        .order_by("-completed_on")
    )
    return [
        TrainingRow(
            name=r.course.name,
            content=r.course.description,
            hours=credited_hours(r.session.starts_at, r.session.ends_at) if r.session else None,
            organiser=r.course.org.name,
            completed_on=r.completed_on,
        )
        for r in rows
    ]


@dataclass
class Record:
    person: Any
    entries: list[LedgerEntry]
    total: Decimal
    cached_total: Decimal | None
    training: list[TrainingRow] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return self.cached_total is None or self.cached_total == self.total


@functools.cache
def _record_summary_sql() -> str:
    """One statement that says what a record holds (built once: the tables' names are fixed)."""

    def rows_of(model: Any) -> str:
        return f"FROM {sql.table(model)} WHERE {sql.column(model, 'user')} = %s"

    exists = ", ".join(
        f"EXISTS (SELECT 1 {rows_of(m)})" for m in (LedgerEntry, TrainingRecord, Award, Evaluation)
    )
    total = sql.column(HoursBalance, "total")
    return f"SELECT (SELECT CAST({total} AS TEXT) {rows_of(HoursBalance)}), {exists}"


def _record_summary(user_id: int) -> tuple[Decimal | None, bool, bool, bool, bool]:
    """The cached total (None without a balance row) and whether the person has ledger entries,
    training, awards and evaluations, in one plain statement: building an ORM query costs more
    than running this one, and most students have empty sections (issue 11, the student pages).
    The page cache still sees every table it reads (they are named in FROM)."""
    with connection.cursor() as cursor:
        cursor.execute(_record_summary_sql(), [user_id] * 5)
        text, *has = cursor.fetchone()
    quantum = Decimal(1).scaleb(-HoursBalance._meta.get_field("total").decimal_places)
    cached = Decimal(text).quantize(quantum) if text is not None else None
    return cached, bool(has[0]), bool(has[1]), bool(has[2]), bool(has[3])


def record_of(*, user: Any, limit: int = 500) -> Record:
    """The person's volunteer record (志愿服务记录): hours entries newest first, with their sum and
    the cached total, training, awards and evaluations. A bounded number of queries: one that says
    which sections have rows, then one per non-empty section; the sum is added up from the
    entries when all of them were read (the SUM query only past `limit` entries)."""
    cached_total, has_entries, has_training, has_awards, has_evaluations = _record_summary(user.pk)
    entries = list(entries_of(user=user)[:limit]) if has_entries else []
    if len(entries) < limit:
        total = sum((e.hours for e in entries), Decimal("0")) or Decimal("0")
    else:
        total = LedgerEntry.objects.filter(user=user).aggregate(t=Sum("hours"))["t"] or Decimal("0")
    return Record(
        person=user,
        entries=entries,
        total=total,
        cached_total=cached_total,
        training=training_of(user=user) if has_training else [],
        awards=list(Award.objects.filter(user=user)) if has_awards else [],
        evaluations=(
            list(Evaluation.objects.filter(user=user).select_related("org"))
            if has_evaluations
            else []
        ),
    )


# --- certificates -------------------------------------------------------------------------------
def my_certificates(*, user: Any) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(user=user)
        .select_related("recording_org")
        .order_by("-issued_at", "-pk")
    )


def certificate_get_for_user(*, user: Any, code: str) -> Certificate:
    cert = (
        Certificate.objects.filter(code=normalise_code(code))
        .select_related("user", "recording_org")
        .first()
    )
    if cert is None or (cert.user_id != user.pk and not may_administer(user, cert.user)):
        raise NotFound("not_found", _("No such certificate."))
    return cert


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:32]


class Verdict:
    GENUINE = "genuine"
    REVOKED = "revoked"
    TAMPERED = "tampered"
    NOT_FOUND = "not_found"
    MALFORMED = "malformed"


@dataclass
class Verification:
    code: str
    verdict: str
    certificate: Certificate | None = None
    key_id: str = ""

    @property
    def genuine(self) -> bool:
        """The platform signed exactly this statement (revoked or not)."""
        return self.verdict in (Verdict.GENUINE, Verdict.REVOKED)

    @property
    def valid(self) -> bool:
        return self.verdict == Verdict.GENUINE

    @property
    def statement(self) -> dict[str, Any] | None:
        return self.certificate.statement if self.certificate is not None and self.genuine else None

    @property
    def message(self) -> str:
        return {
            Verdict.GENUINE: _(
                "Genuine: this certificate was issued by the Qingshe platform and says exactly this."
            ),
            Verdict.REVOKED: _(
                "Revoked: this certificate was issued by the Qingshe platform but has been revoked."
            ),
            Verdict.TAMPERED: _(
                "Not valid: the certificate's content does not match its signature."
            ),
            Verdict.NOT_FOUND: _("Not valid: no certificate has this code."),
            Verdict.MALFORMED: _(
                "Not valid: this is not a certificate code (a character is wrong)."
            ),
        }[self.verdict]


def certificate_verify(*, code: str) -> Verification:
    """The public check (no login): does a certificate with this code exist, does its stored
    statement still carry the platform's signature, is it revoked? A code with a wrong
    character fails its check digit before any look-up."""
    wanted = normalise_code(code)
    if len(wanted) != CODE_RANDOM_CHARS + 1 or any(ch not in CODE_ALPHABET for ch in wanted):
        return Verification(code=wanted, verdict=Verdict.MALFORMED)
    try:
        mod_37_36.validate(wanted)
    except StdnumError:
        return Verification(code=wanted, verdict=Verdict.MALFORMED)
    cert = Certificate.objects.filter(code=wanted).first()
    if cert is None:
        return Verification(code=wanted, verdict=Verdict.NOT_FOUND)
    statement = cert.statement if isinstance(cert.statement, dict) else {}
    signed = bool(cert.signature) and signing.verify(statement, cert.key_id, cert.signature)
    if not signed or statement.get("code") != cert.code:
        return Verification(
            code=wanted, verdict=Verdict.TAMPERED, certificate=cert, key_id=cert.key_id
        )
    verdict = Verdict.REVOKED if cert.revoked_at is not None else Verdict.GENUINE
    return Verification(code=wanted, verdict=verdict, certificate=cert, key_id=cert.key_id)


# --- the ledger check ---------------------------------------------------------------------------
def ledger_problems(*, user_ids: list[int] | None = None) -> tuple[list[ledger.Problem], int, int]:
    """Every difference the check finds: broken chains, cached totals that differ from the sum,
    confirmed attendance whose credited hours the ledger does not hold. Returns (problems,
    people checked, entries checked)."""
    problems: list[ledger.Problem] = []
    entries = LedgerEntry.objects.order_by("user_id", "seq")
    balances = HoursBalance.objects.all()
    attendance = Attendance.objects.filter(state=Attendance.State.CONFIRMED)
    if user_ids is not None:
        entries, balances = (
            entries.filter(user_id__in=user_ids),
            balances.filter(user_id__in=user_ids),
        )
        attendance = attendance.filter(user_id__in=user_ids)
    by_user: dict[int, list[LedgerEntry]] = defaultdict(list)
    live: dict[int, Decimal] = {}
    reversed_ids: set[int] = set()
    count = 0
    for entry in entries.iterator(chunk_size=2000):
        by_user[entry.user_id].append(entry)
        count += 1
        if entry.reverses_id:
            reversed_ids.add(entry.reverses_id)
    cached = {b.user_id: b for b in balances}
    for user_id, rows in by_user.items():
        found, head, total, n = ledger.verify_chain(user_id, rows)
        problems.extend(found)
        balance = cached.pop(user_id, None)
        if balance is None:
            problems.append(
                ledger.Problem(
                    user_id, None, "balance_missing", f"no cached total; the sum is {total}"
                )
            )
        elif balance.total != total or balance.entries != n or balance.head_hash != head:
            problems.append(
                ledger.Problem(
                    user_id,
                    None,
                    "balance_mismatch",
                    f"cached total {balance.total} over {balance.entries} entries, the sum is {total} over {n}",
                )
            )
        for e in rows:
            if e.attendance_id and e.kind != EntryKind.REVERSAL and e.pk not in reversed_ids:
                live[e.attendance_id] = live.get(e.attendance_id, Decimal("0")) + e.hours
    for user_id, balance in cached.items():
        if balance.total or balance.entries:
            problems.append(
                ledger.Problem(
                    user_id,
                    None,
                    "balance_mismatch",
                    f"cached total {balance.total} but no entries",
                )
            )
    for a in attendance.values("pk", "user_id", "credited_hours").iterator(chunk_size=2000):
        held = live.get(a["pk"])
        if held is None:
            problems.append(
                ledger.Problem(
                    a["user_id"],
                    None,
                    "not_in_ledger",
                    f"confirmed attendance {a['pk']} ({a['credited_hours']} h) has no entry; run with --backfill",
                )
            )
        elif held != a["credited_hours"]:
            problems.append(
                ledger.Problem(
                    a["user_id"],
                    None,
                    "attendance_mismatch",
                    f"attendance {a['pk']} credits {a['credited_hours']} h, the ledger {held} h",
                )
            )
    return problems, len(by_user), count


# --- stewards -----------------------------------------------------------------------------------
def export_orgs_for_user(*, user: Any) -> QuerySet[Organisation]:
    """Organisations whose members' records `user` may export: those where they look after people."""
    return Organisation.objects.filter(
        access.subtree_q(user, access.PERSON_ACTIONS["person.view"]), is_active=True
    ).order_by("path")


def department_orgs_for_user(*, user: Any) -> QuerySet[Organisation]:
    from qingshe.orgs.models import OrgKind

    return Organisation.objects.filter(
        access.subtree_q(user, access.ORG_ACTIONS["org.manage"]),
        kind__in=(OrgKind.UNIVERSITY_COMMITTEE, OrgKind.DEPARTMENT_COMMITTEE, OrgKind.CLASS_BRANCH),
        is_active=True,
    ).order_by("path")


def members_of(*, org: Organisation) -> QuerySet[Any]:
    """Active people with an active membership in `org`'s subtree, once each."""
    ids = Membership.objects.filter(org__path__startswith=org.path, is_active=True).values(
        "user_id"
    )
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk")


def students_of(*, org: Organisation) -> QuerySet[Any]:
    """Students whose class branch lies in `org`'s subtree (a department, university or branch)."""
    return (
        get_user_model()
        .objects.filter(student__branch__path__startswith=org.path, is_active=True)
        .select_related("student__branch", "student__department", "student__university")
        .order_by("student__branch__path", "name", "pk")
    )


def certificates_issued_for_people(*, user: Any) -> QuerySet[Certificate]:
    """Certificates of people the admin looks after (for the admin's list)."""
    if access.is_platform_staff(user):
        return Certificate.objects.select_related("user").order_by("-issued_at")
    admin_paths = [g.path for g in access.grants(user) if g.role in access.ADMIN_ROLES]
    if not admin_paths:
        return Certificate.objects.none()
    q = Q()
    for path in admin_paths:
        q |= Q(org__path__startswith=path)
    members = Membership.objects.filter(q, is_active=True).values("user_id")
    return (
        Certificate.objects.filter(user_id__in=members)
        .select_related("user")
        .order_by("-issued_at")
    )


def hours_by_person(user_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """{person: {transcript module: hours counted}} for a page of people, by the counting rules
    of each entry's programme: one query, plus one for the rules when programmes are involved."""
    from qingshe.credit.transcript import ENTRY_PROGRAMME, counted_hours, rules_by_programme

    out: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows = list(
        LedgerEntry.objects.filter(user_id__in=user_ids)
        .annotate(programme_ref=ENTRY_PROGRAMME)
        .values("user_id", "programme_ref", "duty_mode")
        .annotate(h=Sum("hours"))
        .order_by()
    )
    rules = rules_by_programme(r["programme_ref"] for r in rows)
    per_person: dict[int, list[tuple[int | None, str, Decimal]]] = defaultdict(list)
    for row in rows:
        per_person[row["user_id"]].append(
            (row["programme_ref"], row["duty_mode"], row["h"] or Decimal("0"))
        )
    for user_id, person_rows in per_person.items():
        out[user_id].update(counted_hours(person_rows, rules))
    return out
