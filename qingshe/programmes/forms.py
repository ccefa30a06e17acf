"""Forms of the programme pages. They only shape input; every rule is checked by the services,
whose messages the views attach to the fields they name."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from qingshe.accounts.forms import NoSuffix
from qingshe.orgs.models import Organisation

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def _number_input(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", **attrs})


class OrgChoiceField(forms.ModelChoiceField):
    """An organisation with its parent, so that two 团支部 of the same name can be told apart."""

    def label_from_instance(self, obj: Organisation) -> str:
        parent = getattr(obj, "parent", None) if obj.parent_id else None
        return f"{obj.display_name} · {parent.display_name}" if parent else obj.display_name


class ScopeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.display_name}（{obj.get_kind_display()}）"


class ProgrammeForm(NoSuffix, forms.Form):
    owner = forms.ModelChoiceField(
        label=_("League committee"),
        queryset=Organisation.objects.none(),
        empty_label=_("— choose —"),
    )
    name = forms.CharField(label=_("Programme name"), max_length=120, required=False)
    year = forms.IntegerField(label=_("Year"), widget=_number_input())
    scope = ScopeChoiceField(
        label=_("Organisations in scope"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Universities, departments, districts or streets taking part; their subtrees count."
        ),
    )
    pairing_deadline = forms.DateField(label=_("Pairing deadline"), widget=_date_input())
    start_deadline = forms.DateField(label=_("Start deadline"), widget=_date_input())
    case_deadline = forms.DateField(label=_("Typical case deadline"), widget=_date_input())
    branch_quota_pct = forms.DecimalField(
        label=_("Branch quota (%)"),
        max_digits=5,
        decimal_places=2,
        initial=25,
        help_text=_("Share of each department's class branches that must take part."),
        widget=_number_input(step="0.01"),
    )
    student_quota_pct = forms.DecimalField(
        label=_("Student quota (%)"),
        max_digits=5,
        decimal_places=2,
        initial=25,
        help_text=_("Share of each department's students that must take part."),
        widget=_number_input(step="0.01"),
    )
    min_regular_semesters = forms.IntegerField(
        label=_("Minimum regular duty (semesters)"), min_value=0, initial=1, widget=_number_input()
    )
    min_concentrated_months = forms.IntegerField(
        label=_("Minimum concentrated duty (months)"),
        min_value=0,
        initial=1,
        widget=_number_input(),
    )
    min_services_per_month = forms.IntegerField(
        label=_("Minimum services per pairing per month"),
        min_value=0,
        initial=2,
        widget=_number_input(),
    )
    cases_per_department = forms.IntegerField(
        label=_("Typical cases per department"), min_value=0, initial=3, widget=_number_input()
    )
    reminder_days = forms.IntegerField(
        label=_("Remind this many days before a deadline"),
        min_value=0,
        initial=7,
        widget=_number_input(),
    )

    def __init__(self, *args: Any, owners: Any, scope_choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = owners
        cast(forms.ModelMultipleChoiceField, self.fields["scope"]).queryset = scope_choices


class CallForm(NoSuffix, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    criteria = forms.CharField(
        label=_("Criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("e.g. honours such as excellent league branch, the class's cohesion."),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens at"),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=_datetime_input(),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=_datetime_input(),
    )


class HonoursForm(NoSuffix, forms.Form):
    excellent_branch = forms.BooleanField(
        label=_("Excellent league branch (优秀团支部)"), required=False
    )
    excellent_class = forms.BooleanField(label=_("Excellent class (优秀班集体)"), required=False)
    excellent_cadre = forms.BooleanField(
        label=_("The secretary is an excellent league cadre (优秀团干部)"), required=False
    )
    other_honours = forms.CharField(label=_("Other honours"), max_length=200, required=False)
    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Why the branch should take part: its strengths, plans and the time it can give (at least 20 characters)."
        ),
    )

    def honours(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            k: d[k]
            for k in ("excellent_branch", "excellent_class", "excellent_cadre", "other_honours")
        }


class ApplicationForm(HonoursForm):
    branch = OrgChoiceField(
        label=_("Class league branch"),
        queryset=Organisation.objects.none(),
        empty_label=_("— choose —"),
    )

    field_order = [
        "branch",
        "excellent_branch",
        "excellent_class",
        "excellent_cadre",
        "other_honours",
        "statement",
    ]

    def __init__(self, *args: Any, branches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["branch"]).queryset = branches


class ReasonForm(NoSuffix, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PairingForm(NoSuffix, forms.Form):
    unit = OrgChoiceField(
        label=_("University side"),
        queryset=Organisation.objects.none(),
        empty_label=_("— choose —"),
    )
    community = OrgChoiceField(
        label=_("Community side"), queryset=Organisation.objects.none(), empty_label=_("— choose —")
    )
    term_start = forms.DateField(label=_("Term from"), widget=_date_input())
    term_end = forms.DateField(label=_("Term until"), widget=_date_input())

    def __init__(self, *args: Any, units: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = units
        cast(forms.ModelChoiceField, self.fields["community"]).queryset = communities


class ServiceRecordForm(NoSuffix, forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=_date_input())
    title = forms.CharField(label=_("What was done"), max_length=120, required=False)
    participants = forms.IntegerField(
        label=_("Participants"), min_value=0, initial=0, widget=_number_input()
    )
