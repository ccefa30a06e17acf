"""Every write of the points ledger: accounts, transfers, earning rules and awards.

`_post` is the only code that writes a PointsTransfer and its PointsEntry lines. Its callers
lock the person's account first (every transfer has exactly one person's account on one side),
then `_post` locks the other account, checks that the lines sum to zero and that no person's or
partner's balance goes below zero, writes the lines with each account's running balance, and
moves the cached balances. A transfer's `key` names its source and is unique, so the same hours
entry, need, commendation or redemption never pays twice, whoever retries.

Awards follow the hours ledger: `credit.services._append` enqueues `points_for_hours_entry` on
commit for every entry it writes (services, corrections, reversals), keyed by the entry. An
entry that the hours ledger has already reversed earns nothing; a reversal takes back what the
reversed entry earned (after paying the corrected entry, so the two are netted), at most the
person's balance: points already spent are not taken back, the rest is recorded as `shortfall`
(docs/decisions/0011-points-ledger-rewards-venues.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.credit.models import (
    AccountKind,
    EntryKind,
    LedgerEntry,
    PointsAccount,
    PointsEntry,
    PointsRule,
    PointsTransfer,
    Redemption,
    Reward,
    RuleKind,
    TransferKind,
)
from qingshe.orgs.models import Organisation, OrgKind

RULE_OWNER_KINDS = (OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE)
MAX_RULE_POINTS = 10_000
MAX_CAP_HOURS = Decimal("24")
# Needs whose completion was verified (a closed need was verified before it was closed).
COMPLETED_NEED_STATES = ("verified", "closed")


def hours_key(entry_id: int) -> str:
    return f"hours:{entry_id}"


def hours_reversal_key(entry_id: int) -> str:
    return f"hours-reversal:{entry_id}"


def need_key(need_id: int, user_id: int) -> str:
    return f"need:{need_id}:{user_id}"


# --- accounts -----------------------------------------------------------------------------------
def _account(kind: str, **owner: Any) -> PointsAccount:
    lookup = {"kind": kind, **owner}
    try:
        with transaction.atomic():
            account, _created = PointsAccount.objects.get_or_create(**lookup)
    except IntegrityError:  # created at the same moment by someone else
        account = PointsAccount.objects.get(**lookup)
    return account


def person_account(user_id: int, *, lock: bool = False) -> PointsAccount:
    """The person's account (created on first use); `lock` takes its row lock, which every
    transfer touching the person takes first."""
    account = _account(AccountKind.PERSON, user_id=user_id)
    if lock:
        account = PointsAccount.objects.select_for_update().get(pk=account.pk)
    return account


def partner_account(org: Organisation) -> PointsAccount:
    return _account(AccountKind.PARTNER, org=org)


def issuer_account(rule: PointsRule) -> PointsAccount:
    if rule.programme_id:
        account = PointsAccount.objects.filter(
            kind=AccountKind.ISSUER, programme_id=rule.programme_id
        ).first()
        return account or _account(
            AccountKind.ISSUER, programme_id=rule.programme_id, org_id=rule.owner_id
        )
    return _account(AccountKind.ISSUER, org_id=rule.owner_id, programme=None)


def balance_of(user: Any) -> int:
    account = PointsAccount.objects.filter(kind=AccountKind.PERSON, user=user).first()
    return account.balance if account else 0


# --- the one writer -----------------------------------------------------------------------------
def _post(
    *,
    key: str,
    kind: str,
    person: PointsAccount,
    other: PointsAccount,
    to_person: int,
    reason: Callable[[], str] | str,
    actor: Any = None,
    shortfall: int = 0,
    **fields: Any,
) -> PointsTransfer:
    """Write a transfer of `to_person` points into the (locked) person's account from `other`
    (negative: out of the person's account into `other`). Called inside a transaction. The
    reason is kept in the platform's language (zh-hans), like the record it belongs to."""
    assert person.kind == AccountKind.PERSON
    other = PointsAccount.objects.select_for_update().get(pk=other.pk)
    person_after, other_after = person.balance + to_person, other.balance - to_person
    if person_after < 0:
        raise Conflict("not_enough_points", _("Not enough points."))
    if other.kind != AccountKind.ISSUER and other_after < 0:
        raise Conflict("not_enough_points", _("Not enough points in the partner's account."))
    if callable(reason):
        with translation.override(settings.LANGUAGE_CODE):
            reason = str(reason())
    transfer = PointsTransfer.objects.create(
        key=key,
        kind=kind,
        amount=abs(to_person),
        shortfall=shortfall,
        reason=reason[:200],
        actor=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    if to_person:
        lines = [(person, to_person, person_after), (other, -to_person, other_after)]
        PointsEntry.objects.bulk_create(
            [
                PointsEntry(transfer=transfer, account=a, amount=n, balance_after=after)
                for a, n, after in lines
            ]
        )
        for account, n, after in lines:
            PointsAccount.objects.filter(pk=account.pk).update(
                balance=F("balance") + n, entries=F("entries") + 1, updated_at=timezone.now()
            )
            account.balance, account.entries = after, account.entries + 1
    return transfer


# --- rules --------------------------------------------------------------------------------------
def _ancestor_or_self_ids(org: Organisation) -> list[int]:
    return [*org.ancestor_ids(), org.pk]


def _in_force(rule: PointsRule | None, on: date) -> PointsRule | None:
    """The live rule, or the predecessor that was in force for service on `on`."""
    while rule is not None and rule.active_from > on:
        rule = rule.replaces
    return rule


def rule_for(
    kind: str, *, org: Organisation, on: date, programme_id: int | None = None
) -> PointsRule | None:
    """The rule that pays `kind` for service on `on` organised by `org`: the programme's live
    rule when it has one, else the nearest committee's default above `org`."""
    live = PointsRule.objects.filter(kind=kind, retired_at__isnull=True).select_related(
        "replaces__replaces__replaces"
    )
    if programme_id is not None:
        rule = live.filter(programme_id=programme_id).first()
        if rule is not None:
            return _in_force(rule, on)
    chain = _ancestor_or_self_ids(org)
    defaults = {r.owner_id: r for r in live.filter(programme__isnull=True, owner_id__in=chain)}
    for org_id in reversed(chain):  # the nearest committee first
        if org_id in defaults:
            return _in_force(defaults[org_id], on)
    return None


def _clean_rule(
    kind: str, name: str, points: Any, cap_hours: Any, active_from: date | None
) -> tuple[str, int, Decimal | None]:
    if kind not in RuleKind.values:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="kind"
        )
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name_required", _("Please name the rule."), field="name")
    try:
        number = Decimal(str(points).strip())
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value():
        raise ValidationFailed(
            "invalid_points", _("Enter a whole number of points."), field="points"
        )
    value = int(number)
    if value <= 0:
        raise ValidationFailed(
            "points_not_positive",
            _("A rule pays at least one point: points are never taken away by a rule."),
            field="points",
        )
    if value > MAX_RULE_POINTS:
        raise ValidationFailed(
            "points_too_many",
            _("A rule pays at most %(n)s points.") % {"n": MAX_RULE_POINTS},
            field="points",
        )
    cap: Decimal | None = None
    if cap_hours not in (None, ""):
        if kind != RuleKind.PER_HOUR:
            raise ValidationFailed(
                "cap_only_per_hour", _("Only a rule per hour has a cap."), field="cap_hours"
            )
        try:
            cap = Decimal(str(cap_hours).strip())
        except (InvalidOperation, ValueError):
            cap = Decimal("NaN")
        if not cap.is_finite() or cap <= 0 or cap > MAX_CAP_HOURS:
            raise ValidationFailed(
                "invalid_cap",
                _("The cap is more than zero and at most 24 hours."),
                field="cap_hours",
            )
        cap = cap.quantize(Decimal("0.1"))
    if active_from is None:
        raise ValidationFailed(
            "date_required", _("Say from which day of service the rule pays."), field="active_from"
        )
    return name, value, cap


@transaction.atomic
def rule_set(
    *,
    actor: Any,
    owner: Organisation,
    kind: str,
    name: str,
    points: Any,
    active_from: date | None,
    cap_hours: Any = None,
    programme: Any = None,
) -> PointsRule:
    """Set the rule that pays `kind` for a committee's activities (or one programme's): the live
    rule of that scope, if any, is retired and replaced, so past awards keep naming theirs."""
    if programme is not None:
        owner = programme.owner
    if owner.kind not in RULE_OWNER_KINDS:
        raise ValidationFailed(
            "invalid_owner",
            _("Earning rules are set by a city or district league committee."),
            field="owner",
        )
    if not access.can(actor, "programme.manage", owner):
        raise AccessDenied("forbidden", _("Only the league committee changes its earning rules."))
    name, value, cap = _clean_rule(kind, name, points, cap_hours, active_from)
    assert active_from is not None  # _clean_rule refused an empty one
    scope = (
        Q(programme=programme) if programme is not None else Q(owner=owner, programme__isnull=True)
    )
    current = (
        PointsRule.objects.select_for_update(of=("self",))
        .filter(scope, kind=kind, retired_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if current is not None:
        current.retired_at = now
        current.save(update_fields=["retired_at"])
    rule = PointsRule.objects.create(
        owner=owner,
        programme=programme,
        kind=kind,
        name=name[:80],
        points=value,
        cap_hours=cap,
        active_from=active_from,
        replaces=current,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit(
        actor=actor,
        action="points.rule_set",
        obj=rule,
        org=owner,
        data={
            "kind": kind,
            "points": value,
            "cap_hours": str(cap) if cap else None,
            "replaces": current.pk if current else None,
        },
    )
    return rule


@transaction.atomic
def rule_retire(*, actor: Any, rule: PointsRule) -> PointsRule:
    """Stop paying by this rule (from now on; awards already made stay)."""
    rule = (
        PointsRule.objects.select_for_update(of=("self",)).select_related("owner").get(pk=rule.pk)
    )
    if not access.can(actor, "programme.manage", rule.owner):
        raise NotFound("not_found", _("No such rule."))
    if rule.retired_at is not None:
        raise Conflict("already_retired", _("This rule no longer pays."))
    rule.retired_at = timezone.now()
    rule.save(update_fields=["retired_at"])
    audit(actor=actor, action="points.rule_retire", obj=rule, org=rule.owner)
    return rule


# --- awards for hours ---------------------------------------------------------------------------
def points_for(hours: Decimal, rule: PointsRule) -> int:
    """Hours counted times the rule's points, rounded half up to a whole point."""
    return int((hours * rule.points).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _entry(entry_id: int) -> LedgerEntry:
    return LedgerEntry.objects.select_related(
        "attendance__shift__activity__organiser", "attendance__shift__activity__need"
    ).get(pk=entry_id)


def _counted_before(person: PointsAccount, activity_id: int, day: date) -> Decimal:
    """Hours of this activity on this day already paid to the person, by live awards of live
    entries. The cap is per activity and day: a day's service at one activity counts at most the
    cap however it is split into shifts, while a term of weekly duty (one activity in the
    records, many days) still earns every week."""
    total = PointsTransfer.objects.filter(
        kind=TransferKind.AWARD_HOURS,
        activity_id=activity_id,
        hours_entry__service_date=day,
        entries__account=person,
        reversed_by__isnull=True,
        hours_entry__reversed_by__isnull=True,
    ).aggregate(t=Sum("hours_counted"))["t"]
    return total or Decimal("0")


def _award_hours(entry: LedgerEntry, person: PointsAccount) -> PointsTransfer | None:
    existing = PointsTransfer.objects.filter(key=hours_key(entry.pk)).first()
    if existing is not None:
        return existing
    if entry.kind == EntryKind.REVERSAL or entry.hours <= 0:
        return None
    if LedgerEntry.objects.filter(reverses_id=entry.pk).exists():
        return None  # the hours ledger took it back before it was paid: nothing to pay
    attendance = entry.attendance
    if attendance is None:
        return None
    activity = attendance.shift.activity
    rule = rule_for(
        RuleKind.PER_HOUR,
        org=activity.organiser,
        on=entry.service_date,
        programme_id=activity.programme_id,
    )
    if rule is None:
        return None
    counted = entry.hours
    if rule.cap_hours is not None:
        counted = max(
            Decimal("0"),
            min(counted, rule.cap_hours - _counted_before(person, activity.pk, entry.service_date)),
        )
    points = points_for(counted, rule)
    if points <= 0:
        return None
    transfer = _post(
        key=hours_key(entry.pk),
        kind=TransferKind.AWARD_HOURS,
        person=person,
        other=issuer_account(rule),
        to_person=points,
        reason=lambda: (
            _("%(activity)s: %(hours)s h × %(points)s points")
            % {"activity": entry.activity_title, "hours": counted, "points": rule.points}
        ),
        rule=rule,
        hours_entry=entry,
        hours_counted=counted,
        activity=activity,
    )
    audit(
        actor=None,
        action="points.award_hours",
        obj=transfer,
        org=activity.organiser,
        data={"points": points, "entry": entry.pk, "rule": rule.pk},
    )
    return transfer


def _reverse_hours(entry: LedgerEntry, person: PointsAccount, actor: Any) -> PointsTransfer | None:
    existing = PointsTransfer.objects.filter(key=hours_reversal_key(entry.pk)).first()
    if existing is not None:
        return existing
    if entry.correction_id is not None:
        # Pay the corrected service first, so that the reversal is netted against it.
        for corrected in LedgerEntry.objects.filter(
            correction_id=entry.correction_id, kind=EntryKind.CORRECTION
        ).select_related("attendance__shift__activity__organiser"):
            _award_hours(corrected, person)
    original = (
        PointsTransfer.objects.filter(key=hours_key(entry.reverses_id or 0))
        .select_related("rule")
        .first()
    )
    if original is None or PointsTransfer.objects.filter(reverses=original).exists():
        return None
    take = min(original.amount, person.balance)
    issuer = original.entries.exclude(account=person).get().account
    transfer = _post(
        key=hours_reversal_key(entry.pk),
        kind=TransferKind.REVERSAL,
        person=person,
        other=issuer,
        to_person=-take,
        shortfall=original.amount - take,
        reason=lambda: (
            (_("Hours corrected: %(activity)s") % {"activity": entry.activity_title})
            + (f" ({entry.reason})" if entry.reason else "")
        ),
        actor=actor or entry.actor,
        rule=original.rule,
        hours_entry=entry,
        activity_id=original.activity_id,
        reverses=original,
    )
    audit(
        actor=actor or entry.actor,
        action="points.reverse",
        obj=transfer,
        data={"points": take, "shortfall": original.amount - take, "reverses": original.pk},
    )
    return transfer


def award_for_hours_entry(*, entry_id: int, actor: Any = None) -> PointsTransfer | None:
    """What the hours ledger's entry earns or takes back, once. Idempotent: the transfer's key
    is the entry; a retried or repeated call returns the transfer already written (or None
    when no rule pays)."""
    done = PointsTransfer.objects.filter(
        key__in=(hours_key(entry_id), hours_reversal_key(entry_id))
    ).first()
    if done is not None:  # the usual retry or repeat: one query
        return done
    with transaction.atomic():
        entry = _entry(entry_id)
        person = person_account(entry.user_id, lock=True)
        if entry.kind == EntryKind.REVERSAL:
            transfer = _reverse_hours(entry, person, actor)
        else:
            transfer = _award_hours(entry, person)
        need = _completed_need(entry)
        if need is not None:
            _award_need(need, entry.user_id, person)
    return transfer


def _completed_need(entry: LedgerEntry) -> Any:
    if entry.kind == EntryKind.REVERSAL or entry.attendance is None:
        return None
    need = entry.attendance.shift.activity.need
    return need if need is not None and need.state in COMPLETED_NEED_STATES else None


# --- awards for completed needs -----------------------------------------------------------------
def _award_need(need: Any, user_id: int, person: PointsAccount) -> PointsTransfer | None:
    key = need_key(need.pk, user_id)
    existing = PointsTransfer.objects.filter(key=key).first()
    if existing is not None:
        return existing
    verified = (
        need.events.filter(to_state="verified").order_by("-at").values_list("at", flat=True).first()
    )
    on = timezone.localtime(verified).date() if verified else timezone.localdate()
    rule = rule_for(RuleKind.PER_NEED, org=need.community, on=on)
    if rule is None:
        return None
    transfer = _post(
        key=key,
        kind=TransferKind.AWARD_NEED,
        person=person,
        other=issuer_account(rule),
        to_person=rule.points,
        reason=lambda: _("Need solved: %(title)s") % {"title": need.title},
        rule=rule,
        need=need,
    )
    audit(
        actor=None,
        action="points.award_need",
        obj=transfer,
        org=need.community,
        data={"points": rule.points, "need": need.pk},
    )
    return transfer


def award_for_need(*, need_id: int, user_id: int) -> PointsTransfer | None:
    from qingshe.needs.models import Need

    with transaction.atomic():
        person = person_account(user_id, lock=True)
        need = Need.objects.select_related("community").get(pk=need_id)
        if need.state not in COMPLETED_NEED_STATES:
            return None
        return _award_need(need, user_id, person)


def award_completed_needs() -> int:
    """Pay every volunteer of every completed need who has not been paid for it (idempotent;
    run by `qingshe award-points` and the demo). Returns the number of awards made."""
    from qingshe.needs.models import NeedAssignment

    pairs = set(
        NeedAssignment.objects.filter(
            state__in=(NeedAssignment.State.ACCEPTED, NeedAssignment.State.DONE),
            need__state__in=COMPLETED_NEED_STATES,
        ).values_list("need_id", "volunteer_id")
    )
    paid = set(
        PointsTransfer.objects.filter(kind=TransferKind.AWARD_NEED).values_list("key", flat=True)
    )
    made = 0
    for need_id, user_id in sorted(pairs):
        if need_key(need_id, user_id) in paid:
            continue
        if award_for_need(need_id=need_id, user_id=user_id) is not None:
            made += 1
    return made


def points_backfill() -> int:
    """Award every hours entry that has earned nothing yet (entries made before a rule applied,
    or while the task queue was down). Idempotent. Returns the number of transfers written."""
    pending = (
        LedgerEntry.objects.filter(points_transfers__isnull=True)
        .order_by("user_id", "seq")
        .values_list("pk", flat=True)
    )
    made = 0
    for pk in list(pending):
        if award_for_hours_entry(entry_id=pk) is not None:
            made += 1
    return made + award_completed_needs()


# --- the check ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PointsProblem:
    where: str
    code: str
    detail: str

    def __str__(self) -> str:
        return f"points {self.where}: {self.code}: {self.detail}"


def points_problems() -> tuple[list[PointsProblem], int, int]:
    """Recompute the points ledger: every transfer balanced (two lines of ± its amount, or none
    for a reversal that took nothing back), every cached balance and running balance equal to
    the sum of its lines, no person's or partner's balance below zero, every reversal within
    what it reverses, every reward's stock plus its live redemptions equal to what was put up.
    Returns the problems, the number of accounts and of transfers checked."""
    problems: list[PointsProblem] = []
    sums = {
        row["transfer_id"]: row
        for row in PointsEntry.objects.values("transfer_id").annotate(
            s=Sum("amount"), n=Count("pk"), pos=Sum("amount", filter=Q(amount__gt=0))
        )
    }
    transfers = 0
    for t in PointsTransfer.objects.values(
        "pk", "key", "kind", "amount", "shortfall", "reverses_id", "reverses__amount"
    ).iterator():
        transfers += 1
        row = sums.get(t["pk"], {"s": 0, "n": 0, "pos": None})
        where = f"transfer {t['pk']} ({t['key']})"
        if row["s"] != 0:
            problems.append(PointsProblem(where, "unbalanced", f"its lines sum to {row['s']}"))
        expected_lines = 2 if t["amount"] else 0
        if row["n"] != expected_lines or (t["amount"] and row["pos"] != t["amount"]):
            problems.append(
                PointsProblem(
                    where,
                    "lines_mismatch",
                    f"{row['n']} line(s) moving {row['pos'] or 0}, expected {expected_lines} moving {t['amount']}",
                )
            )
        if t["reverses_id"] and t["amount"] + t["shortfall"] != t["reverses__amount"]:
            problems.append(
                PointsProblem(
                    where,
                    "reversal_mismatch",
                    f"takes back {t['amount']}+{t['shortfall']} of {t['reverses__amount']}",
                )
            )
    accounts = 0
    totals = {
        row["account_id"]: row
        for row in PointsEntry.objects.values("account_id").annotate(s=Sum("amount"), n=Count("pk"))
    }
    for a in PointsAccount.objects.values("pk", "kind", "balance", "entries", "user_id").iterator():
        accounts += 1
        where = f"account {a['pk']}" + (f" (person {a['user_id']})" if a["user_id"] else "")
        row = totals.get(a["pk"], {"s": 0, "n": 0})
        if a["balance"] != (row["s"] or 0) or a["entries"] != row["n"]:
            problems.append(
                PointsProblem(
                    where,
                    "balance_mismatch",
                    f"cached {a['balance']} in {a['entries']} entries, sum {row['s'] or 0} in {row['n']}",
                )
            )
        if a["kind"] != AccountKind.ISSUER and (row["s"] or 0) < 0:
            problems.append(PointsProblem(where, "negative_balance", f"sum {row['s']}"))
    running: dict[int, int] = {}
    for account_id, amount, after, pk in (
        PointsEntry.objects.order_by("account_id", "pk")
        .values_list("account_id", "amount", "balance_after", "pk")
        .iterator()
    ):
        running[account_id] = running.get(account_id, 0) + amount
        if running[account_id] != after:
            problems.append(
                PointsProblem(
                    f"account {account_id} line {pk}",
                    "running_balance",
                    f"says {after} after, the lines give {running[account_id]}",
                )
            )
            running[account_id] = after  # report each break once
    live = {
        row["reward_id"]: row["n"]
        for row in Redemption.objects.filter(state__in=Redemption.LIVE_STATES)
        .values("reward_id")
        .annotate(n=Count("pk"))
    }
    for r in Reward.objects.values("pk", "stock", "stock_total").iterator():
        if r["stock"] + live.get(r["pk"], 0) != r["stock_total"]:
            problems.append(
                PointsProblem(
                    f"reward {r['pk']}",
                    "stock_mismatch",
                    f"{r['stock']} in stock + {live.get(r['pk'], 0)} redeemed ≠ {r['stock_total']} put up",
                )
            )
    return problems, accounts, transfers
