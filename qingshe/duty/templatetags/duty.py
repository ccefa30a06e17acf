"""Template helpers of the duty pages."""

from __future__ import annotations

from typing import Any

from django import template

from qingshe.core import access

register = template.Library()


@register.simple_tag
def duty_roles(user: Any) -> dict[str, bool]:
    """Which staff tabs to show (the pages themselves still check every request)."""
    staff = access.is_platform_staff(user)
    return {
        "confirm": staff or access.has_role(user, access.ORG_ACTIONS["attendance.confirm"]),
        "organise": staff or access.has_role(user, access.ORG_ACTIONS["activity.manage"]),
        "train": staff or access.has_role(user, access.ORG_ACTIONS["training.manage"]),
    }
