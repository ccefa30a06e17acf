"""Building, finding, describing and removing the demo city."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from qingshe.accounts.models import StudentProfile, User
from qingshe.core.audit import audit
from qingshe.demo.context import DEMO_CITY_CODE, DEMO_PHONE_PREFIX, DemoContext
from qingshe.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DEMO_USERNAMES
from qingshe.demo.steps import STEPS, DemoStep
from qingshe.orgs.models import Membership, Organisation, OrgKind, Post


def demo_city() -> Organisation | None:
    return Organisation.objects.filter(
        kind=OrgKind.CITY_COMMITTEE, code=DEMO_CITY_CODE, parent=None
    ).first()


def demo_users_q() -> Q:
    """The demo's people, logins included: everyone in the reserved phone block. (Not "anyone
    named admin": a real account of that name must survive --reset.)"""
    return Q(phone__startswith=DEMO_PHONE_PREFIX)


def build_demo(
    *,
    seed: int = 2026,
    size: float = 1.0,
    today: date | None = None,
    log: Callable[[str], None] = print,
    steps: list[DemoStep] | None = None,
) -> DemoContext:
    """Build the whole city in one transaction. The caller checks that none exists yet."""
    from django.utils import timezone

    if size <= 0:
        raise ValueError("size must be positive")
    # Hashing is slow by design (argon2); the shared demo password is hashed once and the
    # encoded hash reused for every generated account.
    ctx = DemoContext(
        seed=seed,
        size=size,
        today=today or timezone.localdate(),
        rng=random.Random(seed),
        password_hash=make_password(DEMO_PASSWORD),
        log=log,
    )
    with transaction.atomic():
        for step in steps if steps is not None else STEPS:
            started = time.perf_counter()
            ctx.rng = random.Random(f"{seed}:{step.name}")
            DemoStep.resolve(step.build)(ctx)
            log(f"  {step.name:<14} {time.perf_counter() - started:6.2f} s")
        audit(
            actor=None,
            action="demo.build",
            org=ctx.extra.get("city"),
            data={"seed": seed, "size": size},
        )
    return ctx


def reset_demo(*, steps: list[DemoStep] | None = None) -> None:
    """Delete the demo city: later steps' own data first (their reset hooks), then the demo
    people and the organisation tree. Audit events stay (their links become empty)."""
    with transaction.atomic():
        for step in reversed(steps if steps is not None else STEPS):
            if step.reset is not None:
                DemoStep.resolve(step.reset)()
        city = demo_city()
        users = User.objects.filter(demo_users_q())
        StudentProfile.objects.filter(user__in=users).delete()
        users.delete()
        if city is not None:
            tree = Organisation.objects.filter(path__startswith=city.path)
            StudentProfile.objects.filter(branch__in=tree).delete()
            for depth in sorted(set(tree.values_list("depth", flat=True)), reverse=True):
                Organisation.objects.filter(path__startswith=city.path, depth=depth).delete()
        audit(actor=None, action="demo.reset")


@dataclass(frozen=True)
class LoginRow:
    label: str
    username: str
    password: str
    name: str
    where: str
    exists: bool


def login_rows() -> list[LoginRow]:
    """The logins as they stand in the database, with where each one belongs."""
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    memberships: dict[int, list[str]] = {}
    for m in (
        Membership.objects.filter(user__in=users.values(), is_active=True)
        .select_related("org")
        .order_by("pk")
    ):
        memberships.setdefault(m.user_id, []).append(m.org.name)
    rows = []
    for login in DEMO_LOGINS:
        user = users.get(login.username)
        if user is None:
            where = "（不存在 missing）"
        elif user.is_superuser:
            where = login.where
        else:
            where = "、".join(dict.fromkeys(memberships.get(user.pk, []))) or login.where
        rows.append(
            LoginRow(
                login.label,
                login.username,
                DEMO_PASSWORD,
                user.name if user else login.name,
                where,
                user is not None,
            )
        )
    return rows


def format_logins() -> str:
    rows = login_rows()
    width = max(len(r.label) for r in rows)
    lines = [f"演示账号 Demo logins（共用密码 shared password: {DEMO_PASSWORD}）"]
    for r in rows:
        lines.append(
            f"  {r.label}{'　' * (width - len(r.label))}  {r.username:<20} {r.password}  {r.name}｜{r.where}"
        )
    return "\n".join(lines)


def structure_digest() -> str:
    """A digest of the demo city's structure: organisations (kind, name, parent's name),
    people (name, roles where), student profiles and posts; no primary keys, no dates."""
    city = demo_city()
    if city is None:
        return ""
    tree = Organisation.objects.filter(path__startswith=city.path)
    names = dict(tree.values_list("pk", "name"))
    rows = sorted(
        f"org|{k}|{n}|{names.get(p, '')}|{c}|{lat}|{lng}"
        for k, n, p, c, lat, lng in tree.values_list(
            "kind", "name", "parent_id", "code", "lat", "lng"
        )
    )
    rows += sorted(
        f"member|{u}|{r}|{names.get(o, '')}"
        for u, r, o in Membership.objects.filter(org__in=tree).values_list(
            "user__name", "role", "org_id"
        )
    )
    rows += sorted(
        f"student|{u}|{b}|{m}|{g}|{s}"
        for u, b, m, g, s in StudentProfile.objects.filter(branch__in=tree).values_list(
            "user__name", "branch__name", "major", "grade", "student_no"
        )
    )
    rows += sorted(
        f"post|{u}|{k}|{names.get(o, '')}"
        for u, k, o in Post.objects.filter(org__in=tree).values_list("user__name", "kind", "org_id")
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()
