"""The points ledger: confirmed hours become points exactly once (confirming twice, a retried
task, the backfill), the cap per activity and day, corrections reverse what they paid (netted against the
corrected service; spent points are not taken back below zero), completed needs, rules as data
(versioned, never paying negative points), and check-ledgers on the points ledger."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from qingshe.core.errors import Conflict, ServiceError, ValidationFailed
from qingshe.core.models import AuditEvent
from qingshe.credit import services_points as points
from qingshe.credit import services_rewards
from qingshe.credit.models import (
    AccountKind,
    LedgerEntry,
    PointsAccount,
    PointsEntry,
    PointsRule,
    PointsTransfer,
    RuleKind,
    TransferKind,
)
from qingshe.credit.tasks_points import points_for_hours_entry
from qingshe.duty import services as duty
from qingshe.duty.models import Attendance


def _balance(user) -> int:  # type: ignore[no-untyped-def]
    return points.balance_of(user)


def _correct(city, attendance: Attendance, minutes: int, capture) -> None:  # type: ignore[no-untyped-def]
    start = attendance.confirmed_start
    with capture(execute=True):
        correction = duty.correction_request(
            actor=city.student if attendance.user_id == city.student.pk else attendance.user,
            attendance=attendance,
            new_start=start,
            new_end=start + timedelta(minutes=minutes),
            reason="签退时间记错",
        )
        duty.correction_decide(
            actor=city.staff, correction=correction, approve=True, note="核实无误"
        )


def _assert_clean() -> None:
    problems, _accounts, _transfers = points.points_problems()
    assert problems == []


def test_confirmed_hours_become_points_once(
    city, rules, earn, django_capture_on_commit_callbacks
) -> None:
    attendance = earn(city.student, minutes=90)
    entry = LedgerEntry.objects.get(attendance=attendance)
    transfer = PointsTransfer.objects.get(key=f"hours:{entry.pk}")
    assert transfer.kind == TransferKind.AWARD_HOURS and transfer.amount == 15  # 1.5 h × 10
    assert transfer.rule == rules.hour and transfer.hours_counted == Decimal("1.5")
    assert transfer.reason == "敬老院陪伴：1.5 小时 × 10 分"
    lines = {line.account.kind: line.amount for line in transfer.entries.select_related("account")}
    assert lines == {AccountKind.PERSON: 15, AccountKind.ISSUER: -15}
    assert _balance(city.student) == 15

    # Confirming again is refused by duty; posting the ledger again, re-running the task (a retry)
    # and the backfill all pay nothing more.
    with pytest.raises(Conflict):
        duty.attendance_confirm(actor=city.staff, attendance=attendance)
    from qingshe.credit import services as credit

    with django_capture_on_commit_callbacks(execute=True):
        assert credit.ledger_post_attendance(attendance=attendance, actor=city.staff) == entry
    points_for_hours_entry.enqueue(entry_id=entry.pk)
    assert points.award_for_hours_entry(entry_id=entry.pk) == transfer
    assert points.points_backfill() == 0
    assert PointsTransfer.objects.count() == 1 and _balance(city.student) == 15
    assert AuditEvent.objects.filter(action="points.award_hours").count() == 1
    _assert_clean()


def test_the_key_is_unique_in_the_database(city, rules, earn) -> None:
    attendance = earn(city.student)
    transfer = PointsTransfer.objects.get(hours_entry__attendance=attendance)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsTransfer.objects.create(key=transfer.key, kind=transfer.kind, amount=1, reason="x")


def test_no_rule_pays_nothing_and_the_backfill_catches_up(city, earn) -> None:
    earn(city.student, minutes=120)
    assert not PointsTransfer.objects.exists() and _balance(city.student) == 0
    points.rule_set(
        actor=city.league_admin,
        owner=city.city,
        kind=RuleKind.PER_HOUR,
        name="时长积分",
        points=5,
        active_from=date(2020, 1, 1),
    )
    assert points.points_backfill() == 1 and points.points_backfill() == 0
    assert _balance(city.student) == 10


def test_cap_per_activity_and_day_counts_at_most_two_hours(city, rules, earn) -> None:
    earn(city.student, days_ago=3, minutes=90, hour=8)  # 1.5 h → 15
    earn(city.student, days_ago=3, minutes=90, hour=14)  # same activity, same day: 0.5 h → 5
    earn(city.student, days_ago=3, minutes=60, hour=17)  # the day's cap is reached → nothing
    earn(city.student, days_ago=2, minutes=150)  # the same activity another day: 2 h → 20
    earn(
        city.student, days_ago=3, minutes=180, title="社区图书角整理", hour=19
    )  # another: 2 h → 20
    counted = list(
        PointsTransfer.objects.filter(kind=TransferKind.AWARD_HOURS)
        .order_by("pk")
        .values_list("hours_counted", "amount")
    )
    assert counted == [
        (Decimal("1.5"), 15),
        (Decimal("0.5"), 5),
        (Decimal("2.0"), 20),
        (Decimal("2.0"), 20),
    ]
    assert _balance(city.student) == 60
    _assert_clean()


def test_a_programme_rule_wins_over_the_default(
    city, rules, serve, django_capture_on_commit_callbacks
) -> None:
    from qingshe.programmes.models import Programme

    today = timezone.localdate()
    programme = Programme.objects.create(
        owner=city.city,
        name="2026 社区青春行动",
        year=today.year,
        pairing_deadline=today,
        start_deadline=today,
        case_deadline=today,
    )
    rule = points.rule_set(
        actor=city.league_admin,
        owner=city.city,
        programme=programme,
        kind=RuleKind.PER_HOUR,
        name="青春行动时长积分",
        points=20,
        active_from=date(2020, 1, 1),
    )
    attendance = serve(city.student, minutes=60)
    attendance.shift.activity.__class__.objects.filter(pk=attendance.shift.activity_id).update(
        programme=programme
    )
    entry = LedgerEntry.objects.get(attendance=attendance)
    transfer = points.award_for_hours_entry(entry_id=entry.pk)
    assert transfer.rule == rule and transfer.amount == 20
    issuer = transfer.entries.get(amount__lt=0).account
    assert issuer.kind == AccountKind.ISSUER and issuer.programme == programme


def test_a_correction_reverses_the_points_it_paid(
    city, rules, earn, django_capture_on_commit_callbacks
) -> None:
    attendance = earn(city.student, minutes=60)  # 1 h → 10
    assert _balance(city.student) == 10
    _correct(city, attendance, 120, django_capture_on_commit_callbacks)  # 2 h → 20
    assert _balance(city.student) == 20
    reversal = PointsTransfer.objects.get(kind=TransferKind.REVERSAL)
    original = PointsTransfer.objects.get(key=f"hours:{reversal.reverses.hours_entry_id}")
    assert reversal.reverses == original and reversal.amount == 10 and reversal.shortfall == 0
    assert "签退时间记错" in reversal.reason
    corrected = (
        PointsTransfer.objects.filter(kind=TransferKind.AWARD_HOURS).exclude(pk=original.pk).get()
    )
    assert corrected.amount == 20 and corrected.hours_entry.kind == "correction"
    # The cap counts the corrected service only (the reversed one no longer counts).
    assert (
        points._counted_before(
            points.person_account(city.student.pk),
            attendance.shift.activity_id,
            LedgerEntry.objects.get(attendance=attendance, kind="correction").service_date,
        )
        == 2
    )
    # Retrying every task of the correction pays nothing more.
    for entry in LedgerEntry.objects.filter(attendance=attendance):
        points.award_for_hours_entry(entry_id=entry.pk)
    assert _balance(city.student) == 20 and PointsTransfer.objects.count() == 3
    _assert_clean()


def test_a_correction_after_spending_takes_back_only_what_is_left(
    city, rules, earn, partner, reward, django_capture_on_commit_callbacks
) -> None:
    attendance = earn(city.student, minutes=120)  # 2 h → 20
    services_rewards.reward_redeem(actor=city.student, reward=reward)  # spends 20
    assert _balance(city.student) == 0
    _correct(city, attendance, 30, django_capture_on_commit_callbacks)  # 0.5 h → 5
    reversal = PointsTransfer.objects.get(kind=TransferKind.REVERSAL)
    # The corrected service paid 5 first; of the 20 to take back, 5 were there, 15 were spent.
    assert (reversal.amount, reversal.shortfall) == (5, 15)
    assert _balance(city.student) == 0
    _assert_clean()


def test_a_reversal_before_the_award_pays_nothing(
    city, rules, serve, django_capture_on_commit_callbacks
) -> None:
    """The task queue was down: the correction's tasks run before the first award's."""
    attendance = serve(city.student, minutes=60)  # no callbacks: no award yet
    start = attendance.confirmed_start
    correction = duty.correction_request(
        actor=city.student,
        attendance=attendance,
        new_start=start,
        new_end=start + timedelta(minutes=90),
        reason="补记",
    )
    duty.correction_decide(actor=city.staff, correction=correction, approve=True)
    entries = list(LedgerEntry.objects.filter(attendance=attendance).order_by("-seq"))
    for entry in entries:  # newest first: the correction, the reversal, then the original
        points.award_for_hours_entry(entry_id=entry.pk)
    assert _balance(city.student) == 15
    assert list(PointsTransfer.objects.values_list("kind", "amount")) == [("award_hours", 15)]
    _assert_clean()


def test_points_for_a_completed_need(city, rules, serve) -> None:
    from qingshe.needs.models import Need, NeedAssignment, NeedEvent

    need = Need.objects.create(
        community=city.community,
        title="帮独居老人换灯泡",
        project_type="governance",
        service_field="governance",
        state=Need.State.VERIFIED,
    )
    NeedEvent.objects.create(need=need, from_state="claimed_done", to_state="verified")
    now = timezone.now()
    NeedAssignment.objects.create(
        need=need,
        volunteer=city.student,
        source="plan",
        starts_at=now,
        ends_at=now + timedelta(hours=1),
        state=NeedAssignment.State.ACCEPTED,
    )
    assert points.award_completed_needs() == 1 and points.award_completed_needs() == 0
    transfer = PointsTransfer.objects.get(kind=TransferKind.AWARD_NEED)
    assert transfer.amount == 30 and transfer.rule == rules.need and transfer.need == need
    assert transfer.reason == "解决需求：帮独居老人换灯泡"
    assert _balance(city.student) == 30


def test_rules_are_versioned_and_each_award_names_its_rule(city, rules, earn) -> None:
    earn(city.student, days_ago=3, minutes=60)
    first = PointsTransfer.objects.get()
    new = points.rule_set(
        actor=city.league_admin,
        owner=city.city,
        kind=RuleKind.PER_HOUR,
        name="时长积分（新）",
        points=12,
        active_from=timezone.localdate() - timedelta(days=30),
    )
    rules.hour.refresh_from_db()
    assert rules.hour.retired_at is not None and new.replaces == rules.hour
    earn(city.student, days_ago=2, minutes=60, title="垃圾分类宣传")
    second = PointsTransfer.objects.exclude(pk=first.pk).get()
    assert (first.rule, first.amount) == (rules.hour, 10)
    assert (second.rule, second.amount) == (new, 12)
    # A service before the new rule's first day is paid by the rule then in force.
    assert points.rule_for(RuleKind.PER_HOUR, org=city.community, on=date(2021, 1, 1)) == rules.hour
    assert PointsRule.objects.filter(kind=RuleKind.PER_HOUR, retired_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("points_value", "cap", "code"),
    [
        (-5, None, "points_not_positive"),
        (0, None, "points_not_positive"),
        ("2.5", None, "invalid_points"),
        ("十", None, "invalid_points"),
        (10, "-1", "invalid_cap"),
        (10, "30", "invalid_cap"),
    ],
)
def test_a_rule_that_pays_negative_points_is_refused(city, points_value, cap, code) -> None:
    with pytest.raises(ValidationFailed) as exc:
        points.rule_set(
            actor=city.league_admin,
            owner=city.city,
            kind=RuleKind.PER_HOUR,
            name="错误规则",
            points=points_value,
            cap_hours=cap,
            active_from=date(2026, 1, 1),
        )
    assert exc.value.code == code
    assert (
        not PointsRule.objects.exists()
        and not AuditEvent.objects.filter(action="points.rule_set").exists()
    )


def test_only_the_league_committee_sets_rules(city) -> None:
    for outsider in (city.university_admin, city.staff, city.student):
        with pytest.raises(ServiceError) as exc:
            points.rule_set(
                actor=outsider,
                owner=city.city,
                kind=RuleKind.PER_HOUR,
                name="规则",
                points=1,
                active_from=date(2026, 1, 1),
            )
        assert exc.value.status == 403
    assert not PointsRule.objects.exists()


def test_the_database_refuses_a_negative_balance_and_a_negative_rule(city, rules) -> None:
    account = points.person_account(city.student.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(pk=account.pk).update(balance=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsRule.objects.filter(pk=rules.need.pk).update(points=0)


def test_check_ledgers_finds_an_edit_of_the_points_ledger(city, rules, earn) -> None:
    earn(city.student, minutes=120)
    out = StringIO()
    call_command("check-ledgers", stdout=out)
    assert "积分核对 / points checked: 2 accounts, 1 transfers, 0 problem(s)" in out.getvalue()
    line = PointsEntry.objects.get(account__kind=AccountKind.PERSON)
    table = PointsEntry._meta.db_table
    with connection.cursor() as cursor:  # an edit behind the services' back
        cursor.execute(f"UPDATE {table} SET amount = amount + 100 WHERE id = %s", [line.pk])  # noqa: S608
    with pytest.raises(CommandError):
        call_command("check-ledgers", stdout=(out := StringIO()))
    text = out.getvalue()
    assert "unbalanced" in text and "balance_mismatch" in text and "running_balance" in text


def test_award_points_command_is_idempotent(city, serve) -> None:
    serve(city.student, minutes=60)
    points.rule_set(
        actor=city.league_admin,
        owner=city.city,
        kind=RuleKind.PER_HOUR,
        name="时长积分",
        points=10,
        active_from=date(2020, 1, 1),
    )
    call_command("award-points", stdout=(out := StringIO()))
    assert "points awarded: 1" in out.getvalue()
    call_command("award-points", stdout=(out := StringIO()))
    assert "points awarded: 0" in out.getvalue()


def test_points_round_half_up(city, rules) -> None:
    assert points.points_for(Decimal("0.5"), PointsRule(points=3)) == 2
    assert points.points_for(Decimal("0.1"), PointsRule(points=4)) == 0
