"""Version 1 of the JSON API, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs, served from ninja's bundled static files).

Each app keeps its endpoints in its own `api.py` as `router = Router(tags=[...])` with full
paths ("/orgs", "/orgs/{org_id}"); adding an app's API is one line in ROUTERS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import ninja.openapi.schema
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Router
from ninja.renderers import JSONRenderer
from ninja.schema import NinjaGenerateJsonSchema

from qingshe.api import messages as m
from qingshe.api.auth import DEFAULT_AUTH
from qingshe.api.errors import error_body, install_error_handlers
from qingshe.api.messages import API_DESCRIPTION
from qingshe.core.server_errors import install_database_down_handler

ROUTERS = [
    "qingshe.accounts.api.router",
    "qingshe.accounts.personal_data.api.router",
    "qingshe.orgs.api.router",
    "qingshe.programmes.api.router",
    "qingshe.needs.api.router",
    "qingshe.duty.api.router",
    "qingshe.imports.api.router",
    "qingshe.credit.api.router",
    "qingshe.reports.api.router",
    "qingshe.reports.dashboard.api.router",
    "qingshe.council.api.router",
    "qingshe.care.api.router",
    "qingshe.core.notifications.api.router",
]


class UniqueNamesJsonSchema(NinjaGenerateJsonSchema):
    """Component names unique across the whole API. Pydantic only tells same-named classes
    apart within one model's schema, and ninja merges every operation's definitions by name, so
    two apps' `OrgRefOut` (or `ApplicationOut`, `DecideIn`, …) were published as one, and the
    schema lied about the other's responses (found by the fuzzing test). The first class to
    claim a short name keeps it; another class of that name gets its module-qualified name."""

    _names: dict[str, str] = {}  # a class's core ref (it carries the class's id) -> its name
    _taken: set[str] = set()

    def get_defs_ref(self, core_mode_ref: Any) -> Any:
        defs_ref = super().get_defs_ref(core_mode_ref)
        choices = self._prioritized_defsref_choices[defs_ref]
        short, qualified = choices[0], choices[2]
        name = self._names.get(core_mode_ref[0])
        if name is None:
            # Classes made at run time (ninja's Paged… wrappers) share a module and a name.
            base = short if qualified.startswith("abc__") else qualified
            name, n = (short if short not in self._taken else base), 1
            while name in self._taken:
                n += 1
                name = f"{base}__{n}"
            self._taken.add(name)
            self._names[core_mode_ref[0]] = name
        if name != short:
            choices[:2] = [name, name + choices[1][len(short) :]]
        return defs_ref


# ninja names its generator at module level and offers no setting for it.
ninja.openapi.schema.NinjaGenerateJsonSchema = UniqueNamesJsonSchema  # type: ignore[misc]


class Utf8JSONRenderer(JSONRenderer):
    """Chinese text as UTF-8, not \\u-escaped code points: a third of the size, readable in logs."""

    json_dumps_params = {"ensure_ascii": False}


class QingsheAPI(NinjaAPI):
    """NinjaAPI whose 405 (a known path, a method it does not serve) has the error shape too:
    ninja answers those with a plain-text HttpResponseNotAllowed outside its error handlers."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._json_not_allowed(pattern.callback)
        return urls

    def _json_not_allowed(self, view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)  # keeps csrf_exempt and the other view attributes
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                body = error_body(m.METHOD_NOT_ALLOWED, "method_not_allowed")
                allowed = response["Allow"]
                response = self.create_response(request, body, status=405)
                response["Allow"] = allowed
            return response

        return wrapped

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Document the errors the framework answers for every operation, whatever its router
        lists: 400 `bad_request` for a body that is not JSON, 422 `invalid_input` for parameters
        or a body that do not validate (found by the fuzzing test, qingshe/api/tests/test_fuzz.py)."""
        schema = super().get_openapi_schema(**kwargs)
        error = {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if operation.get("requestBody"):
                    responses.setdefault(400, {"description": "Bad Request", **error})
                if operation.get("requestBody") or operation.get("parameters"):
                    responses.setdefault(422, {"description": "Unprocessable Entity", **error})
        return schema


api = QingsheAPI(
    title="青社 Qingshe API",
    version="1",
    description=API_DESCRIPTION,
    urls_namespace="api-v1",
    auth=DEFAULT_AUTH,
    renderer=Utf8JSONRenderer(),
)
install_error_handlers(api)
# The database down or restarting: 503 service_unavailable with Retry-After, not a 500.
install_database_down_handler(api)

for _router in ROUTERS:
    api.add_router("", _router)

# Last, so that it only catches what no router matched: an unknown path under /api/v1/ answers
# a JSON 404 in the API's error shape instead of the site's HTML page.
_fallback = Router()


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:unknown}",
    auth=None,
    include_in_schema=False,
)
def unknown_path(request: HttpRequest, unknown: str) -> None:
    raise Http404


api.add_router("", _fallback)
