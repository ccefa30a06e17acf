"""The need list (需求清单): what residents order and communities post.

Issue 5 grows this app (resources, project groups, bounties, dispatch); the fields here are the
ones every later part relies on: where the need is, what kind of work it asks for, which skills
and majors fit it, and its state.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

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


class Need(TimeStampedModel):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        DISPATCHED = "dispatched", _("Dispatched")
        CLAIMED = "claimed", _("Claimed")
        IN_PROGRESS = "in_progress", _("In progress")
        CLAIMED_DONE = "claimed_done", _("Reported done")
        VERIFIED = "verified", _("Verified")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Duplicate")
        NOT_RESPONSIBLE = "not_responsible", _("Not our responsibility")

    OPEN_STATES = (State.SUBMITTED, State.ACCEPTED, State.DISPATCHED, State.CLAIMED, State.IN_PROGRESS)

    community = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("community"), on_delete=models.PROTECT, related_name="needs"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="needs_reported",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    project_type = models.CharField(_("project type"), max_length=32, choices=ProjectType.choices)
    service_field = models.CharField(_("field"), max_length=32, choices=ServiceField.choices)
    work_kind = models.CharField(_("kind of work"), max_length=16, choices=WorkKind.choices, default=WorkKind.LABOUR)
    skills = models.ManyToManyField("accounts.Skill", verbose_name=_("skills wanted"), blank=True, related_name="needs")
    majors = models.JSONField(_("majors that fit"), default=list, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    people_needed = models.PositiveSmallIntegerField(_("people needed"), default=1)
    is_remote = models.BooleanField(_("can be done remotely"), default=False)
    is_bounty = models.BooleanField(_("posted as a bounty"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SUBMITTED, db_index=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="need_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(people_needed__gte=1) & Q(people_needed__lte=500), name="need_people_in_range"
            ),
        ]
        indexes = [models.Index(fields=["community", "state"])]

    def __str__(self) -> str:
        return self.title
