"""The students sheet, checked chunk by chunk; the rows that pass are kept for saving."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from qingshe.accounts.services import GUARDIAN_RECORD_AGE, id_number_digest
from qingshe.imports.columns import STUDENTS, fold
from qingshe.imports.directory import Lookup, Node
from qingshe.imports.selectors import identifiers_taken
from qingshe.imports.validation.cells import ErrorSink, Layout, Reader, as_text, mask_id
from qingshe.lib import ids
from qingshe.orgs.models import OrgKind

MAX_SKILLS = 20
SKILL_SPLIT = re.compile(r"[、,，;；/／|\s]+")
GRADE_RE = re.compile(r"^(\d{4})(?:\.0+)?\s*(?:级|年)?$")


# --- students sheet -----------------------------------------------------------------------------
_ROW_KEYS = (
    "name",
    "phone",
    "id_number",
    "university",
    "department",
    "branch",
    "student_no",
    "major",
    "grade",
    "skills",
)


# A student's university and class branch, or what is wrong with the names given: (column key,
# error code, its parameters).
_Place = tuple[Node, Node] | tuple[str, str, dict[str, Any]]


@dataclass(slots=True)
class StudentRecord:
    row: int
    name: str
    phone: str
    resident_id: ids.ResidentId | None  # checked here: saved without parsing it again
    branch: Node
    student_no: str
    major: str
    grade: int
    skills: tuple[str, ...]
    university: Node | None = None  # whose student numbers this one must not repeat


@dataclass(slots=True)
class _Parsed:
    row: int
    ok: bool
    name: str = ""
    phone: str = ""
    resident_id: ids.ResidentId | None = None
    digest: str = ""
    masked: str = ""
    university: Node | None = None
    branch: Node | None = None
    student_no: str = ""
    major: str = ""
    grade: int = 0
    skills: tuple[str, ...] = ()


class StudentSheet:
    """Checks students chunk by chunk and keeps the rows that passed."""

    def __init__(self, *, lookup: Lookup, layout: Layout, sink: ErrorSink, today: date) -> None:
        self.lookup = lookup
        self.layout = layout
        self.sink = sink
        self.today = today
        self.cells = Reader(layout, sink)
        self.records: list[StudentRecord] = []
        # The first row of each mobile number, ID number (its keyed hash) and student number.
        self._first_phone: dict[str, int] = {}
        self._first_id: dict[str, int] = {}
        self._first_number: dict[tuple[int, str], int] = {}
        self._flagged_first: set[tuple[int, str]] = set()
        # Places by their folded names, and by the names as written.
        self._places: dict[tuple[str, str, str], _Place] = {}
        self._places_written: dict[tuple[str, str, str], _Place] = {}
        self._max_grade = today.year
        # Where each cell of a row is (None: no such column), in the order _parse reads them.
        self._columns = tuple(layout.positions.get(k) for k in _ROW_KEYS)

    def _bad(self, row: int, key: str | None, code: str, /, **params: Any) -> None:
        self.sink.add(STUDENTS, row, key, code, **params)

    def _place(
        self, university: str, department: str, branch: str
    ) -> tuple[Node, Node] | tuple[str, str, dict[str, Any]]:
        written = (university, department, branch)
        cached = self._places_written.get(written)
        if cached is None:
            # Found once per way of writing a place (2,500 branches: 2,500 look-ups, not one
            # per student), and shared by all the ways of writing it that fold alike.
            key = (fold(university), fold(department), fold(branch))
            cached = self._places.get(key)
            if cached is None:
                cached = self._places[key] = self._find_place(university, department, branch)
            self._places_written[written] = cached
        return cached

    def _find_place(
        self, university: str, department: str, branch: str
    ) -> tuple[Node, Node] | tuple[str, str, dict[str, Any]]:
        steps = (
            ("university", university, OrgKind.UNIVERSITY_COMMITTEE, "unknown_university"),
            ("department", department, OrgKind.DEPARTMENT_COMMITTEE, "unknown_department"),
            ("branch", branch, OrgKind.CLASS_BRANCH, "unknown_branch"),
        )
        found: list[Node] = []
        for key, text, kind, unknown in steps:
            under = found[-1] if found else None
            candidates = self.lookup.find(text, kind=kind, under=under)
            if not candidates:
                return (
                    key,
                    unknown,
                    {
                        "name": text[:120],
                        "parent": (under.short_name or under.name) if under else "",
                    },
                )
            if len(candidates) > 1:
                return key, "ambiguous", {"name": text[:120]}
            node = candidates[0]
            if node.has_error:
                return key, "parent_has_error", {"row": node.row, "name": node.name}
            found.append(node)
        return found[0], found[2]

    def _parse(self, row: int, values: tuple[Any, ...]) -> _Parsed:
        n = len(values)
        (
            name_raw,
            phone_raw,
            id_raw,
            university_raw,
            department_raw,
            branch_raw,
            student_no_raw,
            major_raw,
            grade_raw,
            skills_raw,
        ) = (values[i] if i is not None and i < n else None for i in self._columns)
        out = _Parsed(row=row, ok=True)
        bad = self._bad

        def missing(key: str) -> None:
            self.cells.required(row, key)
            out.ok = False

        name = as_text(name_raw)
        if not name:
            missing("name")
        elif len(name) > 40:
            bad(row, "name", "too_long", limit=40)
            out.ok = False
        out.name = name

        phone_text = as_text(phone_raw)
        if not phone_text:
            missing("phone")
        else:
            try:
                out.phone = ids.normalize_phone(phone_text)
            except ids.IdentifierError:
                bad(row, "phone", "invalid_phone")
                out.ok = False

        id_text = as_text(id_raw).upper().replace(" ", "")
        if id_text:
            try:
                rid = ids.parse_resident_id(id_text, today=self.today)
            except ids.IdentifierError as exc:
                if isinstance(id_raw, float) or (
                    isinstance(id_raw, int) and not isinstance(id_raw, bool)
                ):
                    bad(row, "id_number", "id_numeric")
                else:
                    bad(row, "id_number", exc.code, masked=mask_id(id_text))
                out.ok = False
            else:
                out.resident_id = rid
                out.masked = rid.masked
                out.digest = id_number_digest(rid.number)
                if ids.age_on(rid.birth_date, self.today) < GUARDIAN_RECORD_AGE:
                    bad(row, "id_number", "child_under_14")
                    out.ok = False

        university = as_text(university_raw)
        department = as_text(department_raw)
        branch = as_text(branch_raw)
        if university and department and branch:
            place = self._place(university, department, branch)
            if isinstance(place[0], str):
                key, code, params = place  # type: ignore[misc]
                bad(row, key, code, **params)
                out.ok = False
            else:
                out.university, out.branch = place  # type: ignore[assignment]
        else:
            for key, text in (
                ("university", university),
                ("department", department),
                ("branch", branch),
            ):
                if not text:
                    missing(key)

        student_no = as_text(student_no_raw)
        if len(student_no) > 20:
            bad(row, "student_no", "too_long", limit=20)
            out.ok = False
        out.student_no = student_no

        major = as_text(major_raw)
        if not major:
            missing("major")
        elif len(major) > 60:
            bad(row, "major", "too_long", limit=60)
            out.ok = False
        out.major = major

        grade_text = as_text(grade_raw)
        if not grade_text:
            missing("grade")
        else:
            match = GRADE_RE.match(grade_text)
            grade = int(match.group(1)) if match else 0
            if not 1990 <= grade <= self._max_grade:
                bad(row, "grade", "invalid_grade", year=self._max_grade)
                out.ok = False
            out.grade = grade

        skills_text = as_text(skills_raw)
        if skills_text:
            skills = tuple(dict.fromkeys(s for s in SKILL_SPLIT.split(skills_text) if s))
            too_long = next((s for s in skills if len(s) > 40), None)
            if too_long:
                bad(row, "skills", "skill_too_long", value=too_long[:40] + "…")
                out.ok = False
            elif len(skills) > MAX_SKILLS:
                bad(row, "skills", "too_many_skills", limit=MAX_SKILLS)
                out.ok = False
            out.skills = skills
        return out

    def _twice(self, kind: str, first: int, row: int, key: str) -> None:
        """Report a value seen on an earlier row, `first`: on this row, and once on the first
        row. (check_chunk finds them: `first` is where the value was seen first.)"""
        header = self.layout.header(key)
        self._bad(row, key, "duplicate_in_file", column=header, other=first)
        if (first, kind) not in self._flagged_first:
            self._flagged_first.add((first, kind))
            self._bad(first, key, "duplicate_in_file", column=header, other=row)

    def check_chunk(self, rows: list[tuple[int, tuple[Any, ...]]]) -> None:
        parsed = [self._parse(row, values) for row, values in rows]
        found = identifiers_taken(
            phones={p.phone for p in parsed if p.phone},
            id_digests={p.digest for p in parsed if p.digest},
            student_numbers={
                (p.university.id, p.student_no)
                for p in parsed
                if p.student_no and p.university is not None and p.university.in_database
            },
        )
        first_phone, first_id, first_number = self._first_phone, self._first_id, self._first_number
        bad_rows = self.sink.rows[STUDENTS]
        for p in parsed:
            row = p.row
            if p.phone:
                if p.phone in found.phones:
                    self._bad(row, "phone", "phone_taken")
                    p.ok = False
                first = first_phone.setdefault(p.phone, row)
                if first != row:
                    self._twice("phone", first, row, "phone")
            if p.digest:
                if p.digest in found.id_digests:
                    self._bad(row, "id_number", "id_taken", masked=p.masked)
                    p.ok = False
                first = first_id.setdefault(p.digest, row)
                if first != row:
                    self._twice("id", first, row, "id_number")
            if p.student_no and p.university is not None:
                number = (p.university.id, p.student_no)
                if number in found.student_numbers:
                    self._bad(
                        row,
                        "student_no",
                        "student_no_taken",
                        value=p.student_no,
                        university=p.university.name,
                    )
                    p.ok = False
                first = first_number.setdefault(number, row)
                if first != row:
                    self._twice("student_no", first, row, "student_no")
            if p.ok and row not in bad_rows and p.branch is not None:
                self.records.append(
                    StudentRecord(
                        row=row,
                        name=p.name,
                        phone=p.phone,
                        resident_id=p.resident_id,
                        branch=p.branch,
                        student_no=p.student_no,
                        major=p.major,
                        grade=p.grade,
                        skills=p.skills,
                        university=p.university,
                    )
                )

    def valid_records(self) -> list[StudentRecord]:
        """The rows that passed, less those a later row turned out to duplicate."""
        bad = self.sink.rows[STUDENTS]
        return [r for r in self.records if r.row not in bad]
