"""Reasons and causes in words: the engine's codes (engine.py `_reasons`, `CAUSES`) and the few
the services add, as sentences in the active language ("技能匹配：急救、摄影", "共同空闲：周三
11-26 14:00–16:00", "距离 2.4 公里", "该时段无人有空"). Pages and the API both use these.

A reason or cause is stored as {"code": str, "params": {...}}; the services add names to ids
("names" beside "skills" / "courses") so that the sentence needs no query. An unknown code is
shown as itself rather than hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from qingshe.needs.dispatch.adapter import to_datetime
from qingshe.needs.models import Urgency, WorkKind

WEEKDAYS = (
    pgettext_lazy("weekday", "Mon"),
    pgettext_lazy("weekday", "Tue"),
    pgettext_lazy("weekday", "Wed"),
    pgettext_lazy("weekday", "Thu"),
    pgettext_lazy("weekday", "Fri"),
    pgettext_lazy("weekday", "Sat"),
    pgettext_lazy("weekday", "Sun"),
)
PLAN_STATES = {
    "proposed": pgettext_lazy("dispatch plan", "To apply"),
    "applied": pgettext_lazy("dispatch plan", "Applied"),
    "discarded": pgettext_lazy("dispatch plan", "Discarded"),
}
OFFER_STATES = {
    "offered": pgettext_lazy("offer", "Waiting for an answer"),
    "accepted": pgettext_lazy("offer", "Accepted"),
    "declined": pgettext_lazy("offer", "Declined"),
    "withdrawn": pgettext_lazy("offer", "Withdrawn"),
    "done": pgettext_lazy("offer", "Done"),
}
# Fewer hours than this in the month: the fairness reason says the person was given priority
# (the engine's fairness weight halves at 600 minutes).
PRIORITY_BELOW_MINUTES = 600


def _names(params: Mapping[str, Any], key: str) -> str:
    names = params.get("names") or [str(x) for x in params.get(key, [])]
    return "、".join(str(n) for n in names)


def period_text(start: int, end: int) -> str:
    """'Wed 11-26 14:00–16:00' for minutes on the dispatch clock."""
    a, b = to_datetime(int(start)), to_datetime(int(end))
    return f"{WEEKDAYS[a.weekday()]} {a:%m-%d} {a:%H:%M}–{b:%H:%M}"


def plan_state_label(state: str) -> str:
    return str(PLAN_STATES.get(state, state))


def offer_state_label(state: str) -> str:
    return str(OFFER_STATES.get(state, state))


def moment_text(moment: Any) -> str:
    """'Tue 11-24 08:30' for an aware datetime."""
    from qingshe.needs.dispatch.adapter import to_datetime, to_minutes

    local = to_datetime(to_minutes(moment))
    return f"{WEEKDAYS[local.weekday()]} {local:%m-%d %H:%M}"


def when_text(start: Any, end: Any) -> str:
    """'Mon 11-30 14:00–16:00' for two aware datetimes."""
    from qingshe.needs.dispatch.adapter import to_minutes

    return period_text(to_minutes(start), to_minutes(end))


def _hours(minutes: Any) -> str:
    hours = round(int(minutes or 0) / 60, 1)
    return f"{hours:g}"


def reason_text(code: str, params: Mapping[str, Any] | None = None) -> str:
    p = params or {}
    if code == "window":
        return _("Free at the same time: %(when)s") % {"when": period_text(p["start"], p["end"])}
    if code == "skills":
        return _("Skills that match: %(skills)s") % {"skills": _names(p, "skills")}
    if code == "major":
        return _("Major fits: %(major)s") % {"major": p.get("major", "")}
    if code == "work_kind":
        kind = p.get("work_kind", "")
        label = WorkKind(kind).label if kind in WorkKind.values else kind
        return _("%(kind)s that uses what they study") % {"kind": label}
    if code == "remote":
        return _("Can be done online, wherever they are")
    if code == "distance":
        return _("%(km)s km away") % {"km": f"{float(p.get('km', 0)):.1f}"}
    if code == "urgency":
        level = int(p.get("urgency", 0))
        return _("Very urgent need") if level >= Urgency.VERY_URGENT else _("Urgent need")
    if code == "trained":
        return _("Training done: %(courses)s") % {"courses": _names(p, "courses")}
    if code == "insured":
        return _("Insured on the day")
    if code == "fairness":
        minutes = int(p.get("minutes_this_month", 0) or 0)
        if minutes == 0:
            return _("Has not served yet this month: given priority")
        if minutes < PRIORITY_BELOW_MINUTES:
            return _("Served %(hours)s hours this month: given priority") % {
                "hours": _hours(minutes)
            }
        return _("Served %(hours)s hours this month") % {"hours": _hours(minutes)}
    if code == "by_hand":
        return _("Chosen by the dispatcher")
    return code


def cause_text(code: str, params: Mapping[str, Any] | None = None) -> str:
    """An unfilled need's cause. `count` people were excluded at this step of the funnel; when
    nobody was left after it (`remaining` 0) the sentence says so plainly."""
    p = params or {}
    count = int(p.get("count", 0) or 0)
    nobody = int(p.get("remaining", 1) or 0) == 0
    if code == "too_far":
        return (
            _("Nobody is near enough") if nobody else _("%(count)s too far away") % {"count": count}
        )
    if code == "no_required_skill":
        return (
            _("Nobody has the skills required")
            if nobody
            else _("%(count)s lack the skills required") % {"count": count}
        )
    if code == "no_one_trained":
        return (
            _("Nobody has done the training required")
            if nobody
            else _("%(count)s have not done the training required") % {"count": count}
        )
    if code == "no_one_free_in_window":
        return (
            _("Nobody is free in that time window")
            if nobody
            else _("%(count)s are not free in that time window") % {"count": count}
        )
    if code == "no_one_insured":
        return (
            _("Nobody is insured at that time")
            if nobody
            else _("%(count)s are not insured at that time") % {"count": count}
        )
    if code == "caps_reached":
        return _("%(count)s have reached their weekly hours") % {"count": count}
    if code == "taken_by_better_matches":
        return _("%(count)s are planned for needs they match better") % {"count": count}
    if code == "left_unassigned":
        return _("%(count)s could serve but were not chosen") % {"count": count}
    if code == "no_window_in_horizon":
        return _("No time in the plan's period when the need can be served (office hours applied)")
    if code == "no_volunteers":
        return _("No volunteer in this scope: no branch is paired with these communities")
    return code


def reasons(items: Iterable[Mapping[str, Any]] | None) -> list[str]:
    return [reason_text(str(i.get("code", "")), i.get("params") or {}) for i in items or ()]


def causes(items: Iterable[Mapping[str, Any]] | None) -> list[str]:
    return [cause_text(str(i.get("code", "")), i.get("params") or {}) for i in items or ()]
