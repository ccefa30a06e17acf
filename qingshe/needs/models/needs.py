"""The need list (需求清单): what residents order (点单) and communities post (发榜).

A need's state moves only through qingshe.needs.services; every move is a NeedEvent (actor, time,
reason) that the need's page shows as its history.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core.models import TimeStampedModel


class ProjectType(models.TextChoices):
    """The five project types of DOMAIN.md."""

    GOVERNANCE = "governance", _("Community governance")
    AFTER_SCHOOL = "after_school", _("After-school service")
    SURVEY = "survey", _("Social survey")
    CULTURE_SPORT = "culture_sport", _("Culture and sport")
    LEAGUE_BUILDING = "league_building", _("Grassroots league building")


class ServiceField(models.TextChoices):
    """The nine fields of DOMAIN.md."""

    RURAL = "rural", _("Rural revitalisation")
    GOVERNANCE = "governance", _("Grassroots governance")
    POVERTY_EDUCATION = "poverty_education", _("Poverty relief and schooling")
    EMPLOYMENT = "employment", _("Employment and entrepreneurship")
    ECOLOGY = "ecology", _("Ecology")
    HERITAGE = "heritage", _("Cultural heritage")
    TECHNOLOGY = "technology", _("Technology")
    HEALTH = "health", _("Health")
    POLICY = "policy", _("Policy publicity")


class WorkKind(models.TextChoices):
    """The documents' supply–demand gap: communities ask for labour, students want substance."""

    LABOUR = "labour", _("Labour")
    SKILLED = "skilled", _("Skilled work")
    PROFESSIONAL = "professional", _("Professional work")


class Urgency(models.IntegerChoices):
    NORMAL = 0, _("Normal")
    URGENT = 1, _("Urgent")
    VERY_URGENT = 2, _("Very urgent")


class Need(TimeStampedModel):
    class State(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("need state", "Submitted")
        ACCEPTED = "accepted", pgettext_lazy("need state", "Accepted")
        DISPATCHED = "dispatched", pgettext_lazy("need state", "Dispatched")
        CLAIMED = "claimed", pgettext_lazy("need state", "Claimed")
        IN_PROGRESS = "in_progress", pgettext_lazy("need state", "In progress")
        CLAIMED_DONE = "claimed_done", pgettext_lazy("need state", "Reported done")
        VERIFIED = "verified", pgettext_lazy("need state", "Verified")
        CLOSED = "closed", pgettext_lazy("need state", "Closed")
        REJECTED = "rejected", pgettext_lazy("need state", "Rejected")
        DUPLICATE = "duplicate", pgettext_lazy("need state", "Duplicate")
        NOT_RESPONSIBLE = "not_responsible", pgettext_lazy("need state", "Not our responsibility")

    OPEN_STATES = (
        State.SUBMITTED,
        State.ACCEPTED,
        State.DISPATCHED,
        State.CLAIMED,
        State.IN_PROGRESS,
    )
    # States in which volunteers can still be dispatched to, or claim, the need's free places
    # (in progress too: a declined or withdrawn place re-opens while others already serve).
    STAFFABLE_STATES = (State.ACCEPTED, State.DISPATCHED, State.CLAIMED, State.IN_PROGRESS)

    community = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="needs",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_reported",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    project_type = models.CharField(_("project type"), max_length=32, choices=ProjectType.choices)
    service_field = models.CharField(_("field"), max_length=32, choices=ServiceField.choices)
    work_kind = models.CharField(
        _("kind of work"), max_length=16, choices=WorkKind.choices, default=WorkKind.LABOUR
    )
    skills = models.ManyToManyField(
        "accounts.Skill", verbose_name=_("skills wanted"), blank=True, related_name="needs"
    )
    majors = models.JSONField(_("majors that fit"), default=list, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    people_needed = models.PositiveSmallIntegerField(_("people needed"), default=1)
    is_remote = models.BooleanField(_("can be done remotely"), default=False)
    is_bounty = models.BooleanField(_("posted as a bounty"), default=False)
    open_claim = models.BooleanField(
        _("open to claim"),
        default=False,
        help_text=_("Volunteers may take it first come, first served (抢单)."),
    )
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency.choices, default=Urgency.NORMAL
    )
    minutes_each = models.PositiveSmallIntegerField(
        _("minutes of service per person"),
        default=120,
        help_text=_("How long one person's service lasts."),
    )
    required_courses = models.ManyToManyField(
        "duty.TrainingCourse", verbose_name=_("training required"), blank=True, related_name="needs"
    )
    needs_insurance = models.BooleanField(_("insurance required"), default=False)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    original = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    project_group = models.ForeignKey(
        "needs.ProjectGroup",
        verbose_name=_("project group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
    )

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="need_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(people_needed__gte=1) & Q(people_needed__lte=500),
                name="need_people_in_range",
            ),
            models.CheckConstraint(
                condition=Q(minutes_each__gte=15) & Q(minutes_each__lte=720),
                name="need_minutes_each_in_range",
            ),
        ]
        indexes = [models.Index(fields=["community", "state"])]

    def __str__(self) -> str:
        return self.title


class NeedWindow(models.Model):
    """A time window in which the need can be served (dates and hours)."""

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="windows"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = _("time window")
        verbose_name_plural = _("time windows")
        ordering = ["need", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="need_window_ordered"
            ),
        ]
        indexes = [models.Index(fields=["starts_at"])]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class NeedEvent(models.Model):
    """One move of a need's state (or a note on it): who, when, why. Append-only."""

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=Need.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("need event")
        verbose_name_plural = _("need history")
        ordering = ["need", "at", "pk"]
        indexes = [models.Index(fields=["need", "at"])]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.from_state} → {self.to_state}"


class NeedFollower(models.Model):
    """A resident who follows a need: the reporter of a duplicate, or someone who chose to follow
    instead of filing the same thing again. Followers are told of its progress and may rate it."""

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="followers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="needs_followed",
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["need", "user"], name="need_follower_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.need_id}"


def _photo_path(instance: NeedPhoto, filename: str) -> str:
    # The stored name never carries the uploader's file name (it may hold personal data).
    return f"needs/{instance.need_id}/{uuid.uuid4().hex}.{instance.extension}"


class NeedPhoto(models.Model):
    """A photo of the need at intake, or evidence when it is reported done or verified."""

    class Stage(models.TextChoices):
        INTAKE = "intake", _("At intake")
        DONE = "done", _("Reported done")
        VERIFIED = "verified", _("Verification")

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="photos"
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.INTAKE)
    file = models.FileField(_("photo"), upload_to=_photo_path, max_length=200)
    extension = models.CharField(max_length=5, default="jpg")
    size = models.PositiveIntegerField(_("size (bytes)"))
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
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["need", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.need_id}/{self.pk}"
