"""API of a programme's transcript counting rules (第二课堂成绩单计分规则), on the programmes
router: `GET` and `PUT /programmes/{id}/transcript-rules`. Imported by programmes/api.py."""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
import json
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema

from qingshe.api.schemas import error_responses
from qingshe.programmes import selectors
from qingshe.programmes.api import _user, router
from qingshe.programmes.models import Programme
from qingshe.programmes.services_transcript_rules import programme_transcript_rules_set
from qingshe.programmes.transcript_rules import TranscriptRules, describe


class TranscriptRulesIn(Schema):
    duty_modes: dict[str, Any] = Field(
        ...,
        description="For each duty mode (`regular`, `stage`, `concentrated`) the module its hours "
        "count towards: `volunteer`, `social_practice` or `excluded`. All three are required.",
        examples=[
            {"regular": "volunteer", "stage": "volunteer", "concentrated": "social_practice"}
        ],
    )
    hour_caps: dict[str, Any] | None = Field(
        None,
        description="The most hours of `volunteer` and of `social_practice` that this programme's "
        "records count (a number above 0, at most 10000), or null for no cap; a missing key is no cap.",
        examples=[{"volunteer": None, "social_practice": 40}],
    )


class TranscriptRulesOut(Schema):
    programme: int = Field(..., description="ID of the programme year.")
    duty_modes: dict[str, str] = Field(
        ..., description="Duty mode → `volunteer`, `social_practice` or `excluded`."
    )
    hour_caps: dict[str, str | None] = Field(
        ...,
        description="Module → the cap in hours (decimal string with one place) or null for no cap.",
    )
    description: str = Field(
        ..., description="The rules in one sentence, in the request's language."
    )
    is_default: bool = Field(..., description="True when these are the default rules.")


def _out(programme: Programme) -> dict[str, Any]:
    rules = TranscriptRules.from_json(programme.transcript_rules)
    return {
        "programme": programme.pk,
        "duty_modes": dict(rules.duty_modes),
        "hour_caps": {m: (str(c) if c is not None else None) for m, c in rules.hour_caps.items()},
        "description": describe(rules),
        "is_default": rules.is_default,
    }


@router.get(
    "/programmes/{programme_id}/transcript-rules",
    response={200: TranscriptRulesOut, **error_responses(401, 404, 422)},
    summary="The programme's counting rules for the second-classroom transcript",
)
def transcript_rules_get(request: HttpRequest, programme_id: int) -> Any:
    """Which duty counts as volunteer service or social practice in the transcript of this
    programme's records, and any cap on the hours counted. For anyone who may see the programme."""
    return _out(selectors.programme_get_for_user(user=_user(request), programme_id=programme_id))


@router.put(
    "/programmes/{programme_id}/transcript-rules",
    response={200: TranscriptRulesOut, **error_responses(401, 403, 404, 422)},
    summary="Set the programme's counting rules for the second-classroom transcript",
)
def transcript_rules_set(
    request: HttpRequest, programme_id: int, payload: TranscriptRulesIn
) -> Any:
    """For the league admins of the programme's committee (403 `forbidden` for others who can see
    it). The rules are replaced whole; invalid rules answer 422 `invalid_transcript_rules` with the
    `field` at fault (`duty_modes.concentrated`, `hour_caps.volunteer`, …) and nothing is saved."""
    user = _user(request)
    programme = selectors.programme_get_for_user(user=user, programme_id=programme_id)
    rules = payload.model_dump(exclude_unset=True)
    # The schema drops unknown keys; the service refuses them by name instead (a misspelt
    # "hour_cap" must not be taken for "no cap").
    raw = json.loads(request.body or b"{}")
    if isinstance(raw, dict):
        rules.update({k: v for k, v in raw.items() if k not in rules})
    programme = programme_transcript_rules_set(actor=user, programme=programme, rules=rules)
    return _out(programme)
