"""The programme's quota rule, in one place for every page that judges it (compliance, the
dashboard, the demo): each department committee, on its own, has at least the programme's share
of its class branches and of its students taking part, each share in per cent rounded half up to
one decimal (1 of 16 is 6.3 %)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")


def quota_pct(part: int, whole: int) -> Decimal:
    """`part` of `whole` in per cent, rounded half up to 0.1; 0.0 when `whole` is 0."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def quota_met(
    *,
    branches_in: int,
    branches_total: int,
    students_in: int,
    students_total: int,
    branch_quota_pct: Decimal,
    student_quota_pct: Decimal,
) -> bool:
    """Whether one department meets both quotas (a department with no branches does not)."""
    return (
        quota_pct(branches_in, branches_total) >= branch_quota_pct
        and quota_pct(students_in, students_total) >= student_quota_pct
    )
