"""The page of a request that failed (Django's handler500), and what "the database does not
answer" looks like to people and API clients.

While PostgreSQL is down or restarting, a query raises OperationalError (cannot connect, the
connection was closed under it) or InterfaceError (the connection is already closed): that is
not a bug of the page, and the request can be made again shortly. Those answer 503 with
Retry-After, the others 500; pages in the person's language without the site's menus (they read
the database), the API with its usual error body ({"detail", "code": "service_unavailable"}). Never a traceback: it goes to
the log. The connections recover by themselves (CONN_HEALTH_CHECKS): no restart needed.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


# SQLite raises OperationalError for mistakes in a query too ("no such column"): only these
# say the database cannot be used right now.
_SQLITE_TRANSIENT = ("database is locked", "unable to open", "disk i/o error")


def database_down(exc: BaseException | None) -> bool:
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    if connection.vendor == "sqlite":
        return any(text in str(exc).lower() for text in _SQLITE_TRANSIENT)
    return True  # PostgreSQL: cannot connect, connection lost, lock or statement timeout


def server_error_message() -> str:
    return _("Something went wrong on our side. The error has been logged; please try again later.")


def unavailable_message() -> str:
    return _(
        "The service is briefly unavailable: the database does not answer. "
        "Please try again in a minute."
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 when the database is down, 500 otherwise; no internals either way."""
    exc = sys.exc_info()[1]
    if database_down(exc):
        status, code, title, message = (
            503,
            "service_unavailable",
            _("Briefly unavailable"),
            unavailable_message(),
        )
    else:
        status, code, title, message = (
            500,
            "server_error",
            _("Something went wrong"),
            server_error_message(),
        )
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": code}, status=status)
    else:
        html = render_to_string(
            "core/server_error.html", {"title": title, "message": message, "request": request}
        )
        response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install_database_down_handler(api: NinjaAPI) -> None:
    """The API's answer while the database is down: 503 `service_unavailable`, in the API's
    error shape ({"detail", "code"}), with Retry-After; the cause goes to the log."""

    def on_database_down(request: HttpRequest, exc: Exception) -> HttpResponse:
        if not database_down(exc):  # a mistake in a query (SQLite): the usual 500
            logger.exception("unhandled error in %s %s", request.method, request.path, exc_info=exc)
            body = {"detail": server_error_message(), "code": "server_error"}
            return api.create_response(request, body, status=500)
        logger.warning(
            "database unavailable: %s %s (%s)", request.method, request.path, type(exc).__name__
        )
        body = {"detail": unavailable_message(), "code": "service_unavailable"}
        response = api.create_response(request, body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for error in DATABASE_DOWN:
        api.add_exception_handler(error, on_database_down)
