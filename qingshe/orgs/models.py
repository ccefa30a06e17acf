"""The organisation tree, memberships (roles over a subtree) and concurrent posts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshe.core.models import TimeStampedModel


class OrgKind(models.TextChoices):
    CITY_COMMITTEE = "city_committee", _("City league committee")
    DISTRICT_COMMITTEE = "district_committee", _("District league committee")
    UNIVERSITY_COMMITTEE = "university_committee", _("University league committee")
    DEPARTMENT_COMMITTEE = "department_committee", _("Department league committee")
    CLASS_BRANCH = "class_branch", _("Class league branch")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    RESIDENTIAL_AREA = "residential_area", _("Residential area")
    GRID = "grid", _("Grid")
    PARTNER = "partner", _("Partner unit")
    VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team / youth association")


# Which kinds may sit directly under which. The tree mirrors both sides of the programme: the
# league's own line (city → district / university → department → branch) and the receiving line
# (district → street → community → residential area → grid).
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    OrgKind.CITY_COMMITTEE: {None},
    OrgKind.DISTRICT_COMMITTEE: {OrgKind.CITY_COMMITTEE},
    OrgKind.UNIVERSITY_COMMITTEE: {OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE},
    OrgKind.DEPARTMENT_COMMITTEE: {OrgKind.UNIVERSITY_COMMITTEE},
    OrgKind.CLASS_BRANCH: {OrgKind.DEPARTMENT_COMMITTEE},
    OrgKind.STREET: {OrgKind.DISTRICT_COMMITTEE},
    OrgKind.COMMUNITY: {OrgKind.STREET},
    OrgKind.RESIDENTIAL_AREA: {OrgKind.COMMUNITY},
    OrgKind.GRID: {OrgKind.COMMUNITY, OrgKind.RESIDENTIAL_AREA},
    OrgKind.PARTNER: {OrgKind.CITY_COMMITTEE, OrgKind.DISTRICT_COMMITTEE, OrgKind.STREET},
    OrgKind.VOLUNTEER_TEAM: {
        OrgKind.CITY_COMMITTEE,
        OrgKind.DISTRICT_COMMITTEE,
        OrgKind.UNIVERSITY_COMMITTEE,
        OrgKind.DEPARTMENT_COMMITTEE,
        OrgKind.COMMUNITY,
    },
}


class Organisation(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices, db_index=True)
    name = models.CharField(_("full name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path "/1/4/17/": a subtree is `path__startswith`, ancestors are its segments.
    # Maintained only by orgs.services.
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    code = models.CharField(
        _("code"), max_length=32, blank=True, help_text=_("Optional external code.")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # When a community receives volunteers: [{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}];
    # empty means the platform default (settings.QINGSHE_DISPATCH["office_hours"]).
    office_hours = models.JSONField(_("office hours"), default=list, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_unique_name_under_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def ancestor_ids(self) -> list[int]:
        """IDs from the root down to the parent (not self)."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def is_within(self, other: Organisation) -> bool:
        """True when self is `other` or lies in its subtree."""
        return self.path.startswith(other.path)

    @property
    def city_id(self) -> int:
        """The root of the tree: data is keyed by city so that a province can shard by it."""
        return int(self.path.strip("/").split("/")[0])


class Role(models.TextChoices):
    LEAGUE_ADMIN = "league_admin", _("League committee admin")
    UNIVERSITY_ADMIN = "university_admin", _("University league admin")
    DEPARTMENT_ADMIN = "department_admin", _("Department league admin")
    BRANCH_SECRETARY = "branch_secretary", _("Branch secretary")
    STUDENT = "student", _("Student member")
    COMMUNITY_STAFF = "community_staff", _("Community staff")
    COMMUNITY_SECRETARY = "community_secretary", _("Community league secretary")
    RESIDENT = "resident", _("Resident")
    PARTNER_CONTACT = "partner_contact", _("Partner contact")
    COUNCIL_MEMBER = "council_member", _("Youth council member")
    PANEL_MEMBER = "panel_member", _("Evaluation panel member")
    INSTRUCTOR = "instructor", _("Instructor")


class Membership(TimeStampedModel):
    """A person's role in an organisation; the role applies to the organisation's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "org", "role"], name="membership_unique_role_in_org"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="membership_term_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.org} · {self.get_role_display()}"


class PostKind(models.TextChoices):
    ASSISTANT_DIRECTOR = "assistant_director", _("Assistant to the community director")
    DEPUTY_BRANCH_SECRETARY = (
        "deputy_branch_secretary",
        _("Deputy secretary of the community league branch"),
    )
    GRID_LEADER = "grid_leader", _("Grid group leader")
    PROJECT_LEADER = "project_leader", _("Project group leader")
    OTHER = "other", _("Other post")


class Post(TimeStampedModel):
    """A concurrent post (兼职) held for a term, e.g. a branch secretary as 社区居委会主任助理."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="posts",
    )
    org = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="posts"
    )
    kind = models.CharField(_("post"), max_length=32, choices=PostKind.choices)
    title = models.CharField(_("title"), max_length=80, blank=True)
    start_date = models.DateField(pgettext_lazy("office", "term from"))
    end_date = models.DateField(pgettext_lazy("office", "term until"), null=True, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("appointed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("concurrent post")
        verbose_name_plural = _("concurrent posts")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="post_term_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.display_title}"

    @property
    def display_title(self) -> str:
        return self.title or str(self.get_kind_display())
