"""A programme's counting rules for the second-classroom transcript (第二课堂成绩单计分规则).

Stored on Programme.transcript_rules as JSON of this shape (the default is the national
practice the transcript followed before rules were set per programme):

    {
      "duty_modes": {"regular": "volunteer", "stage": "volunteer",
                     "concentrated": "social_practice"},
      "hour_caps": {"volunteer": null, "social_practice": null}
    }

- duty_modes: for each duty mode, the transcript module its confirmed hours count towards:
  `volunteer` (志愿服务), `social_practice` (社会实践) or `excluded` (not counted).
- hour_caps: the most hours of each module that the programme's records count (a decimal string
  with one place, e.g. "40.0"), or null for no cap.

Posts held, training and awards are not records of a programme, so no programme's rules change
them. Pure Python (no models) so that models, services, forms and credit.transcript share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qingshe.core.errors import ValidationFailed

# duty modes (the values of duty.models.DutyMode; a test keeps the two in step)
REGULAR = "regular"
STAGE = "stage"
CONCENTRATED = "concentrated"
DUTY_MODES = (REGULAR, STAGE, CONCENTRATED)

# where a mode's hours go
VOLUNTEER = "volunteer"
SOCIAL_PRACTICE = "social_practice"
EXCLUDED = "excluded"
HOUR_MODULES = (VOLUNTEER, SOCIAL_PRACTICE)
TARGETS = (*HOUR_MODULES, EXCLUDED)

TARGET_LABELS = {
    VOLUNTEER: gettext_lazy("Volunteer service"),
    SOCIAL_PRACTICE: gettext_lazy("Social practice"),
    EXCLUDED: gettext_lazy("Not counted"),
}
MODE_LABELS = {
    REGULAR: gettext_lazy("Regular duty (term time)"),
    STAGE: gettext_lazy("Stage duty (major event)"),
    CONCENTRATED: gettext_lazy("Concentrated duty (vacation)"),
}
MAX_CAP = Decimal("10000")
QUANTUM = Decimal("0.1")
FIELD = "transcript_rules"


def default_rules() -> dict[str, Any]:
    """The rules of a new programme (a callable: the model field's default)."""
    return {
        "duty_modes": {REGULAR: VOLUNTEER, STAGE: VOLUNTEER, CONCENTRATED: SOCIAL_PRACTICE},
        "hour_caps": {VOLUNTEER: None, SOCIAL_PRACTICE: None},
    }


def _fail(code: str, message: str, field: str = FIELD) -> ValidationFailed:
    return ValidationFailed(code, message, field=field)


def _cap(module: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        value = "x"  # True is not a number of hours
    try:
        cap = Decimal(str(value).strip())
    except InvalidOperation:
        cap = Decimal("NaN")
    if not cap.is_finite() or not Decimal("0") < cap <= MAX_CAP:
        raise _fail(
            "invalid_transcript_rules",
            _(
                "The cap on %(module)s hours must be a number of hours above 0 and at most %(max)s, or empty for no cap."
            )
            % {"module": TARGET_LABELS[module], "max": MAX_CAP},
            f"hour_caps.{module}",
        )
    return str(cap.quantize(QUANTUM))


def validate_rules(data: Any) -> dict[str, Any]:
    """The rules in their stored form, or ValidationFailed naming what is wrong (nothing is
    guessed: an unknown key or target is refused, a missing cap means no cap)."""
    if not isinstance(data, Mapping):
        raise _fail(
            "invalid_transcript_rules",
            _("The counting rules must be an object with duty_modes and hour_caps."),
        )
    unknown = sorted(set(data) - {"duty_modes", "hour_caps"})
    if unknown:
        raise _fail(
            "invalid_transcript_rules",
            _("Unknown item in the counting rules: %s") % "、".join(map(str, unknown)),
        )
    modes = data.get("duty_modes")
    if not isinstance(modes, Mapping):
        raise _fail(
            "invalid_transcript_rules",
            _("Say for each duty mode (regular, stage, concentrated) where its hours count."),
            "duty_modes",
        )
    unknown = sorted(set(modes) - set(DUTY_MODES))
    if unknown:
        raise _fail(
            "invalid_transcript_rules",
            _("Unknown duty mode in the counting rules: %s") % "、".join(map(str, unknown)),
            "duty_modes",
        )
    clean_modes: dict[str, str] = {}
    for mode in DUTY_MODES:
        target = modes.get(mode)
        if target not in TARGETS:
            raise _fail(
                "invalid_transcript_rules",
                _("%(mode)s must count as volunteer service, social practice or not at all.")
                % {"mode": MODE_LABELS[mode]},
                f"duty_modes.{mode}",
            )
        clean_modes[mode] = target
    caps = data.get("hour_caps")
    if caps is None:
        caps = {}
    if not isinstance(caps, Mapping):
        raise _fail("invalid_transcript_rules", _("The hour caps must be an object."), "hour_caps")
    unknown = sorted(set(caps) - set(HOUR_MODULES))
    if unknown:
        raise _fail(
            "invalid_transcript_rules",
            _("Hours can be capped only for volunteer service and social practice, not: %s")
            % "、".join(map(str, unknown)),
            "hour_caps",
        )
    return {
        "duty_modes": clean_modes,
        "hour_caps": {m: _cap(m, caps.get(m)) for m in HOUR_MODULES},
    }


@dataclass(frozen=True)
class TranscriptRules:
    """Rules read back from the database (already validated when written)."""

    duty_modes: Mapping[str, str]
    hour_caps: Mapping[str, Decimal | None]

    @classmethod
    def from_json(cls, data: Any) -> TranscriptRules:
        try:
            clean = validate_rules(data)
        except ValidationFailed:
            # Written behind the services' back: the default rules rather than a broken page.
            clean = default_rules()
        caps = {m: (Decimal(v) if v is not None else None) for m, v in clean["hour_caps"].items()}
        return cls(duty_modes=clean["duty_modes"], hour_caps=caps)

    def module_of(self, duty_mode: str) -> str:
        """The module a duty mode's hours count towards (an unknown mode: volunteer service)."""
        return self.duty_modes.get(duty_mode, VOLUNTEER)

    def counted(self, module: str, hours: Decimal) -> Decimal:
        cap = self.hour_caps.get(module)
        return min(hours, cap) if cap is not None else hours

    @property
    def is_default(self) -> bool:
        return self == DEFAULT


DEFAULT = TranscriptRules.from_json(default_rules())


def describe(rules: TranscriptRules) -> str:
    """One sentence of the rules, for the settings card and the transcript's footnote."""
    parts = [
        _("%(mode)s: %(target)s")
        % {"mode": MODE_LABELS[m], "target": TARGET_LABELS[rules.module_of(m)]}
        for m in DUTY_MODES
    ]
    for module in HOUR_MODULES:
        cap = rules.hour_caps.get(module)
        if cap is not None:
            parts.append(
                _("at most %(h)s h of %(module)s") % {"h": cap, "module": TARGET_LABELS[module]}
            )
    return "；".join(parts)
