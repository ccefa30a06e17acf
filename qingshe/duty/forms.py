"""Forms of the duty pages. They only shape input; every rule is checked by the services, whose
messages the views attach to the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qingshe.accounts.forms import NoSuffix
from qingshe.duty.models import DutyMode, TrainingCourse, TrainingTopic
from qingshe.orgs.models import Organisation
from qingshe.programmes.forms import OrgChoiceField

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def _number_input(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", **attrs})


class ScanForm(NoSuffix, forms.Form):
    """The student's check-in page: the code from the leader's screen, and where the phone is
    (filled in by duty.js; without it the service says when location is required)."""

    t = forms.CharField(
        label=_("Check-in code"),
        max_length=200,
        required=False,
        help_text=_(
            "Scan the code on the leader's screen with the phone's camera, or paste it here."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput(attrs={"data-geo": "lat"}))
    lng = forms.FloatField(required=False, widget=forms.HiddenInput(attrs={"data-geo": "lng"}))

    def clean_t(self) -> str:
        value = (self.cleaned_data.get("t") or "").strip()
        # A pasted link works as well as the bare code.
        if "t=" in value:
            from urllib.parse import parse_qs, urlsplit

            value = (parse_qs(urlsplit(value).query).get("t") or [value])[0]
        if not value:
            raise forms.ValidationError(_("Enter the check-in code."))
        return value


class PeriodForm(NoSuffix, forms.Form):
    start = forms.DateTimeField(label=_("From"), widget=_datetime_input())
    end = forms.DateTimeField(label=_("Until"), widget=_datetime_input())


class RemoteLogForm(PeriodForm):
    log = forms.CharField(
        label=_("Work log"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you did, for whom, and the result (at least 10 characters)."),
    )


class CorrectionForm(PeriodForm):
    reason = forms.CharField(label=_("Why the times should change"), max_length=200, required=False)


class ConfirmForm(NoSuffix, forms.Form):
    start = forms.DateTimeField(label=_("Confirmed from"), required=False, widget=_datetime_input())
    end = forms.DateTimeField(label=_("Confirmed until"), required=False, widget=_datetime_input())
    reason = forms.CharField(
        label=_("Reason for adjusting the times"), max_length=200, required=False
    )


class ReasonForm(NoSuffix, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class RollCallForm(NoSuffix, forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=None, empty_label=_("— choose —"))  # type: ignore[arg-type]
    checkin_at = forms.DateTimeField(label=_("Checked in at"), widget=_datetime_input())
    checkout_at = forms.DateTimeField(
        label=_("Checked out at"), required=False, widget=_datetime_input()
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["person"].label_from_instance = lambda u: u.name  # type: ignore[attr-defined]


class ActivityForm(NoSuffix, forms.Form):
    organiser = OrgChoiceField(
        label=_("Organiser"), queryset=Organisation.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    mode = forms.ChoiceField(
        label=_("Duty mode"), choices=DutyMode.choices, initial=DutyMode.REGULAR
    )
    remote_allowed = forms.BooleanField(label=_("Remote online work allowed"), required=False)
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lat = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6)
    lng = forms.DecimalField(label=_("Longitude"), required=False, max_digits=9, decimal_places=6)
    checkin_radius_m = forms.IntegerField(
        label=_("Check-in radius (m)"),
        required=False,
        widget=_number_input(),
        help_text=_("Empty: location is not checked."),
    )
    required_courses = forms.ModelMultipleChoiceField(
        label=_("Training required"),
        queryset=TrainingCourse.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    requires_insurance = forms.BooleanField(
        label=_("Insurance required"), required=False, initial=True
    )
    pairing = forms.ModelChoiceField(
        label=_("Pairing (optional)"),
        queryset=None,
        required=False,
        empty_label=_("— none —"),  # type: ignore[arg-type]
    )

    def __init__(
        self, *args: Any, organisers: Any, courses: Any, pairings: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers  # type: ignore[attr-defined]
        self.fields["required_courses"].queryset = courses  # type: ignore[attr-defined]
        self.fields["pairing"].queryset = pairings  # type: ignore[attr-defined]
        self.fields["pairing"].label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p.unit.display_name} ⇄ {p.community.display_name}"
        )


class ShiftForm(NoSuffix, forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=_datetime_input())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=_datetime_input())
    capacity = forms.IntegerField(
        label=_("Places"), min_value=1, initial=10, widget=_number_input()
    )
    min_people = forms.IntegerField(
        label=_("Minimum head count"), min_value=1, initial=1, widget=_number_input()
    )
    leader = forms.CharField(
        label=_("Shift leader (volunteer number or mobile)"),
        max_length=40,
        required=False,
        help_text=_("Someone you look after; empty: the organiser's staff lead it."),
    )
    cancel_cutoff_hours = forms.IntegerField(
        label=_("Cancel up to (hours before)"),
        min_value=0,
        max_value=720,
        initial=12,
        widget=_number_input(),
    )


class CourseForm(NoSuffix, forms.Form):
    org = OrgChoiceField(
        label=_("Organiser"), queryset=Organisation.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("Course name"), max_length=80)
    topic = forms.ChoiceField(label=_("Topic"), choices=TrainingTopic.choices)
    description = forms.CharField(
        label=_("Content"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_months = forms.IntegerField(
        label=_("Valid for (months)"),
        required=False,
        min_value=1,
        max_value=120,
        widget=_number_input(),
        help_text=_("Empty: valid without limit."),
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]


class TrainingRecordForm(NoSuffix, forms.Form):
    person = forms.CharField(label=_("Volunteer number or mobile"), max_length=40)
    completed_on = forms.DateField(label=_("Completed on"), widget=_date_input())


class PolicyForm(NoSuffix, forms.Form):
    holder = OrgChoiceField(
        label=_("Policy holder"), queryset=Organisation.objects.none(), empty_label=None
    )
    insurer = forms.CharField(label=_("Insurer"), max_length=80, required=False)
    policy_no = forms.CharField(label=_("Policy number"), max_length=60, required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=_date_input())
    valid_to = forms.DateField(label=_("Valid to"), widget=_date_input())
    covered = forms.CharField(
        label=_("Covered people (volunteer numbers, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = orgs  # type: ignore[attr-defined]

    def numbers(self) -> list[str]:
        raw = self.cleaned_data.get("covered") or ""
        return [
            line.strip()
            for line in raw.replace(",", "\n").replace("，", "\n").splitlines()
            if line.strip()
        ]
