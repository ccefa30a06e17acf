"""The uploaded file as a whole: the deployment's limits, and the look at a workbook that
refuses it before anything is stored (imports.xlsx does the reading)."""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.conf import settings

from qingshe.core.errors import ValidationFailed
from qingshe.imports import xlsx
from qingshe.imports.columns import (
    NOTES_TITLES,
    ORGS,
    SHEET_TITLES,
    STUDENTS,
    column_letter,
    fold,
    guess_kind,
    match_header,
)
from qingshe.imports.messages import render
from qingshe.imports.models import ImportJob


@dataclass(frozen=True)
class Limits:
    max_rows: int  # data rows per sheet
    max_bytes: int
    max_errors: int  # errors stored for listing (all are counted)


def limits() -> Limits:
    """Deployment limits (settings QINGSHE_IMPORT_MAX_ROWS, _MAX_MB, _MAX_ERRORS)."""
    return Limits(
        max_rows=int(getattr(settings, "QINGSHE_IMPORT_MAX_ROWS", 100_000)),
        max_bytes=int(getattr(settings, "QINGSHE_IMPORT_MAX_MB", 40)) * 1024 * 1024,
        max_errors=int(getattr(settings, "QINGSHE_IMPORT_MAX_ERRORS", 20_000)),
    )


class FileProblem(Exception):
    """The file as a whole cannot be imported; `code` is one of imports.messages."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def as_service_error(self) -> ValidationFailed:
        return ValidationFailed(self.code, render(self.code, self.params), field="file")


# --- looking at the file ------------------------------------------------------------------------
def _sheet_kind_by_title(title: str) -> str | None:
    folded = fold(title)
    for kind, titles in SHEET_TITLES.items():
        if folded in {fold(t) for t in titles}:
            return kind
    return None


def _touches_row_one(ref: str) -> bool:
    start = ref.split(":")[0]
    return start.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "1"


def inspect(fileobj: IO[bytes], *, max_rows: int) -> list[dict[str, Any]]:
    """Look at an uploaded workbook; raise FileProblem, or return the sheets to import:
    [{"kind", "title", "rows", "merged"}], organisations first."""
    try:
        package = xlsx.open_zip(fileobj)
    except xlsx.NotXlsx as exc:
        raise FileProblem(exc.code) from exc
    try:
        scans = [
            xlsx.scan_sheet(package, title, path, stop_after=max_rows + 1)
            for title, path in xlsx.worksheets(package)
        ]
    except (
        KeyError,
        ParseError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        RuntimeError,
        UnicodeDecodeError,
    ) as exc:
        raise FileProblem("unreadable") from exc
    finally:
        package.close()
    found: dict[str, dict[str, Any]] = {}
    for scan in scans:
        if fold(scan.title) in {fold(t) for t in NOTES_TITLES}:
            continue
        header, second = scan.row_values(1), scan.row_values(2)
        kind = _sheet_kind_by_title(scan.title) or guess_kind(header)
        header_merges = [m for m in scan.merged if _touches_row_one(m)]
        looks_like_title = guess_kind(second) is not None and guess_kind(header) is None
        if kind is None and not looks_like_title:
            continue  # a sheet of something else (a list of majors, a pivot table…)
        if looks_like_title:
            raise FileProblem("title_row", sheet=scan.title)
        assert kind is not None
        if header_merges:
            raise FileProblem("header_merged", sheet=scan.title, range="、".join(header_merges[:3]))
        formula = next((c for c in scan.rows.get(1, []) if c.formula), None)
        if formula is not None:
            raise FileProblem("header_formula", sheet=scan.title, cell=f"{formula.column}1")
        match = match_header(kind, header)
        if match.duplicates:
            key, first, second_index = match.duplicates[0]
            raise FileProblem(
                "duplicate_column",
                sheet=scan.title,
                column=header[first],
                first=column_letter(first),
                second=column_letter(second_index),
            )
        if match.missing:
            raise FileProblem(
                "missing_columns",
                sheet=scan.title,
                columns="、".join(c.header for c in match.missing),
            )
        if kind in found:
            raise FileProblem(
                "two_sheets", kind=kind, first=found[kind]["title"], second=scan.title
            )
        rows = max(0, scan.rows_with_values - (1 if any(header) else 0))
        if rows > max_rows or scan.truncated:
            raise FileProblem("too_many_rows", sheet=scan.title, limit=max_rows)
        found[kind] = {"kind": kind, "title": scan.title, "rows": rows, "merged": scan.merged}
    if not found:
        raise FileProblem("no_sheet")
    if not any(sheet["rows"] for sheet in found.values()):
        raise FileProblem("no_rows")
    return [found[k] for k in (ORGS, STUDENTS) if k in found]


def open_workbook(job: ImportJob) -> Any:
    from openpyxl import load_workbook

    job.file.open("rb")
    try:
        return load_workbook(job.file, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        job.file.close()
        raise FileProblem("unreadable") from exc
