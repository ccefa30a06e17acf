"""Forms of the resource list, the bounty board and a group's tasks. They only shape input; the
services check every rule and the views attach their messages to the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qingshe.accounts.forms import NoSuffix
from qingshe.needs.forms import OwnerChoiceField, PersonChoiceField
from qingshe.needs.models import Need, ProjectGroup, Resource
from qingshe.orgs.models import Organisation


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _set_queryset(form: forms.BaseForm, name: str, queryset: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ProjectGroup) -> str:
        return f"{obj.name} · {obj.owner.display_name}"


class ResourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Resource) -> str:
        return f"{obj.title} · {obj.get_kind_display()} · {obj.owner.display_name}"


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Need) -> str:
        return obj.title


class ResourceForm(NoSuffix, forms.Form):
    owner = OwnerChoiceField(
        label=_("Offered by"), queryset=Organisation.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Resource.Kind.choices)
    title = forms.CharField(label=_("What is offered"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What it is, who may use it and how to ask for it."),
    )
    quantity = forms.DecimalField(
        label=_("Quantity or amount"), required=False, max_digits=12, decimal_places=2
    )
    unit = forms.CharField(
        label=_("Unit"), required=False, max_length=20, help_text=_("e.g. yuan, pieces, places")
    )
    available_from = forms.DateField(
        label=_("Available from"), required=False, widget=_date_input()
    )
    available_until = forms.DateField(
        label=_("Available until"), required=False, widget=_date_input()
    )
    availability_note = forms.CharField(
        label=_("When it can be used"),
        required=False,
        max_length=200,
        help_text=_("e.g. weekday afternoons, book three days ahead"),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=200)

    def __init__(self, *args: Any, owners: Any, fixed_owner: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "owner", owners)
        if fixed_owner:
            self.fields["owner"].disabled = True


class WithdrawForm(NoSuffix, forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


class ClaimForm(NoSuffix, forms.Form):
    """揭榜: in whose name, who carries it out, and how."""

    claimant = OwnerChoiceField(
        label=_("Taken up by"), queryset=Organisation.objects.none(), empty_label=None
    )
    assigned_org = OwnerChoiceField(
        label=_("Department that carries it out"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— decide later —"),
    )
    group = GroupChoiceField(
        label=_("Project group that carries it out"),
        queryset=ProjectGroup.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )
    plan = forms.CharField(
        label=_("How we will do it"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who, when, and what the community will get."),
    )

    def __init__(
        self, *args: Any, claimants: Any, departments: Any, groups: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "claimant", claimants)
        _set_queryset(self, "assigned_org", departments)
        _set_queryset(self, "group", groups)


class AssignForm(NoSuffix, forms.Form):
    assigned_org = OwnerChoiceField(
        label=_("Department that carries it out"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— the group's department —"),
    )
    group = GroupChoiceField(
        label=_("Project group that carries it out"),
        queryset=ProjectGroup.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )

    def __init__(self, *args: Any, departments: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "assigned_org", departments)
        _set_queryset(self, "group", groups)


class TaskForm(NoSuffix, forms.Form):
    title = forms.CharField(label=_("Task"), max_length=120, required=False)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=_date_input())
    assignee = PersonChoiceField(
        label=_("Assigned to"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— nobody yet —"),
    )
    need = NeedChoiceField(
        label=_("For the need"),
        queryset=Need.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, members: Any, needs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "assignee", members)
        _set_queryset(self, "need", needs)


class TaskAssignForm(NoSuffix, forms.Form):
    assignee = PersonChoiceField(
        label=_("Assigned to"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— nobody —"),
    )
    due_on = forms.DateField(label=_("Due on"), required=False, widget=_date_input())

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "assignee", members)


class LinkResourceForm(NoSuffix, forms.Form):
    resource = ResourceChoiceField(
        label=_("Add a resource from the list"), queryset=Resource.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, resources: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "resource", resources)
