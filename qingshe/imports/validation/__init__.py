"""Checking a roster row by row. Every error is recorded with its sheet, row and column; nothing
here writes people or organisations (imports.services does, after the checks).

Organisations sheet: kind, name, parent (a name or a path) found among the organisations the
importer administers or among the file's own rows, in any order; the kind must be allowed under
the parent (orgs.models.ALLOWED_PARENTS); a row naming an organisation that already exists with
the same kind under the same parent uses it instead of creating it. Students sheet: name, mobile
(lib/ids), ID number (lib/ids, GB 11643; only its masked form ever appears in a message),
university → department → class branch found like parents, student number, major, grade,
skills. A mobile, ID number or student number (per university) that appears twice in the file is
an error on both rows, each naming the other; one already registered is an error on its row.
Database look-ups go in chunks: three queries per thousand students.
"""

from qingshe.imports.validation.cells import (
    ErrorSink,
    Layout,
    Reader,
    as_text,
    is_blank_row,
    mask_id,
)
from qingshe.imports.validation.orgs import OrgRow, OrgSheet
from qingshe.imports.validation.students import StudentRecord, StudentSheet

__all__ = [
    "ErrorSink",
    "Layout",
    "OrgRow",
    "OrgSheet",
    "Reader",
    "StudentRecord",
    "StudentSheet",
    "as_text",
    "is_blank_row",
    "mask_id",
]
