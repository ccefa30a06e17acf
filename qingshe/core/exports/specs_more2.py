"""Exportable lists of the last two list pages (see specs.py for the rules: the columns the page
shows, the rows its own selector gives): a programme's pairing suggestions (结对建议) and a
person's notification centre.

The suggestions are not rows of a table: they are worked out for the programme when the page is
asked for. The page's view passes the class branches it lists (one spreadsheet row per branch)
and, through `suggestions_shown`, the suggestions it computed for them, so that the file says
what the page said. A background job (more branches than services.SYNC_LIMIT, run by a separate
worker) has only the branch IDs: it works the suggestions out again in the newest programme
whose scope covers the branch and in which the branch has no live pairing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.utils import timezone
from django.utils.functional import lazy

from qingshe.core.exports.registry import Column, ExportSpec, register
from qingshe.core.exports.specs import _, _name, _vn

SUGGESTIONS_PER_BRANCH = 3  # the page's limit_per_branch
REASON_SEPARATOR = "；"

# The suggestions the page computed, by branch ID, while its view writes the file.
_SHOWN: ContextVar[dict[int, Any] | None] = ContextVar("export_suggestions_shown", default=None)


@contextmanager
def suggestions_shown(rows: Sequence[Any]) -> Iterator[None]:
    """Within this block, the export of `programmes.suggestions` writes these rows' suggestions
    (BranchSuggestions from programmes.suggestions.suggest_for_user)."""
    token = _SHOWN.set({row.branch.pk: row for row in rows})
    try:
        yield
    finally:
        _SHOWN.reset(token)


# --- pairing suggestions ------------------------------------------------------------------------
def _programme_for(branch: Any) -> Any:
    """The newest programme whose scope covers `branch` and in which it has no live pairing."""
    from qingshe.programmes.models import Pairing, Programme

    ancestors = [int(p) for p in branch.path.strip("/").split("/") if p]
    paired = Pairing.objects.filter(unit=branch, state__in=Pairing.LIVE_STATES)
    return (
        Programme.objects.filter(scope__in=ancestors)
        .exclude(pk__in=paired.values("programme_id"))
        .order_by("-year", "-pk")
        .first()
    )


def _worked_out_again(branches: list[Any]) -> dict[int, Any]:
    """The worker's way: each branch's suggestions in the programme _programme_for gives."""
    from qingshe.programmes import suggestions as sg
    from qingshe.programmes.models import Pairing

    by_programme: dict[Any, list[Any]] = defaultdict(list)
    for branch in branches:
        programme = _programme_for(branch)
        if programme is not None:
            by_programme[programme].append(branch)
    found: dict[int, Any] = {}
    for programme, mine in by_programme.items():
        pairings = Pairing.objects.filter(programme=programme).values_list(
            "unit_id", "community_id", "state"
        )
        live_count: dict[int, int] = defaultdict(int)
        rejected: dict[int, set[int]] = defaultdict(set)
        for unit_id, community_id, state in pairings:
            if state in Pairing.LIVE_STATES:
                live_count[community_id] += 1
            elif state == Pairing.State.REJECTED:
                rejected[unit_id].add(community_id)
        rows = sg._suggest(
            branches=mine,
            communities=sg.candidate_communities(programme, list(programme.scope.all())),
            live_count=live_count,
            rejected=rejected,
            weights=sg.normalised_weights(),
            limit=SUGGESTIONS_PER_BRANCH,
        )
        found.update({row.branch.pk: row for row in rows})
    return found


def _suggestions_enrich(branches: list[Any]) -> None:
    shown = _SHOWN.get()
    if shown is None:
        shown = _worked_out_again(branches)
    for branch in branches:
        row = shown.get(branch.pk)
        branch.export_suggestions = row.suggestions if row is not None else []


def _numbered(header: str, n: int) -> Any:
    """A header with the suggestion's number, translated when the file is written."""
    return lazy(lambda: _(header) % {"n": n}, str)()


def _nth(i: int, value: Any) -> Any:
    def cell(branch: Any) -> Any:
        found = branch.export_suggestions
        return value(found[i]) if i < len(found) else ""

    return cell


def _suggestions() -> None:
    from qingshe.orgs.models import Organisation

    columns = [Column(_("Class branch"), lambda b: _name(b), width=28)]
    for i in range(SUGGESTIONS_PER_BRANCH):
        n = i + 1
        columns += [
            Column(
                _numbered("Suggested community %(n)d", n),
                _nth(i, lambda s: _name(s.community)),
                width=20,
            ),
            Column(_numbered("Score %(n)d", n), _nth(i, lambda s: round(s.score * 100)), width=8),
            Column(
                _numbered("Reasons %(n)d", n),
                _nth(i, lambda s: REASON_SEPARATOR.join(s.reasons)),
                width=50,
            ),
        ]
    register(
        ExportSpec(
            name="programmes.suggestions",
            title=_("Suggested pairings"),
            model=Organisation,
            enrich=_suggestions_enrich,
            columns=columns,
        )
    )


# --- the notification centre --------------------------------------------------------------------
def _notifications() -> None:
    from qingshe.core.models import Notification

    register(
        ExportSpec(
            name="core.notifications",
            title=_("Notifications"),
            model=Notification,
            columns=[
                Column(_vn(Notification, "title"), lambda n: n.title, width=30),
                Column(_vn(Notification, "body"), lambda n: n.body, width=50),
                Column(_vn(Notification, "created_at"), lambda n: n.created_at, width=18),
                Column(
                    _vn(Notification, "read_at"),
                    lambda n: _("Unread") if n.read_at is None else timezone.localtime(n.read_at),
                    width=18,
                ),
            ],
        )
    )


for _register in (_suggestions, _notifications):
    _register()
