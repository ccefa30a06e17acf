"""Schemas shared by every router: the error body, and the error responses to document."""

from __future__ import annotations

from ninja import Field, Schema


class FieldErrorOut(Schema):
    field: str = Field(
        ..., description="The field at fault (dotted path), empty for the whole body."
    )
    message: str = Field(..., description="What is wrong with it, in the request's language.")


class ErrorOut(Schema):
    """Every error the API answers has this shape."""

    detail: str = Field(..., description="A message for people, in the request's language.")
    code: str = Field(..., description="A stable code for programs, e.g. `not_found`.")
    field: str | None = Field(None, description="The one field at fault, when there is one.")
    errors: list[FieldErrorOut] | None = Field(
        None, description="For `invalid_input` (422): every field at fault."
    )


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """`response={200: ThingOut, **error_responses(401, 404)}` documents the errors in OpenAPI."""
    return dict.fromkeys(statuses, ErrorOut)
