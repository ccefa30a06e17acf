"""The ordered list of steps that build the demo city.

A step is a function `build(ctx: DemoContext) -> None`; its optional reset is `reset() -> None`. To add one (a later issue's programmes,
needs, activities, hours…), write the function in your app, e.g. `qingshe/needs/demo.py`:

    def build(ctx: DemoContext) -> None:
        for community in ctx.orgs["community"]:
            ...  # create through your services; use ctx.rng, ctx.today, ctx.logins, ctx.people

and add one line at the end of STEPS below: `DemoStep("needs", "qingshe.needs.demo:build")`.

Each step gets its own random generator, seeded from the seed and the step's name, so adding a
step never changes what the steps before or after it generate. A step that creates rows which
the core reset cannot remove (rows that PROTECT a demo user or organisation) may name a `reset`
function too; resets run in reverse order before the core data is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qingshe.demo.context import DemoContext

StepFunction = Callable[["DemoContext"], None]
ResetFunction = Callable[[], None]


@dataclass(frozen=True)
class DemoStep:
    name: str
    build: str | StepFunction  # a function, or "package.module:function"
    reset: str | ResetFunction | None = None  # a function, or "package.module:function"

    @staticmethod
    def resolve(target: str | Callable[..., None]) -> Callable[..., None]:
        if callable(target):
            return target
        module, _, attr = target.partition(":")
        function: Callable[..., None] = getattr(import_module(module), attr)
        return function


STEPS: list[DemoStep] = [
    DemoStep("geography", "qingshe.demo.city:build_geography"),
    DemoStep("universities", "qingshe.demo.city:build_universities"),
    DemoStep("partners", "qingshe.demo.city:build_partners_and_teams"),
    DemoStep("logins", "qingshe.demo.city:build_logins"),
    DemoStep("students", "qingshe.demo.city:build_students"),
    DemoStep("staff", "qingshe.demo.city:build_staff"),
    DemoStep("residents", "qingshe.demo.city:build_residents"),
    DemoStep("posts", "qingshe.demo.city:build_posts"),
    DemoStep("needs", "qingshe.needs.demo:build", "qingshe.needs.demo:reset"),
    DemoStep("projects", "qingshe.needs.demo:build_projects", "qingshe.needs.demo:reset_projects"),
    DemoStep(
        "resources", "qingshe.needs.demo_resources:build", "qingshe.needs.demo_resources:reset"
    ),
    DemoStep("programmes", "qingshe.programmes.demo:build", "qingshe.programmes.demo:reset"),
    DemoStep("cases", "qingshe.reports.demo:build", "qingshe.reports.demo:reset"),
    DemoStep("duty", "qingshe.duty.demo:build", "qingshe.duty.demo:reset"),
    DemoStep("dispatch", "qingshe.needs.demo_dispatch:build", "qingshe.needs.demo_dispatch:reset"),
    # Before credit: the student login's certificate for the year counts the hours of confirmed
    # care visits (issued before them, it said 18.5 hours where the record for the same period
    # held 32); before points: those hours are paid points like any other hours.
    DemoStep("care", "qingshe.care.demo:build", "qingshe.care.demo:reset"),
    DemoStep("credit", "qingshe.credit.demo:build", "qingshe.credit.demo:reset"),
    DemoStep("points", "qingshe.credit.demo_points:build", "qingshe.credit.demo_points:reset"),
    # Later issues: one line each, in the order they depend on one another.
    # Last: the dashboards' rollups read what every step above wrote (add new steps above it).
    DemoStep("council", "qingshe.council.demo:build", "qingshe.council.demo:reset"),
    DemoStep(
        "dashboard", "qingshe.reports.dashboard.demo:build", "qingshe.reports.dashboard.demo:reset"
    ),
]
