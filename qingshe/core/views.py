"""The home page: what the person should act on, from every app's panel providers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from qingshe.core import access, home
from qingshe.core.htmx import render_page
from qingshe.core.page_cache import page_cache


@page_cache
@login_required
def home_page(request: HttpRequest) -> HttpResponse:
    panels = home.panels_for(request.user)
    roles = sorted({(g.role, g.org_id) for g in access.grants(request.user)})
    return render_page(
        request,
        "core/home.html",
        {"panels": panels, "role_count": len(roles)},
        partial="panels",
    )
