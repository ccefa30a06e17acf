"""Template helpers of the points pages: which tabs a person sees."""

from __future__ import annotations

from typing import Any

from django import template

from qingshe.core import access
from qingshe.orgs.models import Role

register = template.Library()


@register.simple_tag
def points_flags(user: Any) -> dict[str, bool]:
    """League admins set earning rules and commend; everyone else sees the volunteer's tabs."""
    league = access.is_platform_staff(user) or access.has_role(user, {Role.LEAGUE_ADMIN})
    return {"league": league}
