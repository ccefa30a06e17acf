"""月评月考 on a phone: give an evaluation (self, peer within the team, the served residents or
the community) and see the ones given. Choices come from the person's memberships and the
pairings of the communities they live in or serve; the service decides who may give what."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from qingshe.accounts.models import User
from qingshe.core.errors import ServiceError, ValidationFailed
from qingshe.core.htmx import render_page
from qingshe.council import services
from qingshe.council.models import Evaluation
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role
from qingshe.programmes.models import Pairing

TEAM_KINDS = (OrgKind.CLASS_BRANCH, OrgKind.VOLUNTEER_TEAM)


def _choices(user: Any) -> dict[str, Any]:
    mine = list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("org")
        .order_by("org__path")
    )
    teams = [m.org for m in mine if m.org.kind in TEAM_KINDS]
    communities = [
        m.org
        for m in mine
        if m.org.kind == OrgKind.COMMUNITY
        and m.role in (Role.RESIDENT, Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY)
    ]
    served = list(
        Pairing.objects.filter(
            community__in=communities, state=Pairing.State.ACTIVE
        ).select_related("unit", "community")
    )
    peers = list(
        User.objects.filter(memberships__org__in=teams, memberships__is_active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("name")[:100]
    )
    return {"teams": teams, "served": served, "peers": peers}


@login_required
def evaluate(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    if request.method == "POST":
        data = request.POST
        kind = data.get("kind", "")
        try:
            try:
                org = Organisation.objects.get(pk=int(data.get("subject_org", "")))
            except (ValueError, Organisation.DoesNotExist):
                raise ValidationFailed(
                    "invalid_subject_org",
                    _("Choose one of the listed options."),
                    field="subject_org",
                ) from None
            community = None
            if kind in (Evaluation.Kind.RESIDENT, Evaluation.Kind.COMMUNITY):
                community = Organisation.objects.filter(pk=data.get("community") or 0).first()
            peer = (
                User.objects.filter(pk=data.get("subject_user") or 0).first()
                if kind == "peer"
                else None
            )
            services.evaluation_submit(
                actor=user,
                kind=kind,
                subject_org=org,
                subject_user=peer,
                community=community,
                score=data.get("score"),
                comment=data.get("comment", ""),
            )
            messages.success(request, _("Thank you, recorded."))
            return redirect("council:evaluate")
        except ServiceError as exc:
            messages.error(request, str(exc.message))
            status = exc.status
    given = list(
        Evaluation.objects.filter(evaluator=user).select_related("subject_org", "subject_user")[:20]
    )
    return render_page(
        request,
        "council/evaluate.html",
        {**_choices(user), "given": given, "kinds": Evaluation.Kind.choices},
        status=status,
    )
