"""The second-classroom transcript (第二课堂成绩单): a student's hours and activities grouped by
module, with the programme's counting rules, as a page, a PDF and rows of a department's Excel.

Counting rules (the programme documents): term-time regular duty and stage duty for major
events count as volunteer service; concentrated vacation duty (三下乡, 返家乡, online work
included) counts as social practice and not as volunteer hours. Posts held are the concurrent
posts (兼任, e.g. assistant to the community director) and branch secretaryships; training comes
from duty's training records; awards from the volunteer record.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

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
# duty mode → module: the programme's rule that vacation duty is social practice.
COUNTING_RULES = {
    DutyMode.REGULAR: VOLUNTEER,
    DutyMode.STAGE: VOLUNTEER,
    DutyMode.CONCENTRATED: SOCIAL_PRACTICE,
}


def module_of(duty_mode: str) -> str:
    return COUNTING_RULES.get(duty_mode, VOLUNTEER)  # type: ignore[call-overload]


@dataclass
class Module:
    key: str
    label: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    hours: Decimal | None = None

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass
class Transcript:
    student: Any
    profile: StudentProfile | None
    modules: list[Module]
    generated_on: date

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
    by_module: dict[str, list[LedgerEntry]] = {VOLUNTEER: [], SOCIAL_PRACTICE: []}
    for entry in LedgerEntry.objects.filter(user=user).order_by("service_date", "seq"):
        by_module[module_of(entry.duty_mode)].append(entry)
    modules = []
    for key in (VOLUNTEER, SOCIAL_PRACTICE):
        rows, total = certificate_statement_services(by_module[key])
        modules.append(Module(key, MODULE_LABELS[key], rows, total))
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
        student=user, profile=profile, modules=modules, generated_on=timezone.localdate()
    )


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
    p = t.profile
    return [
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


def transcripts_xlsx(transcripts: Iterable[Transcript]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Second-classroom transcripts"))
    sheet.append(transcript_columns())
    for t in transcripts:
        sheet.append(transcript_row(t))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
