"""Fictional rosters for tests, the benchmark and the LibreOffice fixture (never real people).

`student_rows` gives valid, unique rows (mobile numbers, GB 11643 ID numbers with their check
digit, student numbers) in the template's column order; `write_roster` writes them, with
optional organisation rows, to an .xlsx file in openpyxl's write-only (streaming) mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from stdnum.cn import ric

from qingshe.imports.columns import ORG_COLUMNS, STUDENT_COLUMNS

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = (
    "子涵欣怡梓轩浩然雨桐思远佳怡一诺宇航晨曦明轩语嫣俊杰诗涵博文若曦天佑紫萱嘉怡志强晓青春华秋实"
)
MAJORS = ("旅游管理", "会计学", "计算机科学与技术", "社会工作", "护理学", "汉语言文学")
SKILLS = ("摄影", "急救", "新媒体运营", "活动策划", "心理疏导", "编程", "书法", "英语")
REGION = "110101"  # 北京市东城区: a region code valid for every birth date used here
BIRTH_START = date(2003, 9, 1)
BIRTH_DAYS = 1096


def id_number(i: int) -> str:
    """The i-th fictional ID number (unique for i < 1,096,000), check digit included."""
    birth = BIRTH_START + timedelta(days=i % BIRTH_DAYS)
    body = f"{REGION}{birth:%Y%m%d}{i // BIRTH_DAYS:03d}"
    return body + ric.calc_check_digit(body + "0")


def phone(i: int, prefix: str = "136") -> str:
    return f"{prefix}{i:08d}"


def name(i: int) -> str:
    return (
        SURNAMES[i % len(SURNAMES)]
        + GIVEN[(i // 7) % len(GIVEN)]
        + GIVEN[(i // 3 + 5) % len(GIVEN)]
    )


def student_rows(
    count: int,
    *,
    university: str,
    department: str | Sequence[str],
    branches: Sequence[str],
    start: int = 0,
    grade: int = 2024,
    phone_prefix: str = "136",
    with_id: bool = True,
) -> Iterator[list[Any]]:
    """`count` valid student rows in the template's column order. With several departments,
    branch k belongs to department k % len(departments)."""
    departments = [department] if isinstance(department, str) else list(department)
    for i in range(start, start + count):
        b = i % len(branches)
        yield [
            name(i),
            phone(i, phone_prefix),
            id_number(i) if with_id else None,
            university,
            departments[b % len(departments)],
            branches[b],
            f"{grade}{i:06d}",
            MAJORS[b % len(MAJORS)],
            grade,
            "、".join(SKILLS[(i + k) % len(SKILLS)] for k in range(i % 3)),
        ]


def write_roster(
    target: str | Path | IO[bytes],
    *,
    students: Iterable[Sequence[Any]] = (),
    orgs: Iterable[Sequence[Any]] = (),
    with_orgs_sheet: bool = False,
) -> None:
    """Write a roster workbook: an organisations sheet (组织) when `orgs` has rows or
    `with_orgs_sheet`, and a students sheet (学生)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    org_rows = list(orgs)
    if org_rows or with_orgs_sheet:
        sheet = workbook.create_sheet("组织")
        sheet.append([c.header for c in ORG_COLUMNS])
        for row in org_rows:
            sheet.append(list(row))
    sheet = workbook.create_sheet("学生")
    sheet.append([c.header for c in STUDENT_COLUMNS])
    for row in students:
        sheet.append(list(row))
    workbook.save(target)
