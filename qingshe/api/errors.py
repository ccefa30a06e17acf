"""One error shape for the whole API: {"detail": "<message in the request's language>",
"code": "<stable code>"}, plus "field" when one field is at fault.

Stable codes (the `code` of a body):

| status | code | when |
|---|---|---|
| 400 | `bad_request` | an unparseable request (ninja HttpError 400) |
| 400/403/404/409/422 | the service's own code | `qingshe.core.errors.ServiceError` raised by a service or selector (`field` when set) |
| 401 | `not_authenticated` | no valid bearer token and no session |
| 401 | `invalid_credentials` | `POST /auth/token` with a wrong login or password |
| 403 | `csrf_failed` | a session-authenticated write without a valid CSRF token |
| 403 | `forbidden` | Django's PermissionDenied or ninja's AuthorizationError |
| 404 | `not_found` | Http404, an unknown path under /api/v1/, an object outside the caller's scope |
| 405 | `method_not_allowed` | |
| 422 | `invalid_input` | the request's parameters or body do not validate; `errors` lists each field |
| 429 | `locked_out` | django-axes locked the login after too many failures (`Retry-After` header) |
| 413 | `request_too_large` | the body is larger than the server reads (DATA_UPLOAD_MAX_MEMORY_SIZE) |
| 429 | `throttled` | a throttle refused the request |
| 500 | `server_error` | anything unexpected; no internals in the body, the exception is logged |
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from qingshe.api import messages as m
from qingshe.core.errors import ServiceError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("qingshe.api")

STATUS_CODES: dict[int, tuple[str, Any]] = {
    400: ("bad_request", m.BAD_REQUEST),
    401: ("not_authenticated", m.NOT_AUTHENTICATED),
    403: ("forbidden", m.FORBIDDEN),
    404: ("not_found", m.NOT_FOUND),
    405: ("method_not_allowed", m.METHOD_NOT_ALLOWED),
    429: ("throttled", m.THROTTLED),
}

# Where a parameter came from, and the names ninja gives to wrapper models; neither is a field
# name a person would recognise.
_LOC_NOISE = {
    "query",
    "path",
    "body",
    "form",
    "file",
    "header",
    "cookie",
    "payload",
    "ninja_pagination",
}


class ApiError(ServiceError):
    """An error raised by the API layer itself (not by a service), with an explicit status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: Any,
        *,
        field: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(code, message, field=field)
        self.status = status
        self.retry_after = retry_after


def error_body(detail: Any, code: str, *, field: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": str(detail), "code": code}
    if field:
        body["field"] = field
    body.update(extra)
    return body


def _field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int) and str(p) not in _LOC_NOISE]
    return ".".join(parts)


def _field_label(name: str) -> str:
    if not name:
        return str(m.REQUEST_BODY)
    label = m.FIELD_LABELS.get(name.rsplit(".", 1)[-1])
    return f"{label} «{name}»" if label is not None else name


def _problem(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return str(m.PROBLEM_MISSING)
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return str(m.PROBLEM_INT)
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return str(m.PROBLEM_NUMBER)
    if kind.startswith("bool"):
        return str(m.PROBLEM_BOOL)
    if kind == "string_type":
        return str(m.PROBLEM_STRING)
    if kind.startswith("date_") or kind == "date_type":
        return str(m.PROBLEM_DATE)
    if kind.startswith("datetime"):
        return str(m.PROBLEM_DATETIME)
    if kind == "greater_than_equal":
        return str(m.PROBLEM_MIN) % {"limit": ctx.get("ge")}
    if kind == "less_than_equal":
        return str(m.PROBLEM_MAX) % {"limit": ctx.get("le")}
    if kind == "greater_than":
        return str(m.PROBLEM_ABOVE) % {"limit": ctx.get("gt")}
    if kind == "less_than":
        return str(m.PROBLEM_BELOW) % {"limit": ctx.get("lt")}
    if kind in {"string_too_short", "too_short"}:
        return str(m.PROBLEM_TOO_SHORT)
    if kind in {"string_too_long", "too_long"}:
        return str(m.PROBLEM_TOO_LONG)
    if kind in {"enum", "literal_error"}:
        return str(m.PROBLEM_CHOICE)
    if kind.startswith("json"):
        return str(m.PROBLEM_JSON)
    if kind == "list_type":
        return str(m.PROBLEM_LIST)
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return str(m.PROBLEM_OBJECT)
    return str(m.INVALID)


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """A 422 body naming every field at fault in words, plus the list for programs."""
    items: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for error in errors:
        name = _field_name(error.get("loc", ()))
        problem = _problem(error)
        if (name, problem) in seen:
            continue
        seen.add((name, problem))
        items.append({"field": name, "message": problem})
    if items:
        detail = str(m.INVALID_INPUT) % {
            "fields": str(m.LIST_SEPARATOR).join(
                str(m.FIELD_PROBLEM) % {"field": _field_label(i["field"]), "problem": i["message"]}
                for i in items
            )
        }
    else:
        detail = str(m.INVALID_INPUT_GENERIC)
    fields = {i["field"] for i in items if i["field"]}
    return error_body(
        detail,
        "invalid_input",
        field=fields.pop() if len(fields) == 1 else None,
        errors=items,
    )


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's default handlers so that every error has the same shape."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        response = respond(request, exc.status, error_body(exc.message, exc.code, field=exc.field))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, 422, validation_body(list(exc.errors)))

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, 401, error_body(m.NOT_AUTHENTICATED, "not_authenticated"))
        response["WWW-Authenticate"] = 'Bearer realm="qingshe"'
        return response

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        return respond(request, 429, error_body(m.THROTTLED, "throttled"))

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code, message = STATUS_CODES.get(exc.status_code, ("error", m.BAD_REQUEST))
        return respond(request, exc.status_code, error_body(message, code))

    def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body(m.NOT_FOUND, "not_found"))

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, error_body(m.FORBIDDEN, "forbidden"))

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The traceback goes to the log (which masks phone and ID numbers), never to the client.
        logger.exception("unhandled error in %s %s", request.method, request.path, exc_info=exc)
        return respond(request, 500, error_body(m.SERVER_ERROR, "server_error"))

    def on_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Django refuses to read a body past DATA_UPLOAD_MAX_MEMORY_SIZE (or too many fields or
        # files); without this the client got a 500 for its own oversized request.
        limit = max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))
        return respond(request, 413, error_body(m.TOO_LARGE % {"mb": limit}, "request_too_large"))

    for too_large in (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        api.add_exception_handler(too_large, on_too_large)
    api.add_exception_handler(ServiceError, on_service_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(Throttled, on_throttled)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Exception, on_unexpected)
