"""`qingshe check-ledgers`: recompute every hours ledger and the points ledger; report each
difference.

It walks each person's entries in order and recomputes the hash chain (an entry edited, deleted
or inserted outside the services breaks it), compares the cached totals with the sums, and
compares the ledger with confirmed attendance. The points ledger: every transfer balanced, every
cached and running balance equal to the sum of its lines, no person's or partner's balance below
zero, reversals within what they reverse, rewards' stock consistent with their redemptions
(credit.services_points.points_problems). Exit status 1 when anything differs (cron mails
the output). `--backfill` first takes over confirmed attendance recorded before the ledger
existed (idempotent) and awards the points not yet paid. `--new-signing-key ID` prints a fresh entry for QINGSHE_SIGNING_KEYS.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qingshe.credit import selectors, services, services_points, signing

HELP = (
    "核对志愿服务时长台账：逐条重算哈希链（发现绕过系统修改、删除或插入的记录），核对缓存总时长与逐条合计，"
    "并与已确认的考勤对照；核对积分台账（每笔转账借贷平衡、余额等于明细合计、个人余额不为负、库存一致）；"
    "有差异时退出码为 1。--backfill 先把台账建立前已确认的考勤记入台账（可重复运行）。"
    " / Check every hours ledger: recompute the hash chain (finds rows edited, deleted or inserted "
    "outside the services), compare cached totals with the sums and the ledger with confirmed "
    "attendance; check the points ledger (balanced transfers, balances equal to the sums, no "
    "negative balance, stock); exit 1 on any difference. --backfill first posts confirmed attendance recorded "
    "before the ledger existed (idempotent)."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--backfill",
            action="store_true",
            help="先接管台账建立前已确认的考勤 / take over older confirmed attendance first",
        )
        parser.add_argument(
            "--user",
            type=int,
            action="append",
            help="只核对此人（可重复） / check only this person (repeatable)",
        )
        parser.add_argument(
            "--new-signing-key",
            metavar="KEY_ID",
            help="生成一个新的证书签名密钥 / print a new signing key entry",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("new_signing_key"):
            self.stdout.write(signing.new_key_spec(options["new_signing_key"]))
            return
        if options.get("backfill"):
            posted = services.ledger_backfill()
            self.stdout.write(f"接管 / taken over: {posted}")
            awarded = services_points.points_backfill()
            self.stdout.write(f"积分补记 / points awarded: {awarded}")
        problems, people, entries = selectors.ledger_problems(user_ids=options.get("user"))
        for problem in problems:
            self.stdout.write(str(problem))
        self.stdout.write(
            f"核对 / checked: {people} people, {entries} entries, {len(problems)} problem(s)"
        )
        points_problems, accounts, transfers = services_points.points_problems()
        for p in points_problems:
            self.stdout.write(str(p))
        self.stdout.write(
            f"积分核对 / points checked: {accounts} accounts, {transfers} transfers, "
            f"{len(points_problems)} problem(s)"
        )
        problems = [*problems, *points_problems]
        if problems:
            raise CommandError(
                f"台账有 {len(problems)} 处差异 / {len(problems)} difference(s) found"
            )
