"""Forms of the need pages. They shape input for a phone (big choices, few fields); the
services check every rule and the views attach their messages to the fields they name."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingshe.accounts.forms import NoSuffix
from qingshe.needs.models import Need, ProjectType, ServiceField, Urgency, WorkKind

# The field a resident who is not sure gets, by project type.
DEFAULT_FIELD = {
    ProjectType.GOVERNANCE: ServiceField.GOVERNANCE,
    ProjectType.AFTER_SCHOOL: ServiceField.POVERTY_EDUCATION,
    ProjectType.SURVEY: ServiceField.GOVERNANCE,
    ProjectType.CULTURE_SPORT: ServiceField.HERITAGE,
    ProjectType.LEAGUE_BUILDING: ServiceField.POLICY,
}
# A few words under each big choice, so that a resident knows which one to tap.
TYPE_HINTS = {
    ProjectType.GOVERNANCE: _("Help at home, neighbours, safety, the environment, health"),
    ProjectType.AFTER_SCHOOL: _("Homework help and care for children after school"),
    ProjectType.SURVEY: _("Finding out what residents need, questionnaires"),
    ProjectType.CULTURE_SPORT: _("Events, performances, sport, classes"),
    ProjectType.LEAGUE_BUILDING: _("The community's youth league work and publicity"),
}
# When in the day: (start, end) in local time. Communities close at weekends and in the evening,
# but a resident may well want help then; dispatch matches it against both calendars.
PERIODS = {
    "morning": (time(8, 30), time(12, 0)),
    "afternoon": (time(14, 0), time(17, 30)),
    "evening": (time(18, 30), time(20, 30)),
    "day": (time(8, 30), time(17, 30)),
}
PERIOD_CHOICES = [
    ("morning", _("Morning (8:30–12:00)")),
    ("afternoon", _("Afternoon (14:00–17:30)")),
    ("evening", _("Evening (18:30–20:30)")),
    ("day", _("Any time of the day")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one file input (checked by content in the service)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


class OrderStartForm(NoSuffix, forms.Form):
    """Step 1 of ordering: what, and which kind of help (and, for staff, for whom)."""

    community = forms.TypedChoiceField(label=_("Community"), coerce=int, choices=())
    title = forms.CharField(
        label=_("What do you need?"),
        max_length=120,
        error_messages={"required": _("Please say briefly what is needed.")},
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. teach my mother to use her smartphone")}
        ),
    )
    description = forms.CharField(
        label=_("More details (if you like)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    project_type = forms.ChoiceField(
        label=_("What kind of help?"),
        choices=ProjectType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Tap the kind of help you need.")},
    )
    resident = forms.CharField(
        label=_("For which resident? (volunteer number or name)"),
        required=False,
        max_length=40,
        help_text=_("Leave empty to post a need of the community itself."),
    )

    def __init__(self, *args: Any, communities: list[Any], staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(c.pk, c.name) for c in communities]
        if len(communities) == 1:
            field.widget = forms.HiddenInput()
            self.initial.setdefault("community", communities[0].pk)
        if not staff:
            del self.fields["resident"]

    def type_choices(self) -> list[dict[str, Any]]:
        """The big choices, each with its hint, for the template."""
        chosen = self["project_type"].value()
        return [
            {"value": v, "label": label, "hint": TYPE_HINTS.get(v, ""), "checked": v == chosen}
            for v, label in ProjectType.choices
        ]


class OrderForm(OrderStartForm):
    """Step 2: when, where, a photo (and, for staff, the rest of a need's details)."""

    service_field = forms.ChoiceField(
        label=_("Which field? (if you are not sure, leave it)"),
        choices=[("", _("Not sure")), *ServiceField.choices],
        required=False,
    )
    day = forms.DateField(
        label=_("Which day?"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Choose the day."), "invalid": _("Choose the day.")},
    )
    period = forms.ChoiceField(
        label=_("When in the day?"),
        choices=PERIOD_CHOICES,
        widget=forms.RadioSelect,
        initial="morning",
    )
    address = forms.CharField(label=_("Where?"), required=False, max_length=200)
    urgent = forms.BooleanField(label=_("It is urgent"), required=False)
    photos = MultiplePhotoField(
        label=_("Photos (if you like)"),
        help_text=_("JPEG, PNG or WebP, at most 10 MB each."),
    )
    # Staff only (removed for residents).
    people_needed = forms.IntegerField(label=_("People needed"), initial=1, required=False)
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, required=False, empty_value=None
    )
    work_kind = forms.ChoiceField(
        label=_("Kind of work"), choices=WorkKind.choices, initial=WorkKind.LABOUR
    )
    minutes_each = forms.IntegerField(
        label=_("Minutes of service per person"), initial=120, required=False
    )
    needs_insurance = forms.BooleanField(label=_("Insurance required"), required=False)
    open_claim = forms.BooleanField(
        label=_("Open to claim"),
        required=False,
        help_text=_("Volunteers may take it first come, first served (抢单)."),
    )
    is_bounty = forms.BooleanField(label=_("Post as a bounty (发榜)"), required=False)
    resident_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    required_courses = forms.TypedMultipleChoiceField(
        label=_("Training required"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )

    STAFF_FIELDS = (
        "people_needed",
        "urgency",
        "work_kind",
        "minutes_each",
        "needs_insurance",
        "open_claim",
        "is_bounty",
        "required_courses",
    )

    def __init__(
        self, *args: Any, communities: list[Any], staff: bool, courses: Any = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, communities=communities, staff=staff, **kwargs)
        for name in ("community", "title", "description", "project_type"):
            self.fields[name].widget = forms.HiddenInput()
        if staff:
            del self.fields["urgent"]
            self.fields["resident"].widget = forms.HiddenInput()
            field = self.fields["required_courses"]
            assert isinstance(field, forms.TypedMultipleChoiceField)
            field.choices = [(c.pk, c.name) for c in courses]
        else:
            for name in (*self.STAFF_FIELDS, "resident_id"):
                del self.fields[name]

    def staff_fields(self) -> list[Any]:
        return [self[name] for name in self.STAFF_FIELDS if name in self.fields]

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("That day is past; choose today or a later day."))
        return day

    def window(self) -> tuple[datetime, datetime]:
        start, end = PERIODS[self.cleaned_data.get("period") or "day"]
        day = self.cleaned_data["day"]
        tz = timezone.get_current_timezone()
        begins = timezone.make_aware(datetime.combine(day, start), tz)
        ends = timezone.make_aware(datetime.combine(day, end), tz)
        now = timezone.now()
        if day == timezone.localdate() and begins < now < ends:
            # Today, with the period already begun: from now on (rounded up to the quarter).
            begins = now.replace(second=0, microsecond=0) + timedelta(minutes=15 - now.minute % 15)
            begins = min(begins, ends - timedelta(minutes=15))
        return begins, ends

    def field_value(self) -> str:
        chosen = self.cleaned_data.get("service_field") or ""
        return chosen or DEFAULT_FIELD.get(
            self.cleaned_data["project_type"], ServiceField.GOVERNANCE
        )


class TriageForm(NoSuffix, forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("accept", "accept"),
            ("reject", "reject"),
            ("duplicate", "duplicate"),
            ("not_responsible", "nr"),
        ],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, required=False, empty_value=None
    )
    original = forms.TypedChoiceField(
        label=_("It repeats"), coerce=int, required=False, empty_value=None, choices=()
    )
    refer_to = forms.CharField(
        label=_("Who should handle it instead? (if you know)"), required=False, max_length=120
    )

    def __init__(self, *args: Any, candidates: list[Need] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["original"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("— choose the original need —"))] + [
            (n.pk, f"#{n.pk} {n.title}") for n in candidates or []
        ]


class NoteForm(NoSuffix, forms.Form):
    """Report done (note + photos), verify (evidence + photos), send back, reopen, close."""

    text = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = MultiplePhotoField(
        label=_("Photos (if you like)"), help_text=_("JPEG, PNG or WebP, at most 10 MB each.")
    )


class PhotoForm(NoSuffix, forms.Form):
    photos = MultiplePhotoField(
        label=_("Add photos"), help_text=_("JPEG, PNG or WebP, at most 10 MB each.")
    )


class BoardFilterForm(forms.Form):
    """The board's filters; anything unknown is ignored rather than refused (links get shared)."""

    state = forms.CharField(required=False)
    project_type = forms.ChoiceField(required=False, choices=[("", "")] + ProjectType.choices)
    urgency = forms.TypedChoiceField(
        required=False, choices=[("", "")] + Urgency.choices, coerce=int, empty_value=None
    )
    age = forms.ChoiceField(
        required=False, choices=[("", ""), ("1", "1"), ("3", "3"), ("7", "7"), ("30", "30")]
    )
    community = forms.IntegerField(required=False)
    q = forms.CharField(required=False, max_length=60)

    def clean_state(self) -> str:
        value = self.cleaned_data.get("state") or ""
        return value if value in {"open", "all", *Need.State.values} else "open"
