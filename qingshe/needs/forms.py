"""Forms of the project group pages. They only shape input; the services check every rule and
the views attach their messages to the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qingshe.accounts.forms import NoSuffix
from qingshe.needs.models import ProjectType, ServiceField
from qingshe.orgs.models import Organisation


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        parent = obj.parent if obj.parent_id else None
        return f"{obj.display_name} · {parent.display_name}" if parent else obj.display_name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ProjectGroupForm(NoSuffix, forms.Form):
    owner = OwnerChoiceField(
        label=_("Owned by"), queryset=Organisation.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("Group name"), max_length=80, required=False)
    goal = forms.CharField(
        label=_("Goal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the group sets out to achieve, and for whom."),
    )
    project_type = forms.ChoiceField(label=_("Project type"), choices=ProjectType.choices)
    service_field = forms.ChoiceField(label=_("Field"), choices=ServiceField.choices)
    instructor = PersonChoiceField(
        label=_("Instructor"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— none yet —"),
    )
    responsibilities = forms.CharField(
        label=_("Responsibility list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One responsibility per line, in the order they are shown."),
    )

    def __init__(
        self, *args: Any, owners: Any, instructors: Any, fixed_owner: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = owners
        if fixed_owner:
            owner_field.disabled = True
        instructor_field = self.fields["instructor"]
        assert isinstance(instructor_field, forms.ModelChoiceField)
        instructor_field.queryset = instructors

    def responsibility_lines(self) -> list[str]:
        return [
            line.strip()
            for line in self.cleaned_data.get("responsibilities", "").splitlines()
            if line.strip()
        ]


class JoinForm(NoSuffix, forms.Form):
    statement = forms.CharField(
        label=_("Why do you want to join?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your skills, your time, what you hope to do: at least 10 characters."),
    )


class DecideForm(NoSuffix, forms.Form):
    reason = forms.CharField(
        label=_("Reason (needed to decline)"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(),
    )
