"""For tests of the demo's steps: how many database statements one step makes."""

from __future__ import annotations

import random
from datetime import date

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from qingshe.demo.builder import build_demo
from qingshe.demo.steps import STEPS, DemoStep


def statements_of_step(name: str, *, seed: int, size: float, today: date) -> int:
    """Build the demo up to the step `name`, then run that step alone (with the random stream
    the builder gives it) and return the number of statements it sent; later steps are not
    built. Counted rather than timed, so that a slower machine cannot fail a test on it."""
    index = [s.name for s in STEPS].index(name)
    ctx = build_demo(seed=seed, size=size, today=today, log=lambda _l: None, steps=STEPS[:index])
    ctx.rng = random.Random(f"{seed}:{name}")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        DemoStep.resolve(STEPS[index].build)(ctx)
    return len(queries)
