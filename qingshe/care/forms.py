"""Forms of the care pages; the services validate (and say what is wrong in Chinese)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qingshe.care.models import Concern


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to see the details?"),
        max_length=200,
        required=False,
        help_text=_("Your reason is recorded with your name and the time."),
    )


class VisitForm(forms.Form):
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    start = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=24 * 60)
    done = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    observations = forms.CharField(
        label=_("Observations"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "Stored encrypted; seen only by the helpers, the supervisor and the care role."
        ),
    )
    concern = forms.CharField(
        label=_("A concern for the supervisor"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("For example a child's safety: the supervisor is alerted at once."),
    )
    concern_priority = forms.ChoiceField(
        label=_("Priority of the concern"),
        choices=Concern.Priority.choices,
        initial=Concern.Priority.URGENT,
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ConcernForm(forms.Form):
    note = forms.CharField(label=_("What was done about it"), max_length=200)
