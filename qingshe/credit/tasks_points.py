"""Background work of the points ledger: the points an hours ledger entry earns (enqueued by
credit.services when the entry is committed), and the sweep that pays completed needs and
catches up entries made before a rule applied (`qingshe award-points`, or a periodic job)."""

from __future__ import annotations

from django_tasks import task

from qingshe.credit import services_points


@task()
def points_for_hours_entry(entry_id: int) -> int | None:
    transfer = services_points.award_for_hours_entry(entry_id=entry_id)
    return transfer.pk if transfer is not None else None


@task()
def award_points_sweep() -> int:
    return services_points.points_backfill()
