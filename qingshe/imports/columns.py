"""The columns of a roster workbook (the contract the template documents), and how a header row
and the organisation kinds written in it are recognised.

A workbook has an organisations sheet (组织) and/or a students sheet (学生); a sheet is known by
its name or, failing that, by its column names in row 1. Column names are matched after
dropping spaces, a required-marker star and "（必填）", so "手机号*" and " 手机号 " both work;
each column also has a few common aliases (学校 for 高校, 学院 for 院系, …) and its English key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qingshe.orgs.models import OrgKind

ORGS = "orgs"
STUDENTS = "students"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as written in the template
    required: bool
    aliases: tuple[str, ...] = ()
    max_length: int | None = None


ORG_COLUMNS: tuple[Column, ...] = (
    Column("kind", "类型", True, ("组织类型", "kind"), 20),
    Column("name", "名称", True, ("组织名称", "全称", "name"), 120),
    Column("short_name", "简称", False, ("short_name",), 40),
    Column("parent", "上级组织", True, ("上级", "上级单位", "parent"), 300),
)
STUDENT_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, ("name",), 40),
    Column("phone", "手机号", True, ("手机", "手机号码", "mobile", "phone"), 20),
    Column(
        "id_number", "身份证号", False, ("身份证号码", "身份证", "公民身份号码", "id_number"), 30
    ),
    Column("university", "高校", True, ("学校", "高校团委", "university"), 120),
    Column("department", "院系", True, ("学院", "系", "院系团委", "department"), 120),
    Column("branch", "班级团支部", True, ("团支部", "班级", "branch"), 120),
    Column("student_no", "学号", False, ("student_no",), 20),
    Column("major", "专业", True, ("major",), 60),
    Column("grade", "年级", True, ("入学年份", "grade"), 10),
    Column("skills", "技能", False, ("特长", "技能特长", "skills"), 400),
)
COLUMNS = {ORGS: ORG_COLUMNS, STUDENTS: STUDENT_COLUMNS}

SHEET_TITLES = {
    ORGS: ("组织", "组织机构", "organisations", "organizations", "orgs"),
    STUDENTS: ("学生", "学生名册", "学生名单", "students"),
}
NOTES_TITLES = ("填写说明", "说明", "notes")
SHEET_ORDER = {ORGS: 0, STUDENTS: 1}

# What the template shows as its example rows; a row equal to one of them is skipped, so that an
# example left in place is not imported as a real person or organisation.
EXAMPLE_ORG_ROWS: tuple[tuple[str, ...], ...] = (
    ("院系团委", "共青团示例大学经济管理学院委员会", "经管学院团委", "示例大学团委"),
    ("班级团支部", "2024级旅游管理1班团支部", "", "示例大学团委/经管学院团委"),
)
EXAMPLE_STUDENT_ROWS: tuple[tuple[str, ...], ...] = (
    (
        "张晓青",
        "13800000000",
        "110101200501010033",
        "示例大学团委",
        "经管学院团委",
        "2024级旅游管理1班团支部",
        "2024010101",
        "旅游管理",
        "2024",
        "摄影、急救",
    ),
)
EXAMPLES = {ORGS: EXAMPLE_ORG_ROWS, STUDENTS: EXAMPLE_STUDENT_ROWS}

# Organisation kinds as people write them. The labels of OrgKind in Chinese, their usual short
# forms, and the stable English values. The city committee (the root) is never imported.
KIND_WORDS: dict[str, str] = {
    "团市委": OrgKind.CITY_COMMITTEE,  # recognised, to be refused by name
    "团区委": OrgKind.DISTRICT_COMMITTEE,
    "区团委": OrgKind.DISTRICT_COMMITTEE,
    "高校团委": OrgKind.UNIVERSITY_COMMITTEE,
    "高校": OrgKind.UNIVERSITY_COMMITTEE,
    "学校团委": OrgKind.UNIVERSITY_COMMITTEE,
    "院系团委": OrgKind.DEPARTMENT_COMMITTEE,
    "院系": OrgKind.DEPARTMENT_COMMITTEE,
    "系团委": OrgKind.DEPARTMENT_COMMITTEE,
    "院团委": OrgKind.DEPARTMENT_COMMITTEE,
    "学院团委": OrgKind.DEPARTMENT_COMMITTEE,
    "班级团支部": OrgKind.CLASS_BRANCH,
    "团支部": OrgKind.CLASS_BRANCH,
    "班级": OrgKind.CLASS_BRANCH,
    "街道": OrgKind.STREET,
    "社区": OrgKind.COMMUNITY,
    "小区": OrgKind.RESIDENTIAL_AREA,
    "网格": OrgKind.GRID,
    "公益伙伴": OrgKind.PARTNER,
    "志愿服务队": OrgKind.VOLUNTEER_TEAM,
    "青年社团": OrgKind.VOLUNTEER_TEAM,
    "志愿服务队/青年社团": OrgKind.VOLUNTEER_TEAM,
}
IMPORTABLE_KINDS = frozenset(OrgKind.values) - {OrgKind.CITY_COMMITTEE}
# The words the template offers in its drop-down, one per kind.
KIND_CHOICES: tuple[str, ...] = (
    "院系团委",
    "班级团支部",
    "高校团委",
    "团区委",
    "街道",
    "社区",
    "小区",
    "网格",
    "公益伙伴",
    "志愿服务队",
)


def fold(text: str) -> str:
    """Compare names and words as people mean them: full-width forms folded (NFKC), case and
    spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def parse_kind(text: str) -> str | None:
    folded = fold(text)
    for word, kind in KIND_WORDS.items():
        if fold(word) == folded:
            return kind
    return folded if folded in OrgKind.values else None


_REQUIRED_MARKS = re.compile(r"[*＊]|[（(]必填[)）]|[（(]选填[)）]")


def header_key(text: object) -> str:
    """A header cell, folded for matching."""
    return fold(_REQUIRED_MARKS.sub("", str(text or "")))


def _lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for word in (column.header, column.key, *column.aliases):
            table[header_key(word)] = column.key
    return table


HEADER_LOOKUP = {kind: _lookup(kind) for kind in COLUMNS}


@dataclass
class HeaderMatch:
    kind: str
    positions: dict[str, int]  # column key → 0-based index
    duplicates: list[tuple[str, int, int]]  # (key, first index, second index)

    @property
    def missing(self) -> list[Column]:
        return [c for c in COLUMNS[self.kind] if c.required and c.key not in self.positions]


def match_header(kind: str, cells: tuple[object, ...] | list[object]) -> HeaderMatch:
    table = HEADER_LOOKUP[kind]
    positions: dict[str, int] = {}
    duplicates: list[tuple[str, int, int]] = []
    for index, cell in enumerate(cells):
        key = table.get(header_key(cell))
        if key is None:
            continue
        if key in positions:
            duplicates.append((key, positions[key], index))
        else:
            positions[key] = index
    return HeaderMatch(kind=kind, positions=positions, duplicates=duplicates)


def guess_kind(cells: tuple[object, ...] | list[object]) -> str | None:
    """Which kind of sheet a header row belongs to, from its column names; None if neither."""
    students = match_header(STUDENTS, cells).positions
    orgs = match_header(ORGS, cells).positions
    student_only = {
        "phone",
        "id_number",
        "major",
        "grade",
        "branch",
        "university",
        "department",
        "student_no",
    }
    org_only = {"kind", "parent"}
    if len(student_only & set(students)) >= 2:
        return STUDENTS
    if org_only & set(orgs):
        return ORGS
    return None


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def header_of(kind: str, key: str) -> str:
    return next(c.header for c in COLUMNS[kind] if c.key == key)
