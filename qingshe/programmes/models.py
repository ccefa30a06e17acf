"""Programme years, recruitment, branch applications and pairings (年度计划、公开招募、结对共建)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel
from qingshe.programmes.transcript_rules import default_rules as default_transcript_rules


class Programme(TimeStampedModel):
    """One year of the programme, opened by a city or district league committee."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    owner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("league committee"),
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    name = models.CharField(_("name"), max_length=120)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    scope = models.ManyToManyField(
        "orgs.Organisation",
        verbose_name=_("organisations in scope"),
        related_name="programmes_in_scope",
        help_text=_(
            "Universities, departments, districts or streets taking part; their subtrees count."
        ),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    branch_quota_pct = models.DecimalField(
        _("branch quota (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("25"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    student_quota_pct = models.DecimalField(
        _("student quota (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("25"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    pairing_deadline = models.DateField(_("pairing deadline"))
    start_deadline = models.DateField(_("start deadline"))
    case_deadline = models.DateField(_("typical case deadline"))
    min_regular_semesters = models.PositiveSmallIntegerField(
        _("minimum regular duty (semesters)"), default=1
    )
    min_concentrated_months = models.PositiveSmallIntegerField(
        _("minimum concentrated duty (months)"), default=1
    )
    min_services_per_month = models.PositiveSmallIntegerField(
        _("minimum services per pairing per month"), default=2
    )
    cases_per_department = models.PositiveSmallIntegerField(
        _("typical cases per department"), default=3
    )
    case_min_chars = models.PositiveIntegerField(
        _("minimum characters of a typical case"), default=1000
    )
    case_photos = models.PositiveSmallIntegerField(_("photos per typical case"), default=5)
    case_photo_min_kb = models.PositiveIntegerField(
        _("minimum size of a case photo (KB)"), default=1024
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind this many days before a deadline"), default=7
    )
    # 第二课堂成绩单计分规则: schema and default in programmes.transcript_rules, written only by
    # services_transcript_rules (which validates), read by credit.transcript.
    transcript_rules = models.JSONField(
        _("transcript counting rules"), default=default_transcript_rules, blank=True
    )

    class Meta:
        verbose_name = _("programme year")
        verbose_name_plural = _("programme years")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "year", "name"], name="programme_unique_name_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class RecruitmentCall(TimeStampedModel):
    """公开招募: a public call for branches to apply, with criteria and a window."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="calls"
    )
    title = models.CharField(_("title"), max_length=120)
    criteria = models.TextField(_("criteria"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))

    class Meta:
        verbose_name = _("recruitment call")
        verbose_name_plural = _("recruitment calls")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="call_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class BranchApplication(TimeStampedModel):
    """自愿报名 → 系团委推荐 → 学校团委审核 → 团委确定 (择优选拔)."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        RECOMMENDED = "recommended", _("Recommended by the department")
        REVIEWED = "reviewed", _("Reviewed by the university")
        CONFIRMED = "confirmed", _("Confirmed by the league committee")
        REJECTED = "rejected", _("Rejected")

    call = models.ForeignKey(
        RecruitmentCall,
        verbose_name=_("recruitment call"),
        on_delete=models.CASCADE,
        related_name="applications",
    )
    branch = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("class branch"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    excellent_branch = models.BooleanField(_("honoured as excellent league branch"), default=False)
    excellent_class = models.BooleanField(_("honoured as excellent class"), default=False)
    excellent_cadre = models.BooleanField(
        _("secretary honoured as excellent league cadre"), default=False
    )
    other_honours = models.CharField(_("other honours"), max_length=200, blank=True)
    statement = models.TextField(_("statement"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_reason = models.TextField(_("reason given"), blank=True)

    class Meta:
        verbose_name = _("branch application")
        verbose_name_plural = _("branch applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "branch"], name="application_one_per_branch_per_call"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} · {self.call}"

    @property
    def honours_score(self) -> int:
        return int(self.excellent_branch) + int(self.excellent_class) + int(self.excellent_cadre)


class Pairing(TimeStampedModel):
    """结对共建: a branch (or department, volunteer team) paired with a community or street."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        REJECTED = "rejected", _("Rejected")

    LIVE_STATES = (State.PROPOSED, State.APPROVED, State.ACTIVE)

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="pairings"
    )
    unit = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("university side"),
        on_delete=models.PROTECT,
        related_name="pairings_as_unit",
    )
    community = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("community side"),
        on_delete=models.PROTECT,
        related_name="pairings_as_community",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PROPOSED, db_index=True
    )
    term_start = models.DateField(_("term from"))
    term_end = models.DateField(_("term until"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    unit_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agreement confirmed for the university side by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit_confirmed_at = models.DateTimeField(
        _("university side confirmed at"), null=True, blank=True
    )
    community_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agreement confirmed for the community side by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    community_confirmed_at = models.DateTimeField(
        _("community side confirmed at"), null=True, blank=True
    )
    reason = models.TextField(_("reason given"), blank=True)
    suggestion_reasons = models.JSONField(_("why it was suggested"), default=list, blank=True)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gte=F("term_start")), name="pairing_term_ordered"
            ),
            # One live pairing of the same two sides per programme (check-then-act is not enough).
            models.UniqueConstraint(
                fields=["programme", "unit", "community"],
                condition=Q(state__in=["proposed", "approved", "active"]),
                name="pairing_one_live_per_sides",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ⇄ {self.community}"

    @property
    def agreement_confirmed(self) -> bool:
        return self.unit_confirmed_at is not None and self.community_confirmed_at is not None


class ServiceRecord(TimeStampedModel):
    """A service held under a pairing, as recorded by its secretary. The monthly frequency counts
    these and the pairing's duty shifts served (selectors.pairing_service_counts)."""

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="services"
    )
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("what was done"), max_length=120)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"
