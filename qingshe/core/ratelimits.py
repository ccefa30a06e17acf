"""Rate limits of public or abuse-prone endpoints (django-ratelimit, counted in the cache).

The rates are settings (QINGSHE_RATE_LIMITS: a resident's order, the one-tap rating link,
certificate verification, the public pages read without an account: the council board and the
featured cases), so a deployment can tune them without code. A page over its limit
answers 429 with a short Chinese page; an API endpoint raises ApiError(429, "throttled")."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited


def over_limit(request: HttpRequest, name: str, *, key: str = "user_or_ip") -> bool:
    """Count this request against the limit `name` and say whether it is over it. Signed-in
    people are counted by account, others by address."""
    return is_ratelimited(
        request,
        group=f"qingshe.{name}",
        key=key,
        rate=settings.QINGSHE_RATE_LIMITS[name],
        increment=True,
    )


def throttled_page(request: HttpRequest) -> HttpResponse:
    response = render(request, "core/throttled.html", {}, status=429)
    response["Retry-After"] = "60"
    return response
