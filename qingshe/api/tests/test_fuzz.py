"""API fuzzing (issue 11 item 2): schemathesis drives every operation of /api/v1/openapi.json.

The schema is read from the running application (/api/v1/openapi.json through Django's WSGI
handler, in process, so the requests share the test's database transaction), and each operation
is called with positive data (valid by the schema) and negative data (invalid by the schema) as
the city's league administrator (widest scope, so most code paths are reached), with a bearer
token. Path parameters are drawn half from generated values and half from IDs of objects that
exist, so that handlers get past their first lookup. A second run does the same inside the demo
city (built beside the test city) as its league administrator with its objects' IDs.

Checks on every response: no 5xx, and the response (status, body) matches what the schema
documents. Bounded: MAX_EXAMPLES per operation and mode, no shrinking, a fixed seed, so the
run is deterministic and takes a couple of minutes on CI's machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from qingshe.accounts.models import User
from qingshe.accounts.services import token_issue
from qingshe.demo.builder import build_demo
from qingshe.orgs.models import Organisation

MAX_EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
SEED = 20261122


def _fuzz_settings() -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def _existing_ids(city: Any) -> dict[str, list[Any]]:
    """IDs of real objects by path-parameter name, for the parameters the city can fill."""
    org_ids = [city.community.pk, city.branch.pk, city.district.pk, city.other_community.pk]
    return {"org_id": org_ids, "member_id": [city.student.pk]}


def _case_strategy(operation: Any, mode: GenerationMode, ids: dict[str, list[Any]]) -> Any:
    generated = operation.as_strategy(generation_mode=mode)
    names = set(re.findall(r"{(\w+)}", operation.path))
    known = {name: ids[name] for name in names if name in ids}
    if not known or mode is GenerationMode.NEGATIVE:
        return generated

    @st.composite
    def with_real_ids(draw: Any) -> Any:
        chosen = {name: draw(st.sampled_from(values)) for name, values in known.items()}
        return draw(operation.as_strategy(generation_mode=mode, path_parameters=chosen))

    return st.one_of(generated, with_real_ids())


def _run_operation(
    operation: Any, mode: GenerationMode, headers: dict[str, str], ids: dict[str, list[Any]]
) -> str | None:
    """Fuzz one operation in one mode; return the first failure's report, or None."""

    @_fuzz_settings()
    @hypothesis.seed(SEED)
    @hypothesis.given(case=_case_strategy(operation, mode, ids))
    def fuzz(case: Any) -> None:
        # A WSGI server always sets REMOTE_ADDR (the rate limits key on it); werkzeug's client
        # does not.
        response = case.call(headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        fuzz()
    except hypothesis.errors.Unsatisfiable:
        # No invalid value exists for this operation (e.g. one free-text path parameter).
        return None
    except (Exception, FailureGroup) as exc:  # FailureGroup is a BaseExceptionGroup
        return f"{operation.label} [{mode.value}]: {exc}"
    return None


@contextmanager
def _connection_kept() -> Iterator[None]:
    """As Django's test client does: the WSGI handler's request signals would close the
    database connection, and with it the test's transaction (PostgreSQL)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz_everything(user: Any, ids: dict[str, list[Any]]) -> None:
    raw, _token = token_issue(user=user)
    headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "zh-hans"}
    failures = []
    with _connection_kept():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 100  # the whole API, not a schema that failed to load
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failure = _run_operation(operation, mode, headers, ids)
                if failure:
                    failures.append(failure)
    assert not failures, f"{len(failures)} failing operation(s):\n\n" + "\n\n".join(failures)


@pytest.mark.django_db
def test_every_operation_survives_fuzzing(city: Any) -> None:
    """The test city's league administrator: few objects, the whole API's input handling."""
    _fuzz_everything(city.league_admin, _existing_ids(city))


@pytest.mark.django_db
def test_every_operation_survives_fuzzing_on_the_demo_citys_data(city: Any) -> None:
    """The demo city's league administrator, path parameters drawn from the demo's objects
    (by the access matrix's table of parameter names): handlers reach real rows in every
    state, so responses with data are checked against the schema too."""
    from qingshe.core.tests.test_access_matrix import PATH_MODELS, _model

    # Both cities are called 共青团青州市委员会; two roots may not share a name.
    Organisation.objects.filter(pk=city.city.pk).update(name="共青团青州市委员会（测试城市）")
    build_demo(seed=2026, size=0.05, today=date(2026, 11, 22), log=lambda _line: None)
    ids: dict[str, list[Any]] = {}
    for key, label in PATH_MODELS.items():
        model, field = _model(label)
        values = list(model._default_manager.order_by("-pk").values_list(field, flat=True)[:5])
        ids.setdefault(key.split(":")[-1], []).extend(values)
    ids = {name: values for name, values in ids.items() if values}
    assert len(ids) > 20
    _fuzz_everything(User.objects.get(username="league_admin"), ids)
