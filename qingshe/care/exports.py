"""The one export of beneficiary data: for the community's care role only, its own community's
beneficiaries, contact data masked (phones 3+4, address cut, ID number 6+4), audited. Nobody
else has an export of beneficiaries (admins have the de-identified counts)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qingshe.care import sealing, visibility
from qingshe.care.models import Beneficiary
from qingshe.core.audit import audit
from qingshe.core.errors import NotFound
from qingshe.lib import ids


def beneficiaries_csv(*, actor: Any) -> str:
    communities = visibility.care_community_ids(actor)
    if not communities:
        raise NotFound("not_found", _("Not found."))
    rows = (
        Beneficiary.objects.filter(community_id__in=communities)
        .select_related("community")
        .order_by("community_id", "pk")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Number"),
            _("Community"),
            _("Kind"),
            _("Name"),
            pgettext("person", "Age"),
            _("ID number"),
            _("Mobile number"),
            _("Address"),
            _("Guardian"),
            _("Guardian's mobile number"),
            _("Needs"),
        ]
    )
    today = timezone.localdate()
    exported = []
    for b in rows:
        d = sealing.unseal(b.sealed, context=sealing.BENEFICIARY_CONTEXT)
        writer.writerow(
            [
                b.pk,
                b.community.name,
                b.get_kind_display(),
                d.get("name", ""),
                ids.age_on(b.birth_date, today),
                ids.mask_resident_id(d.get("id_number", "")),
                sealing.mask_phone(d["phone"]) if d.get("phone") else "",
                sealing.mask_address(d.get("address", "")),
                d.get("guardian_name", ""),
                sealing.mask_phone(d["guardian_phone"]) if d.get("guardian_phone") else "",
                d.get("needs", ""),
            ]
        )
        exported.append(b.pk)
    audit(
        actor=actor,
        action="care.beneficiary.export",
        data={"ids": exported, "communities": sorted(communities)},
    )
    return "\ufeff" + out.getvalue()  # a BOM so that Excel reads UTF-8
