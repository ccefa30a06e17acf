"""Helpers every page view uses: selectors' NotFound as 404, partial-or-full rendering,
service errors onto forms, and pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from qingshe.core.errors import NotFound, ServiceError

T = TypeVar("T")
PAGE_SIZE = 20


def get_or_404(selector: Callable[..., T], **kwargs: Any) -> T:
    """Call a `*_get_for_user` selector; an outsider gets the same 404 as a missing object."""
    try:
        return selector(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The partial `template#partial` for an htmx request, else the full page."""
    name = f"{template}#{partial}" if partial and getattr(request, "htmx", False) else template
    return render(request, name, context, status=status)


def add_service_error(
    form: forms.BaseForm, exc: ServiceError, *, aliases: dict[str, str] | None = None
) -> None:
    """Attach a service's error to the form field it names (or to the form as a whole)."""
    field = (aliases or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, str(exc.message))


def paginate(request: HttpRequest, items: Any, *, per_page: int = PAGE_SIZE) -> Page:
    """Page `items` by ?page=; an out-of-range or malformed page number shows the nearest page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
