"""A ceiling on the size of any request body, checked before anything reads it.

Django limits the non-file part of a body (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams uploaded
files to temporary files whatever their size, and CsrfViewMiddleware parses a POST's body for
anyone, signed in or not. Without a ceiling an anonymous client could fill the disk with one
multipart request. Bodies announcing more than QINGSHE_MAX_REQUEST_MB (above the largest
legitimate upload: a roster workbook, or six photos of a need) are refused with 413 unread.
The reverse proxy should carry the same limit (nginx `client_max_body_size`)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit_mb = int(settings.QINGSHE_MAX_REQUEST_MB)
        if length > limit_mb * 1024 * 1024:
            return self._refuse(request, limit_mb)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, limit_mb: int) -> HttpResponse:
        from qingshe.api import messages as m
        from qingshe.api.errors import error_body

        if request.path_info.startswith("/api/"):
            body = error_body(m.TOO_LARGE % {"mb": limit_mb}, "request_too_large")
            response: HttpResponse = JsonResponse(body, status=413)
        else:
            response = HttpResponse(render_to_string("400.html"), status=413)
        # The body was not read: the connection cannot be reused for another request.
        response["Connection"] = "close"
        return response
