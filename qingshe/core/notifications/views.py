"""Pages of notifications: the centre (list, mark read, mark all read), the bell (an htmx
fragment, so that no page pays a COUNT query when it renders) and the preferences form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qingshe.core.errors import ServiceError
from qingshe.core.exports import services as exports
from qingshe.core.htmx import get_or_404, paginate, render_page
from qingshe.core.notifications import selectors, services
from qingshe.core.notifications.channels import CHANNEL_LABELS, CHANNELS
from qingshe.core.notifications.kinds import GROUPS


@login_required
def centre(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    qs = selectors.notifications_for_user(user=request.user, unread_only=unread_only)
    if exports.requested(request):
        return exports.respond(request, "core.notifications", qs)
    page = paginate(request, qs)
    return render_page(
        request,
        "core/notifications/centre.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread": selectors.unread_count(user=request.user),
        },
        partial="results",
    )


@login_required
def bell(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/notifications/_bell.html",
        {"unread": selectors.unread_count(user=request.user), "live": True},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_or_404(services.notification_mark_read, actor=request.user, notification_id=pk)
    hosts = {request.get_host()}
    target = note.url if request.POST.get("go") and note.url else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=hosts):
        return redirect(target)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts=hosts):
        return redirect(back)
    return redirect("core:notifications")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    n = services.notification_mark_all_read(actor=request.user)
    messages.success(request, _("Marked %(n)d notifications as read.") % {"n": n})
    return redirect("core:notifications")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    pref = selectors.preference_for(user=request.user)
    error = ""
    if request.method == "POST":
        chosen = {g: request.POST.getlist(f"ch_{g}") for g in GROUPS}
        try:
            services.notification_preferences_update(
                actor=request.user,
                channels={g: c for g, c in chosen.items() if c},
                daily_digest=request.POST.get("daily_digest") == "on",
            )
        except ServiceError as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("core:notification_preferences")
    rows = [
        {
            "group": g,
            "label": label,
            "channels": [
                {"name": c, "label": CHANNEL_LABELS[c], "on": c in pref.channels.get(g, [])}
                for c in CHANNELS
            ],
        }
        for g, label in GROUPS.items()
    ]
    return render(
        request,
        "core/notifications/preferences.html",
        {
            "rows": rows,
            "channel_labels": [CHANNEL_LABELS[c] for c in CHANNELS],
            "pref": pref,
            "error": error,
            "has_email": bool(request.user.email),
            "has_phone": bool(request.user.phone),
        },
        status=422 if error else 200,
    )
