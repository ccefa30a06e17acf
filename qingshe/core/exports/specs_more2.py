"""Exportable lists of the last two list pages (see specs.py for the rules: the columns the page
shows, the rows its own selector gives): a programme's pairing suggestions (结对建议) and a
person's notification centre.

The suggestions are not rows of a table: they are worked out for a programme. The page's view
passes the class branches it lists (one spreadsheet row per branch) and the programme as the
export's parameter; the enrich step works the suggestions out for them with the page's own
selector (suggest_for_user, as the person who asked), at once or in the background job alike.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.functional import lazy

from qingshe.core.exports.registry import Column, ExportContext, ExportSpec, register
from qingshe.core.exports.specs import _, _name, _vn

SUGGESTIONS_PER_BRANCH = 3  # the page's limit_per_branch
REASON_SEPARATOR = "；"


# --- pairing suggestions ------------------------------------------------------------------------
def _suggestions_enrich(branches: list[Any], context: ExportContext) -> None:
    from qingshe.programmes.models import Programme
    from qingshe.programmes.suggestions import suggest_for_user

    programme = Programme.objects.filter(pk=context.params.get("programme")).first()
    found: dict[int, Any] = {}
    if programme is not None:
        rows = suggest_for_user(
            user=context.user, programme=programme, limit_per_branch=SUGGESTIONS_PER_BRANCH
        )
        found = {row.branch.pk: row.suggestions for row in rows}
    for branch in branches:
        branch.export_suggestions = found.get(branch.pk, [])


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
