"""Writing the audit trail. Every service that writes calls `audit()` inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from qingshe.core.models import AuditEvent


def audit(
    *,
    actor: Any | None,
    action: str,
    obj: models.Model | None = None,
    org: Any | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record `action` (e.g. "user.create") by `actor` on `obj`.

    `data` must not contain ID or phone numbers in clear; pass masked values or field names.
    """
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        org=org,
        data=data or {},
    )
