"""Need pages: ordering a service (点单) on a phone, the community's need board, a need's page
with the buttons its viewer may use, a resident's own orders, and the photos of a need.

Thin views: reads through needs.selectors, writes through needs.services. With htmx a button's
answer is the need's changed part (#workflow); without it a redirect, or the page again with the
service's error and its status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from qingshe.core import access
from qingshe.core.errors import NotFound, ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import PAGE_SIZE, add_service_error, get_or_404, paginate, render_page
from qingshe.core.page_cache import page_cache
from qingshe.core.ratelimits import over_limit, throttled_page
from qingshe.lib.images import CONTENT_TYPES
from qingshe.needs import selectors, services
from qingshe.needs.forms_needs import (
    BoardFilterForm,
    NoteForm,
    OrderForm,
    OrderStartForm,
    PhotoForm,
    TriageForm,
)
from qingshe.needs.models import Need, NeedPhoto, ProjectType, Urgency
from qingshe.needs.similar import similar_needs
from qingshe.orgs.models import Role

ORDER = "needs/need_order.html"
BOARD = "needs/need_board.html"
DETAIL = "needs/need_detail.html"
MINE = "needs/need_mine.html"
# Service fields → the order form's fields that show their errors.
ORDER_ALIASES = {
    "windows": "day",
    "on_behalf_of": "resident",
    "lat": "address",
    "community": "community",
}


def _need_or_404(request: HttpRequest, pk: int, *, detail: bool = False) -> Need:
    return get_or_404(selectors.need_get_for_user, user=request.user, need_id=pk, detail=detail)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


class _CountedPaginator(Paginator):
    """A paginator told how many items there are (counted by a query the page makes anyway)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


_PK = 2147483647  # stands for a pk in a reversed URL, replaced per row


def _url_for_pk(name: str) -> Callable[[int], str]:
    """URL `name` for any pk with one reverse(): pk -> URL (not one {% url %} per row)."""
    head, _sep, tail = reverse(name, args=[_PK]).rpartition(str(_PK))
    return lambda pk: f"{head}{pk}{tail}"


# --- the board ----------------------------------------------------------------------------------
@page_cache
@login_required
def need_board(request: HttpRequest) -> HttpResponse:
    user = request.user
    board = access.has_role(user, access.ORG_ACTIONS["need.view"]) or access.is_platform_staff(user)
    if not board and access.has_role(user, {Role.RESIDENT}):
        return redirect("needs:mine")
    form = BoardFilterForm(request.GET)
    form.is_valid()
    d = form.cleaned_data
    state = d.get("state") or "open"
    filters = selectors.NeedFilters(
        state="" if state == "all" else state,
        project_type=d.get("project_type") or "",
        urgency=d.get("urgency"),
        older_than_days=int(d["age"]) if d.get("age") else None,
        community_id=d.get("community") or None,
        q=(d.get("q") or "").strip(),
    )
    if exports.requested(request):
        return exports.respond(
            request, "needs.board", selectors.need_list_for_user(user=user, filters=filters)
        )
    counts, rows = selectors.need_board_reads(user=user, filters=filters)
    kept = {
        "state": state,
        "project_type": filters.project_type,
        "urgency": "" if filters.urgency is None else str(filters.urgency),
        "age": d.get("age") or "",
        "community": filters.community_id or "",
        "q": filters.q,
    }
    query = urlencode({k: v for k, v in kept.items() if v != ""})
    tabs = (
        [("open", pgettext("need board", "Open"), counts["open"])]
        + [
            (value, selectors.state_label(value), counts[value])
            for value in Need.State.values
            if counts[value] or value == state
        ]
        + [("all", _("All"), counts["all"])]
    )
    tab_query = urlencode({k: v for k, v in kept.items() if v != "" and k != "state"})
    # Only those who see the board by role have communities to filter by (need_board_communities
    # matches nothing for anyone else).
    communities = list(selectors.need_board_communities(user=user)[:200]) if board else []
    # The shown needs are counted by `counts` already: no COUNT query for the paginator.
    page = _CountedPaginator(rows, PAGE_SIZE, count=counts[state]).get_page(request.GET.get("page"))
    cards = selectors.board_cards(page.object_list)
    detail = _url_for_pk("needs:detail")
    for card in cards:
        card.url = detail(card.pk)
    page.object_list = cards
    context = {
        "page": page,
        "query": f"{query}&" if query else "",
        "tab_query": f"{tab_query}&" if tab_query else "",
        "kept": kept,
        "tabs": tabs,
        "board_url": reverse("needs:board"),
        # the filter's options as (value, label, selected), compared here rather than per option
        # in the template
        "types": [(v, str(label), v == kept["project_type"]) for v, label in ProjectType.choices],
        "urgencies": [(v, str(label), str(v) == kept["urgency"]) for v, label in Urgency.choices],
        "ages": [(v, str(label), v == kept["age"]) for v, label in selectors.AGE_CHOICES],
        "communities": (
            [(c.pk, c.name, c.pk == kept["community"]) for c in communities]
            if len(communities) > 1
            else []
        ),
        "can_order": selectors.may_order(user=user),
    }
    return render_page(request, BOARD, context, partial="results")


# --- ordering -----------------------------------------------------------------------------------
def _order_setup(request: HttpRequest) -> tuple[list[Any], set[int]]:
    communities = selectors.order_communities(user=request.user)
    if not communities:
        raise PermissionDenied(_("Only residents and community staff can order a service."))
    staff_of = {c.pk for c in communities if selectors.is_staff_of(request.user, c)}
    return communities, staff_of


def _resolve_resident(form: Any, community: Any) -> Any | None:
    """The resident a staff member named (volunteer number or name), or None with an error."""
    query = (form.cleaned_data.get("resident") or "").strip()
    if not query:
        return None
    found = selectors.residents_matching(community=community, query=query)
    if not found:
        form.add_error(
            "resident", _("No resident of this community has that volunteer number or name.")
        )
        return None
    if len(found) > 1:
        names = "、".join(f"{u.name}（{u.volunteer_no or '—'}）" for u in found[:5])
        form.add_error(
            "resident",
            _("Several residents match: %(names)s. Enter the volunteer number.") % {"names": names},
        )
        return None
    return found[0]


def _step_two(
    request: HttpRequest,
    *,
    communities: list[Any],
    community: Any,
    staff: bool,
    form: OrderForm,
    resident: Any | None,
    status: int = 200,
) -> HttpResponse:
    from qingshe.duty.selectors import courses_selectable_for

    data = form.data if form.is_bound else form.initial
    similar = similar_needs(
        community=community,
        project_type=str(data.get("project_type") or ""),
        title=str(data.get("title") or ""),
        description=str(data.get("description") or ""),
    )
    context = {
        "step": 2,
        "form": form,
        "community": community,
        "staff": staff,
        "resident": resident,
        "similar": similar,
        "courses": list(courses_selectable_for(organiser=community)) if staff else [],
    }
    return render_page(request, ORDER, context, partial="order", status=status)


@login_required
def need_order(request: HttpRequest) -> HttpResponse:
    communities, staff_of = _order_setup(request)
    by_pk = {c.pk: c for c in communities}
    step = request.POST.get("step") if request.method == "POST" else "1"
    if step != "2":
        form = OrderStartForm(
            request.POST if request.method == "POST" else None,
            communities=communities,
            staff=bool(staff_of),
        )
        if request.method != "POST" or not form.is_valid():
            status = 422 if request.method == "POST" and not _is_htmx(request) else 200
            context = {
                "step": 1,
                "form": form,
                "staff": bool(staff_of),
                "types": form.type_choices(),
            }
            return render_page(request, ORDER, context, partial="order", status=status)
        community = by_pk[form.cleaned_data["community"]]
        staff = community.pk in staff_of
        resident = _resolve_resident(form, community) if staff else None
        if form.errors:
            context = {
                "step": 1,
                "form": form,
                "staff": bool(staff_of),
                "types": form.type_choices(),
            }
            return render_page(
                request, ORDER, context, partial="order", status=200 if _is_htmx(request) else 422
            )
        initial = {
            **{
                k: form.cleaned_data.get(k, "")
                for k in ("community", "title", "description", "project_type")
            },
            "resident": form.cleaned_data.get("resident", ""),
            "resident_id": resident.pk if resident else None,
            "address": community.address or community.name,
            "period": "morning",
            "people_needed": 1,
            "minutes_each": 120,
            "work_kind": "labour",
        }
        order = OrderForm(
            initial=initial,
            communities=communities,
            staff=staff,
            courses=_courses(community, staff),
        )
        return _step_two(
            request,
            communities=communities,
            community=community,
            staff=staff,
            form=order,
            resident=resident,
        )

    # Step 2: the order itself.
    if over_limit(request, "need_order"):
        return throttled_page(request)
    try:
        community = by_pk[int(request.POST.get("community", ""))]
    except (KeyError, ValueError):
        return redirect("needs:order")
    staff = community.pk in staff_of
    form = OrderForm(
        request.POST,
        request.FILES,
        communities=communities,
        staff=staff,
        courses=_courses(community, staff),
    )
    resident = None
    if staff and request.POST.get("resident_id"):
        resident = _resident_by_id(community, request.POST.get("resident_id", ""))
    if form.is_valid():
        d = form.cleaned_data
        kwargs: dict[str, Any] = {
            "actor": request.user,
            "community": community,
            "title": d["title"],
            "description": d.get("description", ""),
            "project_type": d["project_type"],
            "service_field": form.field_value(),
            "windows": [form.window()],
            "address": d.get("address", ""),
            "photos": d.get("photos") or [],
        }
        if staff:
            kwargs.update(
                on_behalf_of=resident,
                people_needed=d.get("people_needed") if d.get("people_needed") is not None else 1,
                urgency=d.get("urgency") if d.get("urgency") is not None else Urgency.NORMAL,
                work_kind=d.get("work_kind") or "labour",
                minutes_each=d.get("minutes_each") or 120,
                needs_insurance=d.get("needs_insurance", False),
                open_claim=d.get("open_claim", False),
                is_bounty=d.get("is_bounty", False),
                required_courses=d.get("required_courses") or [],
            )
        else:
            kwargs["urgency"] = Urgency.URGENT if d.get("urgent") else Urgency.NORMAL
        try:
            need = services.need_submit(**kwargs)
        except ServiceError as exc:
            add_service_error(form, exc, aliases=ORDER_ALIASES)
            return _step_two(
                request,
                communities=communities,
                community=community,
                staff=staff,
                form=form,
                resident=resident,
                status=exc.status,
            )
        messages.success(
            request, _("Your order has been sent. The community will look at it soon.")
        )
        return redirect("needs:detail", need.pk)
    return _step_two(
        request,
        communities=communities,
        community=community,
        staff=staff,
        form=form,
        resident=resident,
        status=422,
    )


def _courses(community: Any, staff: bool) -> Any:
    from qingshe.duty.selectors import courses_selectable_for

    return courses_selectable_for(organiser=community) if staff else []


def _resident_by_id(community: Any, raw: str) -> Any | None:
    from qingshe.accounts.models import User

    try:
        user = User.objects.get(pk=int(raw), is_active=True)
    except (User.DoesNotExist, ValueError):
        return None
    return user if selectors.is_resident_of(user, community) else None


# --- a resident's orders ------------------------------------------------------------------------
@login_required
def need_mine(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in {"open", *Need.State.values} else ""
    rows = selectors.my_needs(user=request.user, state=state)
    if exports.requested(request):
        return exports.respond(request, "needs.my_orders", rows)
    context = {
        "page": paginate(request, rows),
        "query": f"state={state}&" if state else "",
        "state": state,
        "can_order": bool(selectors.order_communities(user=request.user)),
    }
    return render_page(request, MINE, context, partial="results")


# --- a need's page ------------------------------------------------------------------------------
def _detail_context(
    request: HttpRequest,
    need: Need,
    *,
    forms: dict[str, Any] | None = None,
    notice: str = "",
    error: str = "",
) -> dict[str, Any]:
    user = request.user
    actions = selectors.need_actions(user=user, need=need)
    forms = forms or {}
    photos = list(need.photos.all())
    events = selectors.need_history(need=need)
    return {
        "need": need,
        "windows": list(need.windows.all()),
        "skills": list(need.skills.all()),
        "courses": list(need.required_courses.all()),
        "photos": photos,
        "events": events,
        "show_reporter": actions["is_staff"] or access.can(user, "need.view", need.community),
        "triage_form": forms.get("triage")
        or TriageForm(
            initial={"urgency": need.urgency},
            candidates=list(selectors.duplicate_candidates(need=need))
            if actions["can_duplicate"]
            else [],
        ),
        "done_form": forms.get("done") or NoteForm(prefix="done"),
        "verify_form": forms.get("verify") or NoteForm(prefix="verify"),
        "back_form": forms.get("back") or NoteForm(prefix="back"),
        "reopen_form": forms.get("reopen") or NoteForm(prefix="reopen"),
        "close_form": forms.get("close") or NoteForm(prefix="close"),
        "photo_form": forms.get("photo") or PhotoForm(prefix="photo"),
        "notice": notice,
        "error": error,
        **actions,
    }


@login_required
@require_GET
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need_or_404(request, pk, detail=True)
    return render_page(request, DETAIL, _detail_context(request, need), partial="workflow")


def _after(request: HttpRequest, need: Need, message: str) -> HttpResponse:
    if _is_htmx(request):
        try:
            need = selectors.need_get_for_user(user=request.user, need_id=need.pk, detail=True)
        except NotFound:
            return HttpResponse(headers={"HX-Redirect": "/needs/mine/"})
        return render_page(
            request, DETAIL, _detail_context(request, need, notice=message), partial="workflow"
        )
    messages.success(request, message)
    return redirect("needs:detail", need.pk)


def _failed(request: HttpRequest, need: Need, exc: ServiceError, **forms: Any) -> HttpResponse:
    # htmx swaps only 2xx answers: the part with the error comes back as 200.
    status = 200 if _is_htmx(request) else exc.status
    need = _need_or_404(request, need.pk, detail=True)
    context = _detail_context(request, need, forms=forms, error=str(exc.message))
    return render_page(request, DETAIL, context, partial="workflow", status=status)


@login_required
@require_POST
def need_triage(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need_or_404(request, pk)
    form = TriageForm(request.POST, candidates=list(selectors.duplicate_candidates(need=need)))
    form.is_valid()
    d = form.cleaned_data
    decision = d.get("decision") or request.POST.get("decision", "")
    reason = d.get("reason", "")
    try:
        if decision == "accept":
            services.need_accept(
                actor=request.user, need=need, reason=reason, urgency=d.get("urgency")
            )
            message = _("The need has been accepted.")
        elif decision == "reject":
            services.need_reject(actor=request.user, need=need, reason=reason)
            message = _("The need has been turned down; the resident is told why.")
        elif decision == "duplicate":
            original_id = d.get("original")
            if original_id is None:
                from qingshe.core.errors import ValidationFailed

                raise ValidationFailed(
                    "original_required", _("Choose the need it repeats."), field="original"
                )
            original = selectors.need_get_for_user(user=request.user, need_id=original_id)
            services.need_mark_duplicate(
                actor=request.user, need=need, original=original, reason=reason
            )
            message = _("Marked as a duplicate; its residents now follow the original.")
        elif decision == "not_responsible":
            services.need_not_responsible(
                actor=request.user, need=need, reason=reason, refer_to=d.get("refer_to", "")
            )
            message = _("Marked as not the community's to handle; the resident is told why.")
        else:
            raise Http404
    except ServiceError as exc:
        add_service_error(form, exc)
        return _failed(request, need, exc, triage=form)
    return _after(request, need, message)


def _note_action(
    request: HttpRequest,
    pk: int,
    prefix: str,
    call: Callable[..., Any],
    text_as: str,
    done: str,
    *,
    photos: bool = False,
) -> HttpResponse:
    """One workflow step that takes a note (and, for some, photos): `call` is the service, the
    note goes to its `text_as` argument; a refusal comes back on the form under the note."""
    need = _need_or_404(request, pk)
    form = NoteForm(request.POST, request.FILES, prefix=prefix)
    form.is_valid()
    extra = {"photos": form.cleaned_data.get("photos")} if photos else {}
    try:
        call(actor=request.user, need=need, **{text_as: form.cleaned_data.get("text", "")}, **extra)
    except ServiceError as exc:
        add_service_error(form, exc, aliases={text_as: "text"})
        return _failed(request, need, exc, **{prefix: form})
    return _after(request, need, done)


@login_required
@require_POST
def need_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _note_action(
        request,
        pk,
        "done",
        services.need_report_done,
        "note",
        _("Reported done; the community will verify it."),
        photos=True,
    )


@login_required
@require_POST
def need_verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _note_action(
        request,
        pk,
        "verify",
        services.need_verify,
        "evidence",
        _("Verified as done."),
        photos=True,
    )


@login_required
@require_POST
def need_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _note_action(
        request,
        pk,
        "back",
        services.need_send_back,
        "reason",
        _("Sent back to the people doing it."),
    )


@login_required
@require_POST
def need_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _note_action(
        request,
        pk,
        "reopen",
        services.need_reopen,
        "reason",
        _("Reopened: the people doing it are told it is not solved."),
    )


@login_required
@require_POST
def need_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _note_action(
        request, pk, "close", services.need_close, "reason", _("The need is closed.")
    )


@login_required
@require_POST
def need_photo_upload(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need_or_404(request, pk)
    form = PhotoForm(request.POST, request.FILES, prefix="photo")
    form.is_valid()
    try:
        services.need_photo_add(
            actor=request.user, need=need, photos=form.cleaned_data.get("photos") or []
        )
    except ServiceError as exc:
        add_service_error(form, exc)
        return _failed(request, need, exc, photo=form)
    return _after(request, need, _("The photos have been added."))


# --- following ----------------------------------------------------------------------------------
@login_required
@require_POST
def need_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a need (also "follow this instead" at intake; staff may do it for a resident)."""
    person = None
    if request.POST.get("resident_id"):
        communities, staff_of = _order_setup(request)
        for community in communities:
            if community.pk in staff_of:
                person = _resident_by_id(community, request.POST.get("resident_id", ""))
                if person is not None:
                    break
        if person is None:
            raise Http404
    need = get_or_404(selectors.need_get_for_follow, user=person or request.user, need_id=pk)
    try:
        services.need_follow(actor=request.user, need=need, user=person)
    except ServiceError as exc:
        if selectors.need_list_for_user(user=request.user).filter(pk=need.pk).exists():
            return _failed(request, need, exc)
        messages.error(request, str(exc.message))
        return redirect("needs:mine")
    if person is not None:
        messages.success(
            request,
            _("%(name)s now follows this need and will be told of its progress.")
            % {"name": person.name},
        )
        return redirect("needs:detail", need.pk)
    return _after(request, need, _("You follow this need now; you will be told of its progress."))


@login_required
@require_POST
def need_unfollow(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need_or_404(request, pk)
    services.need_unfollow(actor=request.user, need=need)
    messages.success(request, _("You no longer follow this need."))
    if selectors.need_list_for_user(user=request.user).filter(pk=need.pk).exists():
        return redirect("needs:detail", need.pk)
    return redirect("needs:mine")


# --- photos -------------------------------------------------------------------------------------
@login_required
@require_GET
def need_photo(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    """A photo of a need, to those who may see the need; shown inline, never sniffed."""
    photo: NeedPhoto = get_or_404(
        selectors.need_photo_get_for_user, user=request.user, need_id=pk, photo_id=photo_id
    )
    try:
        handle = photo.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=CONTENT_TYPES.get(photo.extension, "application/octet-stream")
    )
    response["Content-Disposition"] = (
        f'inline; filename="need-{photo.need_id}-{photo.pk}.{photo.extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
