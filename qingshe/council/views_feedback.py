"""Monthly work feedback forms (工作情况反馈表): the branch secretary files, the community
confirms (the stamp) or returns with comments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.errors import ServiceError, ValidationFailed
from qingshe.core.exports import services as exports
from qingshe.core.htmx import get_or_404, render_page
from qingshe.core.timeutil import parse_month, previous_month
from qingshe.council import selectors, selectors_scores, services
from qingshe.council.models import FeedbackForm
from qingshe.programmes.models import Pairing


def _last_month() -> str:
    year, month = previous_month(timezone.localdate())
    return f"{year:04d}-{month:02d}"


FIELDS = ("activities_held", "people_involved", "hours", "solved", "problems", "next_plan")


@login_required
def feedback_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if exports.requested(request):
        return exports.respond(
            request, "council.feedback", selectors.feedback_forms_for_user(user=user)
        )
    pairings = list(
        Pairing.objects.filter(state=Pairing.State.ACTIVE)
        .select_related("unit", "community")
        .filter(access.subtree_q(user, access.ORG_ACTIONS["feedback.file"], prefix="unit__"))[:50]
    )
    return render_page(
        request,
        "council/feedback_list.html",
        {
            "forms": list(selectors.feedback_forms_for_user(user=user)[:100]),
            "pairings": pairings,
            "last_month": _last_month(),
        },
    )


@login_required
def feedback_new(request: HttpRequest, pairing_pk: int) -> HttpResponse:
    pairing = (
        Pairing.objects.filter(
            access.subtree_q(request.user, access.ORG_ACTIONS["feedback.file"], prefix="unit__")
        )
        .select_related("unit", "community")
        .filter(pk=pairing_pk)
        .first()
    )
    if pairing is None:
        raise Http404
    values = {k: request.POST.get(k, "") for k in FIELDS}
    values["month"] = request.POST.get("month") or _last_month()
    status = 200
    if request.method == "POST":
        try:
            parsed = parse_month(values["month"])
            if parsed is None:
                raise ValidationFailed(
                    "invalid_month", _("Give the month as YYYY-MM."), field="month"
                )
            form = services.feedback_file(
                actor=request.user,
                pairing=pairing,
                year=parsed[0],
                month=parsed[1],
                **{k: values[k] for k in FIELDS},
            )
            messages.success(request, _("The form was sent to the community."))
            return redirect("council:feedback", pk=form.pk)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
            status = exc.status
    return render_page(
        request, "council/feedback_new.html", {"pairing": pairing, "values": values}, status=status
    )


@login_required
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    form = get_or_404(selectors.feedback_get_for_user, user=request.user, form_id=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "return":
                services.feedback_return(
                    actor=request.user, form=form, comments=request.POST.get("comments", "")
                )
            else:
                services.feedback_confirm(
                    actor=request.user, form=form, comments=request.POST.get("comments", "")
                )
            return redirect("council:feedback", pk=form.pk)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
    return render_page(
        request,
        "council/feedback_detail.html",
        {
            "form": form,
            "can_decide": form.state == FeedbackForm.State.SUBMITTED
            and access.can(request.user, "feedback.confirm", form.pairing.community),
            "can_refile": form.state == FeedbackForm.State.RETURNED
            and access.can(request.user, "feedback.file", form.pairing.unit),
        },
    )


@login_required
def scores(request: HttpRequest) -> HttpResponse:
    parsed = parse_month(request.GET.get("month", "")) or previous_month(timezone.localdate())
    rows = selectors_scores.monthly_scores(user=request.user, year=parsed[0], month=parsed[1])
    return render_page(
        request,
        "council/scores.html",
        {"rows": rows, "month_text": f"{parsed[0]:04d}-{parsed[1]:02d}"},
    )
