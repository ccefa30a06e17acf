"""Forms of the care role's pages: recording a beneficiary, arranging help, handing over."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qingshe.care.models import BeneficiaryKind, CampaignKind, Consent, HelpRelationship


class BeneficiaryForm(forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=BeneficiaryKind.choices)
    name = forms.CharField(label=_("Name"), max_length=20)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        help_text=_("Optional; stored encrypted."),
    )
    phone = forms.CharField(label=_("Mobile number"), max_length=16, required=False)
    address = forms.CharField(label=_("Address in the community"), max_length=120, required=False)
    lives_alone = forms.BooleanField(label=_("Lives alone"), required=False)
    guardian_name = forms.CharField(
        label=_("Guardian"), max_length=20, required=False, help_text=_("Required under 18.")
    )
    guardian_phone = forms.CharField(
        label=_("Guardian's mobile number"), max_length=16, required=False
    )
    needs = forms.CharField(
        label=_("Needs"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False
    )
    consent_given_by = forms.ChoiceField(
        label=_("Consent on file, given by"),
        choices=[("", "—"), *Consent.GivenBy.choices],
        required=False,
        help_text=_("Under 18 the guardian consents; under 14 nothing is recorded without it."),
    )
    consent_guardian_relation = forms.CharField(
        label=_("Guardian's relation"), max_length=10, required=False
    )
    consent_given_on = forms.DateField(
        label=_("Consent given on"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class RelationshipForm(forms.Form):
    mode = forms.ChoiceField(label=_("Form of help"), choices=HelpRelationship.Mode.choices)
    helpers = forms.CharField(
        label=_("Volunteer numbers of the helpers"), help_text=_("Separated by spaces or commas.")
    )
    team = forms.IntegerField(label=_("Branch or team (ID, many-to-one)"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=40, required=False)
    term_start = forms.DateField(
        label=_("Term from"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    term_end = forms.DateField(
        label=_("Term until"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs={"rows": 3}))
    supervisor = forms.CharField(
        label=_("Supervisor's volunteer number"), max_length=16, required=False
    )


class HandOverForm(forms.Form):
    new_helper = forms.CharField(label=_("Volunteer number of the next helper"), max_length=16)
    old_helper = forms.CharField(
        label=_("Volunteer number of the helper leaving (many-to-one)"),
        max_length=16,
        required=False,
    )
    reason = forms.CharField(label=_("Reason for handing over"), max_length=200)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=HelpRelationship.Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class CampaignForm(forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices)
    title = forms.CharField(label=_("Title"), max_length=80)
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Until"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )


class HouseholdForm(forms.Form):
    beneficiary = forms.TypedChoiceField(label=_("Household (beneficiary)"), coerce=int)
    volunteers = forms.CharField(
        label=_("Volunteer numbers of the volunteers"),
        help_text=_("Separated by spaces or commas."),
    )
