"""The care role's pages: record a beneficiary (with the consent on file), arrange help for one,
hand a relationship over to the next helper, pause or end it. Thin: the services validate."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from qingshe.care import selectors, services
from qingshe.care.forms_manage import (
    BeneficiaryForm,
    CampaignForm,
    HandOverForm,
    HouseholdForm,
    RelationshipForm,
    StatusForm,
)
from qingshe.care.services import ConsentIn
from qingshe.core import access
from qingshe.core.errors import ServiceError
from qingshe.core.htmx import add_service_error, get_or_404, render_page


def _numbers(raw: str) -> list[str]:
    return [n for n in re.split(r"[\s,，、]+", raw or "") if n]


@login_required
def beneficiary_new(request: HttpRequest) -> HttpResponse:
    communities = selectors.care_communities(request.user)
    if not communities:
        raise Http404
    form = BeneficiaryForm(request.POST or None)
    form.fields["community"].choices = [(c.pk, c.name) for c in communities]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        consent = (
            ConsentIn(
                given_by=d["consent_given_by"],
                given_on=d["consent_given_on"],
                guardian_relation=d["consent_guardian_relation"],
            )
            if d["consent_given_by"]
            else None
        )
        try:
            beneficiary = services.beneficiary_create(
                actor=request.user,
                community=next(c for c in communities if c.pk == d["community"]),
                kind=d["kind"],
                name=d["name"],
                birth_date=d["birth_date"],
                consent=consent,
                id_number=d["id_number"],
                phone=d["phone"],
                address=d["address"],
                guardian_name=d["guardian_name"],
                guardian_phone=d["guardian_phone"],
                needs=d["needs"],
                lives_alone=d["lives_alone"],
            )
        except ServiceError as exc:
            add_service_error(form, exc, aliases={"consent": "consent_given_by"})
        else:
            messages.success(request, _("The beneficiary is recorded with the consent on file."))
            return redirect("care:beneficiary", pk=beneficiary.pk)
    status = 422 if form.errors else 200
    return render_page(request, "care/beneficiary_form.html", {"form": form}, status=status)


@login_required
def relationship_new(request: HttpRequest, pk: int) -> HttpResponse:
    beneficiary = get_or_404(
        selectors.beneficiary_get_for_user,
        user=request.user,
        beneficiary_id=pk,
        why="page.relationship_new",
    )
    if not access.can(request.user, "care.relationship.manage", beneficiary):
        raise Http404
    form = RelationshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            relationship = services.relationship_create(
                actor=request.user,
                beneficiary=beneficiary,
                mode=d["mode"],
                helpers=selectors.people_by_volunteer_no(_numbers(d["helpers"]), field="helpers"),
                team=selectors.org_by_id(d["team"], field="team"),
                subject=d["subject"],
                term_start=d["term_start"],
                term_end=d["term_end"],
                goals=d["goals"],
                supervisor=selectors.people_by_volunteer_no([d["supervisor"]], field="supervisor")[
                    0
                ]
                if d["supervisor"]
                else None,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The help relationship is arranged; the helpers and the supervisor are notified."
                ),
            )
            return redirect("care:relationship", pk=relationship.pk)
    status = 422 if form.errors else 200
    return render_page(
        request, "care/relationship_form.html", {"form": form, "b": beneficiary}, status=status
    )


def _managed(request: HttpRequest, pk: int) -> Any:
    relationship = get_or_404(
        selectors.relationship_get_for_user, user=request.user, relationship_id=pk
    )
    if not access.can(request.user, "care.relationship.manage", relationship.beneficiary):
        raise Http404
    return relationship


@login_required
def relationship_manage(request: HttpRequest, pk: int) -> HttpResponse:
    relationship = _managed(request, pk)
    action = request.POST.get("action", "")
    hand_over = HandOverForm(request.POST if action == "hand_over" else None)
    status_form = StatusForm(
        request.POST if action == "status" else None, initial={"status": relationship.status}
    )
    if request.method == "POST":
        try:
            if action == "hand_over" and hand_over.is_valid():
                d = hand_over.cleaned_data
                services.relationship_hand_over(
                    actor=request.user,
                    relationship=relationship,
                    new_helper=selectors.people_by_volunteer_no(
                        [d["new_helper"]], field="new_helper"
                    )[0],
                    old_helper=selectors.people_by_volunteer_no(
                        [d["old_helper"]], field="old_helper"
                    )[0]
                    if d["old_helper"]
                    else None,
                    reason=d["reason"],
                )
                messages.success(
                    request, _("Handed over; the history stays with the relationship.")
                )
                return redirect("care:relationship", pk=pk)
            if action == "status" and status_form.is_valid():
                services.relationship_set_status(
                    actor=request.user,
                    relationship=relationship,
                    status=status_form.cleaned_data["status"],
                    reason=status_form.cleaned_data["reason"],
                )
                messages.success(request, _("The status is changed."))
                return redirect("care:relationship", pk=pk)
        except ServiceError as exc:
            add_service_error(hand_over if action == "hand_over" else status_form, exc)
    context = {"r": relationship, "hand_over": hand_over, "status_form": status_form}
    failed = hand_over.errors or status_form.errors
    return render_page(
        request, "care/relationship_manage.html", context, status=422 if failed else 200
    )


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    communities = selectors.care_communities(request.user)
    if not communities:
        raise Http404
    form = CampaignForm(request.POST or None)
    form.fields["community"].choices = [(c.pk, c.name) for c in communities]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                community=next(c for c in communities if c.pk == d["community"]),
                kind=d["kind"],
                title=d["title"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The campaign is created: add the households to visit."))
            return redirect("care:campaign_households", pk=campaign.pk)
    return render_page(
        request, "care/campaign_form.html", {"form": form}, status=422 if form.errors else 200
    )


@login_required
def campaign_households(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_or_404(selectors.campaign_get_for_user, user=request.user, campaign_id=pk)
    if not access.can(request.user, "care.campaign.manage", campaign.community):
        raise Http404
    beneficiaries = list(
        selectors.beneficiary_list_for_user(user=request.user).filter(
            community=campaign.community, state="active"
        )[:500]
    )
    selectors.audit_list_read(
        user=request.user, beneficiaries=beneficiaries, why="page.campaign_households"
    )
    form = HouseholdForm(request.POST or None)
    form.fields["beneficiary"].choices = [
        (b.pk, f"{b.name_masked} · {b.get_kind_display()} · #{b.pk}") for b in beneficiaries
    ]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.household_add(
                actor=request.user,
                campaign=campaign,
                beneficiary=next(b for b in beneficiaries if b.pk == d["beneficiary"]),
                volunteers=selectors.people_by_volunteer_no(
                    _numbers(d["volunteers"]), field="volunteers"
                ),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("The household is on the list; its volunteers are notified.")
            )
            return redirect("care:campaign_households", pk=pk)
    context = {"campaign": campaign, "form": form}
    return render_page(
        request, "care/campaign_households.html", context, status=422 if form.errors else 200
    )
