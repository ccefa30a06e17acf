"""`{% export_button %}`: the "Export to Excel" link of a list page, carrying the page's
current filters (not its page number) and ?export=xlsx for the view's export hook."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def export_button(context: Any, label: str = "") -> str:
    request = context.get("request")
    if request is None:
        return ""
    query = request.GET.copy()
    for key in ("page", "export"):
        query.pop(key, None)
    query["export"] = "xlsx"
    return format_html(
        '<a class="btn btn--secondary export-button" href="{}?{}" hx-boost="false">{}</a>',
        request.path,
        query.urlencode(),
        label or _("Export to Excel"),
    )
