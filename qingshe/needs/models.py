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


# --- project groups (项目组) -------------------------------------------------------------------
class ProjectGroup(TimeStampedModel):
    """A project group (项目组) owned by a class branch or a department committee: the project
    list (项目清单) of DOMAIN.md step 4. Students apply to join it (DOMAIN.md step 2)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    owner = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="project_groups"
    )
    name = models.CharField(_("name"), max_length=80)
    goal = models.TextField(_("goal"))
    project_type = models.CharField(_("project type"), max_length=32, choices=ProjectType.choices)
    service_field = models.CharField(_("field"), max_length=32, choices=ServiceField.choices)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("instructor"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="project_groups_instructed",
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("project group")
        verbose_name_plural = _("project groups")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="project_group_unique_name_per_owner"),
        ]
        indexes = [models.Index(fields=["owner", "state"])]

    def __str__(self) -> str:
        return self.name


class Responsibility(models.Model):
    """One line of a group's responsibility list (职责清单), in the order it is shown."""

    group = models.ForeignKey(
        ProjectGroup, verbose_name=_("project group"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    text = models.CharField(_("responsibility"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibility list")
        ordering = ["group", "order"]
        constraints = [
            models.UniqueConstraint(fields=["group", "order"], name="responsibility_unique_order"),
        ]

    def __str__(self) -> str:
        return self.text


class ProjectMember(TimeStampedModel):
    """A person's application to, and membership of, a project group."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        MEMBER = "member", _("Member")

    class State(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")

    LIVE_STATES = (State.APPLIED, State.ACCEPTED)

    group = models.ForeignKey(
        ProjectGroup, verbose_name=_("project group"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE,
        related_name="project_memberships",
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.APPLIED, db_index=True)
    statement = models.TextField(_("statement"))
    reason = models.TextField(_("reason given"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("project member")
        verbose_name_plural = _("project members")
        ordering = ["group", "created_at", "pk"]
        constraints = [
            # At most one live (applied or accepted) row per person and group; declined and left
            # rows stay as history, and the person may apply again.
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(state__in=["applied", "accepted"]),
                name="project_member_one_live_per_group",
            ),
            # One leader (组长) per group at a time.
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(role="leader", state="accepted"),
                name="project_member_one_leader",
            ),
            models.CheckConstraint(
                condition=Q(role="member") | Q(state="accepted"), name="project_member_leader_is_accepted"
            ),
        ]
        indexes = [models.Index(fields=["group", "state"]), models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.group}"
