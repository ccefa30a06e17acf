"""`qingshe award-points`: pay the points not yet paid (run daily by cron, or after a rule is
set): every hours ledger entry that earned nothing yet under today's rules, and every volunteer
of a need whose completion was verified. Idempotent: each source pays once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from qingshe.credit import services_points


class Command(BaseCommand):
    help = (
        "补记尚未发放的志愿积分（时长台账记录、已验收的需求），可重复运行。 / Award the points not yet paid "
        "(hours ledger entries, verified needs); idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        made = services_points.points_backfill()
        self.stdout.write(f"积分补记 / points awarded: {made}")
