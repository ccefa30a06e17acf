"""Forms of the credit pages. They only shape input; the services check every rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingshe.accounts.forms import NoSuffix
from qingshe.credit.models import Rating


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _year_start() -> date:
    today = timezone.localdate()
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


class CertificateForm(NoSuffix, forms.Form):
    period_start = forms.DateField(label=_("Service from"), widget=_date_input())
    period_end = forms.DateField(label=_("Service until"), widget=_date_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"period_start": _year_start(), "period_end": timezone.localdate()}
        )
        super().__init__(*args, **kwargs)


class RevokeForm(NoSuffix, forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=200)


class AwardForm(NoSuffix, forms.Form):
    name = forms.CharField(label=_("Award"), max_length=120)
    granted_on = forms.DateField(label=_("Granted on"), widget=_date_input())
    granting_body = forms.CharField(label=_("Granting body"), max_length=120)


class EvaluationForm(NoSuffix, forms.Form):
    rating = forms.ChoiceField(label=_("Quality rating"), choices=Rating.choices)
    evaluated_on = forms.DateField(label=_("Date"), widget=_date_input())
    star_level = forms.TypedChoiceField(
        label=_("Star level"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(n, "★" * n) for n in range(1, 6)]],
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ExportForm(NoSuffix, forms.Form):
    FORMATS = [("xlsx", _("Excel (volunteers and service records)")), ("csv", _("CSV (one table)"))]
    TABLES = [
        ("services", _("Service records")),
        ("volunteers", _("Volunteers")),
        ("posts", _("Posts held")),
    ]

    org = forms.ModelChoiceField(label=_("Organisation"), queryset=None, empty_label=None)  # type: ignore[arg-type]
    start = forms.DateField(label=_("From"), widget=_date_input())
    end = forms.DateField(label=_("Until"), widget=_date_input())
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="xlsx")
    table = forms.ChoiceField(
        label=_("Table (CSV)"), choices=TABLES, initial="services", required=False
    )
    clear_ids = forms.BooleanField(
        label=_("ID numbers in clear"),
        required=False,
        help_text=_(
            "Only the league and university committees may export them; otherwise they are masked."
        ),
    )

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"start": today - timedelta(days=365), "end": today})
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
