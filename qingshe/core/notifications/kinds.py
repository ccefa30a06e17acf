"""Groups of notification kinds, the unit of a preference ("duty reminders by SMS").

A kind is "<prefix>.<event>" (e.g. "dispatch.offer"); its group is looked up by prefix, and an
unknown prefix falls into "other", so a new kind in another app needs no change here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

GROUPS: dict[str, object] = {
    "duty": _("Activities, shifts and hours"),
    "needs": _("Needs, dispatch and bounties"),
    "projects": _("Project groups and tasks"),
    "programmes": _("Applications and pairings"),
    "credit": _("Records, points and rewards"),
    "cases": _("Typical cases"),
    "imports": _("Imports and exports"),
    "council": _("Council"),
    "care": _("Care"),
    "other": _("Other"),
}

_PREFIX_GROUP = {
    "activity": "duty",
    "signup": "duty",
    "shift": "duty",
    "attendance": "duty",
    "correction": "duty",
    "training": "duty",
    "need": "needs",
    "dispatch": "needs",
    "bounty": "needs",
    "resource": "needs",
    "project": "projects",
    "task": "projects",
    "application": "programmes",
    "pairing": "programmes",
    "programme": "programmes",
    "credit": "credit",
    "case": "cases",
    "imports": "imports",
    "export": "imports",
    "council": "council",
    "care": "care",
}


def group_of(kind: str) -> str:
    return _PREFIX_GROUP.get(kind.split(".", 1)[0], "other")
