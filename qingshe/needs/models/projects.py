"""Project groups (项目组), their members, responsibility list and tasks: DOMAIN.md step 4."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qingshe.core.models import TimeStampedModel
from qingshe.needs.models.needs import ProjectType, ServiceField


class ProjectGroup(TimeStampedModel):
    """A project group (项目组) owned by a class branch or a department committee: the project
    list (项目清单) of DOMAIN.md step 4. Students apply to join it (DOMAIN.md step 2)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    owner = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="project_groups",
    )
    name = models.CharField(_("name"), max_length=80)
    goal = models.TextField(_("goal"))
    project_type = models.CharField(_("project type"), max_length=32, choices=ProjectType.choices)
    service_field = models.CharField(_("field"), max_length=32, choices=ServiceField.choices)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_groups_instructed",
    )
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.OPEN, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("project group")
        verbose_name_plural = _("project groups")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="project_group_unique_name_per_owner"
            ),
        ]
        indexes = [models.Index(fields=["owner", "state"])]

    def __str__(self) -> str:
        return self.name


class Responsibility(models.Model):
    """One line of a group's responsibility list (职责清单), in the order it is shown."""

    group = models.ForeignKey(
        ProjectGroup,
        verbose_name=_("project group"),
        on_delete=models.CASCADE,
        related_name="responsibilities",
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
        ProjectGroup,
        verbose_name=_("project group"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="project_memberships",
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.APPLIED, db_index=True
    )
    statement = models.TextField(_("statement"))
    reason = models.TextField(_("reason given"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
                condition=Q(role="member") | Q(state="accepted"),
                name="project_member_leader_is_accepted",
            ),
        ]
        indexes = [models.Index(fields=["group", "state"]), models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.group}"


class ProjectTask(TimeStampedModel):
    """A task of a project group with a due date and a status."""

    class State(models.TextChoices):
        TODO = "todo", _("To do")
        DOING = "doing", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    group = models.ForeignKey(
        ProjectGroup,
        verbose_name=_("project group"),
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    title = models.CharField(_("task"), max_length=120)
    notes = models.TextField(_("notes"), blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.TODO, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_tasks",
    )
    need = models.ForeignKey(
        "needs.Need",
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("project task")
        verbose_name_plural = _("project tasks")
        ordering = ["group", "state", "due_on", "pk"]
        indexes = [models.Index(fields=["group", "state"])]

    def __str__(self) -> str:
        return self.title
