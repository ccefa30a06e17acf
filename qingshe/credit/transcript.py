"""The second-classroom transcript (第二课堂成绩单): a student's hours and activities grouped by
module, with the programme's counting rules, as a page, a PDF and rows of a department's Excel.

Counting rules (the programme documents): term-time regular duty and stage duty for major
events count as volunteer service; concentrated vacation duty (三下乡, 返家乡, online work
included) counts as social practice and not as volunteer hours. Posts held are the concurrent
posts (兼任, e.g. assistant to the community director) and branch secretaryships; training comes
from duty's training records; awards from the volunteer record.

Those rules are the default; each programme sets its own (Programme.transcript_rules, see
programmes.transcript_rules): a ledger entry counts by the rules of the programme its activity
belongs to (the activity's programme, else its pairing's), an entry of no programme by the
default. A cap limits the hours that one programme's records count in a module.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook

from qingshe.accounts.models import StudentProfile
from qingshe.credit.models import Award, LedgerEntry
from qingshe.credit.selectors import TrainingRow, training_of
from qingshe.credit.services import certificate_statement_services
from qingshe.duty.models import DutyMode
from qingshe.lib.pdf import html_to_pdf
from qingshe.orgs.models import Membership, Post, Role
from qingshe.programmes.models import Programme
from qingshe.programmes.transcript_rules import DEFAULT as DEFAULT_RULES
from qingshe.programmes.transcript_rules import TranscriptRules
from qingshe.programmes.transcript_rules import describe as describe_rules

DOCUMENT_LANGUAGE = "zh-hans"
TEMPLATES_DIR = Path(__file__).parent / "templates" / "credit" / "pdf"

VOLUNTEER = "volunteer"
SOCIAL_PRACTICE = "social_practice"
POSTS = "posts"
TRAINING = "training"
AWARDS = "awards"
MODULE_LABELS = {
    VOLUNTEER: gettext_lazy("Volunteer service"),
    SOCIAL_PRACTICE: gettext_lazy("Social practice"),
    POSTS: gettext_lazy("Posts held"),
    TRAINING: gettext_lazy("Training"),
    AWARDS: gettext_lazy("Awards"),
}
# duty mode → module under the default rules (vacation duty is social practice).
COUNTING_RULES = {
    DutyMode.REGULAR: VOLUNTEER,
    DutyMode.STAGE: VOLUNTEER,
    DutyMode.CONCENTRATED: SOCIAL_PRACTICE,
}
# The programme a ledger entry's service belongs to.
ENTRY_PROGRAMME = Coalesce(
    "attendance__shift__activity__programme_id",
    "attendance__shift__activity__pairing__programme_id",
)


def module_of(duty_mode: str, rules: TranscriptRules = DEFAULT_RULES) -> str:
    return rules.module_of(duty_mode)


def rules_by_programme(programme_ids: Iterable[int | None]) -> dict[int | None, TranscriptRules]:
    """The counting rules of each programme named (None: the default rules). One query."""
    ids = {pk for pk in programme_ids if pk is not None}
    out: dict[int | None, TranscriptRules] = {None: DEFAULT_RULES}
    for pk, data in Programme.objects.filter(pk__in=ids).values_list("pk", "transcript_rules"):
        out[pk] = TranscriptRules.from_json(data)
    return out


def counted_hours(
    rows: Iterable[tuple[int | None, str, Decimal]],
    rules: dict[int | None, TranscriptRules],
) -> dict[str, Decimal]:
    """{module: hours counted} from (programme, duty mode, hours) rows of one person: each
    programme's hours go to the module its rules name, capped per programme and module."""
    per: dict[tuple[int | None, str], Decimal] = {}
    for programme_id, mode, hours in rows:
        module = rules.get(programme_id, DEFAULT_RULES).module_of(mode)
        if module in (VOLUNTEER, SOCIAL_PRACTICE):
            per[(programme_id, module)] = per.get((programme_id, module), Decimal("0")) + hours
    out = {VOLUNTEER: Decimal("0"), SOCIAL_PRACTICE: Decimal("0")}
    for (programme_id, module), hours in per.items():
        out[module] += rules.get(programme_id, DEFAULT_RULES).counted(module, hours)
    return out


@dataclass
class Module:
    key: str
    label: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    hours: Decimal | None = None  # counted (after the programmes' caps)
    recorded_hours: Decimal | None = None  # in the rows, before any cap

    @property
    def capped(self) -> bool:
        return self.recorded_hours is not None and self.hours != self.recorded_hours

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class ProgrammeRulesNote:
    programme: str
    rules: TranscriptRules

    @property
    def text(self) -> str:
        # Described when rendered, so that the PDF says it in the document's language.
        return describe_rules(self.rules)


@dataclass
class Transcript:
    student: Any
    profile: StudentProfile | None
    modules: list[Module]
    generated_on: date
    # programmes whose own counting rules (not the default) counted some of the records
    programme_rules: list[ProgrammeRulesNote] = field(default_factory=list)

    def module(self, key: str) -> Module:
        return next(m for m in self.modules if m.key == key)

    @property
    def volunteer_hours(self) -> Decimal:
        return self.module(VOLUNTEER).hours or Decimal("0")

    @property
    def practice_hours(self) -> Decimal:
        return self.module(SOCIAL_PRACTICE).hours or Decimal("0")


def _posts(user: Any) -> list[dict[str, Any]]:
    rows = [
        {"org": p.org.name, "post": p.display_title, "start": p.start_date, "end": p.end_date}
        for p in Post.objects.filter(user=user).select_related("org").order_by("start_date", "pk")
    ]
    for m in (
        Membership.objects.filter(user=user, role=Role.BRANCH_SECRETARY)
        .select_related("org")
        .order_by("pk")
    ):
        rows.append(
            {
                "org": m.org.name,
                "post": str(m.get_role_display()),
                "start": m.start_date,
                "end": m.end_date,
            }
        )
    return rows


def transcript_of(user: Any) -> Transcript:
    profile = (
        StudentProfile.objects.filter(user_id=user.pk)
        .select_related("university", "department", "branch")
        .first()
    )
    entries = list(
        LedgerEntry.objects.filter(user=user)
        .annotate(programme_ref=ENTRY_PROGRAMME)
        .order_by("service_date", "seq")
    )
    rules = rules_by_programme(e.programme_ref for e in entries)
    by_module: dict[str, list[LedgerEntry]] = {VOLUNTEER: [], SOCIAL_PRACTICE: []}
    for entry in entries:
        module = module_of(entry.duty_mode, rules[entry.programme_ref])
        if module in by_module:  # else the programme does not count this kind of duty
            by_module[module].append(entry)
    counted = counted_hours(((e.programme_ref, e.duty_mode, e.hours) for e in entries), rules)
    modules = []
    for key in (VOLUNTEER, SOCIAL_PRACTICE):
        rows, recorded = certificate_statement_services(by_module[key])
        for row in rows:  # dates for the page's |date filter (the statement keeps ISO text)
            row["from"], row["to"] = date.fromisoformat(row["from"]), date.fromisoformat(row["to"])
        modules.append(Module(key, MODULE_LABELS[key], rows, counted[key], recorded))
    modules.append(Module(POSTS, MODULE_LABELS[POSTS], _posts(user)))
    training: list[TrainingRow] = training_of(user=user)
    modules.append(
        Module(
            TRAINING,
            MODULE_LABELS[TRAINING],
            [t.__dict__ for t in training],
            sum((t.hours for t in training if t.hours), Decimal("0")),
        )
    )
    modules.append(
        Module(
            AWARDS,
            MODULE_LABELS[AWARDS],
            [
                {"name": a.name, "granted_on": a.granted_on, "granting_body": a.granting_body}
                for a in Award.objects.filter(user=user).order_by("granted_on", "pk")
            ],
        )
    )
    return Transcript(
        student=user,
        profile=profile,
        modules=modules,
        generated_on=timezone.localdate(),
        programme_rules=_programme_rules_notes(rules),
    )


def _programme_rules_notes(rules: dict[int | None, TranscriptRules]) -> list[ProgrammeRulesNote]:
    """The programmes whose own rules (not the default) counted some of the records."""
    differing = [pk for pk, r in rules.items() if pk is not None and not r.is_default]
    if not differing:
        return []
    titles = {
        pk: f"{year} {name}"
        for pk, year, name in Programme.objects.filter(pk__in=differing).values_list(
            "pk", "year", "name"
        )
    }
    return [ProgrammeRulesNote(titles[pk], rules[pk]) for pk in sorted(differing)]


def transcript_html(transcript: Transcript) -> str:
    for module in transcript.modules:
        for row in module.rows:
            for key in ("from", "to"):
                if isinstance(row.get(key), str):
                    row[key] = date.fromisoformat(row[key])
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string("credit/pdf/transcript.html", {"t": transcript})


def transcript_pdf(transcript: Transcript) -> bytes:
    return html_to_pdf(transcript_html(transcript), base_url=TEMPLATES_DIR)


def transcript_columns() -> list[str]:
    return [
        pgettext("transcript", "Name"),
        pgettext("transcript", "Student number"),
        pgettext("transcript", "Volunteer number"),
        pgettext("transcript", "University"),
        pgettext("transcript", "Department"),
        pgettext("transcript", "Class branch"),
        pgettext("transcript", "Volunteer service hours"),
        pgettext("transcript", "Volunteer activities"),
        pgettext("transcript", "Social practice hours"),
        pgettext("transcript", "Social practice activities"),
        pgettext("transcript", "Posts held"),
        pgettext("transcript", "Training courses"),
        pgettext("transcript", "Training hours"),
        pgettext("transcript", "Awards"),
    ]


def transcript_row(t: Transcript) -> list[Any]:
    """One spreadsheet row; text that would run as a formula is neutralised (core.exports)."""
    from qingshe.core.exports.writer import neutralise

    p = t.profile
    row = [
        t.student.name,
        p.student_no if p else "",
        t.student.volunteer_no,
        p.university.name if p else "",
        p.department.name if p else "",
        p.branch.name if p else "",
        float(t.volunteer_hours),
        t.module(VOLUNTEER).count,
        float(t.practice_hours),
        t.module(SOCIAL_PRACTICE).count,
        "；".join(f"{r['org']} {r['post']}" for r in t.module(POSTS).rows),
        t.module(TRAINING).count,
        float(t.module(TRAINING).hours or 0),
        "；".join(r["name"] for r in t.module(AWARDS).rows),
    ]
    return [neutralise(v) if isinstance(v, str) else v for v in row]


def transcripts_xlsx(transcripts: Iterable[Transcript]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Second-classroom transcripts"))
    sheet.append(transcript_columns())
    for t in transcripts:
        sheet.append(transcript_row(t))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
