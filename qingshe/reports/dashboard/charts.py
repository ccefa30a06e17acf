"""What a dashboard page shows: the figure cards (each linked to its records) and the data of its
charts, which the page embeds with json_script and also prints as tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from qingshe.reports.dashboard.selectors import Dashboard


def _num(value: Any) -> float | int:
    return float(value) if isinstance(value, Decimal) else value


def figure_cards(board: Dashboard, *, query: str) -> list[dict[str, Any]]:
    t = board.totals

    def card(
        key: str, label: str, value: Any, records: str | None = None, note: str = ""
    ) -> dict[str, Any]:
        link = None
        if records != "":
            link = reverse("dashboard:records", args=[board.org.pk, records or key]) + query
        return {"key": key, "label": label, "value": value, "url": link, "note": note}

    open_total = sum(board.open_by_age.values())
    council = board.council_resolved
    cards = [
        card("pairings_active", _("Pairings active"), board.pairings_active),
        card(
            "pairings_idle",
            _("Pairings idle"),
            board.pairings_idle,
            note=_("no event in the last two months"),
        ),
        card("volunteers", _("Volunteers involved"), t["volunteers"]),
        card("teams", _("Teams involved"), t["teams"]),
        card("events", _("Events held"), t["events"], note=_("shifts and pairing services")),
        card("hours", _("Hours confirmed"), t["hours"]),
        card("resident_visits", _("Residents served"), t["resident_visits"]),
        card("needs_received", _("Needs received"), t["needs_received"]),
        card("needs_solved", _("Needs solved (verified)"), t["needs_solved"]),
        card("needs_open", _("Needs open now"), open_total),
        card(
            "council",
            _("Council items resolved"),
            council if council is not None else 0,
            records=None if council is not None else "",
            note=""
            if council is not None
            else _("The youth council's records are not available yet."),
        ),
        card("points_issued", _("Points issued"), t["points_issued"]),
        card("points_redeemed", _("Points redeemed"), t["points_redeemed"]),
        card("model_communities", _("Model communities"), board.model_communities),
        card("featured_cases", _("Featured cases"), board.featured_cases),
        card("featured_projects", _("Featured projects"), board.featured_projects),
    ]
    return cards


def chart_data(board: Dashboard) -> dict[str, Any]:
    months = [row["month"].strftime("%Y-%m") for row in board.trend]
    ages = [
        (_("under 7 days"), board.open_by_age["week"]),
        (_("7–29 days"), board.open_by_age["month"]),
        (_("30–89 days"), board.open_by_age["quarter"]),
        (_("90 days and more"), board.open_by_age["older"]),
    ]
    return {
        "trend": {
            "labels": months,
            "series": [
                {
                    "name": _("Hours confirmed"),
                    "data": [_num(r["hours"]) for r in board.trend],
                    "axis": 1,
                },
                {"name": _("Events held"), "data": [r["events"] for r in board.trend]},
                {"name": _("Needs received"), "data": [r["needs_received"] for r in board.trend]},
                {
                    "name": _("Needs solved (verified)"),
                    "data": [r["needs_solved"] for r in board.trend],
                },
                {
                    "name": _("Volunteers in the month"),
                    "data": [r["volunteers"] for r in board.trend],
                },
            ],
        },
        "ages": {
            "labels": [a for a, _n in ages],
            "series": [{"name": _("Needs open now"), "data": [n for _a, n in ages]}],
        },
        "gap": {
            "labels": [g["major"] for g in board.gap_majors],
            "series": [
                {
                    "name": _("Skilled needs asking for the major"),
                    "data": [g["needs"] for g in board.gap_majors],
                },
                {
                    "name": _("Volunteers of the major involved"),
                    "data": [g["volunteers"] for g in board.gap_majors],
                },
            ],
        },
        "kinds": {
            "labels": [_("Labour"), _("Skilled or professional")],
            "series": [
                {
                    "name": _("Needs received"),
                    "data": [board.totals["needs_labour"], board.totals["needs_skilled"]],
                },
            ],
        },
        "ranking": {
            "labels": [r.org.display_name for r in board.ranking],
            "series": [
                {"name": _("Hours confirmed"), "data": [_num(r.hours) for r in board.ranking]}
            ],
        },
    }
