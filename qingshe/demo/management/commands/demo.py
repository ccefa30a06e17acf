"""`qingshe demo`: build the fictional demo city (青州市) and print its logins."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from qingshe.accounts.models import User
from qingshe.demo.builder import build_demo, demo_city, format_logins, reset_demo
from qingshe.demo.logins import DEMO_USERNAMES

# Bilingual plain strings: argparse needs str at import time, before any language is active.
HELP = (
    "构建虚构的演示城市（青州市）并打印各角色的演示账号。数据库里已有演示城市时拒绝重建："
    "--if-empty 只打印账号，--reset 先删除演示数据（演示人员与组织树）再重建。"
    " / Build the fictional demo city and print one login per role. Refuses to build over an "
    "existing demo city: --if-empty then only prints the logins; --reset deletes the demo data "
    "(its people and organisation tree) first and builds again."
)


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="随机种子，同一种子得到同一座城市 / random seed (default 2026)",
        )
        parser.add_argument(
            "--size",
            type=float,
            default=1.0,
            help="规模倍数：1 为 80 个团支部、20 个社区、2500 名学生；10 用于压测 / scale (default 1; 10 for benchmarks)",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="以此日期为“今天”（YYYY-MM-DD，默认今天）/ build as of this date (default: today)",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="已有演示城市时不重建，只打印账号 / if the demo city exists, only print the logins",
        )
        group.add_argument(
            "--reset",
            action="store_true",
            help="先删除已有演示数据再重建 / delete the existing demo data first, then build",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["size"] <= 0:
            raise CommandError("--size 必须大于 0 / --size must be positive")
        exists = demo_city() is not None
        if exists and options["if_empty"]:
            self.stdout.write(
                "演示城市已存在，未重建。/ The demo city already exists; nothing built."
            )
            self.stdout.write(format_logins())
            return
        if exists and not options["reset"]:
            raise CommandError(
                "数据库里已有演示城市。用 --if-empty 只打印账号，或 --reset 删除后重建。/ "
                "The database already holds the demo city: use --if-empty or --reset."
            )
        # Reset and rebuild in one transaction: a failed rebuild leaves the old city in place.
        with transaction.atomic():
            if options["reset"]:
                started = time.perf_counter()
                reset_demo()
                seconds = time.perf_counter() - started
                self.stdout.write(f"已删除演示数据（{seconds:.1f} 秒）。/ Demo data deleted.")
            clash = sorted(
                User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
            )
            if clash:
                raise CommandError(
                    f"这些用户名已被非演示账号占用：{', '.join(clash)} / "
                    "These usernames belong to accounts outside the demo."
                )
            seed, size = options["seed"], options["size"]
            self.stdout.write(
                f"正在构建演示城市（seed={seed}，size={size}）… / Building the demo city…"
            )
            started = time.perf_counter()
            ctx = build_demo(
                seed=seed,
                size=size,
                today=options["today"],
                log=self.stdout.write if options["verbosity"] >= 1 else (lambda _line: None),
            )
        seconds = time.perf_counter() - started
        self.stdout.write(f"完成，用时 {seconds:.1f} 秒。/ Built in {seconds:.1f} s.")
        counts = ", ".join(f"{kind} {len(orgs)}" for kind, orgs in ctx.orgs.items())
        students, residents = len(ctx.people["students"]), len(ctx.people["residents"])
        self.stdout.write(f"  {counts}; students {students}, residents {residents}")
        self.stdout.write(format_logins())
