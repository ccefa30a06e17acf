"""Demo step "dashboard": compute the rollups of the demo city and publish the month before
`today`, so that the dashboards open with figures and one frozen month."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qingshe.reports.dashboard.models import (
    ActiveMember,
    MajorDemand,
    MonthFigure,
    MonthlySnapshot,
    OpenNeedCohort,
    PairingMonth,
    QuotaFigure,
    RollupState,
)
from qingshe.reports.dashboard.refresh import refresh_rollups
from qingshe.reports.dashboard.snapshots import month_freeze, previous_month_start

if TYPE_CHECKING:
    from qingshe.demo.context import DemoContext


def build(ctx: DemoContext) -> None:
    result = refresh_rollups(full=True)
    frozen = month_freeze(month=previous_month_start(ctx.today), today=ctx.today)
    ctx.log(
        f"  dashboards: {len(result.months)} months computed, {frozen} organisations' month published"
    )


def reset() -> None:
    for model in (
        MonthlySnapshot,
        MonthFigure,
        ActiveMember,
        OpenNeedCohort,
        MajorDemand,
        PairingMonth,
        QuotaFigure,
        RollupState,
    ):
        model.objects.all().delete()
