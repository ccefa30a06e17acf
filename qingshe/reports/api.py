"""API: typical cases (典型案例) — submit with photos, read, review, edit and resubmit, and the
public list of featured cases.

Thin endpoints: the case named in the path is found through the selectors (404 `not_found` for
anything outside the caller's view, as for a case that does not exist), then one service is
called; its errors reach the client with their status, code and field. A case is sent as
multipart form data with its photos (`photos`, one part per file): the case and its photos are
written together or not at all.
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
from qingshe.core.errors import NotFound, ValidationFailed
from qingshe.core.ratelimits import over_limit
from qingshe.lib.images import CONTENT_TYPES
from qingshe.orgs import selectors as org_selectors
from qingshe.programmes import selectors as programme_selectors
from qingshe.reports import selectors, services
from qingshe.reports.models import TypicalCase
from qingshe.reports.schemas import (
    CaseDetailOut,
    CaseEditIn,
    CaseFilter,
    CaseIn,
    CaseOut,
    CaseReviewIn,
    FeaturedCaseOut,
)

router = Router(tags=["cases"])

PHOTO_RULES = (
    "Photos: JPEG, PNG or WebP by content, as many as the programme asks (`case_photos`, default "
    "5; at most 5 more), each at least its `case_photo_min_kb` (default 1 MB) and at most 10 MB; "
    "stored upright, re-encoded without metadata, with a thumbnail. 422 `photos_too_few`, "
    "`too_many_photos`, `photo_too_small`, `photo_too_large`, `photo_not_image`; "
    "`text_too_short` (counted in characters, white space not counted), `title_required`, "
    "`title_too_long`, `invalid_activity`, `invalid_project`."
)


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _detail(request: HttpRequest, case_id: int) -> TypicalCase:
    user = _user(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    case.actions = {  # type: ignore[attr-defined]
        "review": services.may_review(user, case) and case.state != TypicalCase.State.RETURNED,
        "resubmit": services.may_resubmit(user, case),
    }
    return case


def _links(activity_id: int | None, project_id: int | None) -> dict[str, Any]:
    """The activity and project named by id; the services check that they are the department's
    own, and an unknown id gets the same answer as a foreign one."""
    from qingshe.duty.models import Activity
    from qingshe.needs.models import ProjectGroup

    activity = project = None
    if activity_id is not None:
        activity = (
            Activity.objects.select_related("organiser", "pairing__unit")
            .filter(pk=activity_id)
            .first()
        )
        if activity is None:
            raise ValidationFailed(
                "invalid_activity",
                _("Choose an activity of this department or of its pairings."),
                field="activity",
            )
    if project_id is not None:
        project = ProjectGroup.objects.select_related("owner").filter(pk=project_id).first()
        if project is None:
            raise ValidationFailed(
                "invalid_project",
                _("Choose a project group of this department or of its branches."),
                field="project",
            )
    return {"activity": activity, "project": project}


def _keep(raw: str | None) -> list[int] | None:
    if raw is None:
        return None
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise ValidationFailed(
            "invalid_photo", _("Keep only photos of this case."), field="keep"
        ) from None


@router.get(
    "/cases",
    response={200: list[CaseOut], **error_responses(401, 422)},
    summary="Typical cases the caller may see",
)
@paginate
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    """A department's league admins and its branch secretaries see its cases; university and
    league admins those of the departments in their subtree; a programme's league committee all
    of its cases. Newest submission first; `to_review=true`: the submitted cases waiting for the
    caller's review, the longest waiting first."""
    user = _user(request)
    if filters.to_review:
        qs = selectors.cases_to_review(user=user)
        if filters.programme:
            qs = qs.filter(programme_id=filters.programme)
        if filters.department:
            qs = qs.filter(department_id=filters.department)
        return qs
    return selectors.case_list_for_user(
        user=user,
        filters=selectors.CaseFilters(
            state=filters.state or "",
            programme_id=filters.programme,
            department_id=filters.department,
        ),
    )


@router.post(
    "/cases",
    response={201: CaseDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Submit a typical case with its photos (multipart)",
    description=PHOTO_RULES,
)
def case_create(
    request: HttpRequest,
    payload: Form[CaseIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    """By the department's league admins (403 `forbidden`), to an open programme whose scope
    covers the department (422 `out_of_scope`, 409 `programme_closed`); 404 `not_found` with field
    `programme` or `department` for one the caller cannot see."""
    user = _user(request)
    try:
        programme = programme_selectors.programme_get_for_user(
            user=user, programme_id=payload.programme
        )
    except NotFound as exc:
        exc.field = "programme"
        raise
    try:
        department = org_selectors.org_get_for_user(user=user, org_id=payload.department)
    except NotFound as exc:
        exc.field = "department"
        raise
    case = services.case_submit(
        actor=user,
        programme=programme,
        department=department,
        title=payload.title,
        text=payload.text,
        photos=photos or [],
        **_links(payload.activity, payload.project),
    )
    return Status(201, _detail(request, case.pk))


@router.get(
    "/cases/featured",
    response={200: list[FeaturedCaseOut], **error_responses(422, 429)},
    summary="Featured typical cases (public, no login)",
    auth=None,
)
@paginate
def featured_list(request: HttpRequest, programme: int | None = None) -> Any:
    """What the public page shows, the most recently featured first; photo addresses are the
    public page's. No person is named but where the case's own text names them. 429
    `throttled` past QINGSHE_RATE_LIMITS["featured_cases"] (shared with the public pages)."""
    if over_limit(request, "featured_cases"):
        raise ApiError(429, "throttled", m.THROTTLED, retry_after=60)
    return selectors.featured_cases(programme_id=programme)


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, **error_responses(401, 404, 422)},
    summary="One typical case, with its text, photos and what the caller may do",
)
def case_get(request: HttpRequest, case_id: int) -> Any:
    return _detail(request, case_id)


@router.post(
    "/cases/{case_id}/review",
    response={200: CaseDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Review a case: accept, return with comments, or feature it",
)
def case_review(request: HttpRequest, case_id: int, payload: CaseReviewIn) -> Any:
    """By the programme's league committee (403 `forbidden`). 422 `reason_required` to return
    without comments; 409 `invalid_state` for a returned case (reviewed again once resubmitted)
    or a decision that would change nothing. Accepting a featured case takes it off the public
    page."""
    case = selectors.case_get_for_user(user=_user(request), case_id=case_id)
    services.case_review(
        actor=_user(request), case=case, decision=payload.decision, note=payload.note
    )
    return _detail(request, case_id)


@router.post(
    "/cases/{case_id}/resubmit",
    response={200: CaseDetailOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Edit a returned case and send it for review again (multipart)",
    description=PHOTO_RULES,
)
def case_resubmit(
    request: HttpRequest,
    case_id: int,
    payload: Form[CaseEditIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    """By the department's league admins, while the case is `returned` (409 `invalid_state`).
    `keep` names the photos that stay (422 `invalid_photo` for another case's), `photos` adds new
    ones after them; the count is checked on the result."""
    user = _user(request)
    case = selectors.case_get_for_user(user=user, case_id=case_id)
    services.case_resubmit(
        actor=user,
        case=case,
        title=payload.title,
        text=payload.text,
        keep=_keep(payload.keep),
        photos=photos or [],
        **_links(payload.activity, payload.project),
    )
    return _detail(request, case_id)


@router.get(
    "/cases/{case_id}/photos/{photo_id}",
    response={200: None, **error_responses(401, 404, 422)},
    summary="One photo of a case, or its thumbnail (the image itself)",
    url_name="case_photo_get",
)
def case_photo_get(
    request: HttpRequest, case_id: int, photo_id: int, thumbnail: bool = False
) -> Any:
    photo = selectors.case_photo_get_for_user(
        user=_user(request), case_id=case_id, photo_id=photo_id
    )
    field = photo.thumbnail if thumbnail else photo.file
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound("not_found", _("No such photo.")) from exc
    extension = "jpg" if thumbnail else photo.extension
    response = FileResponse(
        handle, content_type=CONTENT_TYPES.get(extension, "application/octet-stream")
    )
    response["Content-Disposition"] = (
        f'inline; filename="case-{photo.case_id}-{photo.order}.{extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
