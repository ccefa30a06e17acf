"""Writing rows to .xlsx (openpyxl write-only): neutralised formulas, masked identifiers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from qingshe.core import access
from qingshe.core.exports.registry import ID_NUMBER, PHONE, ExportContext, ExportSpec
from qingshe.lib.ids import mask_phone

# A cell starting with one of these is run as a formula by Excel, LibreOffice or WPS
# (CSV/formula injection, OWASP); tab and carriage return open the same door in some importers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 1000


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text: illegal XML characters removed, and a leading quote
    before anything that would start a formula."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain(value: Any) -> Any:
    """A cell value: numbers and dates stay typed, everything else becomes neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return neutralise(str(value))


class Masker:
    """Decides, a chunk of rows at a time (one query per chunk and kind), whose numbers the
    exporter may read in clear: phones under person.view_contact, ID numbers under
    person.view_id_number (core.access). Everyone else gets 138****5678 / 350402********1234."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.clear: dict[str, set[int]] = {PHONE: set(), ID_NUMBER: set()}

    def load(self, person_ids: dict[str, set[int]]) -> None:
        from qingshe.accounts.models import User

        actions = {PHONE: "person.view_contact", ID_NUMBER: "person.view_id_number"}
        for kind, ids in person_ids.items():
            ids = {i for i in ids if i}
            if not ids:
                self.clear[kind] = set()
                continue
            self.clear[kind] = set(
                User.objects.filter(
                    access.people_q(self.user, actions[kind]), pk__in=ids
                ).values_list("pk", flat=True)
            )
            if kind == ID_NUMBER and self.clear[kind]:
                # Every clear ID number written to a file is a read: audited per person (issue 11).
                from qingshe.accounts.personal_data.services import record_id_number_reads

                record_id_number_reads(actor=self.user, person_ids=self.clear[kind], via="export")

    def phone(self, number: str, person: Any) -> str:
        if not number:
            return ""
        return number if getattr(person, "pk", None) in self.clear[PHONE] else mask_phone(number)

    def id_number(self, person: Any) -> str:
        if person is None:
            return ""
        if person.pk in self.clear[ID_NUMBER] and person.id_number_cipher:
            from qingshe.accounts.services import ID_CONTEXT
            from qingshe.lib import crypto

            return crypto.decrypt(
                bytes(person.id_number_cipher),
                secret=settings.QINGSHE_FIELD_KEY,
                context=ID_CONTEXT,
            )
        return person.id_number_masked or ""


def _chunks(items: Iterable[Any]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_xlsx(
    spec: ExportSpec,
    rows: Iterable[Any],
    *,
    user: Any,
    out: IO[bytes],
    progress: Callable[[int], None] | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    """Write `rows` (model objects) with the spec's columns to `out`; return the row count.
    `params`: the page's parameters beyond its rows, for the spec's enrich step."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=neutralise(str(spec.title))[:31] or "Sheet1")
    for i, col in enumerate(spec.columns):
        ws.column_dimensions[get_column_letter(i + 1)].width = col.width
    bold = Font(bold=True)
    header = []
    for col in spec.columns:
        cell = WriteOnlyCell(ws, value=neutralise(str(col.header)))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    masker = Masker(user)
    personal = [c for c in spec.columns if c.kind in (PHONE, ID_NUMBER)]
    written = 0
    context = ExportContext(user=user, params=params or {})
    for chunk in _chunks(rows):
        if spec.enrich:
            spec.enrich(chunk, context)
        if personal:
            wanted: dict[str, set[int]] = {PHONE: set(), ID_NUMBER: set()}
            for obj in chunk:
                for col in personal:
                    person = col.person(obj) if col.person else None
                    wanted[col.kind].add(getattr(person, "pk", None))
            masker.load(wanted)
        for obj in chunk:
            values = []
            for col in spec.columns:
                if col.kind == PHONE:
                    person = col.person(obj) if col.person else None
                    values.append(plain(masker.phone(col.value(obj) or "", person)))
                elif col.kind == ID_NUMBER:
                    values.append(plain(masker.id_number(col.person(obj) if col.person else None)))
                else:
                    values.append(plain(col.value(obj)))
            ws.append(values)
        written += len(chunk)
        if progress:
            progress(written)
    wb.save(out)
    return written
