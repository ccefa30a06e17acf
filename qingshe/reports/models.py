"""Typical cases (典型案例挖掘) that departments submit to their programme.

Issue 9 adds photos (checked by content, with thumbnails), the review pages and the public page
of featured cases; the compliance of issue 3 counts cases per department from these rows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core.models import TimeStampedModel


class TypicalCase(TimeStampedModel):
    class State(models.TextChoices):
        # In their own context: "Submitted" and "Accepted" of an application read differently.
        SUBMITTED = "submitted", pgettext_lazy("typical case", "Submitted")
        RETURNED = "returned", pgettext_lazy("typical case", "Returned for changes")
        ACCEPTED = "accepted", pgettext_lazy("typical case", "Accepted")
        FEATURED = "featured", pgettext_lazy("typical case", "Featured")

    COUNTED_STATES = (State.SUBMITTED, State.ACCEPTED, State.FEATURED)

    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    department = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"))
    activity = models.ForeignKey(
        "duty.Activity",
        verbose_name=_("activity documented"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    project = models.ForeignKey(
        "needs.ProjectGroup",
        verbose_name=_("project documented"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    # When it was last sent for review (the first submission or a resubmission after a return):
    # the review inbox lists the longest waiting first.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.TextField(_("review comments"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


def _photo_path(instance: CasePhoto, filename: str) -> str:
    # The stored name never carries the uploader's file name (it may hold personal data).
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}.{instance.extension}"


def _thumbnail_path(instance: CasePhoto, filename: str) -> str:
    return f"cases/{instance.case_id}/thumbs/{uuid.uuid4().hex}.jpg"


class CasePhoto(models.Model):
    """A photo of a typical case: checked by content, re-encoded upright without its metadata, with
    a thumbnail. `size` is the upload's size, which the programme's minimum is checked against."""

    case = models.ForeignKey(
        TypicalCase, verbose_name=_("typical case"), on_delete=models.CASCADE, related_name="photos"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    file = models.FileField(_("photo"), upload_to=_photo_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=_thumbnail_path, max_length=200)
    extension = models.CharField(max_length=5, default="jpg")
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")
        ordering = ["case", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "order"], name="case_photo_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.order}"


# Dashboards (issue 9 items 1–2): the rollups live in their own module.
from qingshe.reports.dashboard.models import (  # noqa: E402, F401
    ActiveMember,
    MajorDemand,
    MonthFigure,
    MonthlySnapshot,
    OpenNeedCohort,
    PairingMonth,
    QuotaFigure,
    RollupState,
)
