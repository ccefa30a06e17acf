"""Forms of the dispatch pages: making a plan (area, period, score weights), adding a person by
hand, declining an offer with a reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qingshe.needs.services.dispatch import DEFAULT_HORIZON_DAYS, REASON_MAX, default_weights

DATETIME_WIDGET = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

# The engine's weights (engine.Weights), in the order and words the page shows them.
WEIGHT_FIELDS: list[tuple[str, Any, Any]] = [
    ("assigned", _("Each person placed"), _("The base score of every place filled.")),
    ("urgency", _("Urgency"), _("Added per level of urgency (urgent 1, very urgent 2).")),
    ("skill", _("Matching skills"), _("Times the share of the wanted skills the person has.")),
    ("major", _("Matching major"), _("When the person's major is one the need fits.")),
    (
        "work_kind",
        _("Substantive work for those who fit"),
        _("Skilled and professional work for people whose skills or major fit."),
    ),
    ("distance", _("Nearness"), _("Full when next door, half at the distance below.")),
    ("distance_half_km", _("Distance at which nearness counts half (km)"), ""),
    (
        "fairness",
        _("Fewer hours this month first"),
        _("Full for someone who has not served this month."),
    ),
    ("fairness_half_minutes", _("Minutes served this month at which fairness counts half"), ""),
    (
        "spread",
        _("Spread the load"),
        _("Taken off for each further service of the same person in the plan."),
    ),
]


def _local_input(moment: Any) -> str:
    return timezone.localtime(moment).strftime(DATETIME_FORMAT)


class PlanForm(forms.Form):
    scope = forms.ModelChoiceField(queryset=None, label=_("Area"), empty_label=None)  # type: ignore[arg-type]
    horizon_start = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs=DATETIME_WIDGET, format=DATETIME_FORMAT)
    )
    horizon_end = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs=DATETIME_WIDGET, format=DATETIME_FORMAT)
    )

    def __init__(self, *args: Any, scopes: Any, **kwargs: Any) -> None:
        now = timezone.now().replace(second=0, microsecond=0)
        kwargs.setdefault(
            "initial",
            {
                "horizon_start": _local_input(now),
                "horizon_end": _local_input(now + timedelta(days=DEFAULT_HORIZON_DAYS)),
                **default_weights(),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = scopes
        self.fields["scope"].label_from_instance = lambda o: f"{o.name}（{o.get_kind_display()}）"
        for name, label, help_text in WEIGHT_FIELDS:
            half = name.endswith(("_half_km", "_half_minutes"))
            self.fields[name] = forms.FloatField(
                label=label,
                help_text=help_text,
                min_value=0,
                max_value=100_000 if half else 10,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )

    def weight_fields(self) -> list[Any]:
        return [self[name] for name, _l, _h in WEIGHT_FIELDS]

    def weights(self) -> dict[str, float]:
        return {name: self.cleaned_data[name] for name, _l, _h in WEIGHT_FIELDS}


class LineAddForm(forms.Form):
    need = forms.TypedChoiceField(label=_("Need"), coerce=int)
    volunteer = forms.CharField(
        label=_("Volunteer"),
        max_length=20,
        help_text=_("Volunteer number or mobile number of a student of this area."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs=DATETIME_WIDGET, format=DATETIME_FORMAT),
    )

    def __init__(self, *args: Any, needs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [(n.pk, f"{n.title} · {n.community.name}") for n in needs]


class DeclineForm(forms.Form):
    # Not required here: the service says "Please give a reason." once, in its own words.
    reason = forms.CharField(
        label=_("Why not?"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The dispatcher reads it and offers the place to someone else."),
    )


def decline_reason_parts() -> dict[str, SafeString | str]:
    """What the offers page needs to write the reason box of an unbound DeclineForm as plain HTML,
    once per page instead of through Django's field and widget templates for every waiting offer:
    the label with the form's suffix (as BoundField.label_tag adds it), the help text (shown
    unescaped, as Django's field template does) and the textarea's attributes. The tests compare
    the page's box with DeclineForm's own rendering; a bound form (after an error) is still
    rendered by Django."""
    field = DeclineForm.base_fields["reason"]
    label = str(field.label)
    suffix = field.label_suffix if field.label_suffix is not None else gettext(":")
    if suffix and label and label[-1] not in gettext(":?.!"):
        label += suffix
    return {
        "label": label,
        "help": mark_safe(str(field.help_text)),  # noqa: S308 - our own constant text
        # in the widget's order (flatatt would sort them); none is a boolean or None here
        "attrs": format_html_join("", ' {}="{}"', field.widget.attrs.items()),
    }
