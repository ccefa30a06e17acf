"""Exports of volunteer records in the fields the national rules name (《志愿服务记录与证明出具
办法》): the volunteers (name, sex, date of birth, ID type and number, region, contact, skills)
and their service (activity, date, place, content, hours, organiser, person in charge), as Excel
(two sheets) or CSV (one table), for the members of an organisation's subtree and a period; and
the posts held (name, branch, post, term) for the league's own system (智慧团建).

ID numbers are masked unless the exporter holds a role that may read them in clear over the
organisation (core.access: person.view_id_number); asking for clear numbers without that role is
refused before anything is read. Every export is audited (counts, never numbers).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from qingshe.accounts.models import Skill
from qingshe.accounts.services import ID_CONTEXT
from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, NotFound, ValidationFailed
from qingshe.core.exports.writer import neutralise
from qingshe.credit.models import LedgerEntry
from qingshe.credit.selectors import members_of
from qingshe.lib import crypto
from qingshe.orgs.models import Membership, Organisation, OrgKind, Post

MAX_PERIOD_DAYS = 3700
COLUMN_CONTEXT = "national record"


def _c(text: str) -> str:
    """A column name of the national record (its own context: other apps translate the same
    English words differently)."""
    return pgettext(COLUMN_CONTEXT, text)


@dataclass(frozen=True)
class ExportRequest:
    org: Organisation
    start: date
    end: date
    clear_ids: bool = False


def check_request(
    *, actor: Any, org: Organisation, start: date, end: date, clear_ids: bool
) -> ExportRequest:
    """Refuse before reading anything: outsiders (404), clear IDs without the role (403), a bad period (422)."""
    if not access.is_platform_staff(actor) and not access.holds_over(
        actor, org, access.PERSON_ACTIONS["person.view"]
    ):
        raise NotFound("not_found", _("No such organisation."))
    if clear_ids and not (
        access.is_platform_staff(actor)
        or access.holds_over(actor, org, access.PERSON_ACTIONS["person.view_id_number"])
    ):
        raise AccessDenied(
            "id_numbers_not_allowed",
            _(
                "Your role may not export ID numbers in clear; export them masked, or ask the league or university committee."
            ),
            field="clear_ids",
        )
    if end < start:
        raise ValidationFailed(
            "invalid_period", _("The period must end on or after its first day."), field="end"
        )
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            "period_too_long", _("Export at most ten years at a time."), field="start"
        )
    return ExportRequest(org=org, start=start, end=end, clear_ids=clear_ids)


def volunteer_columns() -> list[str]:
    return [
        _c("Name"),
        _c("Sex"),
        _c("Date of birth"),
        _c("ID type"),
        _c("ID number"),
        _c("Volunteer number"),
        _c("Region"),
        _c("Contact"),
        _c("Skills"),
    ]


def service_columns() -> list[str]:
    return [
        _c("Name"),
        _c("Volunteer number"),
        _c("Activity"),
        _c("Date of service"),
        _c("Place"),
        _c("Content of service"),
        _c("Hours"),
        _c("Organising unit"),
        _c("Person in charge"),
        _c("Confirmed by"),
        _c("Entry"),
    ]


def post_columns() -> list[str]:
    return [
        _c("Name"),
        _c("Volunteer number"),
        _c("Branch"),
        _c("Post"),
        _c("Term from"),
        _c("Term until"),
    ]


def _id_number(user: Any, clear: bool) -> str:
    if not user.id_number_masked:
        return ""
    if clear and user.id_number_cipher:
        return crypto.decrypt(
            user.id_number_cipher, secret=settings.QINGSHE_FIELD_KEY, context=ID_CONTEXT
        )
    return user.id_number_masked


def _entries(req: ExportRequest) -> Any:
    people = members_of(org=req.org).values("pk")
    return (
        LedgerEntry.objects.filter(
            user_id__in=people, service_date__gte=req.start, service_date__lte=req.end
        )
        .select_related("user")
        .order_by("user_id", "service_date", "seq")
    )


def volunteer_rows(req: ExportRequest) -> Iterator[list[Any]]:
    from django.contrib.auth import get_user_model

    from qingshe.accounts.models import StudentProfile

    ids = _entries(req).values("user_id").distinct()
    users = (
        get_user_model()
        .objects.filter(pk__in=ids)
        .prefetch_related(
            Prefetch(
                "student",
                queryset=StudentProfile.objects.prefetch_related(
                    Prefetch("skills", queryset=Skill.objects.order_by("name"))
                ),
            ),
        )
        .order_by("pk")
    )
    for user in users:
        try:
            profile = user.student
        except StudentProfile.DoesNotExist:
            profile = None
        yield [
            user.name,
            user.get_sex_display() if user.sex else "",
            user.birth_date.isoformat() if user.birth_date else "",
            _("Resident identity card") if user.id_number_masked else "",
            _id_number(user, req.clear_ids),
            user.volunteer_no,
            profile.home_region if profile else "",
            user.phone or "",  # exporters look after these people (person.view_contact)
            "、".join(s.name for s in profile.skills.all()) if profile else "",
        ]


def service_rows(req: ExportRequest) -> Iterator[list[Any]]:
    for e in _entries(req).iterator(chunk_size=2000):
        yield [
            e.user.name,
            e.user.volunteer_no,
            e.activity_title,
            e.service_date.isoformat(),
            e.place,
            e.content,
            float(e.hours),
            e.organiser_name,
            e.person_in_charge,
            e.confirmer_name,
            str(e.get_kind_display()),
        ]


def post_rows(req: ExportRequest) -> Iterator[list[Any]]:
    people = members_of(org=req.org).values("pk")
    branch_of: dict[int, str] = {}
    for m in (
        Membership.objects.filter(
            user_id__in=people, org__kind=OrgKind.CLASS_BRANCH, is_active=True
        )
        .select_related("org")
        .order_by("pk")
    ):
        branch_of.setdefault(m.user_id, m.org.name)
    posts = (
        Post.objects.filter(user_id__in=people, start_date__lte=req.end)
        .exclude(end_date__lt=req.start)
        .select_related("user", "org")
        .order_by("user_id", "start_date", "pk")
    )
    for p in posts:
        yield [
            p.user.name,
            p.user.volunteer_no,
            branch_of.get(p.user_id, ""),
            f"{p.org.name} {p.display_title}",
            p.start_date.isoformat(),
            p.end_date.isoformat() if p.end_date else "",
        ]


def _audit(actor: Any, req: ExportRequest, what: str, fmt: str) -> None:
    audit(
        actor=actor,
        action=f"records.export.{what}",
        org=req.org,
        data={
            "format": fmt,
            "from": req.start.isoformat(),
            "to": req.end.isoformat(),
            "clear_ids": req.clear_ids,
        },
    )
    if req.clear_ids and what in ("records", "volunteers"):
        # The volunteers table held these people's ID numbers in clear: one read each, so that
        # every person's own trail (我的数据) shows it, as for a single reveal.
        from qingshe.accounts.personal_data.services import record_id_number_reads

        people = _entries(req).values_list("user_id", flat=True).distinct()
        record_id_number_reads(actor=actor, person_ids=list(people), via=f"records.export.{what}")


def _cells(row: Any) -> list[Any]:
    """A row for a spreadsheet: text that Excel/WPS would run as a formula (=, +, -, @…) starts
    with a quote instead (names, posts and organisations are typed in by people)."""
    return [neutralise(v) if isinstance(v, str) else v for v in row]


def records_xlsx(*, actor: Any, req: ExportRequest) -> bytes:
    book = Workbook(write_only=True)
    volunteers = book.create_sheet(_c("Volunteers"))
    volunteers.append(volunteer_columns())
    for row in volunteer_rows(req):
        volunteers.append(_cells(row))
    services = book.create_sheet(_c("Service records"))
    services.append(service_columns())
    for row in service_rows(req):
        services.append(_cells(row))
    out = io.BytesIO()
    book.save(out)
    _audit(actor, req, "records", "xlsx")
    return out.getvalue()


def records_csv(*, actor: Any, req: ExportRequest, table: str) -> str:
    """One table as CSV (UTF-8 with a BOM, so that Excel opens Chinese text correctly)."""
    if table == "volunteers":
        header, rows = volunteer_columns(), volunteer_rows(req)
    elif table == "services":
        header, rows = service_columns(), service_rows(req)
    elif table == "posts":
        header, rows = post_columns(), post_rows(req)
    else:
        raise ValidationFailed(
            "invalid_table", _("Choose volunteers, services or posts."), field="table"
        )
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(_cells(row) for row in rows)
    _audit(actor, req, table, "csv")
    return out.getvalue()


def posts_xlsx(*, actor: Any, req: ExportRequest) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_c("Posts held"))
    sheet.append(post_columns())
    for row in post_rows(req):
        sheet.append(_cells(row))
    out = io.BytesIO()
    book.save(out)
    _audit(actor, req, "posts", "xlsx")
    return out.getvalue()
