"""The downloadable roster template: a students sheet and an organisations sheet with the
Chinese column names (the format's contract, whatever the reader's language) and an example row
each, and a notes sheet explaining every column and rule in the reader's language."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from qingshe.imports.columns import (
    EXAMPLE_ORG_ROWS,
    EXAMPLE_STUDENT_ROWS,
    KIND_CHOICES,
    ORG_COLUMNS,
    STUDENT_COLUMNS,
    Column,
)

TEXT_COLUMNS = {"phone", "id_number", "student_no"}  # kept as text so Excel keeps every digit
WIDTHS = {
    "name": 14,
    "phone": 15,
    "id_number": 22,
    "university": 18,
    "department": 18,
    "branch": 26,
    "student_no": 14,
    "major": 16,
    "grade": 8,
    "skills": 20,
    "kind": 14,
    "short_name": 16,
    "parent": 30,
}
ORG_WIDTHS = {"name": 34}


def _column_notes() -> dict[str, str]:
    return {
        "students.name": _("The student's name, at most 40 characters."),
        "students.phone": _(
            "An 11-digit mainland mobile number: the student logs in with it. Each number once."
        ),
        "students.id_number": _(
            "18 characters, checked by the check digit; stored encrypted and shown masked. Keep the "
            "column formatted as text, or Excel drops the last digits."
        ),
        "students.university": _(
            "The university league committee as it is in Qingshe: full name, short name or the university's name."
        ),
        "students.department": _(
            "The department league committee under that university (as in Qingshe, or created in the organisations sheet)."
        ),
        "students.branch": _(
            "The class league branch under that department (as in Qingshe, or created in the organisations sheet)."
        ),
        "students.student_no": _("Unique within the university."),
        "students.major": _("The student's major, at most 60 characters."),
        "students.grade": _("The year of entry, e.g. 2024."),
        "students.skills": _("Several skills separated by 、 or commas, e.g. 摄影、急救."),
        "orgs.kind": _("One of: %(choices)s.") % {"choices": "、".join(KIND_CHOICES)},
        "orgs.name": _("The full name, e.g. 共青团青州学院经济管理系委员会."),
        "orgs.short_name": _("The usual short name, e.g. 经管系团委."),
        "orgs.parent": _(
            "The organisation it belongs to: one already in Qingshe or a row of this sheet (in any "
            "order). When several have that name, write a path: 青州学院团委/经管系团委."
        ),
    }


def _rules(max_rows: int) -> list[str]:
    return [
        _(
            "Row 1 of each sheet holds the column names: no title rows above it, no merged cells, no formulas."
        ),
        _("At most %(n)s rows per sheet; split larger rosters into several files.")
        % {"n": max_rows},
        _("The grey example rows are skipped when importing; you may delete them."),
        _(
            "The organisations sheet is imported first, so students may belong to branches created in the same file. An organisation that already exists with the same name, kind and parent is used as it is."
        ),
        _(
            "A mobile number, ID number or student number (within a university) that appears twice in the file, or is already registered, is an error on its rows."
        ),
        _(
            "By default nothing is imported while any row has an error; every error is listed with its row and column. You may choose to import the valid rows and get the others back in an error file to correct."
        ),
        _(
            "You can import only into the organisations you administer: a league committee its whole subtree, a university league committee its university."
        ),
        _("Students agree to the personal information notice themselves at their first login."),
    ]


def _style_header(sheet: object, columns: tuple[Column, ...]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    required = PatternFill("solid", fgColor="FDE9D9")
    optional = PatternFill("solid", fgColor="EDEDED")
    for cell, column in zip(sheet[1], columns, strict=False):  # type: ignore[index]
        cell.font = Font(bold=True)
        cell.fill = required if column.required else optional
        cell.alignment = Alignment(horizontal="center")


def _sheet(
    workbook: object,
    title: str,
    columns: tuple[Column, ...],
    examples: tuple[tuple[str, ...], ...],
    widths: dict[str, int],
) -> object:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title)  # type: ignore[attr-defined]
    sheet.append([c.header for c in columns])
    for example in examples:
        sheet.append(
            [
                int(v) if c.key == "grade" and v else (v or None)
                for v, c in zip(example, columns, strict=True)
            ]
        )
    _style_header(sheet, columns)
    grey = Font(italic=True, color="808080")
    for row in sheet.iter_rows(min_row=2, max_row=1 + len(examples)):
        for cell in row:
            cell.font = grey
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(column.key, WIDTHS.get(column.key, 14))
        if column.key in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
            for row in sheet.iter_rows(
                min_row=2, max_row=1 + len(examples), min_col=index, max_col=index
            ):
                row[0].number_format = "@"
    sheet.freeze_panes = "A2"
    return sheet


def template_bytes(*, max_rows: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "学生", STUDENT_COLUMNS, EXAMPLE_STUDENT_ROWS, {})
    orgs = _sheet(workbook, "组织", ORG_COLUMNS, EXAMPLE_ORG_ROWS, ORG_WIDTHS)
    kinds = DataValidation(
        type="list", formula1='"' + ",".join(KIND_CHOICES) + '"', allow_blank=True
    )
    kinds.error = _("Choose a kind from the list.")
    kinds.showErrorMessage = True
    orgs.add_data_validation(kinds)  # type: ignore[attr-defined]
    kinds.add(f"A2:A{max_rows + 1}")

    notes = workbook.create_sheet("填写说明")
    wrap = Alignment(wrap_text=True, vertical="top")
    notes.append([_("How to fill in this roster")])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append([])
    for number, rule in enumerate(_rules(max_rows), start=1):
        notes.append([f"{number}.", rule])
        notes.cell(row=notes.max_row, column=2).alignment = wrap
    column_notes = _column_notes()
    for sheet_key, title, columns in (
        ("students", "学生", STUDENT_COLUMNS),
        ("orgs", "组织", ORG_COLUMNS),
    ):
        notes.append([])
        notes.append([_("Sheet “%(title)s”") % {"title": title}])
        notes.cell(row=notes.max_row, column=1).font = Font(bold=True)
        notes.append([_("Column"), _("What to enter"), _("Required")])
        for cell in notes[notes.max_row]:
            cell.font = Font(bold=True)
        for column in columns:
            notes.append(
                [
                    column.header,
                    column_notes[f"{sheet_key}.{column.key}"],
                    _("yes") if column.required else _("no"),
                ]
            )
            notes.cell(row=notes.max_row, column=2).alignment = wrap
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 90
    notes.column_dimensions["C"].width = 10
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
