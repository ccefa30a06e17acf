"""Dispatch (居民点单—团团派单—青年接单): plans, offers, accepting and declining, claiming (抢单).

* A dispatcher (`need.dispatch` on the scope: league committees above, the community's league
  secretary) makes a plan: the adapter reads the scope, the engine proposes, the plan keeps its
  lines with reasons and the needs left unfilled with causes. Lines can be excluded, included
  again, or added by hand until the plan is applied (or discarded).
* Applying is one transaction: the plan row is locked (a second apply gets 409
  `plan_already_applied`), then the needs and the people, always in that order and by id; every
  included line is checked again against the database as it is now (`hard_problems`: places
  left, commitments made since, the weekly cap, training and insurance on the day, the
  timetable, the windows and office hours, distance). One failing line refuses the whole plan
  with 409 `plan_stale`, naming what changed; nothing is written. Otherwise each line becomes an
  offer (NeedAssignment, source plan), needs move accepted → dispatched, volunteers are told.
* The volunteer accepts (the need moves to in progress on the first acceptance, and the person is
  signed up, through duty's services, for a shift of the duty activity linked to the need, so
  check-in, confirmation and hours work as for any shift) or declines with a reason (the place
  re-opens; the need goes back to accepted when no offer is left). Either side may withdraw.
* Open-claim needs can be taken first come, first served (`need_grab`): the same hard checks,
  under the need's row lock, so exactly as many people as places win.

The duty activity and its shifts are organised on the community's behalf by the person who
dispatched the need (the plan's dispatcher), or for a claim by the community staff who took the
need up; see docs/decisions/0008-dispatch-offers-and-duty.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.accounts.models import StudentProfile
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.notify import notify
from qingshe.core.timeutil import local_text
from qingshe.duty import services as duty
from qingshe.duty.models import Activity, DutyMode, Shift, SignUp
from qingshe.needs.dispatch import adapter
from qingshe.needs.dispatch.adapter import (
    DAY,
    NeedFacts,
    VolunteerFacts,
    date_of,
    to_datetime,
    to_minutes,
)
from qingshe.needs.models import DispatchPlan, DispatchPlanLine, Need, NeedAssignment, NeedEvent
from qingshe.needs.services.lifecycle import need_lock, need_move
from qingshe.orgs.models import Organisation, Role

if TYPE_CHECKING:
    from qingshe.needs.dispatch import engine

__all__ = [
    "DEFAULT_HORIZON_DAYS",
    "MAX_HORIZON_DAYS",
    "Problem",
    "can_dispatch",
    "default_weights",
    "dispatch_plan_apply",
    "dispatch_plan_create",
    "dispatch_plan_discard",
    "assignment_accept",
    "assignment_decline",
    "assignment_withdraw",
    "hard_problems",
    "may_grab",
    "need_dispatch_direct",
    "need_grab",
    "plan_line_add",
    "plan_line_set_included",
    "scope_choices",
    "weights_from",
    "widest_scope",
]

S = Need.State
A = NeedAssignment.State
DEFAULT_HORIZON_DAYS = 7
MAX_HORIZON_DAYS = 28
# How far ahead a claim (抢单) looks for a time the student is free in.
GRAB_LOOKAHEAD_DAYS = 28
ENGINE_TIME_LIMIT_S = 20.0
REASON_MAX = 500
WEIGHT_MAX = 10.0
DISPATCHER_ROLES = access.ORG_ACTIONS["need.dispatch"]


def can_dispatch(user: Any, org: Organisation) -> bool:
    return access.can(user, "need.dispatch", org)


def _deny(message: str) -> AccessDenied:
    return AccessDenied("forbidden", message)


def offers_url() -> str:
    return "/dispatch/offers/"


def plan_url(plan: DispatchPlan) -> str:
    return f"/dispatch/{plan.pk}/"


# --- weights ------------------------------------------------------------------------------------
def default_weights() -> dict[str, float]:
    from qingshe.needs.dispatch.engine import Weights

    return {f.name: float(f.default) for f in fields(Weights)}  # type: ignore[arg-type]


def weights_from(raw: Mapping[str, Any] | None) -> engine.Weights:
    """The engine's weights from a partial mapping (the rest default); 422 for unknown names,
    non-numbers, negatives or values above the limit (the two half-points must be positive)."""
    values = default_weights()
    for name, value in (raw or {}).items():
        if name not in values:
            raise ValidationFailed(
                "invalid_weight",
                _("Unknown score weight: %(name)s.") % {"name": name},
                field="weights",
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        half = name.endswith(("_half_km", "_half_minutes"))
        limit = 100_000.0 if half else WEIGHT_MAX
        if not (0 < number <= limit if half else 0 <= number <= limit) or number != number:
            raise ValidationFailed(
                "invalid_weight",
                _("The weight %(name)s must be a number from 0 to %(max)s.")
                % {"name": name, "max": f"{limit:g}"},
                field="weights",
            )
        values[name] = number
    from qingshe.needs.dispatch.engine import Weights

    return Weights(**values)


# --- the one hard-constraint check --------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    code: str
    message: str


class Ledger:
    """The database as it is now for some needs and people, plus what has been taken so far in
    the same batch (lines already checked in this plan). `hard_problems` asks it."""

    def __init__(
        self,
        *,
        need_ids: Iterable[int],
        user_ids: Iterable[int],
        start: int,
        end: int,
        now: datetime,
    ) -> None:
        need_ids, user_ids = sorted(set(need_ids)), sorted(set(user_ids))
        self.now = to_minutes(now)
        self.needs: dict[int, NeedFacts] = adapter.load_need_facts(need_ids)
        self.people: dict[int, VolunteerFacts] = adapter.load_volunteer_facts(
            StudentProfile.objects.filter(user_id__in=user_ids, user__is_active=True),
            start=min(start, self.now) - DAY,
            end=end + DAY,
        )
        self.names: dict[int, str] = dict(
            get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "name")
        )
        self.on_need: set[tuple[int, int]] = set(
            NeedAssignment.objects.filter(
                need_id__in=need_ids,
                volunteer_id__in=user_ids,
                state__in=NeedAssignment.HOLDING_STATES,
            ).values_list("need_id", "volunteer_id")
        )
        self.taken: dict[int, int] = {}

    def take(self, need_id: int, user_id: int, start: int, end: int) -> None:
        self.taken[need_id] = self.taken.get(need_id, 0) + 1
        self.on_need.add((need_id, user_id))
        person = self.people.get(user_id)
        if person is not None:
            person.commitments = adapter.merge([*person.commitments, (start, end)])


def hard_problems(
    ledger: Ledger, *, need_id: int, user_id: int, start: int, end: int
) -> list[Problem]:
    """Everything that stops `user_id` from serving `need_id` over [start, end) (minutes), against
    the ledger (the database now plus the batch so far). Shared by apply, lines added by hand,
    direct dispatch and claims."""
    out: list[Problem] = []
    name = ledger.names.get(user_id, "")
    facts = ledger.needs.get(need_id)
    if facts is None:
        return [Problem("not_found", _("This need does not exist."))]
    need = facts.need
    when = local_text(to_datetime(start))
    if need.state not in Need.STAFFABLE_STATES or need.is_bounty:
        out.append(
            Problem(
                "need_closed",
                _("The need is %(state)s now.") % {"state": Need.State(need.state).label},
            )
        )
    if facts.held + ledger.taken.get(need_id, 0) >= need.people_needed:
        out.append(
            Problem(
                "need_full",
                _("The need already has the %(n)d people it asked for.")
                % {"n": need.people_needed},
            )
        )
    person = ledger.people.get(user_id)
    if person is None:
        return [
            *out,
            Problem("not_a_student", _("%(name)s is not a student volunteer.") % {"name": name}),
        ]
    if person.minor_without_consent:
        out.append(
            Problem(
                "guardian_consent_required",
                _("A volunteer under 18 needs a guardian's consent on file."),
            )
        )
    if (need_id, user_id) in ledger.on_need:
        out.append(
            Problem("already_assigned", _("%(name)s is already on this need.") % {"name": name})
        )
    if end - start != need.minutes_each:
        out.append(
            Problem(
                "invalid_period",
                _("Each person serves %(n)d minutes on this need.") % {"n": need.minutes_each},
            )
        )
    if start <= ledger.now:
        out.append(Problem("in_the_past", _("%(time)s has already begun.") % {"time": when}))
    if not facts.fits(start, end):
        out.append(
            Problem(
                "outside_window",
                _("%(time)s is outside the need's time windows or the community's office hours.")
                % {"time": when},
            )
        )
    if adapter.overlaps(person.busy(start, end), start, end):
        out.append(
            Problem(
                "in_class", _("%(name)s has classes at %(time)s.") % {"name": name, "time": when}
            )
        )
    if adapter.overlaps(person.commitments, start, end):
        out.append(
            Problem(
                "overlap",
                _("%(name)s is already committed at %(time)s.") % {"name": name, "time": when},
            )
        )
    week = adapter.week_start(start)
    cap = adapter.weekly_cap_minutes()
    if person.booked_in_week(week) + (end - start) > cap:
        out.append(
            Problem(
                "over_cap",
                _("%(name)s would serve more than %(hours)d hours in the week of %(week)s.")
                % {"name": name, "hours": cap // 60, "week": date_of(week).isoformat()},
            )
        )
    day = date_of(start)
    missing_skills = [facts.skill_names[s] for s in sorted(facts.required_skills - person.skills)]
    if missing_skills:
        out.append(
            Problem(
                "skills_missing",
                _("%(name)s lacks the skills this work requires: %(skills)s.")
                % {"name": name, "skills": "、".join(missing_skills)},
            )
        )
    missing = [facts.course_names[c] for c in sorted(facts.courses - person.courses_on(day))]
    if missing:
        out.append(
            Problem(
                "training_missing",
                _("%(name)s lacks the training required: %(courses)s.")
                % {"name": name, "courses": "、".join(missing)},
            )
        )
    if need.needs_insurance and not all(person.insured_on(d) for d in {day, date_of(end - 1)}):
        out.append(
            Problem(
                "insurance_missing",
                _("No accident insurance covers %(name)s on %(day)s.")
                % {"name": name, "day": day.isoformat()},
            )
        )
    if not need.is_remote and facts.location is not None:
        km = adapter.distance_km(person, facts, day)
        limit = adapter.max_km()
        if km is None:
            out.append(
                Problem(
                    "no_base",
                    _(
                        "%(name)s's campus or home location is unknown, so the distance cannot be checked."
                    )
                    % {"name": name},
                )
            )
        elif km > limit:
            out.append(
                Problem(
                    "too_far",
                    _("%(name)s is %(km)s km away (the limit is %(max)s km).")
                    % {"name": name, "km": f"{km:.1f}", "max": f"{limit:g}"},
                )
            )
    return out


def _first_error(problems: Sequence[Problem], *, who: str = "") -> ValidationFailed:
    text = " ".join(p.message for p in problems)
    if who:
        text = _("%(who)s: %(problem)s") % {"who": who, "problem": text}
    return ValidationFailed(problems[0].code, text)


# --- reasons stored with a line -----------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset | tuple | list):
        items = [_jsonable(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


def _stored_reason(code: str, params: Mapping[str, Any], facts: NeedFacts | None) -> dict[str, Any]:
    p = _jsonable(params)
    if facts is not None and code == "skills":
        p["names"] = [facts.skill_names.get(s, str(s)) for s in p.get("skills", [])]
    if facts is not None and code == "trained":
        p["names"] = [facts.course_names.get(c, str(c)) for c in p.get("courses", [])]
    return {"code": code, "params": p}


def _hand_reasons(
    facts: NeedFacts, person: VolunteerFacts, start: int, end: int
) -> list[dict[str, Any]]:
    """Reasons for a line the dispatcher chose, in the engine's codes."""
    need = facts.need
    out: list[dict[str, Any]] = [
        {"code": "by_hand", "params": {}},
        {"code": "window", "params": {"start": start, "end": end}},
    ]
    common = sorted(facts.skills & person.skills)
    if common:
        out.append(_stored_reason("skills", {"skills": common}, facts))
    if person.major and person.major in (need.majors or []):
        out.append({"code": "major", "params": {"major": person.major}})
    if need.is_remote:
        out.append({"code": "remote", "params": {}})
    else:
        km = adapter.distance_km(person, facts, date_of(start))
        if km is not None:
            out.append({"code": "distance", "params": {"km": round(km, 1)}})
    if facts.courses:
        out.append(_stored_reason("trained", {"courses": sorted(facts.courses)}, facts))
    if need.needs_insurance:
        out.append({"code": "insured", "params": {}})
    out.append({"code": "fairness", "params": {"minutes_this_month": person.minutes_this_month}})
    return out


# --- plans --------------------------------------------------------------------------------------
def _check_horizon(start: datetime, end: datetime, now: datetime) -> None:
    if end <= start:
        raise ValidationFailed(
            "invalid_horizon", _("The plan's period must end after it starts."), field="horizon_end"
        )
    if end - start > timedelta(days=MAX_HORIZON_DAYS):
        raise ValidationFailed(
            "horizon_too_long",
            _("A plan covers at most %(n)d days.") % {"n": MAX_HORIZON_DAYS},
            field="horizon_end",
        )
    if end <= now:
        raise ValidationFailed(
            "horizon_past", _("The plan's period is already over."), field="horizon_end"
        )


def dispatch_plan_create(
    *,
    actor: Any,
    scope: Organisation,
    horizon_start: datetime | None = None,
    horizon_end: datetime | None = None,
    weights: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> DispatchPlan:
    """Propose who serves which need of `scope` (a community, street, district or city) between
    `horizon_start` (default now) and `horizon_end` (default seven days later)."""
    if scope.kind not in adapter.SCOPE_KINDS:
        raise ValidationFailed(
            "invalid_scope",
            _("A plan is made for a community, a street, a district or the city."),
            field="scope",
        )
    if not can_dispatch(actor, scope):
        raise _deny(
            _(
                "Only the league committees above and the community's league secretary dispatch needs."
            )
        )
    now = now or timezone.now()
    start = horizon_start or now
    end = horizon_end or start + timedelta(days=DEFAULT_HORIZON_DAYS)
    _check_horizon(start, end, now)
    chosen = weights_from(weights)
    # Read and plan outside the write transaction: the engine may run for seconds and must not
    # hold the database's write lock meanwhile. What it read may change before the plan is
    # applied; applying checks every line again.
    data = adapter.build_input(scope, start, end, now=now)
    from qingshe.needs.dispatch import engine

    result = engine.plan(data.needs, data.volunteers, chosen, time_limit_s=ENGINE_TIME_LIMIT_S)
    unfilled = [
        {
            "need": u.need_id,
            "wanted": u.wanted,
            "filled": u.filled,
            "causes": [
                {"code": c.code, "params": _jsonable(c.params)}
                for c in (
                    u.causes or ((engine.Cause("no_volunteers"),) if not data.volunteers else ())
                )
            ],
        }
        for u in result.unfilled
    ]
    unfilled += [
        {
            "need": need_id,
            "wanted": data.need_facts[need_id].left,
            "filled": 0,
            "causes": [{"code": "no_window_in_horizon", "params": {}}],
        }
        for need_id in data.without_window
    ]
    stats = {
        **data.stats,
        "assigned": len(result.assignments),
        "candidates": result.stats.candidates,
        "seconds": round(result.stats.seconds, 3),
        "solver": result.stats.solver,
    }
    with transaction.atomic():
        plan = DispatchPlan.objects.create(
            scope=scope,
            created_by=actor,
            horizon_start=start,
            horizon_end=end,
            weights={f.name: getattr(chosen, f.name) for f in fields(chosen)},
            objective=result.objective,
            stats=stats,
            unfilled=unfilled,
        )
        DispatchPlanLine.objects.bulk_create(
            [
                DispatchPlanLine(
                    plan=plan,
                    need_id=a.need_id,
                    volunteer_id=a.volunteer_id,
                    starts_at=to_datetime(a.start),
                    ends_at=to_datetime(a.end),
                    score=a.score,
                    reasons=[
                        _stored_reason(r.code, r.params, data.need_facts.get(a.need_id))
                        for r in a.reasons
                    ],
                )
                for a in result.assignments
            ]
        )
        audit(actor=actor, action="dispatch.plan", obj=plan, org=scope, data=stats)
    return plan


def _lock_plan(plan: DispatchPlan) -> DispatchPlan:
    try:
        return (
            DispatchPlan.objects.select_for_update(of=("self",))
            .select_related("scope")
            .get(pk=plan.pk)
        )
    except DispatchPlan.DoesNotExist:
        raise NotFound("not_found", _("No such dispatch plan.")) from None


def _require_proposed(plan: DispatchPlan) -> None:
    if plan.state == DispatchPlan.State.APPLIED:
        raise Conflict("plan_already_applied", _("This plan has already been applied."))
    if plan.state == DispatchPlan.State.DISCARDED:
        raise Conflict("plan_discarded", _("This plan was discarded."))


def _plan_ledger(
    plan: DispatchPlan, extra: Sequence[tuple[int, int, datetime, datetime]] = (), *, now: datetime
) -> tuple[Ledger, list[DispatchPlanLine]]:
    lines = list(plan.lines.filter(included=True).order_by("need_id", "starts_at", "pk"))
    spans = [(ln.need_id, ln.volunteer_id, ln.starts_at, ln.ends_at) for ln in lines] + list(extra)
    ledger = Ledger(
        need_ids=[s[0] for s in spans],
        user_ids=[s[1] for s in spans],
        start=min((to_minutes(s[2]) for s in spans), default=to_minutes(now)),
        end=max((to_minutes(s[3]) for s in spans), default=to_minutes(now)),
        now=now,
    )
    return ledger, lines


@transaction.atomic
def plan_line_set_included(
    *, actor: Any, line: DispatchPlanLine, included: bool, now: datetime | None = None
) -> DispatchPlanLine:
    """Leave a proposed line out of the plan, or put it back (checked again, with the plan's
    other included lines, when put back)."""
    plan = _lock_plan(line.plan)
    if not can_dispatch(actor, plan.scope):
        raise _deny(_("You may not change this plan."))
    _require_proposed(plan)
    line = DispatchPlanLine.objects.select_for_update().get(pk=line.pk, plan=plan)
    if line.included == included:
        return line
    if included:
        now = now or timezone.now()
        ledger, others = _plan_ledger(
            plan, [(line.need_id, line.volunteer_id, line.starts_at, line.ends_at)], now=now
        )
        for other in others:
            ledger.take(
                other.need_id,
                other.volunteer_id,
                to_minutes(other.starts_at),
                to_minutes(other.ends_at),
            )
        problems = hard_problems(
            ledger,
            need_id=line.need_id,
            user_id=line.volunteer_id,
            start=to_minutes(line.starts_at),
            end=to_minutes(line.ends_at),
        )
        if problems:
            raise Conflict(problems[0].code, " ".join(p.message for p in problems))
    line.included = included
    line.save(update_fields=["included"])
    audit(
        actor=actor,
        action="dispatch.line_" + ("include" if included else "exclude"),
        obj=plan,
        org=plan.scope,
        data={"line": line.pk},
    )
    return line


@transaction.atomic
def plan_line_add(
    *,
    actor: Any,
    plan: DispatchPlan,
    need: Need,
    volunteer: Any,
    starts_at: datetime,
    now: datetime | None = None,
) -> DispatchPlanLine:
    """The dispatcher's own choice of a person for a need, at `starts_at` (for the need's
    minutes per person); the hard constraints apply as to the engine's lines."""
    plan = _lock_plan(plan)
    if not can_dispatch(actor, plan.scope):
        raise _deny(_("You may not change this plan."))
    _require_proposed(plan)
    if not need.community.is_within(plan.scope):
        raise ValidationFailed(
            "out_of_scope", _("This need is not in the plan's area."), field="need"
        )
    if need.is_bounty:
        raise ValidationFailed(
            "is_bounty", _("A bounty is taken up by an organisation, not dispatched."), field="need"
        )
    if plan.lines.filter(need=need, volunteer=volunteer).exists():
        raise Conflict(
            "line_exists", _("This person is already in the plan for this need."), field="volunteer"
        )
    now = now or timezone.now()
    _require_in_pool(plan.scope, [volunteer], starts_at)
    start = to_minutes(starts_at)
    end = start + need.minutes_each
    ledger, others = _plan_ledger(
        plan, [(need.pk, volunteer.pk, starts_at, to_datetime(end))], now=now
    )
    for other in others:
        ledger.take(
            other.need_id,
            other.volunteer_id,
            to_minutes(other.starts_at),
            to_minutes(other.ends_at),
        )
    problems = hard_problems(ledger, need_id=need.pk, user_id=volunteer.pk, start=start, end=end)
    if problems:
        raise _first_error(problems)
    line = DispatchPlanLine.objects.create(
        plan=plan,
        need=need,
        volunteer=volunteer,
        starts_at=to_datetime(start),
        ends_at=to_datetime(end),
        score=0.0,
        reasons=_hand_reasons(ledger.needs[need.pk], ledger.people[volunteer.pk], start, end),
        included=True,
        added_by_hand=True,
    )
    audit(
        actor=actor,
        action="dispatch.line_add",
        obj=plan,
        org=plan.scope,
        data={"need": need.pk, "volunteer": volunteer.pk},
    )
    return line


@transaction.atomic
def dispatch_plan_discard(*, actor: Any, plan: DispatchPlan) -> DispatchPlan:
    plan = _lock_plan(plan)
    if not can_dispatch(actor, plan.scope):
        raise _deny(_("You may not change this plan."))
    _require_proposed(plan)
    plan.state = DispatchPlan.State.DISCARDED
    plan.save(update_fields=["state", "updated_at"])
    audit(actor=actor, action="dispatch.discard", obj=plan, org=plan.scope)
    return plan


def _lock_needs_and_people(need_ids: Iterable[int], user_ids: Iterable[int]) -> None:
    """The one lock order of dispatch: needs, then people, each by id (accepting, declining and
    claiming take the need first, then the person, as well)."""
    list(
        Need.objects.select_for_update()
        .filter(pk__in=sorted(set(need_ids)))
        .order_by("pk")
        .values_list("pk")
    )
    list(
        get_user_model()
        .objects.select_for_update()
        .filter(pk__in=sorted(set(user_ids)))
        .order_by("pk")
        .values_list("pk")
    )


def _make_offers(
    *,
    actor: Any,
    plan: DispatchPlan,
    lines: Sequence[DispatchPlanLine],
    stale_code: str | None,
    now: datetime,
) -> list[NeedAssignment]:
    """Check every line against the database now and turn them into offers, all or none."""
    _lock_needs_and_people([ln.need_id for ln in lines], [ln.volunteer_id for ln in lines])
    ledger = Ledger(
        need_ids=[ln.need_id for ln in lines],
        user_ids=[ln.volunteer_id for ln in lines],
        start=min(to_minutes(ln.starts_at) for ln in lines),
        end=max(to_minutes(ln.ends_at) for ln in lines),
        now=now,
    )
    changes: list[str] = []
    for line in lines:
        start, end = to_minutes(line.starts_at), to_minutes(line.ends_at)
        problems = hard_problems(
            ledger, need_id=line.need_id, user_id=line.volunteer_id, start=start, end=end
        )
        if problems:
            facts = ledger.needs.get(line.need_id)
            who = f"{ledger.names.get(line.volunteer_id, '')} · {facts.need.title if facts else line.need_id}"
            if stale_code is None:
                raise _first_error(problems, who=who)
            changes.append(
                _("%(who)s: %(problem)s")
                % {"who": who, "problem": " ".join(p.message for p in problems)}
            )
            continue
        ledger.take(line.need_id, line.volunteer_id, start, end)
    if changes:
        raise Conflict(
            stale_code or "plan_stale",
            _("This plan is out of date and nothing was applied. What changed: %(changes)s")
            % {"changes": " ".join(changes)},
        )
    offers = [
        NeedAssignment.objects.create(
            need_id=line.need_id,
            volunteer_id=line.volunteer_id,
            source=NeedAssignment.Source.PLAN,
            plan=plan,
            starts_at=line.starts_at,
            ends_at=line.ends_at,
            score=line.score,
            reasons=line.reasons,
            state=A.OFFERED,
        )
        for line in lines
    ]
    for need_id in sorted({ln.need_id for ln in lines}):
        need = ledger.needs[need_id].need
        if need.state == S.ACCEPTED:
            need_move(need=need, to=S.DISPATCHED, actor=actor, data={"plan": plan.pk})
    plan.state = DispatchPlan.State.APPLIED
    plan.applied_by, plan.applied_at = actor, now
    plan.save(update_fields=["state", "applied_by", "applied_at", "updated_at"])
    audit(
        actor=actor, action="dispatch.apply", obj=plan, org=plan.scope, data={"offers": len(offers)}
    )
    for offer in offers:
        title, when = ledger.needs[offer.need_id].need.title, local_text(offer.starts_at)
        notify(
            users=[get_user_model()(pk=offer.volunteer_id)],
            kind="dispatch.offer",
            title=lambda title=title, when=when: (
                _("New offer: %(title)s at %(time)s") % {"title": title, "time": when}
            ),
            url=offers_url(),
        )
    return offers


@transaction.atomic
def dispatch_plan_apply(
    *, actor: Any, plan: DispatchPlan, now: datetime | None = None
) -> list[NeedAssignment]:
    """Turn the plan's included lines into offers, in one transaction (see the module docstring)."""
    plan = _lock_plan(plan)
    if not can_dispatch(actor, plan.scope):
        raise _deny(_("You may not apply this plan."))
    _require_proposed(plan)
    lines = list(plan.lines.filter(included=True).order_by("need_id", "starts_at", "pk"))
    if not lines:
        raise ValidationFailed(
            "plan_empty", _("No line of this plan is included: there is nothing to apply.")
        )
    return _make_offers(
        actor=actor, plan=plan, lines=lines, stale_code="plan_stale", now=now or timezone.now()
    )


@transaction.atomic
def need_dispatch_direct(
    *,
    actor: Any,
    need: Need,
    volunteers: Sequence[Any],
    starts_at: datetime,
    now: datetime | None = None,
) -> list[NeedAssignment]:
    """The dispatcher names the people for a need (POST /needs/{id}/dispatch): recorded as a plan
    of hand-made lines for the community, applied at once with the same checks."""
    need = need_lock(need.pk)
    if not can_dispatch(actor, need.community):
        raise _deny(
            _(
                "Only the league committees above and the community's league secretary dispatch needs."
            )
        )
    if need.is_bounty:
        raise ValidationFailed(
            "is_bounty", _("A bounty is taken up by an organisation, not dispatched.")
        )
    people = list({v.pk: v for v in volunteers}.values())
    if not people:
        raise ValidationFailed(
            "volunteers_required", _("Name at least one volunteer."), field="volunteers"
        )
    now = now or timezone.now()
    area = widest_scope(actor, need.community) or need.community
    _require_in_pool(area, people, starts_at)
    start = to_minutes(starts_at)
    end = start + need.minutes_each
    ledger = Ledger(
        need_ids=[need.pk], user_ids=[p.pk for p in people], start=start, end=end, now=now
    )
    plan = DispatchPlan.objects.create(
        scope=need.community,
        created_by=actor,
        horizon_start=to_datetime(start),
        horizon_end=to_datetime(end),
        weights={},
        stats={"direct": True, "needs": 1, "volunteers": len(people)},
    )
    lines = DispatchPlanLine.objects.bulk_create(
        [
            DispatchPlanLine(
                plan=plan,
                need=need,
                volunteer_id=p.pk,
                starts_at=to_datetime(start),
                ends_at=to_datetime(end),
                score=0.0,
                reasons=_hand_reasons(ledger.needs[need.pk], ledger.people[p.pk], start, end)
                if p.pk in ledger.people
                else [{"code": "by_hand", "params": {}}],
                added_by_hand=True,
            )
            for p in people
        ]
    )
    return _make_offers(actor=actor, plan=plan, lines=lines, stale_code=None, now=now)


# --- the volunteer's answer ---------------------------------------------------------------------
def _lock_assignment(assignment: NeedAssignment) -> tuple[Need, NeedAssignment]:
    need = need_lock(assignment.need_id)
    # Only the assignment's own row: PostgreSQL cannot lock the nullable side (plan) of a join.
    locked = (
        NeedAssignment.objects.select_for_update(of=("self",))
        .select_related("plan", "volunteer")
        .get(pk=assignment.pk)
    )
    return need, locked


def _dispatchers_of(assignment: NeedAssignment, need: Need) -> list[Any]:
    plan = assignment.plan
    if plan is not None and (plan.applied_by_id or plan.created_by_id):
        return [get_user_model()(pk=plan.applied_by_id or plan.created_by_id)]
    return list(
        access.holders_over(need.community, [Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY])
    )


def _answer_url(assignment: NeedAssignment, need: Need) -> str:
    return plan_url(assignment.plan) if assignment.plan is not None else f"/needs/{need.pk}/"


def _organiser_agent(need: Need, assignment: NeedAssignment) -> Any:
    """Who organises the duty activity for the community: the plan's dispatcher, else the staff
    who took the need up or entered it, whoever of them may still organise its activities."""
    User = get_user_model()
    ids: list[int] = []
    if assignment.plan is not None:
        ids += [i for i in (assignment.plan.applied_by_id, assignment.plan.created_by_id) if i]
    ids += list(
        NeedEvent.objects.filter(need=need, actor__isnull=False)
        .order_by("-at", "-pk")
        .values_list("actor_id", flat=True)[:10]
    )
    if need.entered_by_id:
        ids.append(need.entered_by_id)
    seen: set[int] = set()
    people = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}
    for pk in ids:
        if pk in seen or pk not in people:
            continue
        seen.add(pk)
        if access.can(people[pk], "activity.manage", need.community):
            return people[pk]
    raise Conflict(
        "no_organiser",
        _(
            "Nobody at the community can organise this duty at the moment; please ask the community."
        ),
    )


def _put_on_shift(need: Need, assignment: NeedAssignment, now: datetime) -> SignUp:
    """Sign the volunteer up, through duty's services, for a shift at the assignment's time of
    the duty activity linked to the need (both made when first needed)."""
    activity = (
        Activity.objects.filter(need=need)
        .exclude(state=Activity.State.CANCELLED)
        .order_by("pk")
        .first()
    )
    agent = None
    if activity is None:
        agent = _organiser_agent(need, assignment)
        activity = duty.activity_create(
            actor=agent,
            organiser=need.community,
            title=need.title,
            mode=DutyMode.CONCENTRATED
            if adapter.is_vacation(timezone.localtime(assignment.starts_at).date())
            else DutyMode.REGULAR,
            description=need.description,
            remote_allowed=need.is_remote,
            place=need.address[:120],
            address=need.address,
            lat=need.lat,
            lng=need.lng,
            required_courses=list(need.required_courses.all()),
            requires_insurance=need.needs_insurance,
            need=need,
        )
    slot = Q(activity=activity, starts_at=assignment.starts_at, ends_at=assignment.ends_at)
    shift: Shift | None = (
        Shift.objects.filter(slot)
        .annotate(taken=Count("signups", filter=Q(signups__state=SignUp.State.CONFIRMED)))
        .filter(taken__lt=F("capacity"))
        .order_by("pk")
        .first()
    )
    if shift is None:
        # As many places as people still to come at this time: those with a live place on the
        # need at this slot who are not signed up yet (the accepting person among them).
        live = NeedAssignment.objects.filter(
            need=need,
            state__in=NeedAssignment.LIVE_STATES,
            starts_at=assignment.starts_at,
            ends_at=assignment.ends_at,
        ).count()
        signed = SignUp.objects.filter(
            shift__in=Shift.objects.filter(slot), state=SignUp.State.CONFIRMED
        ).count()
        shift = duty.shift_add(
            actor=agent or _organiser_agent(need, assignment),
            activity=activity,
            starts_at=assignment.starts_at,
            ends_at=assignment.ends_at,
            capacity=max(1, live - signed),
        )
    signup = duty.shift_sign_up(actor=assignment.volunteer, shift=shift, now=now)
    if signup.state != SignUp.State.CONFIRMED:
        # Someone took the last place through the duty pages a moment ago: a shift of its own.
        duty.shift_cancel(actor=assignment.volunteer, signup=signup, now=now)
        shift = duty.shift_add(
            actor=agent or _organiser_agent(need, assignment),
            activity=activity,
            starts_at=assignment.starts_at,
            ends_at=assignment.ends_at,
            capacity=1,
        )
        signup = duty.shift_sign_up(actor=assignment.volunteer, shift=shift, now=now)
    return signup


def _not_yours() -> NotFound:
    return NotFound("not_found", _("No such offer."))


@transaction.atomic
def assignment_accept(
    *, actor: Any, assignment: NeedAssignment, now: datetime | None = None
) -> NeedAssignment:
    """The volunteer takes the offer (接单): the need is in progress from the first acceptance, and
    the volunteer is on the need's duty shift. Duty's refusals (training, insurance, another
    shift at that time) refuse the acceptance with their message."""
    need, assignment = _lock_assignment(assignment)
    if assignment.volunteer_id != getattr(actor, "pk", None):
        raise _not_yours()
    if assignment.state == A.ACCEPTED:
        return assignment
    if assignment.state != A.OFFERED:
        raise Conflict(
            "offer_closed",
            _("This offer is no longer open (%(state)s).")
            % {"state": assignment.get_state_display()},
        )
    now = now or timezone.now()
    if assignment.starts_at <= now:
        raise Conflict("offer_expired", _("This offer's time has already begun."))
    if need.state not in (S.DISPATCHED, S.CLAIMED, S.IN_PROGRESS):
        raise Conflict(
            "need_closed", _("The need is %(state)s now.") % {"state": Need.State(need.state).label}
        )
    assignment.state, assignment.responded_at = A.ACCEPTED, now
    assignment.save(update_fields=["state", "responded_at", "updated_at"])
    if need.state in (S.DISPATCHED, S.CLAIMED):
        need_move(need=need, to=S.IN_PROGRESS, actor=actor, data={"assignment": assignment.pk})
    _put_on_shift(need, assignment, now)
    audit(
        actor=actor,
        action="need_assignment.accept",
        obj=assignment,
        org=need.community,
        data={"need": need.pk},
    )
    name, title = assignment.volunteer.name, need.title
    notify(
        users=_dispatchers_of(assignment, need),
        kind="dispatch.accepted",
        title=lambda: _("%(name)s accepted %(title)s") % {"name": name, "title": title},
        url=_answer_url(assignment, need),
    )
    return assignment


def _reopen_if_empty(need: Need, actor: Any, reason: str) -> None:
    if (
        need.state in (S.DISPATCHED, S.CLAIMED, S.IN_PROGRESS)
        and not NeedAssignment.objects.filter(
            need=need, state__in=NeedAssignment.LIVE_STATES
        ).exists()
    ):
        need_move(need=need, to=S.ACCEPTED, actor=actor, reason=reason)


def _reason(text: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed("reason_required", _("Please give a reason."), field="reason")
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            "reason_too_long",
            _("Please keep it to %(n)d characters.") % {"n": REASON_MAX},
            field="reason",
        )
    return text


@transaction.atomic
def assignment_decline(
    *, actor: Any, assignment: NeedAssignment, reason: str, now: datetime | None = None
) -> NeedAssignment:
    """The volunteer turns the offer down, saying why; the place re-opens for another plan."""
    need, assignment = _lock_assignment(assignment)
    if assignment.volunteer_id != getattr(actor, "pk", None):
        raise _not_yours()
    reason = _reason(reason, required=True)
    if assignment.state != A.OFFERED:
        raise Conflict(
            "offer_closed",
            _("This offer is no longer open (%(state)s).")
            % {"state": assignment.get_state_display()},
        )
    assignment.state, assignment.responded_at, assignment.reason = (
        A.DECLINED,
        now or timezone.now(),
        reason,
    )
    assignment.save(update_fields=["state", "responded_at", "reason", "updated_at"])
    _reopen_if_empty(need, actor, _("Every offer was declined."))
    audit(
        actor=actor,
        action="need_assignment.decline",
        obj=assignment,
        org=need.community,
        data={"need": need.pk},
    )
    name, title = assignment.volunteer.name, need.title
    notify(
        users=_dispatchers_of(assignment, need),
        kind="dispatch.declined",
        title=lambda: (
            _("%(name)s declined %(title)s: a place is open again") % {"name": name, "title": title}
        ),
        body=reason,
        url=_answer_url(assignment, need),
    )
    return assignment


@transaction.atomic
def assignment_withdraw(
    *, actor: Any, assignment: NeedAssignment, reason: str = "", now: datetime | None = None
) -> NeedAssignment:
    """Take a person off a need: the volunteer before the start, or a dispatcher at any time.
    An accepted place's duty sign-up is cancelled through duty (its cut-off applies to the
    volunteer)."""
    need, assignment = _lock_assignment(assignment)
    own = assignment.volunteer_id == getattr(actor, "pk", None)
    dispatcher = can_dispatch(actor, need.community)
    if not own and not dispatcher:
        raise _not_yours()
    if assignment.state not in NeedAssignment.LIVE_STATES:
        raise Conflict(
            "offer_closed",
            _("This offer is no longer open (%(state)s).")
            % {"state": assignment.get_state_display()},
        )
    now = now or timezone.now()
    if own and not dispatcher and assignment.starts_at <= now:
        raise Conflict(
            "already_started", _("The service has begun; please tell the community instead.")
        )
    reason = _reason(reason, required=not own)
    if assignment.state == A.ACCEPTED:
        for signup in SignUp.objects.filter(
            user_id=assignment.volunteer_id,
            state__in=SignUp.LIVE_STATES,
            shift__activity__need=need,
            shift__starts_at=assignment.starts_at,
            shift__ends_at=assignment.ends_at,
        ).select_related("shift"):
            duty.shift_cancel(actor=actor, signup=signup, now=now)
    assignment.state, assignment.responded_at, assignment.reason = A.WITHDRAWN, now, reason
    assignment.save(update_fields=["state", "responded_at", "reason", "updated_at"])
    _reopen_if_empty(need, actor, _("Every person on it was withdrawn."))
    audit(
        actor=actor,
        action="need_assignment.withdraw",
        obj=assignment,
        org=need.community,
        data={"need": need.pk, "own": own},
    )
    name, title = assignment.volunteer.name, need.title
    notify(
        users=_dispatchers_of(assignment, need) if own else [assignment.volunteer],
        kind="dispatch.withdrawn",
        title=lambda: _("%(name)s is no longer on %(title)s") % {"name": name, "title": title},
        body=reason,
        url=offers_url() if not own else f"/needs/{need.pk}/",
    )
    return assignment


# --- first come, first served (抢单) --------------------------------------------------------------
def may_grab(user: Any, need: Need) -> bool:
    """Open-claim needs are open to students of universities in the need's city."""
    profile = (
        StudentProfile.objects.filter(user_id=getattr(user, "pk", None))
        .select_related("university")
        .first()
    )
    return profile is not None and profile.university.city_id == need.community.city_id


@transaction.atomic
def need_grab(
    *, actor: Any, need: Need, starts_at: datetime | None = None, now: datetime | None = None
) -> NeedAssignment:
    """A student takes a place on an open-claim need (抢单), at `starts_at` or at the first time
    they can serve. The need's row lock makes places first come, first served."""
    need = need_lock(need.pk)
    if not may_grab(actor, need):
        raise _deny(_("Only student volunteers of this city can claim needs."))
    if not need.open_claim or need.is_bounty:
        raise Conflict("not_open_claim", _("This need is not open to claim."))
    if need.state not in Need.STAFFABLE_STATES:
        raise Conflict(
            "need_closed", _("The need is %(state)s now.") % {"state": Need.State(need.state).label}
        )
    _lock_needs_and_people([], [actor.pk])
    now = now or timezone.now()
    now_m = to_minutes(now)
    if starts_at is not None:
        first, last = to_minutes(starts_at), to_minutes(starts_at) + need.minutes_each
    else:
        first, last = now_m, now_m + GRAB_LOOKAHEAD_DAYS * DAY
    ledger = Ledger(need_ids=[need.pk], user_ids=[actor.pk], start=first, end=last, now=now)
    facts = ledger.needs[need.pk]
    if facts.held >= need.people_needed:
        raise Conflict("need_full", _("Every place on this need has been taken."))
    if (need.pk, actor.pk) in ledger.on_need:
        raise Conflict("already_assigned", _("You are already on this need."))
    if starts_at is not None:
        candidates = [first]
    else:
        person = ledger.people.get(actor.pk)
        free = person.free(first, last) if person else []
        open_at = adapter.intersect(facts.windows(adapter._ceil_to(now_m + 1, 15), last), free)
        candidates = [a for a, b in open_at if b - a >= need.minutes_each]
        if not candidates:
            raise ValidationFailed(
                "no_free_window", _("You are not free in any of this need's time windows.")
            )
    problems: list[Problem] = []
    for start in candidates:
        found = hard_problems(
            ledger, need_id=need.pk, user_id=actor.pk, start=start, end=start + need.minutes_each
        )
        if not found:
            break
        problems = problems or found
    else:
        raise _first_error(problems)
    assignment = NeedAssignment.objects.create(
        need=need,
        volunteer=actor,
        source=NeedAssignment.Source.CLAIM,
        starts_at=to_datetime(start),
        ends_at=to_datetime(start + need.minutes_each),
        reasons=_hand_reasons(facts, ledger.people[actor.pk], start, start + need.minutes_each)[1:],
        state=A.ACCEPTED,
        responded_at=now,
    )
    if need.state == S.ACCEPTED:
        need_move(need=need, to=S.CLAIMED, actor=actor, data={"assignment": assignment.pk})
    if need.state in (S.CLAIMED, S.DISPATCHED):
        # The claimant holds an accepted place at once (an offer made and taken in one step), so
        # the work is under way as when a dispatched volunteer accepts; they can report it done.
        need_move(need=need, to=S.IN_PROGRESS, actor=actor, data={"assignment": assignment.pk})
    _put_on_shift(need, assignment, now)
    audit(
        actor=actor,
        action="need_assignment.claim",
        obj=assignment,
        org=need.community,
        data={"need": need.pk},
    )
    name, title = actor.name, need.title
    notify(
        users=list(
            access.holders_over(need.community, [Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY])
        ),
        kind="dispatch.claimed",
        title=lambda: _("%(name)s claimed %(title)s") % {"name": name, "title": title},
        url=f"/needs/{need.pk}/",
    )
    return assignment


def scope_choices(user: Any) -> QuerySet[Organisation]:
    """The organisations `user` may make plans for (communities, streets, districts, the city)."""
    qs = Organisation.objects.filter(kind__in=adapter.SCOPE_KINDS, is_active=True)
    if not access.is_platform_staff(user):
        qs = qs.filter(access.subtree_q(user, DISPATCHER_ROLES))
    return qs.order_by("path")


def widest_scope(user: Any, community: Organisation) -> Organisation | None:
    """The largest area above `community` (itself included) for which `user` dispatches: whose
    volunteers `user` may name for the community's needs."""
    chain = {o.pk: o for o in Organisation.objects.filter(pk__in=community.ancestor_ids())}
    for pk in [*community.ancestor_ids(), community.pk]:
        org = chain.get(pk, community if pk == community.pk else None)
        if org is not None and org.kind in adapter.SCOPE_KINDS and can_dispatch(user, org):
            return org
    return None


def _require_in_pool(scope: Organisation, people: Sequence[Any], on: datetime) -> None:
    """The people named by hand must be volunteers of the area, as the engine's are."""
    ids = {p.pk for p in people}
    inside = set(
        adapter.scope_students(scope, on_day=timezone.localtime(on).date())
        .filter(user_id__in=ids)
        .values_list("user_id", flat=True)
    )
    outside = [p for p in people if p.pk not in inside]
    if outside:
        raise ValidationFailed(
            "not_in_scope",
            _("Not a student volunteer of %(area)s (no pairing): %(names)s.")
            % {"area": scope.display_name, "names": "、".join(p.name for p in outside)},
            field="volunteer",
        )
