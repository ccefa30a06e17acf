"""API: needs (需求清单) — ordering (点单), triage, report done, verification, reopening,
closing, following, photos and possible duplicates.

Thin endpoints: the need named in the path is found through the selectors (404 `not_found` for
anything outside the caller's view, as for a need that does not exist), then one service is
called; its errors reach the client with their status and code. Dispatch, accepting an offer and
claiming (`/needs/{id}/dispatch`, `/accept`, `/decline`, `/claim`) live with the dispatch part.
"""

# No `from __future__ import annotations` here: ninja resolves `Query[...]` at runtime.
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from qingshe.api import messages as m
from qingshe.api.errors import ApiError
from qingshe.api.pagination import paginate
from qingshe.api.schemas import error_responses
from qingshe.core import access
from qingshe.core.errors import NotFound, ValidationFailed
from qingshe.core.ratelimits import over_limit
from qingshe.lib.images import CONTENT_TYPES
from qingshe.needs import selectors, services
from qingshe.needs.models import Need
from qingshe.needs.schemas_needs import (
    FollowIn,
    FollowOut,
    NeedDetailOut,
    NeedFilter,
    NeedIn,
    NeedOut,
    NoteIn,
    PhotoOut,
    SimilarIn,
    SimilarOut,
    TriageIn,
)
from qingshe.needs.similar import SimilarNeed, similar_needs
from qingshe.orgs import selectors as org_selectors

router = Router(tags=["needs"])


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _need(request: HttpRequest, need_id: int) -> Need:
    return selectors.need_get_for_user(user=_user(request), need_id=need_id)


def _detail(request: HttpRequest, need_id: int) -> Need:
    user = _user(request)
    need = selectors.need_get_for_user(user=user, need_id=need_id, detail=True)
    history = selectors.need_history(need=need)
    if not access.can(user, "need.view", need.community):
        # The resident who ordered it is named only to the community's side.
        for event in history:
            if event.actor_id == need.reporter_id and event.actor_id != user.pk:
                event.actor = None
    need.history = history  # type: ignore[attr-defined]
    need.actions = selectors.need_actions(user=user, need=need)  # type: ignore[attr-defined]
    return need


def _community(request: HttpRequest, community_id: int) -> Any:
    try:
        return org_selectors.org_get_for_user(user=_user(request), org_id=community_id)
    except NotFound as exc:
        exc.field = "community"
        raise


@router.get(
    "/needs",
    response={200: list[NeedOut], **error_responses(401, 422)},
    summary="Needs the caller may see",
)
@paginate
def need_list(request: HttpRequest, filters: Query[NeedFilter]) -> Any:
    """The community's staff, league secretary, panel, council and league admins see their
    communities' needs; a resident sees what they ordered or follow (also with `mine=true`); a
    student the needs of their own assignments. Most urgent first, then longest waiting."""
    user = _user(request)
    if filters.mine:
        return selectors.my_needs(user=user, state=filters.state or "").select_related("reporter")
    return selectors.need_list_for_user(
        user=user,
        filters=selectors.NeedFilters(
            state=filters.state or "",
            project_type=filters.project_type or "",
            service_field=filters.service_field or "",
            urgency=filters.urgency,
            older_than_days=filters.older_than_days,
            community_id=filters.community,
            is_bounty=filters.is_bounty,
            q=(filters.q or "").strip(),
        ),
    )


@router.post(
    "/needs",
    response={201: NeedDetailOut, **error_responses(401, 403, 404, 409, 422, 429)},
    summary="Order a service (点单), or post a need or a bounty (发榜)",
)
def need_create(request: HttpRequest, payload: NeedIn) -> Any:
    """By a resident of the community, or its staff (also for a resident: `on_behalf_of`; a
    bounty: `is_bounty`). Photos are added afterwards with `POST /needs/{id}/photos`.
    403 `forbidden`; 404 `not_found` (field `community`); 422 `title_required`,
    `title_too_long`, `invalid_choice`, `invalid_people` (0 or more than 500), `invalid_minutes`,
    `invalid_window` (an end before its start), `window_in_past`, `window_too_long`,
    `too_many_windows`, `invalid_course`, `invalid_resident`, `invalid_location`; 429
    `throttled` past QINGSHE_RATE_LIMITS["need_order"] orders per person."""
    if over_limit(request, "need_order"):
        raise ApiError(429, "throttled", m.THROTTLED, retry_after=60)
    user = _user(request)
    community = _community(request, payload.community)
    on_behalf_of = None
    if payload.on_behalf_of is not None:
        from qingshe.accounts.models import User

        on_behalf_of = User.objects.filter(pk=payload.on_behalf_of, is_active=True).first()
        if on_behalf_of is None or not selectors.is_resident_of(on_behalf_of, community):
            raise ValidationFailed(
                "invalid_resident",
                _("The person is not a resident of this community."),
                field="on_behalf_of",
            )
    need = services.need_submit(
        actor=user,
        community=community,
        title=payload.title,
        description=payload.description,
        project_type=payload.project_type,
        service_field=payload.service_field,
        work_kind=payload.work_kind,
        skills=payload.skills,
        majors=payload.majors,
        windows=[(w.starts_at, w.ends_at) for w in payload.windows],
        people_needed=payload.people_needed,
        urgency=payload.urgency,
        minutes_each=payload.minutes_each,
        required_courses=payload.required_courses,
        needs_insurance=payload.needs_insurance,
        open_claim=payload.open_claim,
        is_remote=payload.is_remote,
        is_bounty=payload.is_bounty,
        address=payload.address,
        lat=payload.lat,
        lng=payload.lng,
        on_behalf_of=on_behalf_of,
    )
    return Status(201, _detail(request, need.pk))


def _similar_rows(found: list[SimilarNeed]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.need.pk,
            "title": s.need.title,
            "community": {"id": s.need.community_id, "name": s.need.community.name},
            "project_type": s.need.project_type,
            "state": s.need.state,
            "created_at": s.need.created_at,
            "distance_m": round(s.distance_m, 1) if s.distance_m is not None else None,
            "text_score": round(s.text_score, 3),
            "reasons": s.reasons,
        }
        for s in found
    ]


@router.post(
    "/needs/similar",
    response={200: list[SimilarOut], **error_responses(401, 403, 404, 422)},
    summary="Open needs like a draft (possible duplicates at intake)",
)
@paginate
def need_similar_draft(request: HttpRequest, payload: SimilarIn) -> Any:
    """At most five open needs like the draft: of the same project type within ~250 m, or worded
    alike in the same community; best first, each with its reasons. Offer to follow one
    (`POST /needs/{id}/follow`) instead of ordering the same thing again. For the community's
    residents and staff (403 `forbidden` for others)."""
    user = _user(request)
    community = _community(request, payload.community)
    if not (selectors.is_resident_of(user, community) or selectors.is_staff_of(user, community)):
        from qingshe.core.errors import AccessDenied

        raise AccessDenied(
            "forbidden", _("Only residents and staff of this community can post its needs.")
        )
    return _similar_rows(
        similar_needs(
            community=community,
            project_type=payload.project_type,
            title=payload.title,
            description=payload.description,
            lat=payload.lat,
            lng=payload.lng,
        )
    )


@router.get(
    "/needs/{need_id}",
    response={200: NeedDetailOut, **error_responses(401, 404, 422)},
    summary="One need, with its windows, photos, history and what the caller may do",
)
def need_detail(request: HttpRequest, need_id: int) -> Any:
    return _detail(request, need_id)


@router.get(
    "/needs/{need_id}/similar",
    response={200: list[SimilarOut], **error_responses(401, 404, 422)},
    summary="Open needs like this one (for triage: is it a duplicate?)",
)
@paginate
def need_similar(request: HttpRequest, need_id: int) -> Any:
    need = _need(request, need_id)
    return _similar_rows(
        similar_needs(
            community=need.community,
            project_type=need.project_type,
            title=need.title,
            description=need.description,
            lat=need.lat,
            lng=need.lng,
            exclude_id=need.pk,
        )
    )


@router.post(
    "/needs/{need_id}/triage",
    response={200: NeedDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Triage a need: accept, reject, duplicate or not responsible",
)
def need_triage(request: HttpRequest, need_id: int, payload: TriageIn) -> Any:
    """By the community's staff or league secretary. `reject` and `not_responsible` need a
    `reason` (422 `reason_required`); `duplicate` needs the `original`, an open need of the same
    community (422 `invalid_original`; its reporter and followers then follow the original).
    409 `invalid_state` when the need is past triage (two staff at once: one acts, the other
    gets 409)."""
    user = _user(request)
    need = _need(request, need_id)
    if payload.decision == "accept":
        services.need_accept(actor=user, need=need, reason=payload.reason, urgency=payload.urgency)
    elif payload.decision == "reject":
        services.need_reject(actor=user, need=need, reason=payload.reason)
    elif payload.decision == "duplicate":
        if payload.original is None:
            raise ValidationFailed(
                "original_required", _("Choose the need it repeats."), field="original"
            )
        try:
            original = selectors.need_get_for_user(user=user, need_id=payload.original)
        except NotFound as exc:
            exc.field = "original"
            raise
        services.need_mark_duplicate(
            actor=user, need=need, original=original, reason=payload.reason
        )
    elif payload.decision == "not_responsible":
        services.need_not_responsible(
            actor=user, need=need, reason=payload.reason, refer_to=payload.refer_to
        )
    else:
        raise ValidationFailed(
            "invalid_choice", _("Choose one of the listed options."), field="decision"
        )
    return _detail(request, need.pk)


@router.post(
    "/needs/{need_id}/complete",
    response={200: NeedDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Report the work done (in progress → reported done)",
)
def need_complete(request: HttpRequest, need_id: int, payload: NoteIn) -> Any:
    """By the people doing it: a volunteer with an accepted assignment, a manager of its project
    group, an admin of the organisation that claimed the bounty (403 `forbidden` for others).
    422 `note_required`; 409 `invalid_state`. Evidence photos: `POST /needs/{id}/photos` with
    `stage=done`."""
    need = _need(request, need_id)
    services.need_report_done(actor=_user(request), need=need, note=payload.note)
    return _detail(request, need.pk)


@router.post(
    "/needs/{need_id}/verify",
    response={200: NeedDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Verify the work with evidence (reported done → verified)",
)
def need_verify(request: HttpRequest, need_id: int, payload: NoteIn) -> Any:
    """By the evaluation panel or the community's staff. The note is the evidence: how it was
    checked (422 `evidence_required`). Photos: `POST /needs/{id}/photos` with `stage=verified`."""
    need = _need(request, need_id)
    services.need_verify(actor=_user(request), need=need, evidence=payload.note)
    return _detail(request, need.pk)


@router.post(
    "/needs/{need_id}/send-back",
    response={200: NeedDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Send work back as not done (reported done → in progress)",
)
def need_send_back(request: HttpRequest, need_id: int, payload: NoteIn) -> Any:
    need = _need(request, need_id)
    services.need_send_back(actor=_user(request), need=need, reason=payload.note)
    return _detail(request, need.pk)


@router.post(
    "/needs/{need_id}/reopen",
    response={200: NeedDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Reopen a verified need as not solved (verified → in progress)",
)
def need_reopen(request: HttpRequest, need_id: int, payload: NoteIn) -> Any:
    """By the resident who reported it or a follower; the note says what is still not solved
    (422 `reason_required`). 409 `invalid_state` unless the need is verified."""
    need = _need(request, need_id)
    services.need_reopen(actor=_user(request), need=need, reason=payload.note)
    return _detail(request, need.pk)


@router.post(
    "/needs/{need_id}/close",
    response={200: NeedDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Close a verified need (verified → closed)",
)
def need_close(request: HttpRequest, need_id: int, payload: NoteIn) -> Any:
    need = _need(request, need_id)
    services.need_close(actor=_user(request), need=need, reason=payload.note)
    return _detail(request, need.pk)


@router.post(
    "/needs/{need_id}/follow",
    response={200: FollowOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Follow a need (or stop following it)",
)
def need_follow(request: HttpRequest, need_id: int, payload: FollowIn) -> Any:
    """A resident follows an open need instead of ordering the same thing again: told of its
    progress, may reopen it once verified. Residents of the need's street may follow needs
    shown to them as similar; staff may follow for a resident (`resident`). 409 `need_closed`,
    `own_need`."""
    user = _user(request)
    person = None
    if payload.resident is not None:
        from qingshe.accounts.models import User

        person = User.objects.filter(pk=payload.resident, is_active=True).first()
        if person is None or not services.may_act_for(user, person):
            raise NotFound("not_found", _("No such resident."), field="resident")
    need = selectors.need_get_for_follow(user=person or user, need_id=need_id)
    if payload.follow:
        services.need_follow(actor=user, need=need, user=person)
    else:
        services.need_unfollow(actor=user, need=need, user=person)
    return {
        "following": need.followers.filter(user=person or user).exists(),
        "follower_count": need.followers.count(),
    }


@router.post(
    "/needs/{need_id}/photos",
    response={201: list[PhotoOut], **error_responses(401, 403, 404, 409, 422)},
    summary="Add photos (multipart: `files`, `stage`)",
)
def need_photo_add(
    request: HttpRequest, need_id: int, files: File[list[UploadedFile]], stage: Form[str] = "intake"
) -> Any:
    """`stage=intake` by its reporter or staff while it is open; `done` by the people doing it
    (in progress or reported done); `verified` by the verifiers. Each file is checked by content:
    JPEG, PNG or WebP, at most 10 MB (422 `photo_not_image`, `photo_too_large`,
    `too_many_photos`, at most 6 at once); stored re-encoded without metadata."""
    need = _need(request, need_id)
    saved = services.need_photo_add(actor=_user(request), need=need, photos=files, stage=stage)
    return Status(201, saved)


@router.get(
    "/needs/{need_id}/photos/{photo_id}",
    response={200: None, **error_responses(401, 404, 422)},
    summary="One photo of a need (the image itself)",
    url_name="need_photo_get",
)
def need_photo_get(request: HttpRequest, need_id: int, photo_id: int) -> Any:
    photo = selectors.need_photo_get_for_user(
        user=_user(request), need_id=need_id, photo_id=photo_id
    )
    try:
        handle = photo.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound("not_found", _("No such photo.")) from exc
    response = FileResponse(
        handle, content_type=CONTENT_TYPES.get(photo.extension, "application/octet-stream")
    )
    response["Content-Disposition"] = (
        f'inline; filename="need-{photo.need_id}-{photo.pk}.{photo.extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
