"""Log in with a mobile number (with or without +86) or a username."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from qingshe.accounts.models import User
from qingshe.lib import ids


def find_login(identifier: str) -> User | None:
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if ids.looks_like_phone(identifier):
        return User.objects.filter(phone=ids.normalize_phone(identifier)).first()
    return User.objects.filter(username__iexact=identifier).first()


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = find_login(username or "")
        if user is None:
            # Hash anyway so that timing does not reveal which logins exist.
            User().set_password(password)
            return None
        if password and user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
