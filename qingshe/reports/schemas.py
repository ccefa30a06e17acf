"""API schemas of typical cases (see reports/api.py). The rules (length in characters, photo count
and size, states) are the services'; the schemas only bound what keeps a request sane."""

# No `from __future__ import annotations`: ninja and pydantic resolve these types at runtime.
from datetime import datetime
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema

from qingshe.programmes.schemas import OrgRefOut, ProgrammeRefOut
from qingshe.reports.models import CasePhoto, TypicalCase
from qingshe.reports.services import case_text_length


class ActivityRefOut(Schema):
    id: int = Field(..., description="ID of the activity.")
    title: str = Field(..., description="Its title.")


class ProjectRefOut(Schema):
    id: int = Field(..., description="ID of the project group.")
    name: str = Field(..., description="Its name.")


class CasePhotoOut(Schema):
    id: int = Field(..., description="ID of the photo.")
    order: int = Field(..., description="Its place among the case's photos, from 1.")
    size: int = Field(
        ..., description="Size in bytes as uploaded (what the programme's minimum is about)."
    )
    width: int = Field(..., description="Width in pixels, as stored (upright, at most 4096).")
    height: int = Field(..., description="Height in pixels, as stored.")
    url: str = Field(..., description="The photo (same authentication as this request).")
    thumbnail_url: str = Field(..., description="Its thumbnail, a JPEG of at most 480 pixels.")

    @staticmethod
    def resolve_url(obj: CasePhoto) -> str:
        return _photo_url(obj)

    @staticmethod
    def resolve_thumbnail_url(obj: CasePhoto) -> str:
        return _photo_url(obj) + "?thumbnail=true"


def _photo_url(obj: CasePhoto) -> str:
    return reverse("api-v1:case_photo_get", kwargs={"case_id": obj.case_id, "photo_id": obj.pk})


class CaseOut(Schema):
    id: int = Field(..., description="ID of the typical case.")
    title: str = Field(..., description="Its title.")
    state: str = Field(..., description="`submitted`, `returned`, `accepted` or `featured`.")
    state_label: str = Field(..., description="The state, in the request's language.")
    programme: ProgrammeRefOut = Field(..., description="The programme it is submitted to.")
    department: OrgRefOut = Field(..., description="The department that submitted it.")
    activity: ActivityRefOut | None = Field(None, description="The activity it documents.")
    project: ProjectRefOut | None = Field(None, description="The project group it documents.")
    photo_count: int = Field(..., description="How many photos it has.")
    submitted_at: datetime | None = Field(
        None, description="When it was last sent for review (UTC)."
    )
    reviewed_at: datetime | None = Field(None, description="When it was last reviewed (UTC).")

    @staticmethod
    def resolve_state_label(obj: TypicalCase) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_photo_count(obj: TypicalCase) -> int:
        count = getattr(obj, "photo_count", None)
        return count if count is not None else len(obj.photos.all())


class CaseActionsOut(Schema):
    review: bool = Field(..., description="The caller may accept, return or feature it now.")
    resubmit: bool = Field(
        ..., description="The caller may edit and resubmit it (it was returned)."
    )


class CaseDetailOut(CaseOut):
    text: str = Field(..., description="The case's text.")
    chars: int = Field(..., description="Its length in characters (white space not counted).")
    review_note: str = Field(..., description="The committee's last comments (empty when none).")
    photos: list[CasePhotoOut] = Field(..., description="Its photos in order.")
    actions: CaseActionsOut = Field(..., description="What the caller may do with it.")

    @staticmethod
    def resolve_chars(obj: TypicalCase) -> int:
        return case_text_length(obj.text)

    @staticmethod
    def resolve_photos(obj: TypicalCase) -> list[Any]:
        return list(obj.photos.all())


class CaseFilter(Schema):
    state: TypicalCase.State | None = Field(None, description="Only this state.")
    programme: int | None = Field(None, description="Only this programme's cases.")
    department: int | None = Field(None, description="Only this department's cases.")
    to_review: bool = Field(
        False, description="Only the submitted cases waiting for the caller's review."
    )


class CaseIn(Schema):
    """The fields of a case sent as multipart form data, beside its photos (`photos`)."""

    programme: int = Field(..., description="ID of the programme year.")
    department: int = Field(..., description="ID of the department committee submitting it.")
    title: str = Field(..., max_length=200, description="Title (at most 120 characters).")
    text: str = Field(
        ...,
        max_length=100_000,
        description="The case (at least the programme's minimum of characters).",
    )
    activity: int | None = Field(None, description="ID of the activity it documents (optional).")
    project: int | None = Field(
        None, description="ID of the project group it documents (optional)."
    )


class CaseEditIn(Schema):
    """The edited fields of a returned case (multipart form data), beside new photos (`photos`)."""

    title: str = Field(..., max_length=200, description="Title (at most 120 characters).")
    text: str = Field(
        ...,
        max_length=100_000,
        description="The case (at least the programme's minimum of characters).",
    )
    activity: int | None = Field(None, description="ID of the activity it documents (optional).")
    project: int | None = Field(
        None, description="ID of the project group it documents (optional)."
    )
    keep: str | None = Field(
        None,
        description="IDs of the photos that stay, comma-separated (`3,4,7`); left out: all stay; empty: none.",
    )


class CaseReviewIn(Schema):
    decision: Literal["accept", "return", "feature"] = Field(
        ..., description="`accept`, `return` (with `note`) or `feature` (on the public page)."
    )
    note: str = Field("", max_length=2000, description="Comments; required to return a case.")


class FeaturedCaseOut(Schema):
    """A featured case as the public sees it: no person is named but in the text itself."""

    id: int = Field(..., description="ID of the typical case.")
    title: str = Field(..., description="Its title.")
    text: str = Field(..., description="Its text.")
    programme: ProgrammeRefOut = Field(..., description="The programme.")
    department: OrgRefOut = Field(..., description="The department.")
    featured_at: datetime | None = Field(None, description="When it was featured (UTC).")
    photos: list[str] = Field(..., description="Public addresses of its photos, in order.")
    thumbnails: list[str] = Field(..., description="Public addresses of their thumbnails.")
    page_url: str = Field(..., description="Its public page.")

    @staticmethod
    def resolve_featured_at(obj: TypicalCase) -> datetime | None:
        return obj.reviewed_at

    @staticmethod
    def resolve_photos(obj: TypicalCase) -> list[str]:
        return [reverse("reports:featured_photo", args=[obj.pk, p.pk]) for p in obj.photos.all()]

    @staticmethod
    def resolve_thumbnails(obj: TypicalCase) -> list[str]:
        return [reverse("reports:featured_thumb", args=[obj.pk, p.pk]) for p in obj.photos.all()]

    @staticmethod
    def resolve_page_url(obj: TypicalCase) -> str:
        return reverse("reports:featured_detail", args=[obj.pk])
