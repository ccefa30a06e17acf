"""The exportable lists: one ExportSpec per list page, its columns those the page shows (a
little more where a spreadsheet needs it: dates in full, numbers as numbers). Headers reuse the
models' translated field names where one fits. Each list view passes its own selector's rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Model
from django.utils.translation import pgettext_lazy

from qingshe.core.exports.registry import (
    ID_NUMBER,
    PHONE,
    Column,
    ExportContext,
    ExportSpec,
    register,
)


def _(text: str) -> Any:
    """A column header or sheet name (own context: other apps translate the same words
    differently)."""
    return pgettext_lazy("export", text)


def _vn(model: type[Model], name: str) -> Any:
    return model._meta.get_field(name).verbose_name


def _name(org: Any) -> str:
    return getattr(org, "display_name", None) or getattr(org, "name", "") if org else ""


def _needs() -> None:
    from qingshe.needs.models import Need

    register(
        ExportSpec(
            name="needs.board",
            title=_("Needs"),
            model=Need,
            prepare=lambda qs: qs.select_related("community", "reporter").annotate(
                export_followers=Count("followers")
            ),
            columns=[
                Column(_("No."), lambda n: n.pk, width=8),
                Column(_vn(Need, "title"), lambda n: n.title, width=30),
                Column(_vn(Need, "state"), lambda n: n.get_state_display()),
                Column(_vn(Need, "urgency"), lambda n: n.get_urgency_display(), width=10),
                Column(_vn(Need, "project_type"), lambda n: n.get_project_type_display()),
                Column(_vn(Need, "is_bounty"), lambda n: _("Yes") if n.is_bounty else ""),
                Column(_("Community"), lambda n: _name(n.community), width=20),
                Column(_("Reported by"), lambda n: n.reporter.name if n.reporter else ""),
                Column(_("Followers"), lambda n: n.export_followers, width=8),
                Column(_("Received at"), lambda n: n.created_at, width=18),
                Column(_vn(Need, "state_changed_at"), lambda n: n.state_changed_at, width=18),
            ],
        )
    )


def _resources() -> None:
    from qingshe.needs.models import Resource

    register(
        ExportSpec(
            name="needs.resources",
            title=_("Resources"),
            model=Resource,
            prepare=lambda qs: qs.select_related("owner"),
            columns=[
                Column(_vn(Resource, "title"), lambda r: r.title, width=30),
                Column(_vn(Resource, "kind"), lambda r: r.get_kind_display()),
                Column(_("Offered by"), lambda r: _name(r.owner), width=24),
                Column(_vn(Resource, "quantity"), lambda r: r.quantity, width=10),
                Column(_vn(Resource, "unit"), lambda r: r.unit, width=8),
                Column(_vn(Resource, "available_from"), lambda r: r.available_from, width=12),
                Column(_vn(Resource, "available_until"), lambda r: r.available_until, width=12),
                Column(_vn(Resource, "address"), lambda r: r.address, width=24),
                Column(_vn(Resource, "state"), lambda r: r.get_state_display()),
            ],
        )
    )


def _duty() -> None:
    from qingshe.duty.models import Activity

    register(
        ExportSpec(
            name="duty.activities",
            title=_("Activities"),
            model=Activity,
            prepare=lambda qs: qs.select_related("organiser"),
            columns=[
                Column(_("No."), lambda a: a.pk, width=8),
                Column(_vn(Activity, "title"), lambda a: a.title, width=30),
                Column(_vn(Activity, "mode"), lambda a: a.get_mode_display()),
                Column(_("Organiser"), lambda a: _name(a.organiser), width=24),
                Column(_vn(Activity, "place"), lambda a: a.place, width=20),
                Column(_vn(Activity, "state"), lambda a: a.get_state_display()),
                Column(
                    _vn(Activity, "remote_allowed"), lambda a: _("Yes") if a.remote_allowed else ""
                ),
            ],
        )
    )


def _hours(users: list[Any], _context: ExportContext) -> None:
    from qingshe.credit.selectors import hours_by_person

    totals = hours_by_person([u.pk for u in users])
    for u in users:
        u.export_volunteer = totals[u.pk]["volunteer"]
        u.export_practice = totals[u.pk]["social_practice"]


def _credit() -> None:
    from django.contrib.auth import get_user_model

    register(
        ExportSpec(
            name="credit.department",
            title=_("Students' hours"),
            model=get_user_model(),
            prepare=lambda qs: qs.select_related("student__branch"),
            enrich=_hours,
            columns=[
                Column(_("Name"), lambda u: u.name, width=12),
                Column(_("Volunteer number"), lambda u: u.volunteer_no, width=18),
                Column(_("Class branch"), lambda u: u.student.branch.name, width=26),
                Column(
                    _("Mobile number"), lambda u: u.phone, kind=PHONE, person=lambda u: u, width=14
                ),
                Column(_("Volunteer service (hours)"), lambda u: u.export_volunteer, width=12),
                Column(_("Social practice (hours)"), lambda u: u.export_practice, width=12),
            ],
        )
    )


def _programmes() -> None:
    from qingshe.programmes.models import BranchApplication, Pairing, Programme

    register(
        ExportSpec(
            name="programmes.list",
            title=_("Programme years"),
            model=Programme,
            prepare=lambda qs: qs.select_related("owner"),
            columns=[
                Column(_vn(Programme, "year"), lambda p: p.year, width=8),
                Column(_vn(Programme, "name"), lambda p: p.name, width=30),
                Column(_("Organiser"), lambda p: _name(p.owner), width=24),
                Column(_vn(Programme, "state"), lambda p: p.get_state_display()),
                Column(_vn(Programme, "branch_quota_pct"), lambda p: p.branch_quota_pct, width=10),
                Column(
                    _vn(Programme, "student_quota_pct"), lambda p: p.student_quota_pct, width=10
                ),
                Column(_vn(Programme, "pairing_deadline"), lambda p: p.pairing_deadline, width=12),
            ],
        )
    )
    register(
        ExportSpec(
            name="programmes.applications",
            title=_("Applications"),
            model=BranchApplication,
            prepare=lambda qs: qs.select_related("branch", "call"),
            columns=[
                Column(_("Class branch"), lambda a: _name(a.branch), width=26),
                Column(_("Recruitment call"), lambda a: a.call.title, width=26),
                Column(_("Honours"), lambda a: a.honours_score, width=8),
                Column(_vn(BranchApplication, "state"), lambda a: a.get_state_display()),
                Column(_("Submitted on"), lambda a: a.created_at.date(), width=12),
            ],
        )
    )
    register(
        ExportSpec(
            name="programmes.pairings",
            title=_("Pairings"),
            model=Pairing,
            prepare=lambda qs: qs.select_related("unit", "community", "programme"),
            columns=[
                Column(_("University side"), lambda p: _name(p.unit), width=26),
                Column(_("Community side"), lambda p: _name(p.community), width=20),
                Column(_("Term from"), lambda p: p.term_start, width=12),
                Column(_("Term until"), lambda p: p.term_end, width=12),
                Column(_vn(Pairing, "state"), lambda p: p.get_state_display()),
                Column(
                    _("Programme"), lambda p: f"{p.programme.year} {p.programme.name}", width=24
                ),
            ],
        )
    )


def _orgs() -> None:
    from qingshe.orgs.models import Membership

    register(
        ExportSpec(
            name="orgs.members",
            title=_("Members"),
            model=Membership,
            prepare=lambda qs: qs.select_related("user", "org"),
            columns=[
                Column(_("Name"), lambda m: m.user.name, width=12),
                Column(_("Role"), lambda m: m.get_role_display(), width=14),
                Column(_("Organisation"), lambda m: _name(m.org), width=26),
                Column(_("Volunteer number"), lambda m: m.user.volunteer_no, width=18),
                Column(
                    _("Mobile number"),
                    lambda m: m.user.phone,
                    kind=PHONE,
                    person=lambda m: m.user,
                    width=14,
                ),
                Column(
                    _("ID number"), lambda m: "", kind=ID_NUMBER, person=lambda m: m.user, width=20
                ),
            ],
        )
    )


def _imports() -> None:
    from qingshe.imports.models import ImportJob

    register(
        ExportSpec(
            name="imports.jobs",
            title=_("Imports"),
            model=ImportJob,
            columns=[
                Column(_vn(ImportJob, "original_name"), lambda j: j.original_name, width=30),
                Column(_("Started at"), lambda j: j.created_at, width=18),
                Column(_vn(ImportJob, "state"), lambda j: j.get_state_display()),
                Column(_vn(ImportJob, "rows_total"), lambda j: j.rows_total, width=10),
                Column(_vn(ImportJob, "students_created"), lambda j: j.students_created, width=10),
                Column(_vn(ImportJob, "orgs_created"), lambda j: j.orgs_created, width=10),
                Column(_vn(ImportJob, "error_count"), lambda j: j.error_count, width=10),
            ],
        )
    )


def _cases() -> None:
    from qingshe.reports.models import TypicalCase

    register(
        ExportSpec(
            name="reports.cases",
            title=_("Typical cases"),
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
                Column(_vn(TypicalCase, "state"), lambda c: c.get_state_display()),
                Column(_("Photos"), lambda c: c.export_photos, width=8),
                Column(_vn(TypicalCase, "submitted_at"), lambda c: c.submitted_at, width=18),
            ],
        )
    )


for _register in (_needs, _resources, _duty, _credit, _programmes, _orgs, _imports, _cases):
    _register()

# The further lists (bounties, training, council…; credit and training; needs, projects, cases).
from qingshe.core.exports import specs_credit, specs_more, specs_more2, specs_needs  # noqa: E402, F401
