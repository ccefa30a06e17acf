"""The pairing's documents as PDFs: the agreement (结对共建协议书) and the branch secretary's
letter of appointment as assistant to the community director (聘书).

Both are Django templates under programmes/pdf/, rendered in Chinese (the language of the
documents, whatever the reader's interface language) and turned into PDF by qingshe.lib.pdf with
the system's Noto CJK fonts embedded. The confirmation block is the digital signature: it shows
who confirmed for each side in the system and when.

Callers (pages, API) check that the reader may see the pairing; these functions only refuse a
pairing that has no documents yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingshe.core.errors import Conflict
from qingshe.lib.pdf import html_to_pdf
from qingshe.orgs.models import Membership, Organisation, OrgKind, Role
from qingshe.programmes.models import Pairing

DOCUMENT_LANGUAGE = "zh-hans"
DOCUMENT_STATES = (Pairing.State.APPROVED, Pairing.State.ACTIVE, Pairing.State.ENDED)
# The ancestors named under each party: the university line for the unit, the street for a
# community (the district league committee above a street is not the community's own body).
UNIT_CHAIN_KINDS = (OrgKind.UNIVERSITY_COMMITTEE, OrgKind.DEPARTMENT_COMMITTEE)
COMMUNITY_CHAIN_KINDS = (OrgKind.STREET,)
TEMPLATES_DIR = Path(__file__).parent / "templates" / "programmes" / "pdf"


def agreement_number(pairing: Pairing) -> str:
    return f"QS-PAIR-{pairing.programme.year}-{pairing.pk:06d}"


def appointment_number(pairing: Pairing) -> str:
    return f"QS-APPT-{pairing.programme.year}-{pairing.pk:06d}"


def _require_documents(pairing: Pairing) -> None:
    if pairing.state not in DOCUMENT_STATES:
        raise Conflict(
            "not_approved",
            _(
                "This pairing is %(state)s: its agreement and appointment letter exist only once it is approved."
            )
            % {"state": pairing.get_state_display()},
        )


def _chain(org: Organisation, kinds: Iterable[str]) -> list[str]:
    """Full names of `org`'s ancestors of the given kinds, from the top down."""
    ancestors = Organisation.objects.filter(pk__in=org.ancestor_ids(), kind__in=list(kinds))
    return [a.name for a in ancestors.order_by("depth")]


def branch_secretary(pairing: Pairing) -> Any | None:
    """The person recorded as secretary (Role.BRANCH_SECRETARY) of the pairing's unit itself."""
    membership = (
        Membership.objects.filter(
            org_id=pairing.unit_id, role=Role.BRANCH_SECRETARY, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("start_date", "pk")
        .first()
    )
    return membership.user if membership else None


def _name(user: Any) -> str:
    if user is None:
        return ""
    return getattr(user, "name", "") or str(user)


def _common_context(pairing: Pairing) -> dict[str, Any]:
    programme = pairing.programme
    return {
        "pairing": pairing,
        "programme": programme,
        "owner": programme.owner,
        "unit": pairing.unit,
        "community": pairing.community,
        "unit_chain": _chain(pairing.unit, UNIT_CHAIN_KINDS),
        "community_chain": _chain(pairing.community, COMMUNITY_CHAIN_KINDS),
        "agreement_number": agreement_number(pairing),
    }


def _render(template: str, context: dict[str, Any]) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string(template, context)


def agreement_html(pairing: Pairing) -> str:
    _require_documents(pairing)
    context = _common_context(pairing)
    with translation.override(DOCUMENT_LANGUAGE):
        confirmations = [
            {
                "label": pgettext("pairing document", "Party A (community side)"),
                "org_name": pairing.community.name,
                "by": _name(pairing.community_confirmed_by),
                "at": pairing.community_confirmed_at,
            },
            {
                "label": pgettext("pairing document", "Party B (university side)"),
                "org_name": pairing.unit.name,
                "by": _name(pairing.unit_confirmed_by),
                "at": pairing.unit_confirmed_at,
            },
        ]
    effective_at = None
    if pairing.agreement_confirmed:
        effective_at = max(pairing.unit_confirmed_at, pairing.community_confirmed_at)  # type: ignore[type-var]
    context.update(
        doc_number=agreement_number(pairing),
        approved_by_name=_name(pairing.approved_by),
        confirmations=confirmations,
        effective=pairing.agreement_confirmed,
        effective_at=effective_at,
    )
    return _render("programmes/pdf/agreement.html", context)


def appointment_letter_html(pairing: Pairing) -> str:
    _require_documents(pairing)
    secretary = branch_secretary(pairing)
    if secretary is None:
        raise Conflict(
            "no_secretary",
            _(
                "No branch secretary is recorded for %(unit)s, so there is nobody to appoint: record the secretary first."
            )
            % {"unit": pairing.unit.name},
        )
    context = _common_context(pairing)
    issued: date | None = None
    for moment in (pairing.community_confirmed_at, pairing.approved_at):
        if moment is not None:
            issued = timezone.localtime(moment).date()
            break
    context.update(
        doc_number=appointment_number(pairing),
        secretary=secretary,
        unit_parent=(context["unit_chain"] or [""])[-1],
        issued_on=issued or timezone.localdate(),
        community_confirmed_by=_name(pairing.community_confirmed_by),
        community_confirmed_at=pairing.community_confirmed_at,
    )
    return _render("programmes/pdf/appointment_letter.html", context)


def agreement_pdf(pairing: Pairing) -> bytes:
    """结对共建协议书 of an approved, active or ended pairing (Conflict "not_approved" otherwise)."""
    return html_to_pdf(agreement_html(pairing), base_url=TEMPLATES_DIR)


def appointment_letter_pdf(pairing: Pairing) -> bytes:
    """聘书 appointing the unit's branch secretary assistant to the community director for the
    pairing's term (Conflict "not_approved" or "no_secretary" otherwise)."""
    return html_to_pdf(appointment_letter_html(pairing), base_url=TEMPLATES_DIR)
