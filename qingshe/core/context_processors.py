"""Template context every page needs: the navigation for the person's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from qingshe.core import access, nav


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Worked out only when a template asks (templates call callables): an htmx fragment or the
    # bell, rendered with this context too, needs none of them and reads no roles.
    return {
        "nav_is_admin": access.can(user, "admin.access", None),
        "nav_roles": lambda: sorted({g.role for g in access.grants(user)}),
        "nav_menu": lambda: nav.menu_html(user, request.path),
        "nav_items": lambda: nav.items_for(user, request.path),
    }
