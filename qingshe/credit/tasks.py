"""Background work of credit: a department's transcripts as one Excel file and a ZIP of PDFs.

The job row carries the progress (`done` of `total` students), which the department's page
polls; files go to the default storage (MEDIA_ROOT, outside the code tree) and are served only
to the admins of the organisation by credit.views.
"""

from __future__ import annotations

import io
import re
import zipfile

from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django_tasks import task
from openpyxl import Workbook

from qingshe.credit.models import ExportJob
from qingshe.credit.selectors import students_of
from qingshe.credit.transcript import (
    transcript_columns,
    transcript_of,
    transcript_pdf,
    transcript_row,
)

PROGRESS_EVERY = 5


@task()
def export_transcripts(job_id: int) -> str:
    job = ExportJob.objects.select_related("org", "requested_by").get(pk=job_id)
    if job.state not in (ExportJob.State.QUEUED, ExportJob.State.RUNNING):
        return job.state
    language = getattr(job.requested_by, "language", None) or "zh-hans"
    students = list(students_of(org=job.org))
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.RUNNING, total=len(students), done=0
    )
    try:
        with translation.override(language):
            book = Workbook(write_only=True)
            sheet = book.create_sheet(str(job.org.short_name or job.org.name)[:31])
            sheet.append(transcript_columns())
            archive_bytes = io.BytesIO()
            with zipfile.ZipFile(archive_bytes, "w", zipfile.ZIP_DEFLATED) as archive:
                for n, student in enumerate(students, start=1):
                    t = transcript_of(student)
                    sheet.append(transcript_row(t))
                    archive.writestr(_entry_name(student), transcript_pdf(t))
                    if n % PROGRESS_EVERY == 0 or n == len(students):
                        ExportJob.objects.filter(pk=job.pk).update(done=n)
            xlsx_bytes = io.BytesIO()
            book.save(xlsx_bytes)
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportJob.State.FAILED, error=type(exc).__name__[:200], finished_at=timezone.now()
        )
        raise
    job.refresh_from_db()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    job.xlsx.save(
        f"transcripts-{job.org_id}-{stamp}.xlsx", ContentFile(xlsx_bytes.getvalue()), save=False
    )
    job.zip.save(
        f"transcripts-{job.org_id}-{stamp}.zip", ContentFile(archive_bytes.getvalue()), save=False
    )
    job.state, job.finished_at = ExportJob.State.DONE, timezone.now()
    job.save(update_fields=["xlsx", "zip", "state", "finished_at", "updated_at"])
    return job.state


def _entry_name(student: object) -> str:
    """The PDF's name inside the ZIP: a person's name is typed text, and a "/" or ".." in it
    would put the entry elsewhere on the disk of whoever unpacks the archive (zip slip)."""
    name = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", str(getattr(student, "name", "")))
    name = name.replace("..", "_").strip(" .") or "-"
    return f"{getattr(student, 'volunteer_no', '')}-{name}.pdf"
