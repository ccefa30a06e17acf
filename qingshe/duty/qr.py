"""Rotating, signed check-in codes.

A code names its shift and a 30-second window and is signed with the site's secret plus the
shift's own `qr_secret`. It is accepted during its window and the next one, so a code shown on
the leader's screen works for 30–60 s; a screenshot forwarded later is refused.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing

WINDOW_SECONDS = 30
ACCEPTED_WINDOWS = 2
_SALT = "qingshe.duty.checkin"


class QrError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // WINDOW_SECONDS)


def _signer(shift_secret: str) -> signing.Signer:
    return signing.Signer(key=f"{settings.SECRET_KEY}:{shift_secret}", salt=_SALT)


def make_token(*, shift_id: int, shift_secret: str, now: float | None = None) -> str:
    return _signer(shift_secret).sign(f"{shift_id}.{_window(now)}")


def shift_id_of(token: str) -> int:
    """The shift a token claims to be for (unverified: used to find the shift's secret)."""
    try:
        return int(token.split(":", 1)[0].split(".", 1)[0])
    except (ValueError, AttributeError) as exc:
        raise QrError("invalid_token") from exc


def verify_token(token: str, *, shift_id: int, shift_secret: str, now: float | None = None) -> None:
    """Raise QrError('invalid_token' | 'wrong_shift' | 'expired_token') unless the code is good."""
    try:
        value = _signer(shift_secret).unsign(token)
        claimed_shift, window = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError) as exc:
        raise QrError("invalid_token") from exc
    if claimed_shift != shift_id:
        raise QrError("wrong_shift")
    if not 0 <= _window(now) - window < ACCEPTED_WINDOWS:
        raise QrError("expired_token")
