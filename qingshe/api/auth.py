"""How API callers prove who they are: a bearer token (apps, scripts) or the browser session
(pages calling the API through htmx). Either sets `request.auth` to the User."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from qingshe.accounts.services import token_authenticate
from qingshe.api import messages as m
from qingshe.api.errors import ApiError


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`, a token issued by `POST /auth/token`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token.strip())
        if user is None:
            return None
        # Code that reads request.user (services' callers, logging) sees the same person.
        request.user = user
        return user


class SessionCookieAuth(SessionAuth):
    """Django's session, with the CSRF check on unsafe methods.

    An anonymous request is simply not authenticated by this scheme (401 from the API), rather
    than refused for a missing CSRF token, which would be the wrong diagnosis.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        csrf_needed = self.csrf and not getattr(request, "_ninja_csrf_exempt", False)
        if csrf_needed and check_csrf(request) is not None:
            raise ApiError(403, "csrf_failed", m.CSRF_FAILED)
        return user


bearer_auth = BearerTokenAuth()
session_auth = SessionCookieAuth()
# The default for every operation; an endpoint that must be public says `auth=None`.
DEFAULT_AUTH = [bearer_auth, session_auth]
