"""Forms of the account pages. They only shape input; every rule is checked by the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingshe.accounts import services
from qingshe.lib import ids
from qingshe.orgs.models import Organisation

SKILL_SEPARATORS = (",", "，", "、", ";", "；")


class NoSuffix:
    """Labels without Django's trailing colon: the layout puts labels above fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]


class LoginForm(NoSuffix, AuthenticationForm):
    username = UsernameField(
        label=_("Mobile number or username"),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "The mobile number, username or password is wrong. Please check and try again."
        ),
        "inactive": _("This account has been disabled."),
    }


class PasswordChangeForm(NoSuffix, forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 8 characters; not only digits, not too common."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("new_password1")
            and data.get("new_password2")
            and data["new_password1"] != data["new_password2"]
        ):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class ProfileForm(NoSuffix, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        help_text=_("11 digits; +86 may be added in front."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")]
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=18,
        required=False,
        help_text=_("Can be entered once; stored encrypted and shown masked."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, id_number_set: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if id_number_set:
            del self.fields["id_number"]

    # Format errors show at once, beside the other sections' errors; clashes with other accounts
    # are found by the service when everything else is valid. Same messages as the service.
    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "").strip()
        if value:
            try:
                ids.normalize_phone(value)
            except ids.IdentifierError as exc:
                raise forms.ValidationError(
                    services.identifier_error(exc, "phone").message
                ) from exc
        return value

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number", "").strip()
        if value:
            try:
                ids.parse_resident_id(value, today=timezone.localdate())
            except ids.IdentifierError as exc:
                raise forms.ValidationError(
                    services.identifier_error(exc, "id_number").message
                ) from exc
        return value

    def clean_language(self) -> str:
        value = self.cleaned_data["language"]
        return value if value in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class StudentProfileForm(NoSuffix, forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Class league branch"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— choose —"),
    )
    major = forms.CharField(label=_("Major"), max_length=60, required=False)
    grade = forms.IntegerField(
        label=_("Grade (year of entry)"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    student_no = forms.CharField(label=_("Student number"), max_length=20, required=False)
    skills = forms.CharField(
        label=_("Skills"),
        max_length=400,
        required=False,
        help_text=_("Separate skills with commas or 、, e.g. 摄影、急救、编程"),
    )
    home_region = forms.CharField(
        label=_("Home region"),
        max_length=60,
        required=False,
        help_text=_("Where you spend vacations, for concentrated duty near home."),
    )

    def __init__(self, *args: Any, branches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches

    def clean_branch(self) -> Organisation:
        branch = self.cleaned_data.get("branch")
        if branch is None:
            raise forms.ValidationError(_("Choose a class league branch."))
        return branch

    def clean_grade(self) -> int:
        grade = self.cleaned_data.get("grade")
        if grade is None:
            raise forms.ValidationError(_("Please enter the grade (year of entry)."))
        return grade

    def skill_list(self) -> list[str]:
        text = self.cleaned_data.get("skills") or ""
        for sep in SKILL_SEPARATORS[1:]:
            text = text.replace(sep, ",")
        return [s.strip() for s in text.split(",") if s.strip()]


class BusySlotForm(NoSuffix, forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Day"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "—")]
        + [
            (i, d)
            for i, d in enumerate(
                [
                    _("Monday"),
                    _("Tuesday"),
                    _("Wednesday"),
                    _("Thursday"),
                    _("Friday"),
                    _("Saturday"),
                    _("Sunday"),
                ]
            )
        ],
    )
    start = forms.CharField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.CharField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    label = forms.CharField(label=_("What"), max_length=40, required=False)

    def slot(self) -> dict[str, Any] | None:
        """The row as the service expects it, or None when the row is left empty."""
        d = self.cleaned_data
        if (
            d.get("weekday") is None
            and not d.get("start")
            and not d.get("end")
            and not d.get("label")
        ):
            return None
        return {
            "weekday": d.get("weekday"),
            "start": d.get("start") or "",
            "end": d.get("end") or "",
            "label": d.get("label") or "",
        }


BusySlotFormSet = forms.formset_factory(BusySlotForm, extra=3, max_num=40, absolute_max=60)


class ConsentForm(NoSuffix, forms.Form):
    agree = forms.BooleanField(
        label=_("I have read the notice and agree to it."),
        required=True,
        error_messages={"required": _("Please tick the box to agree.")},
    )
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=40, required=False)
    guardian_relation = forms.CharField(
        label=_("Guardian's relation"),
        max_length=20,
        required=False,
        help_text=_("e.g. father, mother, grandparent"),
    )

    def __init__(self, *args: Any, minor: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not minor:
            del self.fields["guardian_name"]
            del self.fields["guardian_relation"]
