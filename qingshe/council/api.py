"""API of the council app: monthly lists, council meetings and resolutions, verification by the
evaluation panel, residents' rating by link (no account), monthly feedback forms, evaluations.

Thin endpoints: objects named in the path or body are found through the selectors (404
`not_found` for anything outside the caller's view), then one service is called; its errors
reach the client with their status, code and field."""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from datetime import date
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from qingshe.api import messages as m
from qingshe.api.errors import ApiError
from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.core import access
from qingshe.core.errors import NotFound, ValidationFailed
from qingshe.core.ratelimits import over_limit
from qingshe.core.timeutil import month_bounds, parse_month
from qingshe.council import selectors, selectors_scores, services
from qingshe.council.models import Evaluation
from qingshe.council.schemas import (
    CloseIn,
    DecideIn,
    EvaluationFilter,
    EvaluationIn,
    EvaluationOut,
    FeedbackFilter,
    FeedbackIn,
    FeedbackOut,
    ListFilter,
    MeetingFilter,
    MeetingIn,
    MeetingOut,
    MonthlyListOut,
    RatingIn,
    RatingOut,
    ResolutionIn,
    ResolutionOut,
    ScoreFilter,
    ScoreOut,
    SendBackIn,
    VerifyIn,
)
from qingshe.duty.models import Activity
from qingshe.needs.models import ProjectGroup
from qingshe.orgs.models import Organisation
from qingshe.programmes.models import Pairing

router = Router(tags=["council"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _month(raw: str | None, *, required: bool = False) -> tuple[int, int] | None:
    if raw is None or raw == "":
        if required:
            raise ValidationFailed("invalid_month", _("Give the month as YYYY-MM."), field="month")
        return None
    parsed = parse_month(raw)
    if parsed is None:
        raise ValidationFailed("invalid_month", _("Give the month as YYYY-MM."), field="month")
    return parsed


@router.get(
    "/council/lists",
    response={200: list[MonthlyListOut], **error_responses(401, 422)},
    summary="Monthly lists (月清单) of the communities the caller may see",
)
@paginate
def list_list(request: HttpRequest, filters: Query[ListFilter]) -> Any:
    """`?month=YYYY-MM` (local calendar month; 422 `invalid_month`), `?community=`. Each list with
    its items ranked (residents affected, urgency, age) and where each item's need is now."""
    month = _month(filters.month)
    return selectors.lists_for_user(
        user=_user(request),
        month=date(*month, 1) if month else None,
        community_id=filters.community,
    )


@router.get(
    "/council/meetings",
    response={200: list[MeetingOut], **error_responses(401)},
    summary="Council meetings (青年议事会)",
)
@paginate
def meeting_list(request: HttpRequest, filters: Query[MeetingFilter]) -> Any:
    return selectors.meetings_for_user(user=_user(request), community_id=filters.community)


@router.post(
    "/council/meetings",
    response={201: MeetingOut, **error_responses(401, 403, 404, 422)},
    summary="Call a council meeting with a finalised monthly list as its agenda",
)
def meeting_create(request: HttpRequest, payload: MeetingIn) -> Any:
    """By the community's youth council or league secretary (403 `forbidden`). 422
    `list_not_final`, `title_required`."""
    user = _user(request)
    mlist = selectors.list_get_for_user(user=user, list_id=payload.monthly_list)
    meeting = services.meeting_create(
        actor=user,
        monthly_list=mlist,
        held_on=payload.held_on,
        title=payload.title,
        place=payload.place,
    )
    return Status(201, meeting)


@router.get(
    "/council/meetings/{meeting_id}",
    response={200: MeetingOut, **error_responses(401, 404)},
    summary="One council meeting",
)
def meeting_get(request: HttpRequest, meeting_id: int) -> Any:
    return selectors.meeting_get_for_user(user=_user(request), meeting_id=meeting_id)


@router.get(
    "/council/meetings/{meeting_id}/resolutions",
    response={200: list[ResolutionOut], **error_responses(401, 404)},
    summary="The meeting's resolutions, each with its need's current state",
)
@paginate
def resolution_list(request: HttpRequest, meeting_id: int) -> Any:
    meeting = selectors.meeting_get_for_user(user=_user(request), meeting_id=meeting_id)
    return selectors.resolutions_of(meeting=meeting)


def _pick(model: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise ValidationFailed(
            f"invalid_{field}", _("Choose one of the listed options."), field=field
        )
    return obj


@router.post(
    "/council/meetings/{meeting_id}/resolutions",
    response={201: ResolutionOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Record the council's decision on one agenda item",
)
def resolution_create(request: HttpRequest, meeting_id: int, payload: ResolutionIn) -> Any:
    """`assign` to exactly one of `team`, `project_group`, `pairing` (the need is taken up for
    dispatch); `refer` with `refer_to`; `decline` with a `reason`. 422 `invalid_item` (not on this
    meeting's agenda, e.g. another community's list), `assignee_required`, `reason_required`,
    `refer_to_required`; 409 `already_resolved`, `meeting_closed`, `invalid_state`."""
    user = _user(request)
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id)
    try:
        item = selectors.item_get_for_user(user=user, item_id=payload.item)
    except NotFound:
        raise ValidationFailed(
            "invalid_item", _("This item is not on this meeting's agenda."), field="item"
        ) from None
    resolution = services.meeting_resolve(
        actor=user,
        meeting=meeting,
        item=item,
        kind=payload.kind,
        team=_pick(Organisation, payload.team, "team"),
        project_group=_pick(ProjectGroup, payload.project_group, "project_group"),
        pairing=_pick(Pairing, payload.pairing, "pairing"),
        refer_to=payload.refer_to,
        reason=payload.reason,
    )
    return Status(201, resolution)


@router.post(
    "/council/meetings/{meeting_id}/close",
    response={200: MeetingOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Close the meeting with minutes and attendance",
)
def meeting_close(request: HttpRequest, meeting_id: int, payload: CloseIn) -> Any:
    user = _user(request)
    meeting = selectors.meeting_get_for_user(user=user, meeting_id=meeting_id)
    return services.meeting_close(
        actor=user,
        meeting=meeting,
        minutes=payload.minutes,
        attendee_ids=payload.attendees,
        guests=payload.guests,
    )


@router.post(
    "/council/needs/{need_id}/verify",
    response={200: dict, **error_responses(401, 403, 404, 409, 422)},
    summary="The evaluation panel verifies a need reported solved (青年评议团)",
)
def verify(request: HttpRequest, need_id: int, payload: VerifyIn) -> Any:
    """Only a panel member of the need's community (403 `forbidden`); 422 `evidence_required`.
    The reporter and followers are each sent a one-time rating link. Photos of the evidence are
    added with `POST /needs/{id}/photos` (stage `verified`), which the panel may use."""
    user = _user(request)
    need = selectors.need_for_verifier(user=user, need_id=need_id)
    v = services.council_verify(actor=user, need=need, evidence=payload.evidence)
    return {"need": need.pk, "state": v.need.state, "verification": v.pk}


@router.post(
    "/council/needs/{need_id}/send-back",
    response={200: dict, **error_responses(401, 403, 404, 409, 422)},
    summary="The evaluation panel sends a need back: not done yet",
)
def send_back(request: HttpRequest, need_id: int, payload: SendBackIn) -> Any:
    user = _user(request)
    need = selectors.need_for_verifier(user=user, need_id=need_id)
    v = services.council_send_back(actor=user, need=need, reason=payload.reason)
    return {"need": need.pk, "state": v.need.state, "verification": v.pk}


@router.post(
    "/council/ratings/{token}",
    auth=None,
    response={200: RatingOut, **error_responses(404, 409, 422, 429)},
    summary="A resident's one-tap rating by link (public, no login)",
)
def rate(request: HttpRequest, token: str, payload: RatingIn) -> Any:
    """404 `link_invalid`; 409 `link_used`, `link_expired`; 422 `invalid_choice`, `invalid_stars`;
    429 `throttled` past QINGSHE_RATE_LIMITS["rating"] per address.
    `not_solved` reopens a verified need and tells the team."""
    if over_limit(request, "rating", key="ip"):
        raise ApiError(429, "throttled", m.THROTTLED, retry_after=60)
    return services.rating_submit(
        token=token, outcome=payload.outcome, stars=payload.stars, comment=payload.comment
    )


# --- monthly work feedback forms ---------------------------------------------------------------
@router.get(
    "/feedback-forms",
    response={200: list[FeedbackOut], **error_responses(401, 422)},
    summary="Monthly work feedback forms (工作情况反馈表)",
)
@paginate
def feedback_list(request: HttpRequest, filters: Query[FeedbackFilter]) -> Any:
    month = _month(filters.month)
    return selectors.feedback_forms_for_user(
        user=_user(request), month=date(*month, 1) if month else None, state=filters.state
    )


@router.post(
    "/feedback-forms",
    response={201: FeedbackOut, **error_responses(401, 403, 404, 409, 422)},
    summary="File the month's form (the pairing's branch secretary)",
)
def feedback_create(request: HttpRequest, payload: FeedbackIn) -> Any:
    """Once the month has ended (422 `month_not_ended`), once a month (409 `already_filed`; a
    returned form is filed again the same way). Filed after the 5th of the next month: `is_late`."""
    user = _user(request)
    pairing = Pairing.objects.select_related("unit", "community").filter(pk=payload.pairing).first()
    if pairing is None or not access.can(user, "feedback.view", pairing.unit):
        raise NotFound("not_found", _("No such pairing."))
    year, month = _month(payload.month, required=True)  # type: ignore[misc]
    form = services.feedback_file(
        actor=user,
        pairing=pairing,
        year=year,
        month=month,
        activities_held=payload.activities_held,
        people_involved=payload.people_involved,
        hours=payload.hours,
        solved=payload.solved,
        problems=payload.problems,
        next_plan=payload.next_plan,
    )
    return Status(201, form)


@router.post(
    "/feedback-forms/{form_id}/confirm",
    response={200: FeedbackOut, **error_responses(401, 403, 404, 409)},
    summary="The community confirms the form (the stamp)",
)
def feedback_confirm(request: HttpRequest, form_id: int, payload: DecideIn) -> Any:
    user = _user(request)
    form = selectors.feedback_get_for_user(user=user, form_id=form_id)
    return services.feedback_confirm(actor=user, form=form, comments=payload.comments)


@router.post(
    "/feedback-forms/{form_id}/return",
    response={200: FeedbackOut, **error_responses(401, 403, 404, 409, 422)},
    summary="The community returns the form with comments",
)
def feedback_return(request: HttpRequest, form_id: int, payload: DecideIn) -> Any:
    user = _user(request)
    form = selectors.feedback_get_for_user(user=user, form_id=form_id)
    return services.feedback_return(actor=user, form=form, comments=payload.comments)


# --- evaluations ------------------------------------------------------------------------------
@router.get(
    "/evaluations",
    response={200: list[EvaluationOut], **error_responses(401, 422)},
    summary="Evaluations (月评月考) the caller may see",
)
@paginate
def evaluation_list(request: HttpRequest, filters: Query[EvaluationFilter]) -> Any:
    """Those of the branches and teams the caller looks after, and those the caller gave."""
    user = _user(request)
    qs = Evaluation.objects.filter(
        access.subtree_q(user, access.ORG_ACTIONS["evaluation.view"], prefix="subject_org__")
        | Q(evaluator_id=user.pk)
        | Q(subject_user_id=user.pk)
    )
    if filters.org:
        qs = qs.filter(subject_org_id=filters.org)
    month = _month(filters.month)
    if month:
        start, end = month_bounds(*month)
        qs = qs.filter(at__gte=start, at__lt=end)
    return qs.order_by("-at", "-pk")


@router.post(
    "/evaluations",
    response={201: EvaluationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Give an evaluation (self, peer, resident, community)",
)
def evaluation_create(request: HttpRequest, payload: EvaluationIn) -> Any:
    from qingshe.accounts.models import User

    user = _user(request)
    org = Organisation.objects.filter(pk=payload.subject_org).first()
    if org is None:
        raise ValidationFailed(
            "invalid_subject_org", _("Choose one of the listed options."), field="subject_org"
        )
    evaluation = services.evaluation_submit(
        actor=user,
        kind=payload.kind,
        subject_org=org,
        score=payload.score,
        comment=payload.comment,
        subject_user=_pick(User, payload.subject_user, "subject_user"),
        community=_pick(Organisation, payload.community, "community"),
        activity=_pick(Activity, payload.activity, "activity"),
    )
    return Status(201, evaluation)


@router.get(
    "/council/scores",
    response={200: list[ScoreOut], **error_responses(401, 422)},
    summary="Monthly scores and rankings of branches and volunteer teams (月评月考)",
)
@paginate
def score_list(request: HttpRequest, filters: Query[ScoreFilter]) -> Any:
    """Best first; the rule is in council.selectors_scores (evaluations 70, feedback forms 30)."""
    year, month = _month(filters.month, required=True)  # type: ignore[misc]
    return selectors_scores.monthly_scores(user=_user(request), year=year, month=month)
