"""Security headers that Django 5.2 does not set by itself, and the choice of language."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.QINGSHE_CSP
        if request.path.startswith("/api/v1/docs"):
            # Swagger UI (served from ninja's bundled static files) sets inline style attributes.
            policy = policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self)")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Chinese unless the person chose another language (the language cookie, set by the
    switch in the header and by saving the profile). The browser's Accept-Language is not
    consulted: office and shared machines are often set to English, and the people using them
    expect the platform in Chinese. The API keeps Django's rule (the request's Accept-Language):
    its clients say which language they want."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith("/api/"):
            super().process_request(request)
            return
        code = settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            with contextlib.suppress(LookupError):
                code = translation.get_supported_language_variant(chosen)
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
