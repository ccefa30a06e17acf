"""Template helpers of the credit pages."""

from __future__ import annotations

from typing import Any

from django import template

from qingshe.core import access

register = template.Library()


@register.simple_tag
def credit_is_steward(user: Any) -> bool:
    """Whether `user` looks after people (departments, exports tabs)."""
    return access.is_platform_staff(user) or access.has_role(user, access.STEWARD_ROLES)
