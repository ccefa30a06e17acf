"""Regressions found by the API fuzzing test (qingshe/api/tests/test_fuzz.py)."""

from __future__ import annotations

from typing import Any

from qingshe.api.tests.utils import api_client, assert_error


def test_bulk_confirm_with_an_id_beyond_64_bits_is_invalid_input_not_a_server_error(
    city: Any,
) -> None:
    # Was a 500: the database driver cannot bind an integer this large.
    response = api_client(city.staff).api_post("/attendance/confirm", {"ids": [1, 2**70]})
    assert_error(response, 422, "invalid_input")


def test_bulk_confirm_with_a_negative_id_is_invalid_input(city: Any) -> None:
    assert_error(
        api_client(city.staff).api_post("/attendance/confirm", {"ids": [-3]}), 422, "invalid_input"
    )
