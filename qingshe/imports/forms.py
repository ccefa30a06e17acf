from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx)"),
        help_text=_("An Excel workbook made from the template: a 学生 sheet and/or a 组织 sheet."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    valid_only = forms.BooleanField(
        label=_("Import the valid rows and give me the others back in an error file"),
        required=False,
        help_text=_("Unticked: nothing is imported while any row has an error."),
    )
