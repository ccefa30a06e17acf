"""Typical cases (典型案例挖掘) that departments submit to their programme.

Issue 9 adds photos (checked by content, with thumbnails), the review pages and the public page
of featured cases; the compliance of issue 3 counts cases per department from these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel


class TypicalCase(TimeStampedModel):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        ACCEPTED = "accepted", _("Accepted")
        FEATURED = "featured", _("Featured")

    COUNTED_STATES = (State.SUBMITTED, State.ACCEPTED, State.FEATURED)

    programme = models.ForeignKey(
        "programmes.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="cases"
    )
    department = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("department"), on_delete=models.PROTECT, related_name="cases"
    )
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"))
    activity = models.ForeignKey(
        "duty.Activity", verbose_name=_("activity documented"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="cases",
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SUBMITTED, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(_("review comments"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
