"""Home-page panel of credit: a volunteer's hours in the ledger, with links to the record, the
certificates and the transcript. Two queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy

from qingshe.core import access
from qingshe.core.home import Panel, PanelItem, register
from qingshe.credit.models import Certificate, HoursBalance
from qingshe.orgs.models import Role


@register(order=35)
def my_volunteer_record(user: Any) -> list[Panel]:
    if not access.has_role(user, {Role.STUDENT, Role.BRANCH_SECRETARY}):
        return []
    # The ledger's total as HoursBalance keeps it (credit.services._append writes it in the same
    # transaction as every entry, and `qingshe check-ledgers` checks it against the sum), not a
    # SUM over the entries; and the number of certificates not revoked.
    total = next(iter(HoursBalance.objects.filter(user_id=user.pk).values_list("total", flat=True)[:1]), None)
    certificates = Certificate.objects.filter(user_id=user.pk, revoked_at__isnull=True).count()
    return [
        Panel(
            title=gettext_lazy("My volunteer record"),
            items=[
                PanelItem(
                    text=gettext_lazy("Volunteer service hours"),
                    url=reverse("credit:hours"),
                    badge=f"{total or 0:.1f}",
                ),
                PanelItem(
                    text=gettext_lazy("My certificates"),
                    url=reverse("credit:certificates"),
                    badge=certificates,
                ),
                PanelItem(
                    text=gettext_lazy("Second-classroom transcript"),
                    url=reverse("credit:transcript"),
                ),
            ],
        )
    ]


# --- points, rewards, partners, campaigns (issue 7) ---------------------------------------------
@register(order=36)
def my_points(user: Any) -> list[Panel]:
    """A volunteer's points and the codes waiting to be collected. Two queries."""
    from qingshe.credit.models import AccountKind, PointsAccount, Redemption

    if not access.has_role(user, {Role.STUDENT, Role.BRANCH_SECRETARY}):
        return []
    balance = next(
        iter(
            PointsAccount.objects.filter(kind=AccountKind.PERSON, user_id=user.pk)
            .order_by("pk")
            .values_list("balance", flat=True)[:1]
        ),
        None,
    )
    to_collect = Redemption.objects.filter(user_id=user.pk, state=Redemption.State.ISSUED).count()
    items = [
        PanelItem(
            text=gettext_lazy("Volunteer points"), url=reverse("credit:points"), badge=balance or 0
        ),
        PanelItem(text=gettext_lazy("Reward shop"), url=reverse("credit:rewards")),
    ]
    if to_collect:
        items.append(
            PanelItem(
                text=gettext_lazy("Rewards to collect"),
                url=reverse("credit:redemptions") + "?state=issued",
                badge=to_collect,
            )
        )
    return [Panel(title=gettext_lazy("My points"), items=items)]


@register(order=37)
def partner_work(user: Any) -> list[Panel]:
    """Partner contacts: codes to hand over and this week's bookings of their venues; league
    admins: applications to join the circle. At most four queries."""
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
    from qingshe.credit.models import Pledge

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
