"""The one pagination of the API: `?page=` (from 1) and `?page_size=` (default 20, at most 200),
answering `{"items": [...], "count": N}`.

Every list endpoint uses it through `paginate`:

    from qingshe.api.pagination import paginate

    @router.get("/needs", response=list[NeedOut])
    @paginate
    def need_list(request, filters: Query[NeedFilter]):
        return selectors.need_list_for_user(user=request.auth, ...)  # a QuerySet

The endpoint returns an ordered QuerySet (or a list); the page is cut with one slice and counted
with one COUNT query. A page past the end answers empty `items` with the true `count`; a page
or page size out of bounds is a 422 `invalid_input` like any other bad parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from ninja.pagination import paginate as ninja_paginate

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 200


class PagePagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, description="Page number, from 1.")
        page_size: int = Field(
            DEFAULT_PAGE_SIZE,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"Items per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
        )

    class Output(Schema):
        items: list[Any] = Field(..., description="The items on this page.")
        count: int = Field(..., description="The number of items on all pages together.")

    items_attribute = "items"

    def paginate_queryset(
        self,
        queryset: QuerySet[Any] | list[Any],
        pagination: Input,
        request: HttpRequest,
        **params: Any,
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        count = self._items_count(queryset)  # type: ignore[arg-type]
        items = queryset[offset : offset + pagination.page_size] if offset < count else []
        return {"items": items, "count": count}


def paginate(func: Callable[..., Any]) -> Callable[..., Any]:
    """Paginate a list endpoint with PagePagination (put it under the router decorator)."""
    return ninja_paginate(PagePagination)(func)
