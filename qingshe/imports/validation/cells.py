"""The cells of a roster sheet: text as a person sees it, where the columns are, the errors
found in them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl.utils.cell import range_boundaries

from qingshe.imports.columns import COLUMNS, EXAMPLES, ORGS, SHEET_ORDER, STUDENTS, column_letter
from qingshe.imports.models import ImportJob, ImportRowError
from qingshe.lib import ids


# --- cells --------------------------------------------------------------------------------------
def as_text(value: Any) -> str:
    """A cell as the text a person sees: numbers without a trailing .0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def mask_id(text: str) -> str:
    return ids.mask_resident_id(text) if len(text) >= 10 else "*" * len(text)


def is_blank_row(values: tuple[Any, ...]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


@dataclass
class Layout:
    """Where a sheet's columns are, as the file has them."""

    kind: str
    title: str
    positions: dict[str, int]  # column key → 0-based index
    headers: list[str]  # the file's own header texts
    merged: list[tuple[int, int, int, int, str]]  # (min_col, min_row, max_col, max_row, "A1:B2")

    @classmethod
    def build(
        cls,
        kind: str,
        title: str,
        positions: dict[str, int],
        headers: list[str],
        merged: Iterable[str],
    ) -> Layout:
        boxes = []
        for ref in merged:
            try:
                min_col, min_row, max_col, max_row = range_boundaries(ref)
            except (TypeError, ValueError):
                continue
            boxes.append(
                (min_col or 1, min_row or 1, max_col or min_col or 1, max_row or min_row or 1, ref)
            )
        return cls(kind=kind, title=title, positions=positions, headers=headers, merged=boxes)

    def merged_range(self, row: int, index: int) -> str | None:
        col = index + 1
        for min_col, min_row, max_col, max_row, ref in self.merged:
            if min_col <= col <= max_col and min_row <= row <= max_row:
                return ref
        return None

    def header(self, key: str) -> str:
        index = self.positions.get(key)
        if index is not None and index < len(self.headers) and self.headers[index]:
            return self.headers[index]
        return next(c.header for c in COLUMNS[self.kind] if c.key == key)

    def is_example(self, values: tuple[Any, ...]) -> bool:
        """Is this row one of the template's example rows (left in place by the uploader)?"""
        first = COLUMNS[self.kind][1 if self.kind == ORGS else 0].key  # name
        index = self.positions.get(first)
        if index is None or index >= len(values) or not isinstance(values[index], str):
            return False
        if values[index].strip() not in _EXAMPLE_NAMES[self.kind]:
            return False
        keys = [c.key for c in COLUMNS[self.kind]]
        written = tuple(
            as_text(values[self.positions[k]])
            if k in self.positions and self.positions[k] < len(values)
            else ""
            for k in keys
        )
        return any(
            all(
                w == e
                for w, e, k in zip(written, example, keys, strict=True)
                if k in self.positions
            )
            for example in EXAMPLES[self.kind]
        )


_EXAMPLE_NAMES = {
    ORGS: {row[1] for row in EXAMPLES[ORGS]},
    STUDENTS: {row[0] for row in EXAMPLES[STUDENTS]},
}


# --- errors -------------------------------------------------------------------------------------
class ErrorSink:
    """Collects row errors, stores them in batches (the page lists them while the job runs), and
    remembers which rows have any. Past `cap` errors they are still counted, no longer stored."""

    def __init__(self, job: ImportJob, *, cap: int, batch: int = 500) -> None:
        self.job = job
        self.cap = cap
        self.batch = batch
        self.count = 0
        self.stored = 0
        self.rows: dict[str, set[int]] = {ORGS: set(), STUDENTS: set()}
        self.layouts: dict[str, Layout] = {}
        self._pending: list[ImportRowError] = []

    def add(self, sheet: str, row: int, key: str | None, code: str, /, **params: Any) -> None:
        self.count += 1
        self.rows[sheet].add(row)
        if self.stored >= self.cap:
            return
        self.stored += 1
        layout = self.layouts.get(sheet)
        index = layout.positions.get(key) if layout is not None and key else None
        self._pending.append(
            ImportRowError(
                job=self.job,
                sheet=sheet,
                sheet_order=SHEET_ORDER[sheet],
                sheet_title=layout.title[:100] if layout else "",
                row=row,
                column=column_letter(index) if index is not None else "",
                column_index=(index + 1) if index is not None else 0,
                header=(layout.header(key)[:60] if layout and key else ""),
                code=code,
                params=params,
            )
        )
        if len(self._pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            ImportRowError.objects.bulk_create(self._pending)
            self._pending = []

    def has_errors(self, sheet: str, row: int) -> bool:
        return row in self.rows[sheet]

    @property
    def error_rows(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


class Reader:
    """Reads cells of one sheet's row by column key, reporting empty required cells."""

    def __init__(self, layout: Layout, sink: ErrorSink) -> None:
        self.layout = layout
        self.sink = sink
        self.kind = layout.kind

    def raw(self, values: tuple[Any, ...], key: str) -> Any:
        index = self.layout.positions.get(key)
        return values[index] if index is not None and index < len(values) else None

    def required(self, row: int, key: str) -> None:
        index = self.layout.positions[key]
        merged = self.layout.merged_range(row, index)
        if merged:
            self.sink.add(self.kind, row, key, "in_merged", range=merged)
        else:
            self.sink.add(self.kind, row, key, "required")
