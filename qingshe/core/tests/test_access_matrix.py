"""The access matrix (issue 11 item 1): every page and every API operation, for every role of
the test city and an outsider, against objects outside their scope.

The objects: the demo city, built beside the test city (conftest's `city`). It is another city
tree, so none of the test city's people (student, community staff, branch secretary, department,
university, district and league administrators, and the community worker of the other
district) has any scope in it: each of its objects is outside every one of them.

What is enumerated, so that a new endpoint is covered without editing this file:
- every API operation of the OpenAPI schema (/api/v1/openapi.json); path parameters are filled
  with IDs of the demo city's objects (PATH_MODELS says which model a parameter names), query
  parameters naming an organisation, person, programme or shift likewise;
- every page of Django's URL resolver (outside /api/, /admin/ and static files), `<pk>`
  resolved by the page's prefix (PAGE_PK_MODELS).
A parameter that no table resolves fails the test, naming it: add one line for it.

What must hold, for each role (bearer token for the API, session for pages):
- an operation or page addressing a foreign object, read (GET) or write (POST/PUT/…), answers
  403 or 404 (or 422 `invalid_input` for a body refused before any lookup, or 405);
- nothing answers 5xx;
- no body names a person or an organisation of the demo city (lists and dashboards included).
Public endpoints (no login by design) are listed in PUBLIC with the reason, and the schema's
operations without security must be exactly those.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from qingshe.accounts.models import User
from qingshe.accounts.services import token_issue
from qingshe.demo.builder import build_demo, demo_city
from qingshe.orgs.models import Organisation, OrgKind, Role

API = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")

# API operations public by design (no login), with the reason. Foreign IDs still get 404 here;
# only the leak check of their body is adapted (see _check).
PUBLIC = {
    ("post", "/auth/token"): "the login itself",
    ("get", "/certificates/{code}/verify"): "anyone holding a certificate's code may check it",
    ("get", "/cases/featured"): "typical cases featured by the league are published",
    ("post", "/council/ratings/{token}"): "a resident rates through a signed single-use link",
}
# Shared by design inside one city (never across cities), with the reason: skipped by the
# neighbouring-community test only.
SHARED_IN_CITY = {
    ("get", "/venues"): "venues (阵地) are shared: any active venue of the city is listed",
    ("get", "/venues/{venue_id}/bookings"): "a shared venue's week of bookings, to pick a slot",
    ("post", "/venues/{venue_id}/bookings"): "organisers of the city book shared venues",
}
SHARED_IN_CITY_PAGES = {
    "credit/venues/": "venues (阵地) are shared: any active venue of the city is listed",
    "credit/venues/<int:pk>/": "a shared venue's page and week of bookings, to book a slot",
}
# Pages public by design (no login), with the reason.
PUBLIC_PAGES = {
    "cases/featured/": "featured typical cases are published",
    "certificates/<str:code>/verify/": "anyone holding a certificate's code may check it",
    "council/rate/<str:token>/": "a resident rates through a signed single-use link",
    "council/c/<int:pk>/public/": "a community's council page published to its residents",
    "cases/featured/<int:pk>/": "featured typical cases are published",
    "cases/featured/<int:pk>/photos/<int:photo_id>/": "featured typical cases are published",
    "cases/featured/<int:pk>/photos/<int:photo_id>/thumb/": "featured typical cases are published",
}

# Path parameter -> model ("app.Model", optionally "app.Model.field" for a non-pk key), with
# the API path's first segment where one name means different things.
PATH_MODELS: dict[str, str] = {
    "need_id": "needs.Need",
    "need_pk": "needs.Need",
    "pairing_id": "programmes.Pairing",
    "pairing_pk": "programmes.Pairing",
    "application_id": "programmes.BranchApplication",
    "partner-applications:application_id": "credit.PartnerApplication",
    "certificates:code": "credit.Certificate.code",
    "redemptions:code": "credit.Redemption.code",
    "credit/certificates:code": "credit.Certificate.code",
    "credit/redemptions:code": "credit.Redemption.code",
    "project_id": "needs.ProjectGroup",
    "group_id": "needs.ProjectGroup",
    "plan_id": "needs.DispatchPlan",
    "line_id": "needs.DispatchPlanLine",
    "assignment_id": "needs.NeedAssignment",
    "shift_id": "duty.Shift",
    "case_id": "reports.TypicalCase",
    "org_id": "orgs.Organisation",
    "programme_id": "programmes.Programme",
    "attendance_id": "duty.Attendance",
    "import_id": "imports.ImportJob",
    "meeting_id": "council.Meeting",
    "item_pk": "council.ListItem",
    "resource_id": "needs.Resource",
    "needs:photo_id": "needs.NeedPhoto",
    "cases:photo_id": "reports.CasePhoto",
    "activity_id": "duty.Activity",
    "reward_id": "credit.Reward",
    "campaign_id": "credit.Campaign",
    "form_id": "council.FeedbackForm",
    "beneficiary_id": "care.Beneficiary",
    "visit_id": "care.Visit",
    "member_id": "needs.ProjectMember",
    "task_id": "needs.ProjectTask",
    "correction_id": "duty.Correction",
    "venue_id": "credit.Venue",
    "booking_id": "credit.VenueBooking",
    "pledge_id": "credit.Pledge",
    "partner_id": "orgs.Organisation",
    "relationship_id": "care.HelpRelationship",
    "notification_id": "core.Notification",
    "token": "council.RatingInvite",
    "request_id": "accounts.DeletionRequest",
}
# Pages: `<pk>` by the longest matching prefix of the route.
PAGE_PK_MODELS: dict[str, str] = {
    "people/": "accounts.User",
    "orgs/": "orgs.Organisation",
    "programmes/": "programmes.Programme",
    "programmes/calls/": "programmes.RecruitmentCall",
    "programmes/applications/": "programmes.BranchApplication",
    "programmes/pairings/": "programmes.Pairing",
    "projects/": "needs.ProjectGroup",
    "needs/": "needs.Need",
    "dispatch/": "needs.DispatchPlan",
    "resources/": "needs.Resource",
    "resources/bounties/": "needs.Need",
    "duty/activities/": "duty.Activity",
    "duty/shifts/": "duty.Shift",
    "duty/attendance/": "duty.Attendance",
    "duty/corrections/": "duty.Correction",
    "duty/training/": "duty.TrainingCourse",
    "cases/": "reports.TypicalCase",
    "dashboard/": "orgs.Organisation",
    "imports/": "imports.ImportJob",
    "credit/people/": "accounts.User",
    "credit/departments/": "orgs.Organisation",
    "credit/exports/jobs/": "credit.ExportJob",
    "credit/points/rules/": "credit.PointsRule",
    "credit/rewards/": "credit.Reward",
    "credit/partners/applications/": "credit.PartnerApplication",
    "credit/partners/": "orgs.Organisation",
    "credit/campaigns/": "credit.Campaign",
    "credit/pledges/": "credit.Pledge",
    "credit/venues/": "credit.Venue",
    "credit/bookings/": "credit.VenueBooking",
    "council/c/": "orgs.Organisation",
    "council/lists/": "council.MonthlyList",
    "council/items/": "council.ListItem",
    "council/meetings/": "council.Meeting",
    "council/feedback/": "council.FeedbackForm",
    "care/beneficiaries/": "care.Beneficiary",
    "care/relationships/": "care.HelpRelationship",
    "care/visits/": "care.Visit",
    "care/concerns/": "care.Concern",
    "care/campaigns/": "care.Campaign",
    "notifications/": "core.Notification",
    "exports/": "core.ExportJob",
    "me/data/requests/": "accounts.DeletionRequest",
}
PAGE_PARAM_MODELS: dict[str, str] = {
    "cases:photo_id": "reports.CasePhoto",
    "needs:photo_id": "needs.NeedPhoto",
}
# Free-text page parameters (a figure, an action, a file kind): any value; the object is foreign.
PAGE_WORDS = {"figure": "hours", "what": "edit", "kind": "xlsx"}
# Query parameters that name an object.
QUERY_MODELS: dict[str, str] = dict.fromkeys(
    ("org", "community", "department", "parent", "partner", "owner", "organiser", "under"),
    "orgs.Organisation",
) | {"person": "accounts.User", "programme": "programmes.Programme", "shift": "duty.Shift"}

ROLES = (
    "student",
    "staff",
    "secretary",
    "department_admin",
    "university_admin",
    "district_admin",
    "league_admin",
    "other_staff",
)
ALLOWED = {403, 404, 405}


# --- the foreign city ---------------------------------------------------------------------------
@pytest.fixture
def world(city: SimpleNamespace) -> SimpleNamespace:
    # Both cities are called 共青团青州市委员会; two roots may not share a name.
    Organisation.objects.filter(pk=city.city.pk).update(name="共青团青州市委员会（测试城市）")
    build_demo(seed=2026, size=0.05, today=date(2026, 11, 22), log=lambda _line: None)
    root = demo_city()
    assert root is not None
    foreign_orgs = Organisation.objects.filter(path__startswith=root.path)
    own_orgs = Organisation.objects.exclude(path__startswith=root.path)
    own_words = {w for o in own_orgs for w in (o.name, o.short_name) if w}
    own_words |= set(
        User.objects.exclude(memberships__org__in=foreign_orgs).values_list("name", flat=True)
    )
    names = set(foreign_orgs.values_list("name", flat=True))
    names |= set(
        User.objects.filter(memberships__org__in=foreign_orgs).values_list("name", flat=True)
    )
    # A foreign name that is also (part of) a name of the test city proves nothing.
    names = {n for n in names if len(n) >= 2 and not any(n in w for w in own_words)}
    assert len(names) > 50
    world = SimpleNamespace(
        city=city, root=root, foreign_orgs=foreign_orgs, names=sorted(names, key=len, reverse=True)
    )
    # Chosen now, before any request: a write of the matrix may create objects in the test city,
    # and those are not foreign.
    labels = {
        *PATH_MODELS.values(),
        *PAGE_PK_MODELS.values(),
        *PAGE_PARAM_MODELS.values(),
        *QUERY_MODELS.values(),
    }
    world.values = {label: _pick_foreign(world, label) for label in labels}
    return world


def _model(label: str) -> tuple[type[Model], str]:
    parts = label.split(".")
    return apps.get_model(parts[0], parts[1]), (parts[2] if len(parts) > 2 else "pk")


def _foreign_value(world: SimpleNamespace, label: str) -> Any:
    if label not in world.values:
        world.values[label] = _pick_foreign(world, label)
    return world.values[label]


def _pick_foreign(world: SimpleNamespace, label: str) -> Any:
    """A key of an object of the demo city (or, where the demo made none, one that does not
    exist: the answer must still be a plain 404)."""
    model, field = _model(label)
    qs = model._default_manager.all()
    if model is Organisation:
        qs = world.foreign_orgs.exclude(pk=world.root.pk)
    elif model is User:
        qs = qs.filter(memberships__org__in=world.foreign_orgs)
    value = qs.order_by("-pk").values_list(field, flat=True).first()
    if value is None:
        return "ZZZZ9999" if field != "pk" else 987654
    return value


def _resolve(table: dict[str, str], name: str, prefix: str) -> str | None:
    return table.get(f"{prefix}:{name}") or table.get(name)


# --- the checks ---------------------------------------------------------------------------------
def _leaks(world: SimpleNamespace, body: str) -> list[str]:
    return [n for n in world.names if n in body][:5]


def _check(
    world: SimpleNamespace,
    who: str,
    label: str,
    response: Any,
    *,
    foreign: bool,
    public: bool = False,
) -> str | None:
    status = response.status_code
    body = (
        response.content.decode("utf-8", "replace")
        if not getattr(response, "streaming", False)
        else ""
    )
    if status >= 500:
        return f"{who} {label}: {status}"
    if public:
        return None  # shows what it was made to show (PUBLIC, PUBLIC_PAGES)
    leaked = _leaks(world, body)
    if leaked:
        return f"{who} {label}: {status} names {leaked}"
    if foreign and status not in ALLOWED:
        if status == 422 and '"invalid_input"' in body:
            return None  # the request was refused before any object was looked up
        if status == 302 and "/accounts/login" in response.get("Location", ""):
            return None
        return f"{who} {label}: {status} (expected 403/404 for an object outside the scope)"
    return None


def _minimal(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """The smallest value valid by `schema` we can make without a generator: required fields
    only, the first enum value, a plausible scalar per type and format."""
    if "$ref" in schema:
        return _minimal(components[schema["$ref"].rsplit("/", 1)[-1]], components, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _minimal(options[0], components, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 6:
            return {}
        props = schema.get("properties", {})
        return {
            k: _minimal(props[k], components, depth + 1)
            for k in schema.get("required", [])
            if k in props
        }
    if kind == "array":
        return (
            [_minimal(schema.get("items", {}), components, depth + 1)]
            if schema.get("minItems")
            else []
        )
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-11-25"
    if fmt == "date-time":
        return "2026-11-25T10:00:00+08:00"
    return "测试" * max(1, schema.get("minLength", 1))


def _api_operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield method, path.removeprefix(API), operation


def _api_request(
    world: SimpleNamespace,
    schema: dict[str, Any],
    method: str,
    path: str,
    operation: dict[str, Any],
) -> tuple[str, dict[str, Any], Any, bool]:
    prefix = path.strip("/").split("/")[0]
    url, foreign = path, False
    for name in re.findall(r"{(\w+)}", path):
        label = _resolve(PATH_MODELS, name, prefix)
        assert label, f"path parameter {name!r} of {method.upper()} {path}: add it to PATH_MODELS"
        url = url.replace("{" + name + "}", str(_foreign_value(world, label)))
        foreign = True
    query = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] in QUERY_MODELS:
            query[parameter["name"]] = _foreign_value(world, QUERY_MODELS[parameter["name"]])
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = _minimal(content["application/json"]["schema"], schema["components"]["schemas"])
    return url, query, body, foreign


# --- the tests ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_public_api_operations_are_exactly_the_listed_ones(db: Any) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    public = {(m, p) for m, p, op in _api_operations(schema) if not op.get("security")}
    assert public == set(PUBLIC)


@pytest.mark.django_db
def test_no_api_operation_reaches_or_names_a_foreign_object(world: SimpleNamespace) -> None:
    schema = Client().get(f"{API}/openapi.json").json()
    operations = list(_api_operations(schema))
    assert len(operations) > 100
    failures: list[str] = []
    for who in ROLES:
        raw, _token = token_issue(user=getattr(world.city, who))
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="zh-hans")
        for method, path, operation in operations:
            url, query, body, foreign = _api_request(world, schema, method, path, operation)
            if method == "get":
                response = client.get(API + url, query)
            else:
                target = (
                    API
                    + url
                    + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
                )
                response = getattr(client, method)(
                    target,
                    json.dumps(body if body is not None else {}),
                    content_type="application/json",
                )
            public = (method, path) in PUBLIC
            label = f"{method.upper()} {path}"
            failure = _check(world, who, label, response, foreign=foreign, public=public)
            if failure:
                failures.append(failure)
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


def _pages(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _pages(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def _still_logged_in(client: Client, user: User) -> None:
    """Logs the client in again if a page logged it out (POST /accounts/logout/ does): every
    page after it would otherwise be checked as an anonymous visitor's redirect to the login."""
    if client.session.get(SESSION_KEY) != str(user.pk):
        client.force_login(user)


def _page_url(world: SimpleNamespace, route: str) -> tuple[str | None, bool]:
    if (
        route.startswith(("api/", "admin/", "static/", "media/", "^", "i18n/", "__"))
        or "(?P" in route
    ):
        return None, False
    url, foreign = "/" + route, False
    for _converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        if name in PAGE_WORDS:
            value: Any = PAGE_WORDS[name]
        else:
            head = route.split("<", 1)[0]
            first = route.split("/")[0]
            label = _resolve(PAGE_PARAM_MODELS, name, first)
            if label is None and name == "pk":
                matches = [p for p in PAGE_PK_MODELS if head.startswith(p)]
                label = PAGE_PK_MODELS[max(matches, key=len)] if matches else None
            two = "/".join(route.split("/")[:2])
            label = label or PATH_MODELS.get(f"{two}:{name}") or _resolve(PATH_MODELS, name, first)
            assert label, (
                f"page parameter {name!r} of {route}: add it to PAGE_PK_MODELS/PATH_MODELS"
            )
            value = _foreign_value(world, label)
            foreign = True
        url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url, count=1)
    return url, foreign


@pytest.mark.django_db
def test_no_page_reaches_or_names_a_foreign_object(world: SimpleNamespace) -> None:
    routes = list(_pages(get_resolver().url_patterns))
    assert len(routes) > 100
    failures: list[str] = []
    for who in ROLES:
        client, person = Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), getattr(world.city, who)
        for route in routes:
            url, foreign = _page_url(world, route)
            if url is None:
                continue
            public = route in PUBLIC_PAGES
            for method in ("get", "post"):
                _still_logged_in(client, person)
                response = getattr(client, method)(url)
                failure = _check(
                    world,
                    who,
                    f"{method.upper()} /{route}",
                    response,
                    foreign=foreign,
                    public=public,
                )
                if failure:
                    failures.append(failure)
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


@pytest.mark.django_db
def test_the_foreign_ids_are_real_objects_their_own_city_can_read(world: SimpleNamespace) -> None:
    """The control: the demo city's own league administrator reads most of the same addresses,
    so the 404s above come from scoping, not from IDs that do not exist."""
    insider = User.objects.get(username="league_admin")
    raw, _token = token_issue(user=insider)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    schema = Client().get(f"{API}/openapi.json").json()
    answered: dict[str, int] = {}
    for method, path, operation in _api_operations(schema):
        url, query, _body, foreign = _api_request(world, schema, method, path, operation)
        if method == "get" and foreign and (method, path) not in PUBLIC:
            answered[path] = client.get(API + url, query).status_code
    read = [path for path, status in answered.items() if status == 200]
    assert len(read) >= len(answered) // 2, answered
    page_client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page_client.force_login(insider)
    pages = {}
    for route in _pages(get_resolver().url_patterns):
        url, foreign = _page_url(world, route)
        if url and foreign and route not in PUBLIC_PAGES:
            pages[route] = page_client.get(url).status_code
    shown = [route for route, status in pages.items() if status == 200]
    # Pages that only take a POST answer a GET with 405 whoever asks; of the others, most show.
    readable = [route for route, status in pages.items() if status != 405]
    missing = sorted(route for route, status in pages.items() if status in (403, 404))
    assert len(shown) >= 0.4 * len(readable), (Counter(pages.values()), missing)


# --- inside one city: a community worker against the neighbouring community -------------------
def _org_lookups(model: type[Model], depth: int = 0) -> Iterator[str]:
    """Lookups from `model` to an organisation: direct foreign keys first, then through a
    person's memberships, then up to two hops through other rows."""
    if model is Organisation:
        yield "path"
        return
    relations = [f for f in model._meta.get_fields() if f.many_to_one and f.concrete]
    for field in relations:
        if field.related_model is Organisation:
            yield f"{field.name}__path"
    for field in relations:
        if field.related_model is User:
            yield f"{field.name}__memberships__org__path"
    if depth < 2:
        for field in relations:
            if field.related_model not in (Organisation, User, model):
                for inner in _org_lookups(field.related_model, depth + 1):
                    yield f"{field.name}__{inner}"


def _pick_in_subtree(label: str, root: Organisation) -> Any:
    model, field = _model(label)
    if model is User:
        qs = User.objects.filter(memberships__org__path__startswith=root.path)
        return qs.order_by("pk").values_list(field, flat=True).first()
    for lookup in _org_lookups(model):
        qs = model._default_manager.filter(**{f"{lookup}__startswith": root.path})
        value = qs.order_by("pk").values_list(field, flat=True).first()
        if value is not None:
            return value
    return None


@pytest.mark.django_db
def test_the_neighbouring_community_worker_reaches_nothing_of_a_community(
    world: SimpleNamespace,
) -> None:
    """Inside the demo city: the community worker of one community against the objects of
    another (the small demo city has one district, so this is the outsider next door, a
    stricter case than another district)."""
    districts = list(world.foreign_orgs.filter(kind=OrgKind.COMMUNITY).order_by("pk"))
    assert len(districts) >= 2
    district, other = districts[0], districts[1]  # two communities
    outsider = (
        User.objects.filter(
            memberships__role=Role.COMMUNITY_STAFF, memberships__org__path__startswith=other.path
        )
        .order_by("pk")
        .first()
    )
    assert outsider is not None
    inside = Organisation.objects.filter(path__startswith=district.path)
    visible_elsewhere = {
        w
        for o in Organisation.objects.exclude(path__startswith=district.path)
        for w in (o.name, o.short_name)
        if w
    }
    people = User.objects.filter(memberships__org__in=inside).exclude(
        memberships__org__path__startswith=other.path
    )
    names = set(inside.values_list("name", flat=True)) | set(people.values_list("name", flat=True))
    # A name inside another that the outsider may read is no evidence (王雪 in 王雪梅, a resident
    # of the outsider's own community).
    visible_elsewhere |= set(
        User.objects.exclude(pk__in=people.values("pk")).values_list("name", flat=True)
    )
    names = {n for n in names if len(n) >= 2 and not any(n in w for w in visible_elsewhere)}
    assert len(names) > 20
    scoped = SimpleNamespace(names=sorted(names, key=len, reverse=True), values={})
    for label in {*PATH_MODELS.values(), *PAGE_PK_MODELS.values(), *PAGE_PARAM_MODELS.values()}:
        scoped.values[label] = _pick_in_subtree(label, district)
    for label in set(QUERY_MODELS.values()):
        scoped.values[label] = _pick_in_subtree(label, district)
    scoped.values["orgs.Organisation"] = inside.exclude(pk=district.pk).order_by("pk").first().pk

    raw, _token = token_issue(user=outsider)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    schema = Client().get(f"{API}/openapi.json").json()
    failures: list[str] = []
    covered = 0
    for method, path, operation in _api_operations(schema):
        if (method, path) in PUBLIC or (method, path) in SHARED_IN_CITY:
            continue
        try:
            url, query, body, foreign = _api_request(scoped, schema, method, path, operation)
        except (KeyError, TypeError):
            continue
        if "None" in url.split("/"):
            continue  # the demo has no such object in this district
        query = {k: v for k, v in query.items() if v is not None}
        if method == "get":
            response = client.get(API + url, query)
        else:
            response = getattr(client, method)(
                API + url,
                json.dumps(body if body is not None else {}),
                content_type="application/json",
            )
        covered += foreign
        failure = _check(scoped, "outsider", f"{method.upper()} {path}", response, foreign=foreign)
        if failure:
            failures.append(failure)
    page_client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for route in _pages(get_resolver().url_patterns):
        if route in PUBLIC_PAGES or route in SHARED_IN_CITY_PAGES:
            continue
        url, foreign = _page_url(scoped, route)
        if url is None or "None" in url.split("/"):
            continue
        covered += foreign
        for method in ("get", "post"):
            _still_logged_in(page_client, outsider)
            response = getattr(page_client, method)(url)
            failure = _check(
                scoped, "outsider", f"{method.upper()} /{route}", response, foreign=foreign
            )
            if failure:
                failures.append(failure)
    assert covered > 100
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)
