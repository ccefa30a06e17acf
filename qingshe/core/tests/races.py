"""Run service calls at the same moment, each in its own thread and database connection, and
report how each ended, in the order of `calls`: "ok", a service error's code, or "raised
<Exception>" for anything else (so that a crash shows in the outcomes the test compares, never
disappears with its thread); None for a call whose thread had not ended after 2 × `timeout`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

from qingshe.core.errors import ServiceError


def race(calls: list[Callable[[], Any]], *, timeout: float = 30) -> list[str | None]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str | None] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            call()
            result = "ok"
        except ServiceError as exc:
            result = exc.code
        except Exception as exc:  # noqa: BLE001 - reported in the outcomes
            result = f"raised {type(exc).__name__}"
        finally:
            connections.close_all()
        outcomes[i] = result

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=2 * timeout)
    return outcomes
