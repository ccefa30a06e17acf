"""Forms of the typical-case pages. They only shape the input; the services check the rules
(length in characters, photos by content, count and size) and their errors land on the fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from qingshe.reports.services import REVIEW_DECISIONS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
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


class CaseForm(forms.Form):
    """Submit a case (with programme and department) or edit a returned one (without them)."""

    programme = forms.TypedChoiceField(label=_("Programme"), coerce=int, choices=())
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, choices=())
    title = forms.CharField(
        label=_("Title"), max_length=120, error_messages={"required": _("Please enter a title.")}
    )
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        strip=False,
        error_messages={"required": _("Please write the case.")},
    )
    activity = forms.TypedChoiceField(
        label=_("Activity it documents"), coerce=int, required=False, empty_value=None, choices=()
    )
    project = forms.TypedChoiceField(
        label=_("Project group it documents"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
    )
    keep = forms.TypedMultipleChoiceField(
        label=_("Photos to keep"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )
    photos = PhotosField(label=_("Photos"))

    def __init__(
        self,
        *args: Any,
        programmes: list[tuple[int, str]] | None = None,
        departments: list[tuple[int, str]] | None = None,
        activities: Sequence[tuple[int, str]] = (),
        projects: Sequence[tuple[int, str]] = (),
        photos: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if programmes is None:
            del self.fields["programme"]
        else:
            self._choices("programme", programmes)
        if departments is None:
            del self.fields["department"]
        else:
            self._choices("department", departments)
        self._choices("activity", [("", _("— none —")), *activities])
        self._choices("project", [("", _("— none —")), *projects])
        if photos is None:
            del self.fields["keep"]
        else:
            self._choices("keep", photos)
            self.fields["photos"].label = _("Add photos")

    def _choices(self, name: str, choices: Sequence[tuple[Any, Any]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = list(choices)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(d, d) for d in REVIEW_DECISIONS], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the case is returned: say what should be changed."),
    )
