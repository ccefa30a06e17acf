"""`qingshe demo`: build the fictional demo city (青州市) and print its logins."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext_lazy as _

from qingshe.accounts.models import User
from qingshe.demo.builder import build_demo, demo_city, format_logins, reset_demo
from qingshe.demo.logins import DEMO_USERNAMES


class Command(BaseCommand):
    help = _(
        "构建虚构的演示城市（青州市）并打印各角色的演示账号。数据库里已有演示城市时拒绝重建："
        "--if-empty 只打印账号，--reset 先删除演示数据再重建。"
        " / Build the fictional demo city and print one login per role. Refuses to build over an "
        "existing demo city: --if-empty then only prints the logins, --reset deletes the demo "
        "data (its people and organisation tree) first and builds again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help=_("随机种子，同一种子得到同一座城市 / random seed (default 2026)"),
        )
        parser.add_argument(
            "--size",
            type=float,
            default=1.0,
            help=_(
                "规模倍数：1 为 80 个团支部、20 个社区、2500 名学生；10 用于压测 / scale (default 1; 10 for benchmarks)"
            ),
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help=_("以此日期为“今天”（YYYY-MM-DD）/ the date to build as of"),
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-empty",
            action="store_true",
            help=_("已有演示城市时只打印账号 / if the demo city exists, only print the logins"),
        )
        group.add_argument(
            "--reset",
            action="store_true",
            help=_("先删除已有演示数据再重建 / delete the existing demo data first"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["size"] <= 0:
            raise CommandError(_("--size 必须大于 0 / --size must be positive"))
        exists = demo_city() is not None
        if exists and options["if_empty"]:
            self.stdout.write(
                _("演示城市已存在，未重建。/ The demo city already exists; nothing built.")
            )
            self.stdout.write(format_logins())
            return
        if exists and not options["reset"]:
            raise CommandError(
                _(
                    "数据库里已有演示城市。用 --if-empty 只打印账号，或 --reset 删除后重建。/ "
                    "The database already holds the demo city: use --if-empty or --reset."
                )
            )
        if options["reset"]:
            started = time.perf_counter()
            reset_demo()
            self.stdout.write(
                _("已删除演示数据（%.1f 秒）。/ Demo data deleted.")
                % (time.perf_counter() - started)
            )
        clash = list(
            User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
        )
        if clash:
            raise CommandError(
                _("这些用户名已被非演示账号占用：%s / These usernames belong to other accounts.")
                % ", ".join(sorted(clash))
            )
        self.stdout.write(
            _("正在构建演示城市（seed=%(seed)s，size=%(size)s）… / Building the demo city…")
            % options
        )
        started = time.perf_counter()
        ctx = build_demo(
            seed=options["seed"],
            size=options["size"],
            today=options["today"],
            log=self.stdout.write if options["verbosity"] >= 1 else (lambda _line: None),
        )
        counts = ", ".join(f"{kind} {len(orgs)}" for kind, orgs in ctx.orgs.items())
        self.stdout.write(
            _("完成，用时 %(seconds).1f 秒。/ Built in %(seconds).1f s.")
            % {"seconds": time.perf_counter() - started}
        )
        self.stdout.write(
            f"  {counts}; students {len(ctx.people['students'])}, residents {len(ctx.people['residents'])}"
        )
        self.stdout.write(format_logins())
