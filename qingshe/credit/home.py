"""Home-page panel of credit: a volunteer's hours in the ledger, with links to the record, the
certificates and the transcript; the points and rewards to collect. One query a panel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy

from qingshe.core import access, sql
from qingshe.core.home import Panel, PanelItem, register, url
from qingshe.credit.models import (
    AccountKind,
    Certificate,
    HoursBalance,
    Pledge,
    PointsAccount,
    Redemption,
)
from qingshe.orgs.models import Role

# The person's figures for the panels are scalar subqueries of one SELECT, written out: each
# would otherwise be a query built and compiled by the ORM (about a millisecond each) for one
# number. Table and column names come from the models; every value is a parameter.
Part = tuple[str, list[Any]]


def _person_rows(model: Any, user: Any, equal: dict[str, str], null: tuple[str, ...]) -> Part:
    """FROM and WHERE of the person's rows of `model`, with `equal` fields and `null` ones."""
    conds, params = [f"{sql.column(model, 'user')} = %s"], [user.pk]
    for name, value in equal.items():
        conds.append(f"{sql.column(model, name)} = %s")
        params.append(value)
    conds += [f"{sql.column(model, name)} IS NULL" for name in null]
    return f"FROM {sql.table(model)} WHERE {' AND '.join(conds)}", params


def _first_value(model: Any, user: Any, column: str, equal: dict[str, str] | None = None) -> Part:
    """The `column` of the person's first row of `model` (by primary key), or NULL."""
    rows, params = _person_rows(model, user, equal or {}, ())
    pk = sql.column(model, model._meta.pk.name)
    return f"SELECT {sql.column(model, column)} {rows} ORDER BY {pk} LIMIT 1", params


def _count(
    model: Any, user: Any, equal: dict[str, str] | None = None, null: tuple[str, ...] = ()
) -> Part:
    """How many rows of `model` the person has."""
    rows, params = _person_rows(model, user, equal or {}, null)
    return f"SELECT COUNT(*) {rows}", params


def _figures(*parts: Part) -> tuple[Any, ...]:
    sql = "SELECT " + ", ".join(f"({part})" for part, _ in parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for _, params in parts for value in params])
        return tuple(cursor.fetchone())


@register(order=35)
def my_volunteer_record(user: Any) -> list[Panel]:
    if not access.has_role(user, {Role.STUDENT, Role.BRANCH_SECRETARY}):
        return []
    # The ledger's total as HoursBalance keeps it (credit.services._append writes it in the same
    # transaction as every entry, and `qingshe check-ledgers` checks it against the sum), not a
    # SUM over the entries; and the number of certificates not revoked. One statement.
    total, certificates = _figures(
        _first_value(HoursBalance, user, "total"),
        _count(Certificate, user, null=("revoked_at",)),
    )
    if total is not None:
        total = Decimal(str(total))  # SQLite hands back a float, PostgreSQL a Decimal
    return [
        Panel(
            title=gettext_lazy("My volunteer record"),
            items=[
                PanelItem(
                    text=gettext_lazy("Volunteer service hours"),
                    url=url("credit:hours"),
                    badge=f"{total or 0:.1f}",
                ),
                PanelItem(
                    text=gettext_lazy("My certificates"),
                    url=url("credit:certificates"),
                    badge=certificates,
                ),
                PanelItem(
                    text=gettext_lazy("Second-classroom transcript"),
                    url=url("credit:transcript"),
                ),
            ],
        )
    ]


# --- points, rewards, partners, campaigns (issue 7) ---------------------------------------------
@register(order=36)
def my_points(user: Any) -> list[Panel]:
    """A volunteer's points and the codes waiting to be collected. One query."""
    if not access.has_role(user, {Role.STUDENT, Role.BRANCH_SECRETARY}):
        return []
    balance, to_collect = _figures(
        _first_value(PointsAccount, user, "balance", {"kind": AccountKind.PERSON.value}),
        _count(Redemption, user, {"state": Redemption.State.ISSUED.value}),
    )
    items = [
        PanelItem(
            text=gettext_lazy("Volunteer points"), url=url("credit:points"), badge=balance or 0
        ),
        PanelItem(text=gettext_lazy("Reward shop"), url=url("credit:rewards")),
    ]
    if to_collect:
        items.append(
            PanelItem(
                text=gettext_lazy("Rewards to collect"),
                url=url("credit:redemptions") + "?state=issued",
                badge=to_collect,
            )
        )
    return [Panel(title=gettext_lazy("My points"), items=items)]


@register(order=37)
def partner_work(user: Any) -> list[Panel]:
    """Partner contacts: codes to hand over and this week's bookings of their venues; league
    admins: applications to join the circle. At most four queries."""
    if not access.has_role(user, {Role.PARTNER_CONTACT, Role.LEAGUE_ADMIN}):
        return []
    from datetime import timedelta

    from django.utils import timezone

    from qingshe.credit import selectors_points
    from qingshe.credit.models import Redemption, VenueBooking

    panels: list[Panel] = []
    if access.has_role(user, {Role.PARTNER_CONTACT}):
        partners = list(
            selectors_points.managed_partners(user=user).filter(
                memberships__user=user, memberships__role=Role.PARTNER_CONTACT
            )[:5]
        )
        ids = [p.pk for p in partners]
        codes = Redemption.objects.filter(
            reward__partner_id__in=ids, state=Redemption.State.ISSUED
        ).count()
        now = timezone.now()
        bookings = VenueBooking.objects.filter(
            venue__owner_id__in=ids,
            state=VenueBooking.State.BOOKED,
            starts_at__gte=now,
            starts_at__lt=now + timedelta(days=7),
        ).count()
        items = [
            PanelItem(text=p.display_name, url=reverse("credit:partner", args=[p.pk]))
            for p in partners
        ]
        items.append(
            PanelItem(
                text=gettext_lazy("Codes to hand over"),
                badge=codes,
                url=reverse("credit:partner", args=[ids[0]]) if ids else "",
            )
        )
        items.append(
            PanelItem(
                text=gettext_lazy("Venue bookings in the next 7 days"),
                badge=bookings,
                url=reverse("credit:venues"),
            )
        )
        panels.append(
            Panel(
                title=gettext_lazy("Our partner unit"),
                items=items,
                tone="attention" if codes else "info",
            )
        )
    if access.has_role(user, {Role.LEAGUE_ADMIN}):
        waiting = selectors_points.applications_to_decide(user=user).count()
        if waiting:
            panels.append(
                Panel(
                    title=gettext_lazy("Partner circle"),
                    items=[
                        PanelItem(
                            text=gettext_lazy("Applications to decide"),
                            badge=waiting,
                            url=reverse("credit:partner_applications"),
                        )
                    ],
                    tone="attention",
                )
            )
    return panels


@register(order=38)
def pledges_to_confirm(user: Any) -> list[Panel]:
    """Instructors: pledges to their groups' campaigns not yet marked received. One query."""
    if not access.has_role(user, {Role.INSTRUCTOR}):
        return []
    rows = list(
        Pledge.objects.filter(campaign__group__instructor=user, state=Pledge.State.PLEDGED)
        .values("campaign_id", "campaign__title")
        .annotate(n=Count("pk"))
        .order_by("campaign_id")[:5]
    )
    if not rows:
        return []
    return [
        Panel(
            title=gettext_lazy("Pledges to confirm"),
            items=[
                PanelItem(
                    text=r["campaign__title"],
                    url=reverse("credit:campaign", args=[r["campaign_id"]]),
                    badge=r["n"],
                )
                for r in rows
            ],
            tone="attention",
        )
    ]
