"""Setting a programme's transcript counting rules (the write; the schema is in
programmes.transcript_rules)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied
from qingshe.programmes.models import Programme
from qingshe.programmes.transcript_rules import validate_rules


@transaction.atomic
def programme_transcript_rules_set(*, actor: Any, programme: Programme, rules: Any) -> Programme:
    """Replace the programme's counting rules. Only the league admins of the programme's committee
    (and of the committees above it) may; invalid rules are refused whole, nothing is saved."""
    if not access.can(actor, "programme.manage", programme.owner):
        raise AccessDenied(
            "forbidden",
            _("Only this league committee's admins can change the programme's counting rules."),
        )
    clean = validate_rules(rules)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    before = programme.transcript_rules
    programme.transcript_rules = clean
    programme.save(update_fields=["transcript_rules", "updated_at"])
    audit(
        actor=actor,
        action="programme.transcript_rules",
        obj=programme,
        org=programme.owner,
        data={"before": before, "after": clean},
    )
    return programme
