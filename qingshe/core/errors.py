"""Errors that services raise. Pages show `message`; the API answers {"detail", "code"}."""

from __future__ import annotations

from django.utils.functional import Promise


class ServiceError(Exception):
    """A request that cannot be carried out; nothing has been written."""

    status = 400

    def __init__(self, code: str, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field


class ValidationFailed(ServiceError):
    status = 422


class Conflict(ServiceError):
    status = 409


class AccessDenied(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404
