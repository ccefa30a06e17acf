"""Forms of the points, rewards, partner circle, campaign, venue and commendation pages. They
only shape input; the services check every rule (a negative price or pledge reaches the service,
which says why it is refused)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.accounts.forms import NoSuffix
from qingshe.credit.models import Pledge, Reward, RuleKind, Venue

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")


def _number(**attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", **attrs})


class ReasonForm(NoSuffix, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class CodeForm(NoSuffix, forms.Form):
    code = forms.CharField(
        label=_("Redemption code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


class RewardForm(NoSuffix, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Reward.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=80)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    where = forms.CharField(label=_("Where to collect it"), max_length=200, required=False)
    price = forms.CharField(label=_("Price in points"), widget=_number(inputmode="numeric"))
    stock = forms.CharField(label=_("How many"), widget=_number(inputmode="numeric"))
    per_person_limit = forms.CharField(
        label=_("At most per person"), initial="1", widget=_number(inputmode="numeric")
    )
    valid_from = forms.DateField(label=_("Redeemable from"), widget=_date_input())
    valid_until = forms.DateField(label=_("Redeemable until"), widget=_date_input())
    resource: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("From the resource"), queryset=None, required=False, empty_label=_("None")
    )

    def __init__(self, *args: Any, resources: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault(
            "initial", {"valid_from": today, "valid_until": today + timedelta(days=90)}
        )
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = resources  # type: ignore[attr-defined]


class RestockForm(NoSuffix, forms.Form):
    add = forms.CharField(label=_("Add to the stock"), widget=_number(inputmode="numeric"))


class PartnerApplicationForm(NoSuffix, forms.Form):
    committee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Apply to"), queryset=None, empty_label=None
    )
    name = forms.CharField(label=_("Unit's full name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=40)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    description = forms.CharField(
        label=_("About the unit"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    offers = forms.CharField(
        label=_("What the unit can offer"),
        help_text=_("Venues, goods for point rewards, money, skills, internships…"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, committees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees  # type: ignore[attr-defined]


class DecideForm(NoSuffix, forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CampaignForm(NoSuffix, forms.Form):
    group: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Project group"), queryset=None, empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=80)
    description = forms.CharField(
        label=_("What the money is for"), widget=forms.Textarea(attrs={"rows": 4})
    )
    goal = forms.CharField(label=_("Goal (yuan)"), widget=_number())
    in_kind_wanted = forms.CharField(
        label=_("Support in kind wanted"), max_length=200, required=False
    )
    deadline = forms.DateField(label=_("Deadline"), widget=_date_input())

    def __init__(self, *args: Any, groups: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"deadline": timezone.localdate() + timedelta(days=30)})
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]


class PledgeForm(NoSuffix, forms.Form):
    kind = forms.ChoiceField(
        label=_("I give"), choices=Pledge.Kind.choices, widget=forms.RadioSelect, initial="money"
    )
    amount = forms.CharField(
        label=_("Amount, or what the goods are worth (yuan)"), widget=_number()
    )
    description = forms.CharField(
        label=_("What is given (in kind)"), max_length=200, required=False
    )
    partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=None, required=False, empty_label=_("Myself")
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        if not partners.exists():
            del self.fields["partner"]


class VenueForm(NoSuffix, forms.Form):
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Offered by"), queryset=None, empty_label=None
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Venue.Kind.choices)
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=80)
    capacity = forms.CharField(label=_("Capacity (people)"), widget=_number(inputmode="numeric"))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Open on"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
    )
    opens = forms.TimeField(label=_("Opens at"), widget=_time_input(), initial=time(9))
    closes = forms.TimeField(label=_("Closes at"), widget=_time_input(), initial=time(17))
    opens2 = forms.TimeField(
        label=_("Opens again at (optional)"), widget=_time_input(), required=False
    )
    closes2 = forms.TimeField(label=_("Closes again at"), widget=_time_input(), required=False)

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]

    def opening_hours(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        windows = [(d["opens"], d["closes"])]
        if d.get("opens2") and d.get("closes2"):
            windows.append((d["opens2"], d["closes2"]))
        return [
            {"weekday": day, "start": a.strftime("%H:%M"), "end": b.strftime("%H:%M")}
            for day in d["weekdays"]
            for a, b in windows
        ]


class BookingForm(NoSuffix, forms.Form):
    day = forms.DateField(label=_("Date"), widget=_date_input())
    start = forms.TimeField(label=_("From"), widget=_time_input())
    end = forms.TimeField(label=_("Until"), widget=_time_input())
    purpose = forms.CharField(label=_("What for"), max_length=120)
    people = forms.CharField(label=_("People expected"), widget=_number(inputmode="numeric"))
    booked_for = forms.ChoiceField(label=_("For"))

    def __init__(self, *args: Any, activities: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [
            (f"a{a.pk}", _("Activity: %(title)s") % {"title": a.title}) for a in activities
        ] + [(f"g{g.pk}", _("Project group: %(name)s") % {"name": g.name}) for g in groups]
        self.fields["booked_for"].choices = choices  # type: ignore[attr-defined]
        self.activities = {a.pk: a for a in activities}
        self.groups = {g.pk: g for g in groups}

    def times(self) -> tuple[datetime, datetime]:
        d = self.cleaned_data
        return (
            timezone.make_aware(datetime.combine(d["day"], d["start"])),
            timezone.make_aware(datetime.combine(d["day"], d["end"])),
        )

    def target(self) -> tuple[Any, Any]:
        value = self.cleaned_data["booked_for"]
        if value.startswith("a"):
            return self.activities.get(int(value[1:])), None
        return None, self.groups.get(int(value[1:]))


class RuleForm(NoSuffix, forms.Form):
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("League committee"), queryset=None, empty_label=None
    )
    programme: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=None,
        required=False,
        empty_label=_("All activities (the committee's default)"),
    )
    kind = forms.ChoiceField(label=_("Pays"), choices=RuleKind.choices)
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=80)
    points = forms.CharField(label=_("Points"), widget=_number(inputmode="numeric"))
    cap_hours = forms.CharField(
        label=_("Hours counted per activity and day at most"),
        required=False,
        help_text=_("Only for points per hour; empty: every confirmed hour counts."),
        widget=_number(),
    )
    active_from = forms.DateField(label=_("For service from"), widget=_date_input())

    def __init__(self, *args: Any, owners: Any, programmes: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"active_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]


def _term_start(today: date) -> date:
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


class PeriodForm(NoSuffix, forms.Form):
    org: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Committee"), queryset=None, empty_label=None
    )
    start = forms.DateField(label=_("From"), widget=_date_input())
    end = forms.DateField(label=_("Until"), widget=_date_input())
    title = forms.CharField(label=_("Title of the honour"), max_length=80)

    def __init__(self, *args: Any, orgs: Any, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault("initial", {"start": _term_start(today), "end": today})
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["title"].initial = _("Outstanding young volunteer")
