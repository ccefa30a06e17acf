"""Exportable lists of the needs pages registered after issue 9's first round (see specs.py for
the rules: the columns the page shows, the rows its own selector gives): a student's project
applications, the needs open to claim (抢单), a resident's orders, the project groups, the
committee's case review inbox, the public featured cases and the records behind each number of
a dashboard."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.text import Truncator

from qingshe.core.exports.registry import Column, ExportContext, ExportSpec, register
from qingshe.core.exports.specs import _, _name, _vn

EXCERPT_CHARS = 90  # the featured page's excerpt (truncatechars:90)


# --- needs and project groups -------------------------------------------------------------------
def _my_applications() -> None:
    from qingshe.needs.models import ProjectMember

    def role(m: Any) -> Any:
        return m.get_role_display() if m.state == ProjectMember.State.ACCEPTED else ""

    register(
        ExportSpec(
            name="needs.my_applications",
            title=_("My applications"),
            model=ProjectMember,
            prepare=lambda qs: qs.select_related("group__owner"),
            columns=[
                Column(_vn(ProjectMember, "group"), lambda m: m.group.name, width=28),
                Column(_("Organisation"), lambda m: _name(m.group.owner), width=26),
                Column(_vn(ProjectMember, "state"), lambda m: m.get_state_display()),
                Column(_("Role"), role, width=10),
                Column(
                    _("Applied on"), lambda m: timezone.localtime(m.created_at).date(), width=12
                ),
                Column(
                    _("Decided on"),
                    lambda m: timezone.localtime(m.decided_at).date() if m.decided_at else "",
                    width=12,
                ),
                Column(_vn(ProjectMember, "reason"), lambda m: m.reason, width=30),
            ],
        )
    )


def _next_time(need: Any) -> Any:
    from qingshe.needs.dispatch import explain

    return explain.moment_text(need.next_window) if need.next_window else _("by its dates")


def _claims_prepare(qs: Any) -> Any:
    """The same figures as selectors.open_claims_for_user: places held, the next window."""
    from qingshe.needs.models import NeedAssignment

    return qs.select_related("community").annotate(
        held=Count(
            "assignments",
            filter=Q(assignments__state__in=NeedAssignment.HOLDING_STATES),
            distinct=True,
        ),
        next_window=Min("windows__starts_at", filter=Q(windows__ends_at__gt=timezone.now())),
    )


def _claims() -> None:
    from qingshe.needs.models import Need

    register(
        ExportSpec(
            name="needs.claims",
            title=_("Needs open to claim"),
            model=Need,
            prepare=_claims_prepare,
            columns=[
                Column(_("No."), lambda n: n.pk, width=8),
                Column(_vn(Need, "title"), lambda n: n.title, width=30),
                Column(_vn(Need, "urgency"), lambda n: n.get_urgency_display(), width=10),
                Column(
                    _("Where"),
                    lambda n: _("Online") if n.is_remote else n.community.name,
                    width=20,
                ),
                Column(_("Next time"), _next_time, width=16),
                Column(_("Places taken"), lambda n: n.held, width=10),
                Column(_vn(Need, "people_needed"), lambda n: n.people_needed, width=10),
            ],
        )
    )


def _where(need: Any) -> Any:
    if need.is_remote:
        return _("Online")
    return f"{need.community.name} · {need.address}" if need.address else need.community.name


def _my_offers() -> None:
    from qingshe.needs.dispatch import explain
    from qingshe.needs.models import NeedAssignment

    register(
        ExportSpec(
            name="needs.my_offers",
            title=_("My offers"),
            model=NeedAssignment,
            prepare=lambda qs: qs.select_related("need__community"),
            columns=[
                Column(_("Need"), lambda a: a.need.title, width=30),
                Column(_vn(NeedAssignment, "state"), lambda a: a.get_state_display(), width=10),
                Column(_("When"), lambda a: explain.when_text(a.starts_at, a.ends_at), width=22),
                Column(_("Where"), lambda a: _where(a.need), width=26),
                Column(_("Came by"), lambda a: a.get_source_display(), width=10),
            ],
        )
    )


def _my_orders() -> None:
    from qingshe.needs.models import Need

    def following(needs: list[Any], context: ExportContext) -> None:
        """Which of these needs the person who asked follows (the page's "Following" tag)."""
        from qingshe.needs.models import NeedFollower

        followed = set(
            NeedFollower.objects.filter(
                user_id=getattr(context.user, "pk", None), need__in=needs
            ).values_list("need_id", flat=True)
        )
        for need in needs:
            need.export_following = need.pk in followed

    register(
        ExportSpec(
            name="needs.my_orders",
            title=_("My orders"),
            model=Need,
            prepare=lambda qs: qs.select_related("community"),
            enrich=following,
            columns=[
                Column(_("No."), lambda n: n.pk, width=8),
                Column(_vn(Need, "title"), lambda n: n.title, width=30),
                Column(_vn(Need, "state"), lambda n: n.get_state_display()),
                Column(_("Community"), lambda n: n.community.name, width=20),
                Column(
                    _("Ordered on"), lambda n: timezone.localtime(n.created_at).date(), width=12
                ),
                Column(_("Following"), lambda n: _("Yes") if n.export_following else "", width=8),
            ],
        )
    )


def _groups() -> None:
    from qingshe.needs.models import ProjectGroup, ProjectMember

    register(
        ExportSpec(
            name="needs.project_groups",
            title=_("Project groups"),
            model=ProjectGroup,
            prepare=lambda qs: qs.select_related("owner", "instructor").annotate(
                member_count=Count(
                    "members",
                    filter=Q(members__state=ProjectMember.State.ACCEPTED),
                    distinct=True,
                )
            ),
            columns=[
                Column(_vn(ProjectGroup, "name"), lambda g: g.name, width=28),
                Column(_vn(ProjectGroup, "state"), lambda g: g.get_state_display(), width=10),
                Column(_vn(ProjectGroup, "project_type"), lambda g: g.get_project_type_display()),
                Column(_vn(ProjectGroup, "service_field"), lambda g: g.get_service_field_display()),
                Column(_("Organisation"), lambda g: _name(g.owner), width=26),
                Column(_("Members"), lambda g: g.member_count, width=8),
                Column(
                    _vn(ProjectGroup, "instructor"),
                    lambda g: g.instructor.name if g.instructor else "",
                    width=12,
                ),
            ],
        )
    )


# --- typical cases ------------------------------------------------------------------------------
def _cases() -> None:
    from qingshe.reports.models import TypicalCase

    register(
        ExportSpec(
            name="reports.review_inbox",
            title=_("Typical cases to review"),
            model=TypicalCase,
            prepare=lambda qs: qs.select_related("department", "programme").annotate(
                export_photos=Count("photos")
            ),
            columns=[
                Column(_vn(TypicalCase, "title"), lambda c: c.title, width=30),
                Column(_("Department"), lambda c: _name(c.department), width=24),
                Column(
                    _("Programme"), lambda c: f"{c.programme.year} {c.programme.name}", width=24
                ),
                Column(_("Photos"), lambda c: c.export_photos, width=8),
                Column(_vn(TypicalCase, "submitted_at"), lambda c: c.submitted_at, width=18),
                Column(_vn(TypicalCase, "state"), lambda c: c.get_state_display()),
            ],
        )
    )
    # The public page: what it shows of a case, never who submitted or reviewed it.
    register(
        ExportSpec(
            name="reports.featured",
            title=_("Featured typical cases"),
            model=TypicalCase,
            prepare=lambda qs: qs.select_related("department__parent", "programme"),
            columns=[
                Column(_vn(TypicalCase, "title"), lambda c: c.title, width=30),
                Column(_("Department"), lambda c: _name(c.department), width=24),
                Column(_("University"), lambda c: _name(c.department.parent), width=24),
                Column(_("Year"), lambda c: c.programme.year, width=8),
                Column(_("Excerpt"), lambda c: Truncator(c.text).chars(EXCERPT_CHARS), width=60),
            ],
        )
    )


# --- the records behind a dashboard's numbers ---------------------------------------------------
# Each figure's model and the joins its row reads (records.py builds the same rows on the page).
_DASHBOARD_MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "hours": ("credit.LedgerEntry", ("user",)),
    "volunteers": ("accounts.User", ("student__branch",)),
    "teams": ("orgs.Organisation", ("parent",)),
    "events": ("duty.Shift", ("activity__organiser",)),
    "service_records": ("programmes.ServiceRecord", ("pairing__unit", "pairing__community")),
    "needs_received": ("needs.Need", ("community",)),
    "needs_labour": ("needs.Need", ("community",)),
    "needs_skilled": ("needs.Need", ("community",)),
    "needs_solved": ("needs.Need", ("community",)),
    "resident_visits": ("needs.Need", ("community",)),
    "needs_open": ("needs.Need", ("community",)),
    "points_issued": ("credit.PointsTransfer", ()),
    "points_redeemed": ("credit.PointsTransfer", ()),
    "featured_cases": ("reports.TypicalCase", ("department", "project")),
    "featured_projects": ("reports.TypicalCase", ("department", "project")),
    "model_communities": ("credit.Commendation", ("team", "org")),
    "council": ("council.Resolution", ("meeting__community", "item__need")),
    "pairings_active": ("programmes.Pairing", ("unit", "community", "programme")),
    "pairings_idle": ("programmes.Pairing", ("unit", "community", "programme")),
}


def dashboard_spec_name(figure: str) -> str:
    return f"dashboard.{figure}"


def _cell(i: int) -> Any:
    return lambda obj: obj.export_cells[i]


def _dashboard() -> None:
    from django.apps import apps

    from qingshe.reports.dashboard.records import RECORDS

    for figure, records in RECORDS.items():
        if figure not in _DASHBOARD_MODELS:  # a figure added since: no export until listed here
            continue
        label, joins = _DASHBOARD_MODELS[figure]
        try:
            model = apps.get_model(label)
        except LookupError:  # an app built alongside (the council) may not be installed
            continue

        def enrich(objs: list[Any], _context: ExportContext, row: Any = records.row) -> None:
            for obj in objs:
                obj.export_cells = row(obj)[0]

        register(
            ExportSpec(
                name=dashboard_spec_name(figure),
                title=records.title,
                model=model,
                prepare=lambda qs, joins=joins: qs.select_related(*joins) if joins else qs,
                enrich=enrich,
                columns=[
                    Column(header, _cell(i), width=20) for i, header in enumerate(records.columns)
                ],
            )
        )


for _register in (_my_applications, _claims, _my_offers, _my_orders, _groups, _cases, _dashboard):
    _register()
