"""Dashboard pages, mounted at /dashboard/: the entry (the person's own organisation), one
organisation's dashboard over a period of months, and the records behind each of its numbers.

Charts are drawn by reports/dashboard.js from the figures embedded with json_script (no inline
script, CSP); every chart has its numbers in a table beside it, which is what prints.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qingshe.core.errors import NotFound, ValidationFailed
from qingshe.core.exports import registry
from qingshe.core.exports import services as exports
from qingshe.core.exports.specs_needs import dashboard_spec_name
from qingshe.core.htmx import paginate
from qingshe.reports.dashboard import records, selectors
from qingshe.reports.dashboard.charts import chart_data, figure_cards
from qingshe.reports.dashboard.periods import Period, parse_period


def _period(request: HttpRequest) -> tuple[Period, str]:
    try:
        return parse_period(request.GET.get("from"), request.GET.get("to")), ""
    except ValidationFailed as exc:
        return parse_period(None, None), str(exc.message)


@login_required
@require_GET
def dashboard_home(request: HttpRequest) -> HttpResponse:
    tops = selectors.dashboard_orgs_for_user(user=request.user)
    if not tops:
        raise Http404
    if len(tops) == 1:
        return redirect("dashboard:org", pk=tops[0].pk)
    return render(request, "reports/dashboard/choose.html", {"orgs": tops})


@login_required
@require_GET
def dashboard_org(request: HttpRequest, pk: int) -> HttpResponse:
    period, error = _period(request)
    try:
        board = selectors.dashboard_for(user=request.user, org_id=pk, period=period)
    except NotFound as exc:
        raise Http404 from exc
    query = f"?from={period.first:%Y-%m}&to={period.last:%Y-%m}"
    charts = chart_data(board)
    parent = None
    if board.org.parent_id:
        try:
            parent = selectors.dashboard_org_for_user(user=request.user, org_id=board.org.parent_id)
        except NotFound:
            parent = None
    context: dict[str, Any] = {
        "board": board,
        "period": period,
        "period_error": error,
        "query": query,
        "parent": parent,
        "cards": figure_cards(board, query=query),
        "charts": charts,
        "age_rows": list(
            zip(charts["ages"]["labels"], charts["ages"]["series"][0]["data"], strict=True)
        ),
        "today": timezone.localdate(),
    }
    return render(request, "reports/dashboard/org.html", context)


@login_required
@require_GET
def dashboard_records(request: HttpRequest, pk: int, figure: str) -> HttpResponse:
    period, error = _period(request)
    try:
        org = selectors.dashboard_org_for_user(user=request.user, org_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    spec = records.RECORDS.get(figure)
    if spec is None:
        raise Http404
    rows = spec.queryset(org, period, timezone.localdate())
    if exports.requested(request):
        return _export(request, figure, rows, error)
    page = paginate(request, rows, per_page=50)
    context = {
        "org": org,
        "period": period,
        "period_error": error,
        "figure": figure,
        "spec": spec,
        "page": page,
        "rows": [
            (list(zip(spec.columns, cells, strict=True)), url)
            for cells, url in (spec.row(obj) for obj in page.object_list)
        ],
        "back": reverse("dashboard:org", args=[pk])
        + f"?from={period.first:%Y-%m}&to={period.last:%Y-%m}",
    }
    return render(request, "reports/dashboard/records.html", context)


def _export(request: HttpRequest, figure: str, rows: Any, period_error: str) -> HttpResponse:
    """The records as the page lists them; a period the page could not read exports nothing
    (the page would show another period than the one asked for)."""
    name = dashboard_spec_name(figure)
    if period_error:
        return exports.back_to_page(
            request, _("Nothing was exported: %(error)s") % {"error": period_error}
        )
    try:
        registry.get(name)
    except KeyError as exc:  # a figure whose app is not installed
        raise Http404 from exc
    return exports.respond(request, name, rows)
