"""The 10,000-student rosters of the LibreOffice fixtures: a clean one, and one with 50 errors
seeded at known cells. fixtures/make_fixtures.py writes them; the tests know what to expect
from the same definitions."""

from __future__ import annotations

from typing import Any

from qingshe.imports import samples

UNIVERSITY = "青州学院团委"
DEPARTMENT = "经管系团委"
BRANCHES = ("2024级旅游管理班团支部", "2024级会计学班团支部")
COUNT = 10_000
PHONE_PREFIX = "135"
# Registered in the database before the 50-error import: rows using them clash.
TAKEN_PHONES = ("13700000001", "13700000002", "13700000003", "13700000004")
TAKEN_ID_INDEXES = (900_001, 900_002, 900_003)
COLUMN = {
    "phone": "B",
    "id_number": "C",
    "department": "E",
    "branch": "F",
    "major": "H",
    "grade": "I",
}


def clean_rows() -> list[list[Any]]:
    return list(
        samples.student_rows(
            COUNT,
            university=UNIVERSITY,
            department=DEPARTMENT,
            branches=BRANCHES,
            phone_prefix=PHONE_PREFIX,
        )
    )


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def seeded_rows() -> tuple[list[list[Any]], set[tuple[int, str, str]]]:
    """The rows with 50 errors, and the 50 expected (sheet row, column letter, code)."""
    rows = clean_rows()
    expected: set[tuple[int, str, str]] = set()
    picks = iter(range(41, COUNT, 173))  # distinct rows spread over the file

    def seed(column: str, code: str, value: Any) -> int:
        index = next(picks)
        rows[index][_index(column)] = value
        expected.add((index + 2, COLUMN[column], code))
        return index

    for _ in range(8):
        index = next(picks)
        rows[index][2] = _wrong_check_digit(rows[index][2])
        expected.add((index + 2, "C", "id_checksum"))
    for _ in range(8):
        seed("phone", "invalid_phone", "1234567")
    for _ in range(6):
        seed("department", "unknown_department", "法学系团委")
    for _ in range(6):
        seed("branch", "unknown_branch", "2099级不存在班团支部")
    for _ in range(4):  # four pairs: both rows of each pair are reported
        first, second = next(picks), next(picks)
        rows[second][1] = rows[first][1]
        expected.add((first + 2, "B", "duplicate_in_file"))
        expected.add((second + 2, "B", "duplicate_in_file"))
    for phone in TAKEN_PHONES:
        seed("phone", "phone_taken", phone)
    for _ in range(4):
        seed("major", "required", None)
    for _ in range(3):
        seed("grade", "invalid_grade", "大一")
    for taken in TAKEN_ID_INDEXES:
        seed("id_number", "id_taken", samples.id_number(taken))
    assert len(expected) == 50
    return rows, expected


def _index(column: str) -> int:
    return {"phone": 1, "id_number": 2, "department": 4, "branch": 5, "major": 7, "grade": 8}[
        column
    ]
