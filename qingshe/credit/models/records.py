"""Volunteer records (志愿服务记录): the hours ledger, awards and evaluations, certificates
(志愿服务证明) and the background export jobs of transcripts.

The ledger is append-only: rows are written only by credit.services, never updated or deleted;
a correction is a reversing entry plus a new one. Each entry carries the SHA-256 of its content
chained to the person's previous entry (credit.ledger), so an edit made behind the services' back
is found by `qingshe check-ledgers`. A person's total is the sum of their entries; HoursBalance
caches it (and the chain's head) and is written by the same service in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core.models import TimeStampedModel


# --- the hours ledger ---------------------------------------------------------------------------
class EntryKind(models.TextChoices):
    SERVICE = "service", _("Service confirmed")
    REVERSAL = "reversal", _("Reversal")
    CORRECTION = "correction", _("Corrected service")


class LedgerEntry(models.Model):
    """One line of a person's hours ledger (志愿服务时长记录).

    The texts (activity, place, content, organiser, person in charge, confirmer, recipient) are
    copied at posting time, so the record says what was true when it was made even if the
    activity is renamed later; the foreign keys link the entry to its source."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="hours_entries",
    )
    seq = models.PositiveIntegerField(_("entry number"))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    attendance = models.ForeignKey(
        "duty.Attendance",
        verbose_name=_("attendance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    correction = models.ForeignKey(
        "duty.Correction",
        verbose_name=_("correction request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    service_date = models.DateField(_("date of service"))
    starts_at = models.DateTimeField(_("from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    activity_title = models.CharField(_("activity"), max_length=120)
    duty_mode = models.CharField(_("duty mode"), max_length=16, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    content = models.TextField(_("content of service"), blank=True)
    organiser = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organising unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organiser_name = models.CharField(_("organising unit"), max_length=120, blank=True)
    person_in_charge = models.CharField(_("person in charge"), max_length=40, blank=True)
    confirmer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmer_name = models.CharField(_("confirmed by"), max_length=40, blank=True)
    recipient = models.CharField(_("service recipient"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("recorded by"), max_length=40, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    prev_hash = models.CharField(_("previous entry's hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("hours ledger entry")
        verbose_name_plural = _("hours ledger entries")
        ordering = ["user", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["user", "seq"], name="ledger_entry_seq_per_person"),
            # One credit per attendance: posting it twice (a retried request, the take-over of
            # older attendance) cannot count the same service twice.
            models.UniqueConstraint(
                fields=["attendance"],
                condition=Q(kind="service"),
                name="ledger_one_service_entry_per_attendance",
            ),
            models.UniqueConstraint(
                fields=["correction"],
                condition=Q(kind="correction"),
                name="ledger_one_entry_per_correction",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False, hours__lte=0),
                name="ledger_reversal_names_its_entry",
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal") | Q(hours__gte=0), name="ledger_credit_not_negative"
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="ledger_seq_from_one"),
        ]
        indexes = [
            models.Index(fields=["user", "service_date"]),
            models.Index(fields=["organiser", "service_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} #{self.seq} {self.hours}"


class HoursBalance(models.Model):
    """The cached total and chain head of one person's ledger; written only by the service that
    appends an entry, and checked against the sum by `qingshe check-ledgers`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="hours_balance",
    )
    total = models.DecimalField(
        _("total hours"), max_digits=8, decimal_places=1, default=Decimal("0")
    )
    entries = models.PositiveIntegerField(_("entries"), default=0)
    head_hash = models.CharField(_("last entry's hash"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("hours balance")
        verbose_name_plural = _("hours balances")

    def __str__(self) -> str:
        return f"{self.user}: {self.total}"


# --- awards and evaluations ---------------------------------------------------------------------
class Award(TimeStampedModel):
    """A commendation (表彰奖励) in a person's volunteer record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="awards",
    )
    name = models.CharField(_("award"), max_length=120)
    granted_on = models.DateField(_("granted on"))
    granting_body = models.CharField(_("granting body"), max_length=120)
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("recorded by organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-granted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", _("Satisfactory")
    FAIL = "fail", _("Unsatisfactory")


class Evaluation(TimeStampedModel):
    """An evaluation of the quality of a person's service (服务评价), with an optional star level
    (星级志愿者, one to five)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    rating = models.CharField(_("quality rating"), max_length=16, choices=Rating.choices)
    evaluated_on = models.DateField(_("date"))
    star_level = models.PositiveSmallIntegerField(_("star level"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("evaluating organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-evaluated_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(star_level__isnull=True) | Q(star_level__gte=1, star_level__lte=5),
                name="evaluation_star_level_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_rating_display()}"

    @property
    def stars(self) -> str:
        return "★" * (self.star_level or 0)


# --- certificates -------------------------------------------------------------------------------
class Certificate(models.Model):
    """A certificate of volunteer service (志愿服务证明) for a period.

    `statement` is exactly what the certificate states; `signature` is the platform's Ed25519
    signature of its canonical bytes under key `key_id` (credit.signing). The PDF is rendered
    from the statement, so PDF, page and API always say the same thing."""

    code = models.CharField(_("verification code"), max_length=32, unique=True)
    number = models.CharField(
        _("certificate number"), max_length=40, unique=True, null=True, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    recording_org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("recording organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    statement = models.JSONField(pgettext_lazy("certificate", "statement"), default=dict)
    signature = models.CharField(_("signature"), max_length=128, blank=True)
    key_id = models.CharField(_("signing key"), max_length=40, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("certificate of volunteer service")
        verbose_name_plural = _("certificates of volunteer service")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="certificate_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.code

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


# --- background exports -------------------------------------------------------------------------
class ExportJob(TimeStampedModel):
    """A department's transcripts as Excel and a ZIP of PDFs, made by a background task; the page
    polls `done`/`total` for progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("students"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    xlsx = models.FileField(_("Excel file"), upload_to="credit/exports/", blank=True)
    zip = models.FileField(_("ZIP of PDFs"), upload_to="credit/exports/", blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transcript export")
        verbose_name_plural = _("transcript exports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.org} · {self.get_state_display()}"

    @property
    def percent(self) -> int:
        return (
            100
            if self.state == self.State.DONE
            else (self.done * 100 // self.total if self.total else 0)
        )
