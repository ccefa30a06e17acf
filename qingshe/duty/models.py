"""Duty (报到): activities and their shifts, sign-up with a waitlist, attendance with check-in
and check-out, the community's confirmation (盖章确认), corrections, training and insurance."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel


# --- training and insurance ---------------------------------------------------------------------
class TrainingTopic(models.TextChoices):
    FIRST_AID = "first_aid", _("First aid")
    DOOR_TO_DOOR = "door_to_door", _("Door-to-door visits")
    MEDIATION = "mediation", _("Mediation")
    SAFETY = "safety", _("Safety")
    OTHER = "other", _("Other")


class TrainingCourse(TimeStampedModel):
    """A course volunteers take before some duties (first aid, door-to-door visits, mediation)."""

    name = models.CharField(_("name"), max_length=80)
    topic = models.CharField(_("topic"), max_length=20, choices=TrainingTopic.choices)
    description = models.TextField(_("content"), blank=True)
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    valid_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Empty: valid without limit.")
    )

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrainingSession(TimeStampedModel):
    course = models.ForeignKey(
        TrainingCourse, verbose_name=_("course"), on_delete=models.CASCADE, related_name="sessions"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mentor_name = models.CharField(_("mentor's name"), max_length=40, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="training_session_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_at:%Y-%m-%d}"


class TrainingRecord(TimeStampedModel):
    """A person completed a course (attended a session, or recorded by a steward)."""

    course = models.ForeignKey(
        TrainingCourse, verbose_name=_("course"), on_delete=models.CASCADE, related_name="records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="training_records",
    )
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="records",
    )
    completed_on = models.DateField(_("completed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user", "completed_on"], name="training_record_once_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"


class InsurancePolicy(TimeStampedModel):
    """Accident insurance bought for volunteers (意外险)."""

    insurer = models.CharField(_("insurer"), max_length=80)
    policy_no = models.CharField(_("policy number"), max_length=60)
    holder = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("policy holder"),
        on_delete=models.PROTECT,
        related_name="insurance_policies",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    covered = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("covered people"),
        blank=True,
        related_name="insurance_policies",
    )

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        ordering = ["-valid_to"]
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "policy_no"], name="insurance_policy_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="insurance_policy_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_no}"


# --- activities and shifts ----------------------------------------------------------------------
class DutyMode(models.TextChoices):
    REGULAR = "regular", _("Regular duty (term time)")
    CONCENTRATED = "concentrated", _("Concentrated duty (vacation)")
    STAGE = "stage", _("Stage duty (major event)")


class Activity(TimeStampedModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    mode = models.CharField(
        _("duty mode"), max_length=16, choices=DutyMode.choices, default=DutyMode.REGULAR
    )
    remote_allowed = models.BooleanField(_("remote work allowed"), default=False)
    # The organisation that runs it and whose staff confirm attendance (normally a community).
    organiser = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    pairing = models.ForeignKey(
        "programmes.Pairing",
        verbose_name=_("pairing"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    need = models.ForeignKey(
        "needs.Need",
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    place = models.CharField(_("place"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"),
        null=True,
        blank=True,
        help_text=_("Empty: location is not checked."),
    )
    required_courses = models.ManyToManyField(
        TrainingCourse, verbose_name=_("training required"), blank=True, related_name="required_by"
    )
    requires_insurance = models.BooleanField(_("insurance required"), default=True)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PUBLISHED, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Shift(TimeStampedModel):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    min_people = models.PositiveIntegerField(_("minimum head count"), default=1)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shift leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_shifts",
    )
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        _("cancel up to (hours before)"), default=12
    )
    # A rotating secret for this shift's QR codes: changing it voids every code shown so far.
    qr_secret = models.CharField(max_length=32, editable=False)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_capacity_positive"),
            models.CheckConstraint(
                condition=Q(capacity__gte=F("min_people")), name="shift_capacity_covers_minimum"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} {self.starts_at:%Y-%m-%d %H:%M}"


class SignUp(TimeStampedModel):
    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("Signed up")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE_STATES = (State.CONFIRMED, State.WAITLISTED)

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="signups"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, db_index=True)
    # Order on the waitlist: first in line is promoted first.
    queue_no = models.PositiveIntegerField(_("place in line"), default=0)
    promoted_at = models.DateTimeField(_("promoted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["shift", "queue_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "user"],
                condition=Q(state__in=["confirmed", "waitlisted"]),
                name="signup_one_live_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.shift}"


class CheckMethod(models.TextChoices):
    QR = "qr", _("QR code")
    ROLL_CALL = "roll_call", _("Roll call by the leader")
    REMOTE_LOG = "remote_log", _("Remote work log")
    AUTO = "auto", _("Automatic at the shift's end")


class Attendance(TimeStampedModel):
    """One person's presence at one shift, from check-in to the community's confirmation.

    Only a confirmed attendance credits hours; `credited_hours` follows the one rounding rule of
    duty.hours (to the nearest half hour; under 15 minutes counts 0)."""

    class State(models.TextChoices):
        OPEN = "open", _("Checked in")
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Not confirmed")

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="attendances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.OPEN, db_index=True
    )
    checkin_at = models.DateTimeField(_("checked in at"))
    checkin_method = models.CharField(_("check-in by"), max_length=16, choices=CheckMethod.choices)
    checkin_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkout_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    checkout_method = models.CharField(
        _("check-out by"), max_length=16, choices=CheckMethod.choices, blank=True
    )
    auto_checkout = models.BooleanField(
        _("checked out automatically"),
        default=False,
        help_text=_("The person forgot to check out."),
    )
    remote_log = models.TextField(_("work log"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_start = models.DateTimeField(_("confirmed from"), null=True, blank=True)
    confirmed_end = models.DateTimeField(_("confirmed until"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    adjust_reason = models.CharField(
        _("reason for adjusting the times"), max_length=200, blank=True
    )
    credited_hours = models.DecimalField(
        _("hours credited"), max_digits=5, decimal_places=1, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["-checkin_at"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "user"], name="attendance_once_per_shift"),
            models.CheckConstraint(
                condition=Q(checkout_at__isnull=True) | Q(checkout_at__gte=F("checkin_at")),
                name="attendance_checkout_after_checkin",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_end__isnull=True) | Q(confirmed_end__gt=F("confirmed_start")),
                name="attendance_confirmed_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.shift}"


class Correction(TimeStampedModel):
    """A request to change a confirmed attendance's times; the confirmer decides. The trail stays."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    attendance = models.ForeignKey(
        Attendance,
        verbose_name=_("attendance"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    new_start = models.DateTimeField(_("new start"))
    new_end = models.DateTimeField(_("new end"))
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    previous_start = models.DateTimeField(_("previous start"), null=True, blank=True)
    previous_end = models.DateTimeField(_("previous end"), null=True, blank=True)
    previous_hours = models.DecimalField(
        _("previous hours"), max_digits=5, decimal_places=1, null=True, blank=True
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
    decision_note = models.CharField(_("note on the decision"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_end__gt=F("new_start")), name="correction_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attendance} · {self.get_state_display()}"
