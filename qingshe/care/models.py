"""One-to-one help (结对帮扶): beneficiaries, consent, help relationships with their history of
helpers, visits, concerns and seasonal care campaigns.

The most sensitive data of the platform. What identifies a person (name, ID number, phone,
address, guardian, needs) is kept only in `sealed` (AES-GCM, see care.sealing); the rows hold
masked copies for lists and a keyed digest of the ID number for duplicate look-up. Who may read
what is decided in one place: care.visibility, called by qingshe.core.access.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core.models import TimeStampedModel


class BeneficiaryKind(models.TextChoices):
    MIGRANT_CHILD = "migrant_child", _("Child of migrant workers")
    POOR_FAMILY_CHILD = "poor_family_child", _("Child of a poor family")
    AT_RISK_YOUTH = "at_risk_youth", _("Idle or at-risk youth")
    ELDER_ALONE = "elder_alone", _("Elder living alone")
    DISABLED = "disabled", _("Person with a disability")
    ZERO_EMPLOYMENT = "zero_employment", _("Zero-employment family")
    HARDSHIP = "hardship", _("Person in hardship")


class CareRole(TimeStampedModel):
    """The care role (帮扶专员) of a community's staff member: who may record and oversee the
    community's beneficiaries. Holding community staff alone does not give it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="care_roles",
    )
    community = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        related_name="care_roles",
    )
    is_active = models.BooleanField(_("active"), default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("care role")
        verbose_name_plural = _("care roles")
        constraints = [models.UniqueConstraint(fields=["user", "community"], name="care_role_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.community}"


class Beneficiary(TimeStampedModel):
    class State(models.TextChoices):
        ACTIVE = "active", _("Being helped")
        CLOSED = "closed", _("Closed")

    community = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="beneficiaries",
    )
    kind = models.CharField(
        _("kind"), max_length=24, choices=BeneficiaryKind.choices, db_index=True
    )
    birth_date = models.DateField(_("date of birth"))
    lives_alone = models.BooleanField(_("lives alone"), default=False)
    # Encrypted JSON of the identifying fields (care.sealing.BENEFICIARY_FIELDS).
    sealed = models.BinaryField(_("personal data (encrypted)"), editable=False)
    name_masked = models.CharField(pgettext_lazy("person", "name"), max_length=20)
    id_number_digest = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.ACTIVE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # Never the name in clear: str() ends up in logs and admin messages.
        return f"#{self.pk} {self.name_masked}"


class Consent(models.Model):
    """The consent on file for a beneficiary: the person's own, or a guardian's for anyone under
    18. A beneficiary under 14 cannot be recorded without a guardian's consent."""

    class GivenBy(models.TextChoices):
        SELF = "self", _("The person themself")
        GUARDIAN = "guardian", _("The guardian")

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("beneficiary"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    given_by = models.CharField(_("given by"), max_length=10, choices=GivenBy.choices)
    guardian_relation = models.CharField(_("guardian's relation"), max_length=20, blank=True)
    notice_version = models.CharField(_("notice version"), max_length=20)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"#{self.beneficiary_id} · {self.get_given_by_display()} · {self.notice_version}"


class HelpRelationship(TimeStampedModel):
    class Mode(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("One-to-one (a volunteer)")
        MANY_TO_ONE = "many_to_one", _("Many-to-one (a branch or team)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("beneficiary"),
        on_delete=models.PROTECT,
        related_name="relationships",
    )
    mode = models.CharField(_("form"), max_length=12, choices=Mode.choices)
    team = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("branch or team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(
        _("subject"), max_length=40, blank=True, help_text=_("For tutoring, e.g. maths.")
    )
    term_start = models.DateField(_("term from"))
    term_end = models.DateField(_("term until"))
    goals = models.TextField(_("goals"))
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_help",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # duty's activity that carries the confirmed visits to the hours ledger (care.hours).
    duty_activity = models.ForeignKey(
        "duty.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("help relationship")
        verbose_name_plural = _("help relationships")
        ordering = ["-created_at"]
        constraints = [
            # One active one-to-one tutor per child and subject (the service says it first).
            models.UniqueConstraint(
                fields=["beneficiary", "subject"],
                condition=Q(mode="one_to_one", status="active"),
                name="care_one_active_tutor_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")), name="care_term_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_mode_display()}"


class Assignment(models.Model):
    """A helper's time on a relationship. A hand-over ends one and starts another: the history
    stays with the relationship; a helper whose assignment ended sees nothing any more."""

    relationship = models.ForeignKey(
        HelpRelationship,
        verbose_name=_("help relationship"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("helper"),
        on_delete=models.PROTECT,
        related_name="care_assignments",
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("reason for handing over"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "helper"],
                condition=Q(ended_on__isnull=True),
                name="care_assignment_once_current",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.relationship_id} · {self.helper_id} · {self.started_on}"


class Visit(TimeStampedModel):
    """A visit or tutoring session. Counts as duty: once the supervisor confirms it, care.hours
    records it as confirmed attendance and credit's ledger service credits the hours."""

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting the supervisor")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Not confirmed")

    relationship = models.ForeignKey(
        HelpRelationship,
        verbose_name=_("help relationship"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("helper"),
        on_delete=models.PROTECT,
        related_name="care_visits",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    done = models.TextField(_("what was done"))
    sealed_observations = models.BinaryField(
        _("observations (encrypted)"), null=True, blank=True, editable=False
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    attendance = models.OneToOneField(
        "duty.Attendance",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_visit",
        editable=False,
    )

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=models.F("started_at")), name="care_visit_ordered"
            ),
        ]


class Concern(TimeStampedModel):
    """Something a helper saw that the supervisor must act on (e.g. a child's safety)."""

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        NORMAL = "normal", _("Normal")

    relationship = models.ForeignKey(
        HelpRelationship,
        verbose_name=_("help relationship"),
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="concerns",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.URGENT
    )
    sealed_text = models.BinaryField(_("what was seen (encrypted)"), editable=False)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_note = models.CharField(_("what was done"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["handled_at", "-priority", "-created_at"]


class CampaignKind(models.TextChoices):
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival visits")
    HOLIDAY_CLASS = "holiday_class", _("Holiday classes (七彩假期)")
    BOOK_DRIVE = "book_drive", _("Book drive")
    OTHER = "other", _("Other care campaign")


class Campaign(TimeStampedModel):
    community = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="care_campaigns",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CampaignKind.choices)
    title = models.CharField(_("title"), max_length=80)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("care campaign")
        verbose_name_plural = _("care campaigns")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="care_campaign_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.title


class CampaignHousehold(models.Model):
    """A household on a campaign's list: a beneficiary of the community; visible only to the
    volunteers assigned to it and the community's care role."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=pgettext_lazy("care", "campaign"),
        on_delete=models.CASCADE,
        related_name="households",
    )
    beneficiary = models.ForeignKey(
        Beneficiary, verbose_name=_("beneficiary"), on_delete=models.PROTECT, related_name="+"
    )
    volunteers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteers"),
        blank=True,
        related_name="care_households",
    )
    given = models.CharField(_("what was given"), max_length=200, blank=True)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)

    class Meta:
        verbose_name = _("household to visit")
        verbose_name_plural = _("households to visit")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "beneficiary"], name="care_household_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · #{self.beneficiary_id}"
