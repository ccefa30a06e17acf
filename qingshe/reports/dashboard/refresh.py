"""Rebuild the dashboard rollups from the records (materialised per month, incremental by watermark).

`refresh_rollups()` finds the local months touched by records written since the last refresh
(hours ledger entries, pairing service records, needs and their verification, points transfers),
recomputes those months for every organisation from the raw rows, and recomputes the current
figures (open needs by age, quota coverage). Recomputing a month is idempotent, so the watermark
keeps a margin: a row committed late by a slow transaction is picked up by the next refresh.

Who a fact belongs to (the same rule as naive.py, which the tests compare):
- an hours ledger entry: the organiser of the service and the volunteer's class branch;
- a pairing's service record: both sides of the pairing;
- a need: its community; points: the person's branch, the activity's organiser, the need's
  community;
and each of those organisations' ancestors up to the city.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from qingshe.reports.dashboard import periods
from qingshe.reports.dashboard.models import (
    ActiveMember,
    MajorDemand,
    MonthFigure,
    OpenNeedCohort,
    PairingMonth,
    QuotaFigure,
    RollupState,
)

# A late commit (a long transaction that began before the previous refresh) is still seen.
WATERMARK_MARGIN = timedelta(minutes=10)
BATCH = 2000

AWARD_KINDS = ("award_hours", "award_need", "award_commendation")
SKILLED_KINDS = ("skilled", "professional")


class OrgChains:
    """Organisation id → ids of itself and its ancestors, read once per refresh."""

    def __init__(self) -> None:
        from qingshe.accounts.models import StudentProfile
        from qingshe.orgs.models import Organisation

        self.chain: dict[int, tuple[int, ...]] = {
            pk: tuple(int(p) for p in path.strip("/").split("/") if p)
            for pk, path in Organisation.objects.values_list("pk", "path")
        }
        self.branch_of: dict[int, int] = {}
        self.major_of: dict[int, str] = {}
        for user_id, branch_id, major in StudentProfile.objects.values_list(
            "user_id", "branch_id", "major"
        ):
            self.branch_of[user_id] = branch_id
            self.major_of[user_id] = (major or "").strip()

    def of(self, *org_ids: int | None) -> set[int]:
        out: set[int] = set()
        for org_id in org_ids:
            if org_id is not None:
                out.update(self.chain.get(org_id, ()))
        return out

    def of_person(self, user_id: int | None, *org_ids: int | None) -> set[int]:
        return self.of(self.branch_of.get(user_id) if user_id is not None else None, *org_ids)


@dataclass
class MonthData:
    hours: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    counts: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    events: dict[int, set[tuple[str, int]]] = field(default_factory=lambda: defaultdict(set))
    volunteers: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    teams: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    majors: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    pairing_events: dict[int, set[tuple[str, int]]] = field(
        default_factory=lambda: defaultdict(set)
    )


def _month_data(month: date, chains: OrgChains) -> MonthData:
    from qingshe.credit.models import LedgerEntry, PointsEntry, PointsTransfer
    from qingshe.needs.models import Need, NeedEvent
    from qingshe.programmes.models import ServiceRecord

    d = MonthData()
    start, end = periods.bounds(month)
    nxt = periods.next_month(month)
    rows = LedgerEntry.objects.filter(service_date__gte=month, service_date__lt=nxt).values_list(
        "user_id",
        "organiser_id",
        "hours",
        "kind",
        "attendance__shift_id",
        "attendance__shift__activity__pairing_id",
    )
    for user_id, organiser_id, hours, kind, shift_id, pairing_id in rows.iterator(BATCH):
        orgs = chains.of_person(user_id, organiser_id)
        branch = chains.branch_of.get(user_id)
        served = kind != "reversal"
        for org in orgs:
            d.hours[org] += hours
            if served:
                d.volunteers[org].add(user_id)
                if branch is not None:
                    d.teams[org].add(branch)
                if shift_id is not None:
                    d.events[org].add(("s", shift_id))
        if served and shift_id is not None and pairing_id is not None:
            d.pairing_events[pairing_id].add(("s", shift_id))
    for pk, pairing_id, unit_id, community_id in ServiceRecord.objects.filter(
        held_on__gte=month, held_on__lt=nxt
    ).values_list("pk", "pairing_id", "pairing__unit_id", "pairing__community_id"):
        for org in chains.of(unit_id, community_id):
            d.events[org].add(("r", pk))
        d.pairing_events[pairing_id].add(("r", pk))
    for community_id, work_kind, majors in (
        Need.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("community_id", "work_kind", "majors")
        .iterator(BATCH)
    ):
        orgs = chains.of(community_id)
        wanted = _majors(majors) if work_kind in SKILLED_KINDS else set()
        for org in orgs:
            d.counts["needs_received"][org] += 1
            d.counts["needs_skilled" if work_kind in SKILLED_KINDS else "needs_labour"][org] += 1
            for major in wanted:
                d.majors[(org, major)] += 1
    solved: dict[int, tuple[int, int | None]] = {}
    for need_id, community_id, reporter_id in NeedEvent.objects.filter(
        to_state="verified", at__gte=start, at__lt=end
    ).values_list("need_id", "need__community_id", "need__reporter_id"):
        solved[need_id] = (community_id, reporter_id)
    for community_id, reporter_id in solved.values():
        for org in chains.of(community_id):
            d.counts["needs_solved"][org] += 1
            if reporter_id is not None:
                d.counts["resident_visits"][org] += 1
    people: dict[int, list[int]] = defaultdict(list)
    for transfer_id, user_id in PointsEntry.objects.filter(
        transfer__created_at__gte=start, transfer__created_at__lt=end, account__kind="person"
    ).values_list("transfer_id", "account__user_id"):
        people[transfer_id].append(user_id)
    for pk, kind, amount, organiser_id, community_id in PointsTransfer.objects.filter(
        created_at__gte=start, created_at__lt=end
    ).values_list("pk", "kind", "amount", "activity__organiser_id", "need__community_id"):
        orgs = chains.of(organiser_id, community_id)
        for user_id in people.get(pk, ()):
            orgs |= chains.of_person(user_id)
        issued, redeemed = _points(kind, amount)
        for org in orgs:
            d.counts["points_issued"][org] += issued
            d.counts["points_redeemed"][org] += redeemed
    return d


def _majors(value: Any) -> set[str]:
    return {str(m).strip() for m in (value or []) if str(m).strip()}


def _points(kind: str, amount: int) -> tuple[int, int]:
    """(issued, redeemed) of one transfer: a reversal takes issued points back, a cancellation
    gives redeemed ones back."""
    if kind in AWARD_KINDS:
        return amount, 0
    if kind == "reversal":
        return -amount, 0
    if kind == "redemption":
        return 0, amount
    if kind == "cancellation":
        return 0, -amount
    return 0, 0


def _write_month(month: date, d: MonthData) -> dict[tuple[int, str], set[int]]:
    """Replace the month's rows; return who was involved, for ActiveMember."""
    MonthFigure.objects.filter(month=month).delete()
    MajorDemand.objects.filter(month=month).delete()
    PairingMonth.objects.filter(month=month).delete()
    orgs = set(d.hours) | set(d.events) | set(d.volunteers)
    for per_org in d.counts.values():
        orgs |= set(per_org)
    MonthFigure.objects.bulk_create(
        [
            MonthFigure(
                org_id=org,
                month=month,
                hours=d.hours.get(org, Decimal("0")),
                events=len(d.events.get(org, ())),
                volunteers=len(d.volunteers.get(org, ())),
                **{
                    name: d.counts[name].get(org, 0)
                    for name in (
                        "resident_visits",
                        "needs_received",
                        "needs_labour",
                        "needs_skilled",
                        "needs_solved",
                        "points_issued",
                        "points_redeemed",
                    )
                },
            )
            for org in orgs
        ],
        batch_size=BATCH,
    )
    MajorDemand.objects.bulk_create(
        [
            MajorDemand(org_id=o, month=month, major=m[:60], needs=n)
            for (o, m), n in d.majors.items()
        ],
        batch_size=BATCH,
    )
    PairingMonth.objects.bulk_create(
        [
            PairingMonth(pairing_id=p, month=month, events=len(e))
            for p, e in d.pairing_events.items()
        ],
        batch_size=BATCH,
    )
    involved: dict[tuple[int, str], set[int]] = {}
    for org, users in d.volunteers.items():
        involved[(org, ActiveMember.Kind.VOLUNTEER)] = users
    for org, teams in d.teams.items():
        involved[(org, ActiveMember.Kind.TEAM)] = teams
    return involved


def _write_block(
    block: int, months: dict[date, dict[tuple[int, str], set[int]]], chains: OrgChains
) -> None:
    """Set the bits of the recomputed months of `block`, keeping the bits of the other months."""
    mask = 0
    bits: dict[tuple[int, str, int], int] = defaultdict(int)
    for month, involved in months.items():
        bit = periods.month_block(month)[1]
        mask |= bit
        for (org, kind), members in involved.items():
            for member in members:
                bits[(org, kind, member)] |= bit
    existing = {
        (org, kind, member): (pk, value)
        for pk, org, kind, member, value in ActiveMember.objects.filter(block=block)
        .values_list("pk", "org_id", "kind", "member_id", "months")
        .iterator(BATCH)
    }
    changed: list[ActiveMember] = []
    for key, (pk, value) in existing.items():
        new = (value & ~mask) | bits.get(key, 0)
        if new != value:
            changed.append(ActiveMember(pk=pk, months=new))
    ActiveMember.objects.bulk_update(changed, ["months"], batch_size=BATCH)
    ActiveMember.objects.filter(block=block, months=0).delete()
    ActiveMember.objects.bulk_create(
        [
            ActiveMember(
                org_id=org,
                kind=kind,
                member_id=member,
                block=block,
                months=value,
                major=chains.major_of.get(member, "")[:60]
                if kind == ActiveMember.Kind.VOLUNTEER
                else "",
            )
            for (org, kind, member), value in bits.items()
            if (org, kind, member) not in existing
        ],
        batch_size=BATCH,
    )


def _open_cohorts(chains: OrgChains) -> None:
    from qingshe.needs.models import Need

    per: dict[tuple[int, date], int] = defaultdict(int)
    rows = (
        Need.objects.filter(state__in=Need.OPEN_STATES)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("community_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("community_id", "day", "n")
    )
    for community_id, day, n in rows:
        for org in chains.of(community_id):
            per[(org, day)] += n
    OpenNeedCohort.objects.all().delete()
    OpenNeedCohort.objects.bulk_create(
        [OpenNeedCohort(org_id=o, received_on=day, count=n) for (o, day), n in per.items()],
        batch_size=BATCH,
    )


def _quotas(chains: OrgChains) -> None:
    from qingshe.orgs.models import Membership, Organisation, OrgKind, Role
    from qingshe.programmes.models import BranchApplication, Pairing, Programme
    from qingshe.programmes.selectors import COUNTED_PAIRING_STATES

    students: dict[int, set[int]] = defaultdict(set)
    for org_id, user_id in Membership.objects.filter(
        org__kind=OrgKind.CLASS_BRANCH, role=Role.STUDENT, is_active=True
    ).values_list("org_id", "user_id"):
        students[org_id].add(user_id)
    branches = list(
        Organisation.objects.filter(kind=OrgKind.CLASS_BRANCH, is_active=True).values_list(
            "pk", "path"
        )
    )
    # Every department is judged, one with no branches too (as compliance does: 0 of 0 is
    # below quota), so each gets a row.
    departments = list(
        Organisation.objects.filter(kind=OrgKind.DEPARTMENT_COMMITTEE).values_list("pk", "path")
    )
    rows: list[QuotaFigure] = []
    for programme in Programme.objects.exclude(state=Programme.State.DRAFT).prefetch_related(
        "scope"
    ):
        scope = [o.path for o in programme.scope.all()]
        in_scope = [pk for pk, path in branches if any(path.startswith(p) for p in scope)]
        taking = set(
            Pairing.objects.filter(
                programme=programme, state__in=COUNTED_PAIRING_STATES
            ).values_list("unit_id", flat=True)
        ) | set(
            BranchApplication.objects.filter(
                call__programme=programme, state=BranchApplication.State.CONFIRMED
            ).values_list("branch_id", flat=True)
        )
        b_total: dict[int, int] = defaultdict(int)
        b_in: dict[int, int] = defaultdict(int)
        s_total: dict[int, set[int]] = defaultdict(set)
        s_in: dict[int, set[int]] = defaultdict(set)
        for dept, path in departments:
            if any(path.startswith(p) for p in scope):
                b_total[dept] += 0
        for branch in in_scope:
            for org in chains.of(branch):
                b_total[org] += 1
                s_total[org] |= students[branch]
                if branch in taking:
                    b_in[org] += 1
                    s_in[org] |= students[branch]
        rows.extend(
            QuotaFigure(
                org_id=org,
                programme=programme,
                branches_total=n,
                branches_in=b_in[org],
                students_total=len(s_total[org]),
                students_in=len(s_in[org]),
            )
            for org, n in b_total.items()
        )
    QuotaFigure.objects.all().delete()
    QuotaFigure.objects.bulk_create(rows, batch_size=BATCH)


def months_changed_since(watermark: datetime | None) -> set[date]:
    """Local months whose figures may have changed since `watermark` (all of them when None)."""
    from qingshe.credit.models import LedgerEntry, PointsTransfer
    from qingshe.needs.models import Need, NeedEvent
    from qingshe.programmes.models import ServiceRecord

    tz = timezone.get_current_timezone()
    ledger = LedgerEntry.objects.all()
    records = ServiceRecord.objects.all()
    needs = Need.objects.all()
    events = NeedEvent.objects.filter(to_state="verified")
    transfers = PointsTransfer.objects.all()
    if watermark is not None:
        ledger = ledger.filter(recorded_at__gte=watermark)
        records = records.filter(updated_at__gte=watermark)
        needs = needs.filter(created_at__gte=watermark)
        events = events.filter(at__gte=watermark)
        transfers = transfers.filter(created_at__gte=watermark)
    months: set[date] = set(ledger.dates("service_date", "month"))
    months |= set(records.dates("held_on", "month"))
    for qs, name in ((needs, "created_at"), (events, "at"), (transfers, "created_at")):
        months |= {m.date() for m in qs.datetimes(name, "month", tzinfo=tz)}
    return months


@dataclass
class RefreshResult:
    months: list[date]
    refreshed_at: datetime | None
    skipped: bool = False


# A refresh that has not finished after this long is taken for dead (its process was killed).
RUNNING_STALE_AFTER = timedelta(hours=2)


def refresh_rollups(*, months: Iterable[date] | None = None, full: bool = False) -> RefreshResult:
    """Recompute the months touched since the last refresh (or `months`, or all with `full`).

    One short write transaction per month (and per block of people involved), not one for the
    whole refresh: on SQLite a write transaction holds the database's write lock, and check-ins
    must not wait for a recomputation. Only one refresh runs at a time (`running_since`); a
    second one returns at once, skipped."""
    started = timezone.now()
    with transaction.atomic():
        state = RollupState.objects.select_for_update().order_by("pk").first()
        if state is None:
            state = RollupState.objects.create()
        if state.running_since is not None and started - state.running_since < RUNNING_STALE_AFTER:
            return RefreshResult(months=[], refreshed_at=state.refreshed_at, skipped=True)
        state.running_since = started
        state.save(update_fields=["running_since"])
        watermark = None if full else state.watermark
    try:
        if months is None:
            todo = sorted(months_changed_since(watermark))
        else:
            todo = sorted({periods.month_start(m) for m in months})
        chains = OrgChains()
        by_block: dict[int, dict[date, dict[tuple[int, str], set[int]]]] = defaultdict(dict)
        for month in todo:
            data = _month_data(month, chains)  # reads only, outside the write transaction
            with transaction.atomic():
                by_block[periods.month_block(month)[0]][month] = _write_month(month, data)
        for block, involved in by_block.items():
            with transaction.atomic():
                _write_block(block, involved, chains)
        with transaction.atomic():
            _open_cohorts(chains)
        with transaction.atomic():
            _quotas(chains)
    finally:
        RollupState.objects.filter(pk=state.pk).update(running_since=None)
    refreshed_at = timezone.now()
    changes: dict[str, Any] = {"refreshed_at": refreshed_at}
    if months is None:
        changes["watermark"] = started - WATERMARK_MARGIN
    RollupState.objects.filter(pk=state.pk).update(**changes)
    return RefreshResult(months=todo, refreshed_at=refreshed_at)
