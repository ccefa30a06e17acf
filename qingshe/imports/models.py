"""Roster imports: one ImportJob per uploaded workbook, with its progress and its row errors.

A job moves queued → validating → writing → done, or ends rejected (the file or its rows have
errors and nothing was written) or failed (something unexpected; nothing was written). The
uploaded file lives under MEDIA_ROOT only while the job runs; the error file (the rejected rows
with an explanation column) stays for the uploader to download.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel


def upload_to(_instance: ImportJob, filename: str) -> str:
    import uuid

    from django.utils import timezone

    # An unguessable name: the original file name (possibly a person's name) is kept in the row.
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportJob(TimeStampedModel):
    class Kind(models.TextChoices):
        ROSTER = "roster", _("Roster (organisations and students)")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Checking the rows")
        WRITING = "writing", _("Saving")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Not imported: errors in the file")
        FAILED = "failed", _("Not imported: the import stopped")

    RUNNING_STATES = (State.QUEUED, State.VALIDATING, State.WRITING)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ROSTER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(_("uploaded file"), upload_to=upload_to, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    valid_only = models.BooleanField(
        _("import the valid rows only"),
        default=False,
        help_text=_(
            "Off: all or nothing. On: the valid rows are imported, the others returned in an error file."
        ),
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    # Progress. rows_total is what the file declares (its dimension) and may be unknown.
    # What the upload's inspection found: [{"kind", "title", "rows", "merged": ["A1:B1", …]}].
    sheets = models.JSONField(_("sheets"), default=list, blank=True, editable=False)
    rows_total = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_to_write = models.PositiveIntegerField(_("rows to save"), default=0)
    rows_written = models.PositiveIntegerField(_("rows saved"), default=0)
    orgs_created = models.PositiveIntegerField(_("organisations created"), default=0)
    orgs_existing = models.PositiveIntegerField(_("organisations already there"), default=0)
    students_created = models.PositiveIntegerField(_("students created"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    # A problem with the file as a whole (missing columns, too many rows, …): a code of
    # imports.messages and its parameters, rendered in the reader's language.
    problem_code = models.CharField(_("problem"), max_length=40, blank=True)
    problem_params = models.JSONField(_("problem details"), default=dict, blank=True)
    error_file = models.FileField(_("error file"), upload_to=upload_to, max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="import_by_user")]

    def __str__(self) -> str:
        return f"{self.original_name or self.pk} · {self.get_state_display()}"

    @property
    def state_style(self) -> str:
        """The site's badge style for the state (qingshe.css .state--…)."""
        if self.state == self.State.DONE:
            return "approved"
        if self.state in (self.State.REJECTED, self.State.FAILED):
            return "rejected"
        return "submitted"

    @property
    def is_running(self) -> bool:
        return self.state in self.RUNNING_STATES

    @property
    def error_file_name(self) -> str:
        """What the error file is called when downloaded: the upload's name with a suffix."""
        import os

        from django.utils.translation import gettext

        stem = os.path.splitext(self.original_name or "")[0] or "roster"
        return gettext("%(name)s-errors.xlsx") % {"name": stem}

    @property
    def problem(self) -> str:
        from qingshe.imports.messages import render

        return render(self.problem_code, self.problem_params) if self.problem_code else ""

    @property
    def percent(self) -> int | None:
        """How far the job is, 0–100; None while the size is unknown."""
        if self.state in (self.State.DONE, self.State.REJECTED, self.State.FAILED):
            return 100
        if self.state == self.State.WRITING and self.rows_to_write:
            # Checking is the first half of the work, saving the second.
            return 50 + min(50, 50 * self.rows_written // self.rows_to_write)
        if self.rows_total:
            return min(50, 50 * self.rows_read // self.rows_total)
        return None


class Sheet(models.TextChoices):
    FILE = "file", _("File")
    ORGS = "orgs", _("Organisations")
    STUDENTS = "students", _("Students")


class ImportRowError(models.Model):
    """One error in one cell (or one row, when `column` is blank)."""

    job = models.ForeignKey(
        ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="row_errors"
    )
    sheet = models.CharField(_("sheet"), max_length=10, choices=Sheet.choices)
    sheet_order = models.PositiveSmallIntegerField(default=0, editable=False)
    sheet_title = models.CharField(_("sheet name"), max_length=100, blank=True)
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=4, blank=True)
    column_index = models.PositiveSmallIntegerField(default=0, editable=False)
    header = models.CharField(_("column name"), max_length=60, blank=True)
    code = models.CharField(_("error"), max_length=40)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("import error")
        verbose_name_plural = _("import errors")
        ordering = ["sheet_order", "row", "column_index", "pk"]
        indexes = [
            models.Index(
                fields=["job", "sheet_order", "row", "column_index"], name="import_error_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sheet_title} {self.column}{self.row}: {self.message}"

    @property
    def message(self) -> str:
        from qingshe.imports.messages import render

        return render(self.code, self.params)
