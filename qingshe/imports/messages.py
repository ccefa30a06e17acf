"""Every message an import can report, by stable code. Errors are stored as (code, params) and
rendered in the reader's language when shown, so the same error reads in Chinese on the page and
in English for an English-speaking API client. Parameters never hold an ID number in clear (only
its masked form) nor a mobile number."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MESSAGES: dict[str, Promise] = {
    # --- the file as a whole --------------------------------------------------------------------
    "file_required": _("Choose an Excel file (.xlsx) to import."),
    "file_too_big": _("The file is larger than %(limit)s MB; split it into several files."),
    "not_xlsx": _(
        "This is not an Excel workbook (.xlsx). Open it in Excel or WPS, save it as "
        "“Excel workbook (*.xlsx)” and upload that file."
    ),
    "xls_file": _(
        "This is an old-style Excel 97–2003 file (.xls). Open it in Excel or WPS, save it as "
        "“Excel workbook (*.xlsx)” and upload that file."
    ),
    "unreadable": _(
        "The file cannot be read as an Excel workbook: it may be damaged or protected by a "
        "password. Save it again as an unprotected .xlsx file."
    ),
    "no_sheet": _(
        "No students sheet or organisations sheet was found. Use the template: a sheet named "
        "“学生” and/or one named “组织”, with the column names in row 1."
    ),
    "two_sheets": _(
        "The file has two %(kind)s sheets (“%(first)s” and “%(second)s”); put all their rows in one sheet."
    ),
    "missing_columns": _(
        "The sheet “%(sheet)s” lacks the required column(s) %(columns)s. The column names go in "
        "row 1, as in the template."
    ),
    "title_row": _(
        "Row 1 of the sheet “%(sheet)s” looks like a title. The column names must be in row 1: "
        "delete the rows above them."
    ),
    "duplicate_column": _(
        "The column “%(column)s” appears twice in the sheet “%(sheet)s” (columns %(first)s and %(second)s)."
    ),
    "header_formula": _(
        "The column name in cell %(cell)s of the sheet “%(sheet)s” is a formula. Type the column "
        "names as plain text."
    ),
    "header_merged": _(
        "Row 1 of the sheet “%(sheet)s” has merged cells (%(range)s). Unmerge them: row 1 holds "
        "exactly one column name per cell."
    ),
    "too_many_rows": _(
        "The sheet “%(sheet)s” has more than %(limit)s rows of data, the most one import takes. "
        "Split it into several files."
    ),
    "no_rows": _("The file has no rows to import below the column names."),
    "too_many_errors": _(
        "More than %(limit)s errors: only the first %(limit)s are listed. Check the file against the template."
    ),
    "changed_meanwhile": _(
        "While the import was saving, someone else registered some of the same people or "
        "organisations. Nothing was imported; upload the file again to see which rows clash."
    ),
    "service_error": _("Nothing was imported: %(message)s"),
    "internal": _(
        "The import stopped because of an unexpected error. Nothing was imported; please try again later."
    ),
    # --- one cell or one row ------------------------------------------------------------------
    "required": _("This cell is required."),
    "in_merged": _(
        "This cell is part of the merged range %(range)s: unmerge it and fill in every row."
    ),
    "too_long": _("At most %(limit)s characters."),
    "invalid_phone": _("Not a mainland mobile number (11 digits starting with 13–19)."),
    "id_checksum": _("The check digit of the ID number %(masked)s is wrong."),
    "id_birth_date": _("The ID number %(masked)s contains an impossible date of birth."),
    "id_region": _("The region code of the ID number %(masked)s does not exist."),
    "id_format": _("An ID number has 18 characters, 17 digits and a digit or X (%(masked)s)."),
    "id_numeric": _(
        "The ID number was stored as a number, which loses its last digits. Format the column as "
        "text and enter the number again."
    ),
    "child_under_14": _(
        "By the ID number this student is under 14: a child is recorded only with a guardian's "
        "consent, which an import cannot record."
    ),
    "duplicate_in_file": _("The same %(column)s as row %(other)s."),
    "phone_taken": _("This mobile number is already registered."),
    "id_taken": _("A person with the ID number %(masked)s is already registered."),
    "student_no_taken": _("The student number %(value)s is already used at %(university)s."),
    "unknown_university": _(
        "No university league committee “%(name)s” among the organisations you administer."
    ),
    "unknown_department": _("No department “%(name)s” under %(parent)s."),
    "unknown_branch": _("No class branch “%(name)s” under %(parent)s."),
    "ambiguous": _(
        "Several organisations are called “%(name)s”; write the full name, or a path such as “University/Department”."
    ),
    "invalid_grade": _("The grade is the year of entry, between 1990 and %(year)s, e.g. 2024."),
    "too_many_skills": _("At most %(limit)s skills."),
    "skill_too_long": _("A skill has at most 40 characters: “%(value)s”."),
    "unknown_kind": _("Unknown kind of organisation “%(value)s”. Use one of: %(choices)s."),
    "kind_not_importable": _("A %(kind)s cannot be imported."),
    "unknown_parent": _(
        "No organisation “%(name)s” among the organisations you administer or in this file."
    ),
    "invalid_parent": _("A %(kind)s cannot be placed under %(parent)s (a %(parent_kind)s)."),
    "org_exists_other_kind": _("“%(name)s” already exists under %(parent)s, as a %(kind)s."),
    "parent_has_error": _(
        "Row %(row)s of the organisations sheet, which creates %(name)s, has errors."
    ),
    "parent_cycle": _("The parent organisations of this row lead back to it."),
}


# Parameters that name a kind (of organisation or of sheet) are stored as stable values and
# shown as the label in the reader's language.
_LABELLED = ("kind", "parent_kind")


def _label(value: Any) -> Any:
    from qingshe.imports.models import Sheet
    from qingshe.orgs.models import OrgKind

    if value in OrgKind.values:
        return OrgKind(value).label
    if value in Sheet.values:
        return Sheet(value).label
    return value


def render(code: str, params: dict[str, Any] | None = None) -> str:
    template = MESSAGES.get(code)
    if template is None:
        return code
    text = str(template)
    if not params or "%(" not in text:
        return text
    values = {k: (_label(v) if k in _LABELLED else v) for k, v in params.items()}
    return text % values
