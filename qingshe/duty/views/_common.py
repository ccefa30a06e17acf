"""What every duty page view shares: answers after a step, error statuses, small parsers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from qingshe.core.errors import ServiceError


def respond(
    request: HttpRequest, url: str, message: str, render: Callable[[str], HttpResponse]
) -> HttpResponse:
    """After a successful step: the changed part for htmx, else a message and a redirect."""
    if getattr(request, "htmx", False):
        return render(message)
    messages.success(request, message)
    return redirect(url)


def error_status(request: HttpRequest, exc: ServiceError) -> int:
    # htmx swaps only 2xx answers: the part with the error comes back as 200.
    return 200 if getattr(request, "htmx", False) else exc.status


def to_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
