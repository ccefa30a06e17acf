"""The page of a programme's transcript counting rules (第二课堂成绩单计分规则): the league
admins of the programme's committee change them; everyone else who sees the programme reads them
on the programme's page. The rules are checked by services_transcript_rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qingshe.accounts.forms import NoSuffix
from qingshe.core.errors import ServiceError
from qingshe.core.htmx import add_service_error, get_or_404, render_page
from qingshe.programmes import selectors
from qingshe.programmes.services_transcript_rules import programme_transcript_rules_set
from qingshe.programmes.transcript_rules import (
    DUTY_MODES,
    HOUR_MODULES,
    MODE_LABELS,
    TARGET_LABELS,
    TARGETS,
    TranscriptRules,
    describe,
)


class TranscriptRulesForm(NoSuffix, forms.Form):
    """One choice per duty mode and one cap per module; the service validates the values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for mode in DUTY_MODES:
            self.fields[f"mode_{mode}"] = forms.ChoiceField(
                label=MODE_LABELS[mode],
                choices=[(t, TARGET_LABELS[t]) for t in TARGETS],
                required=False,
            )
        for module in HOUR_MODULES:
            self.fields[f"cap_{module}"] = forms.CharField(
                label=gettext_lazy("Most %(module)s hours counted")
                % {"module": TARGET_LABELS[module]},
                required=False,
                max_length=12,
                help_text=gettext_lazy("Empty: no cap."),
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )

    @staticmethod
    def initial_from(rules: TranscriptRules) -> dict[str, Any]:
        data: dict[str, Any] = {f"mode_{m}": rules.module_of(m) for m in DUTY_MODES}
        for module in HOUR_MODULES:
            cap = rules.hour_caps.get(module)
            data[f"cap_{module}"] = "" if cap is None else f"{cap.normalize():f}"
        return data

    def rules(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "duty_modes": {m: d[f"mode_{m}"] for m in DUTY_MODES},
            "hour_caps": {m: d[f"cap_{m}"] for m in HOUR_MODULES},
        }


ALIASES = {
    **{f"duty_modes.{m}": f"mode_{m}" for m in DUTY_MODES},
    **{f"hour_caps.{m}": f"cap_{m}" for m in HOUR_MODULES},
}


@login_required
def transcript_rules(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_or_404(selectors.programme_get_for_user, user=request.user, programme_id=pk)
    if not selectors.programme_can_manage(user=request.user, programme=programme):
        raise PermissionDenied(
            _("Only this league committee's admins can change the programme's counting rules.")
        )
    current = TranscriptRules.from_json(programme.transcript_rules)
    form = TranscriptRulesForm(
        request.POST if request.method == "POST" else None,
        initial=TranscriptRulesForm.initial_from(current),
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme_transcript_rules_set(
                actor=request.user, programme=programme, rules=form.rules()
            )
        except ServiceError as exc:
            add_service_error(form, exc, aliases=ALIASES)
        else:
            messages.success(request, _("The transcript counting rules have been saved."))
            return redirect("programmes:detail", programme.pk)
    context = {
        "programme": programme,
        "form": form,
        "current": describe(current),
        "tab": "programmes",
    }
    return render_page(request, "programmes/transcript_rules_form.html", context)
