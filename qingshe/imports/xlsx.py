"""A quick look inside an .xlsx file before anything is imported (Django-free).

openpyxl's read-only mode streams the cells but cannot tell what an import needs to refuse a
file up front: whether it is an .xlsx at all, whether the header row holds formulas, where the
merged cells are (they are listed after the last row), and how many rows hold data (the declared
dimension may be missing, or inflated by formatting). This module answers those from the zip and
the sheet XML in one streaming pass per sheet, without building the workbook: a 100,000-row
file is looked at in about a second and in a few megabytes, so the upload itself can refuse it.

The rows themselves are read by openpyxl (imports.services); this module only looks.

The XML is untrusted; the standard library's parser is safe for it here: ElementTree never
fetches external entities, and expat (2.4 and later, as bundled with the supported Pythons)
refuses entity-expansion bombs. openpyxl parses the same files with the same parser.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import IO
from xml.etree import ElementTree as ET

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_REL = REL_NS + "/worksheet"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and password-protected .xlsx)
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 1 << 20

_ROW_START = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(/?)>")
_ROW_NUMBER = re.compile(rb"\br=\"(\d+)\"")
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_REF = re.compile(rb"\br=\"([A-Z]+)(\d+)\"")
_CELL_TYPE = re.compile(rb"\bt=\"(\w+)\"")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_V_TEXT = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_T_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.S)
_PHONETIC = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")


class NotXlsx(Exception):
    """The file is not an .xlsx workbook; `code` says what it looks like instead."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class HeadCell:
    column: str  # "A"
    value: str
    formula: bool


@dataclass
class SheetScan:
    title: str
    path: str
    rows: dict[int, list[HeadCell]] = field(default_factory=dict)  # rows 1 and 2
    merged: list[str] = field(default_factory=list)  # "A1:J1"
    rows_with_values: int = 0
    last_row: int = 0
    truncated: bool = False  # stopped early: more rows than the caller wanted to count

    def row_values(self, number: int) -> list[str]:
        """The cells of row `number` (1 or 2) as a list indexed from column A."""
        cells = self.rows.get(number, [])
        if not cells:
            return []
        width = max(column_index(c.column) for c in cells) + 1
        values = [""] * width
        for c in cells:
            values[column_index(c.column)] = c.value
        return values


def column_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def open_zip(fileobj: IO[bytes]) -> zipfile.ZipFile:
    """Open `fileobj` as an xlsx package or raise NotXlsx("xls_file" | "not_xlsx")."""
    fileobj.seek(0)
    magic = fileobj.read(8)
    fileobj.seek(0)
    if magic.startswith(OLE_MAGIC):
        # An old .xls, or an encrypted .xlsx (also an OLE container): either way not readable.
        raise NotXlsx("xls_file")
    if not magic.startswith(ZIP_MAGIC):
        raise NotXlsx("not_xlsx")
    try:
        package = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotXlsx("not_xlsx") from exc
    names = set(package.namelist())
    if "xl/workbook.xml" not in names and not any(n.lower() == "xl/workbook.xml" for n in names):
        package.close()
        raise NotXlsx("not_xlsx")  # a .docx, .pptx or any other zip
    return package


def _member(package: zipfile.ZipFile, name: str) -> str | None:
    if name in package.NameToInfo:
        return name
    lower = name.lower()
    return next((n for n in package.namelist() if n.lower() == lower), None)


def worksheets(package: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(title, path in the zip) of every worksheet, in workbook order (chart sheets left out)."""
    workbook = ET.fromstring(package.read(_member(package, "xl/workbook.xml") or "xl/workbook.xml"))  # noqa: S314
    rels_name = _member(package, "xl/_rels/workbook.xml.rels")
    targets: dict[str, str] = {}
    if rels_name:
        for rel in ET.fromstring(package.read(rels_name)):  # noqa: S314
            if rel.get("Type") == WORKSHEET_REL:
                target = rel.get("Target", "")
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                targets[rel.get("Id", "")] = path
    found = []
    sheets = workbook.find(f"{{{MAIN_NS}}}sheets")
    for sheet in sheets if sheets is not None else []:
        rid = sheet.get(f"{{{REL_NS}}}id", "")
        path = targets.get(rid)
        if path and _member(package, path):
            found.append((sheet.get("name", ""), _member(package, path) or path))
    return found


def _text(raw: bytes) -> str:
    """The text of a value: XML entities (&amp; and the like) resolved."""
    if b"&" not in raw:
        return raw.decode("utf-8", "replace")
    return ET.fromstring(b"<x>" + raw + b"</x>").text or ""  # noqa: S314


def shared_strings(package: zipfile.ZipFile, wanted: set[int]) -> dict[int, str]:
    """The shared strings at the indexes in `wanted`, reading the table only as far as needed
    (the header's strings come first in files written by Excel, WPS and LibreOffice)."""
    name = _member(package, "xl/sharedStrings.xml")
    if not wanted or name is None:
        return {}
    found: dict[int, str] = {}
    last = max(wanted)
    index = 0
    with package.open(name) as source:
        for _event, element in ET.iterparse(source, events=("end",)):  # noqa: S314
            if element.tag != f"{{{MAIN_NS}}}si":
                continue
            if index in wanted:
                # Plain text (t) or rich-text runs (r/t); phonetic guides (rPh) are not the text.
                parts = []
                for child in element:
                    if child.tag == f"{{{MAIN_NS}}}t":
                        parts.append(child.text or "")
                    elif child.tag == f"{{{MAIN_NS}}}r":
                        parts.extend(t.text or "" for t in child.iter(f"{{{MAIN_NS}}}t"))
                found[index] = "".join(parts)
            element.clear()
            index += 1
            if index > last:
                break
    return found


def _head_cells(segment: bytes) -> tuple[list[tuple[str, str, bytes, bool]], set[int]]:
    """(column, type, raw value, has formula) of each cell in one row's XML."""
    cells = []
    wanted: set[int] = set()
    for match in _CELL.finditer(segment):
        attrs, body = match.group(1), match.group(2) or b""
        ref = _CELL_REF.search(attrs)
        if ref is None:
            continue
        kind_match = _CELL_TYPE.search(attrs)
        kind = kind_match.group(1).decode() if kind_match else "n"
        formula = bool(_FORMULA.search(body))
        if kind == "inlineStr":
            raw = b"".join(_T_TEXT.findall(_PHONETIC.sub(b"", body)))
        else:
            v = _V_TEXT.search(body)
            raw = v.group(1) if v else b""
        if kind == "s" and raw.strip().isdigit():
            wanted.add(int(raw))
        cells.append((ref.group(1).decode(), kind, raw, formula))
    return cells, wanted


def scan_sheet(
    package: zipfile.ZipFile, title: str, path: str, *, stop_after: int | None = None
) -> SheetScan:
    """One pass over a sheet's XML: rows 1 and 2 (values and formulas), merged ranges, and how
    many rows hold at least one value. Past `stop_after` such rows the scan stops (`truncated`;
    the merged ranges, listed at the end, are then unknown): a file far over the limit, or a
    compressed bomb, is refused without reading it all."""
    scan = SheetScan(title=title, path=path)
    raw_rows: dict[int, list[tuple[str, str, bytes, bool]]] = {}
    wanted: set[int] = set()
    tail = b""

    def segment_done(buffer: bytes, start: int, end: int, row_number: int) -> None:
        # Searched in place (pos/endpos): no copy of each row's XML.
        if _VALUE.search(buffer, start, end):
            scan.rows_with_values += 1
            scan.last_row = max(scan.last_row, row_number)
        if row_number in (1, 2):
            cells, strings = _head_cells(buffer[start:end])
            raw_rows[row_number] = cells
            wanted.update(strings)

    current_row = 0
    with package.open(path) as source:
        while True:
            chunk = source.read(CHUNK)
            buffer = tail + chunk
            starts = list(_ROW_START.finditer(buffer))
            # Every row segment but the last is complete; the last may continue in the next chunk.
            for this, following in zip(starts, starts[1:], strict=False):
                number = _ROW_NUMBER.search(this.group(1))
                current_row = int(number.group(1)) if number else current_row + 1
                if this.group(2) != b"/":
                    segment_done(buffer, this.end(), following.start(), current_row)
            if stop_after is not None and scan.rows_with_values > stop_after:
                scan.truncated = True
                break
            if not chunk:
                break
            if starts:
                tail = buffer[starts[-1].start() :]
            else:
                # No row in this stretch (the sheet's head or its trailer): keep only enough to
                # complete a tag cut at the boundary, after collecting the merged ranges in it.
                scan.merged.extend(m.decode() for m in _MERGE.findall(buffer))
                tail = buffer[-256:]
        if starts and not scan.truncated:
            last = starts[-1]
            rest = buffer[last.end() :]
            end = _SHEET_DATA_END.search(rest)
            number = _ROW_NUMBER.search(last.group(1))
            current_row = int(number.group(1)) if number else current_row + 1
            if last.group(2) != b"/":
                segment_done(rest, 0, end.start() if end else len(rest), current_row)
            scan.merged.extend(
                m.decode() for m in _MERGE.findall(rest[end.end() :] if end else b"")
            )
    scan.merged = sorted(set(scan.merged))
    strings = shared_strings(package, wanted)
    for number, cells in raw_rows.items():
        row = []
        for column, kind, raw, formula in cells:
            if kind == "s":
                value = strings.get(int(raw), "") if raw.strip().isdigit() else ""
            else:
                value = _text(raw)
            row.append(HeadCell(column=column, value=value.strip(), formula=formula))
        scan.rows[number] = row
    return scan
