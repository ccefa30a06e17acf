"""Writes of typical cases (典型案例): a department submits a case with its photos, the programme's
committee reviews it (accept, return with comments, feature), a returned case is edited and
resubmitted.

A case and its photos are written together or not at all: every photo is checked (by content,
count and size) before anything is written, and the photo files, written last, are removed again
if writing one of them fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshe.core import access
from qingshe.core.audit import audit
from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.notify import notify
from qingshe.lib import images
from qingshe.orgs.models import Organisation, OrgKind, Role
from qingshe.programmes.models import Programme
from qingshe.reports.models import CasePhoto, TypicalCase

REVIEW_DECISIONS = {
    "accept": TypicalCase.State.ACCEPTED,
    "return": TypicalCase.State.RETURNED,
    "feature": TypicalCase.State.FEATURED,
}
# A case may carry a few more photos than the programme asks for, not an album.
EXTRA_PHOTOS = 5
MB = 1024 * 1024


def case_text_length(text: str) -> int:
    """Characters, not bytes, and not counting white space: 1,000 字 means 1,000 characters."""
    return sum(1 for ch in text if not ch.isspace())


def photo_limits(programme: Programme) -> tuple[int, int]:
    """(at least, at most) photos of a case of this programme."""
    return programme.case_photos, programme.case_photos + EXTRA_PHOTOS


def megabytes(size: int, *, below: int | None = None) -> str:
    """A size in MB for messages, to two decimals (943,718 bytes → "0.9"); a size below `below`
    is never shown as reaching it (1,048,000 bytes under a 1 MB minimum → "0.99", not "1")."""
    hundredths = (size * 100 + MB // 2) // MB
    if below is not None and size < below and hundredths * MB >= below * 100:
        hundredths = size * 100 // MB
    return f"{hundredths / 100:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class CheckedPhoto:
    image: images.CheckedImage
    thumb: images.CheckedImage
    size: int  # bytes as uploaded: what the programme's minimum is about


def _name(upload: Any, index: int) -> str:
    raw = str(getattr(upload, "name", "") or "")
    # A browser may send a path; only the last part names the file for the person.
    raw = raw.replace("\\", "/").rsplit("/", 1)[-1]
    return (raw or _("photo %(n)d") % {"n": index})[:80]


def _upload_size(upload: Any) -> int | None:
    if isinstance(upload, bytes | bytearray):
        return len(upload)
    size = getattr(upload, "size", None)
    return int(size) if size is not None else None


def check_case_photos(
    *, programme: Programme, photos: Sequence[Any], kept: int = 0
) -> list[CheckedPhoto]:
    """Check the uploads against the programme's rules before anything is written: how many
    (with `kept` photos staying from before), each a JPEG, PNG or WebP picture by its content, no
    smaller than the programme's minimum and no larger than the site's limit."""
    files = [f for f in photos or [] if f is not None]
    least, most = photo_limits(programme)
    n = kept + len(files)
    if n < least:
        raise ValidationFailed(
            "photos_too_few",
            _("A typical case needs at least %(min)d photos; it has %(n)d.")
            % {"min": least, "n": n},
            field="photos",
        )
    if n > most:
        raise ValidationFailed(
            "too_many_photos",
            _("A typical case has at most %(max)d photos; it would have %(n)d.")
            % {"max": most, "n": n},
            field="photos",
        )
    min_bytes = programme.case_photo_min_kb * 1024
    max_bytes = settings.QINGSHE_PHOTO_MAX_BYTES
    checked = []
    for index, upload in enumerate(files, start=1):
        name = _name(upload, index)
        size = _upload_size(upload)
        if size is not None and size > max_bytes:
            raise ValidationFailed("photo_too_large", _too_large(name), field="photos")
        try:
            image = images.check_image(upload, max_bytes=max_bytes)
        except images.ImageError as exc:
            if exc.code == "too_large":
                raise ValidationFailed("photo_too_large", _too_large(name), field="photos") from exc
            raise ValidationFailed(
                "photo_not_image",
                _("“%(name)s” is not a photo; send a JPEG, PNG or WebP picture.") % {"name": name},
                field="photos",
            ) from exc
        if size is None:
            size = len(images.read_limited(upload, max_bytes))
        if size < min_bytes:
            raise ValidationFailed(
                "photo_too_small",
                _(
                    "“%(name)s” is only %(size)s MB; each photo of a typical case must be at least %(min)s MB."
                )
                % {
                    "name": name,
                    "size": megabytes(size, below=min_bytes),
                    "min": megabytes(min_bytes),
                },
                field="photos",
            )
        checked.append(CheckedPhoto(image=image, thumb=images.thumbnail(image.content), size=size))
    return checked


def _too_large(name: str) -> str:
    return _("“%(name)s” is larger than %(mb)d MB; send a smaller photo.") % {
        "name": name,
        "mb": settings.QINGSHE_PHOTO_MAX_BYTES // MB,
    }


def _save_photos(
    *, case: TypicalCase, photos: Sequence[CheckedPhoto], first_order: int, actor: Any
) -> list[CasePhoto]:
    """Write checked photos (called last in a service: a failure removes the files it wrote, and
    the service's transaction removes the rows)."""
    saved: list[CasePhoto] = []
    try:
        for order, p in enumerate(photos, start=first_order):
            photo = CasePhoto(
                case=case,
                order=order,
                extension=p.image.extension,
                size=p.size,
                width=p.image.width,
                height=p.image.height,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
            )
            saved.append(photo)
            photo.file.save(f"photo.{p.image.extension}", ContentFile(p.image.content), save=False)
            photo.thumbnail.save("thumb.jpg", ContentFile(p.thumb.content), save=False)
            photo.save()
    except Exception:
        _delete_files(saved)
        raise
    return saved


def _delete_files(photos: Sequence[CasePhoto]) -> None:
    for photo in photos:
        for f in (photo.file, photo.thumbnail):
            if f:
                f.delete(save=False)


# --- checks shared by submit and resubmit --------------------------------------------------------
def _may_submit(actor: Any, department: Organisation) -> bool:
    return access.holds_over(
        actor, department, {Role.DEPARTMENT_ADMIN}
    ) or access.is_platform_staff(actor)


def _check_open(programme: Programme) -> None:
    if programme.state != Programme.State.OPEN:
        raise Conflict(
            "programme_closed", _("This programme is closed; it takes no more typical cases.")
        )


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("title_required", _("Please enter a title."), field="title")
    if len(title) > TypicalCase._meta.get_field("title").max_length:  # type: ignore[operator]
        raise ValidationFailed(
            "title_too_long", _("The title is at most 120 characters."), field="title"
        )
    return title


def _check_text(programme: Programme, text: str) -> int:
    length = case_text_length(text or "")
    if length < programme.case_min_chars:
        raise ValidationFailed(
            "text_too_short",
            _("A typical case has at least %(min)d characters; this one has %(n)d.")
            % {"min": programme.case_min_chars, "n": length},
            field="text",
        )
    return length


def _check_links(department: Organisation, activity: Any, project: Any) -> None:
    """The activity or project a case documents is the department's own: an activity organised
    in its subtree or by one of its pairings, a project group of the department or its branches."""
    if activity is not None:
        organiser_ok = activity.organiser.is_within(department)
        pairing = activity.pairing
        if not organiser_ok and not (pairing is not None and pairing.unit.is_within(department)):
            raise ValidationFailed(
                "invalid_activity",
                _("Choose an activity of this department or of its pairings."),
                field="activity",
            )
    if project is not None and not project.owner.is_within(department):
        raise ValidationFailed(
            "invalid_project",
            _("Choose a project group of this department or of its branches."),
            field="project",
        )


def case_url(case: TypicalCase) -> str:
    # A plain path (qingshe/urls.py mounts the pages at /cases/): reversing would load the whole
    # URLconf, API included, in a command that has not needed it yet (the demo).
    return f"/cases/{case.pk}/"


def _notify_committee(case: TypicalCase, *, resubmitted: bool) -> None:
    department_name, title = case.department.name, case.title
    notify(
        users=access.holders_over(case.programme.owner, [Role.LEAGUE_ADMIN]),
        kind="case.to_review",
        title=(
            lambda: (
                _("Typical case resubmitted by %(department)s: %(title)s")
                % {"department": department_name, "title": title}
            )
        )
        if resubmitted
        else (
            lambda: (
                _("New typical case from %(department)s: %(title)s")
                % {"department": department_name, "title": title}
            )
        ),
        url=case_url(case),
    )


# --- submit ---------------------------------------------------------------------------------------
@transaction.atomic
def case_submit(
    *,
    actor: Any,
    programme: Programme,
    department: Organisation,
    title: str,
    text: str,
    photos: Sequence[Any] = (),
    activity: Any = None,
    project: Any = None,
) -> TypicalCase:
    """A department's league admins submit a typical case with its photos to the programme."""
    if department.kind != OrgKind.DEPARTMENT_COMMITTEE:
        raise ValidationFailed(
            "invalid_department",
            _("Typical cases are submitted by a department."),
            field="department",
        )
    if not _may_submit(actor, department):
        raise AccessDenied(
            "forbidden", _("Only the department's league admins submit its typical cases.")
        )
    if not any(department.is_within(s) for s in programme.scope.all()):
        raise ValidationFailed(
            "out_of_scope",
            _("This department is not in the programme's scope."),
            field="department",
        )
    _check_open(programme)
    title = _check_title(title)
    length = _check_text(programme, text)
    _check_links(department, activity, project)
    checked = check_case_photos(programme=programme, photos=photos)
    case = TypicalCase.objects.create(
        programme=programme,
        department=department,
        title=title,
        text=text.strip(),
        activity=activity,
        project=project,
        submitted_by=actor if getattr(actor, "pk", None) else None,
        submitted_at=timezone.now(),
    )
    audit(
        actor=actor,
        action="case.submit",
        obj=case,
        org=department,
        data={"chars": length, "photos": len(checked)},
    )
    _notify_committee(case, resubmitted=False)
    _save_photos(case=case, photos=checked, first_order=1, actor=actor)
    return case


# --- resubmit -------------------------------------------------------------------------------------
@transaction.atomic
def case_resubmit(
    *,
    actor: Any,
    case: TypicalCase,
    title: str,
    text: str,
    keep: Sequence[int] | None = None,
    photos: Sequence[Any] = (),
    activity: Any = None,
    project: Any = None,
) -> TypicalCase:
    """Edit a returned case and send it for review again. `keep`: the ids of its photos that stay
    (None: all of them); `photos`: new uploads, added after the kept ones."""
    case = (
        TypicalCase.objects.select_for_update()
        .select_related("programme__owner", "department")
        .get(pk=case.pk)
    )
    if not _may_submit(actor, case.department):
        raise AccessDenied(
            "forbidden", _("Only the department's league admins submit its typical cases.")
        )
    if case.state != TypicalCase.State.RETURNED:
        raise Conflict(
            "invalid_state", _("Only a case returned for changes can be edited and resubmitted.")
        )
    _check_open(case.programme)
    title = _check_title(title)
    length = _check_text(case.programme, text)
    _check_links(case.department, activity, project)
    current = list(case.photos.order_by("order", "pk"))
    if keep is None:
        kept = current
    else:
        wanted = {int(pk) for pk in keep}
        if not wanted <= {p.pk for p in current}:
            raise ValidationFailed(
                "invalid_photo", _("Keep only photos of this case."), field="keep"
            )
        kept = [p for p in current if p.pk in wanted]
    checked = check_case_photos(programme=case.programme, photos=photos, kept=len(kept))
    removed = [p for p in current if p not in kept]
    case.title, case.text, case.activity, case.project = title, text.strip(), activity, project
    case.state, case.submitted_at = TypicalCase.State.SUBMITTED, timezone.now()
    case.save()
    if removed:
        CasePhoto.objects.filter(pk__in=[p.pk for p in removed]).delete()
        # The files go only once the change is committed: a rollback keeps the case as it was.
        transaction.on_commit(lambda: _delete_files(removed))
    # Kept photos move down to 1..k in their order; no two ever share a number on the way.
    for order, photo in enumerate(kept, start=1):
        if photo.order != order:
            photo.order = order
            photo.save(update_fields=["order"])
    audit(
        actor=actor,
        action="case.resubmit",
        obj=case,
        org=case.department,
        data={"chars": length, "kept": len(kept), "added": len(checked), "removed": len(removed)},
    )
    _notify_committee(case, resubmitted=True)
    _save_photos(case=case, photos=checked, first_order=len(kept) + 1, actor=actor)
    return case


# --- review ---------------------------------------------------------------------------------------
def may_review(user: Any, case: TypicalCase) -> bool:
    return access.can(user, "programme.manage", case.programme.owner)


def may_resubmit(user: Any, case: TypicalCase) -> bool:
    return case.state == TypicalCase.State.RETURNED and _may_submit(user, case.department)


@transaction.atomic
def case_review(*, actor: Any, case: TypicalCase, decision: str, note: str = "") -> TypicalCase:
    """The programme's league committee accepts a case, returns it with comments, or features it
    on the public page (an accepted case can be featured later; accepting a featured case takes it
    off the page)."""
    case = (
        TypicalCase.objects.select_for_update()
        .select_related("programme__owner", "department")
        .get(pk=case.pk)
    )
    if not may_review(actor, case):
        raise AccessDenied(
            "forbidden", _("Only the programme's league committee reviews its cases.")
        )
    if decision not in REVIEW_DECISIONS:
        raise ValidationFailed(
            "invalid_decision", _("Accept, return or feature the case."), field="decision"
        )
    if decision == "return" and not (note or "").strip():
        raise ValidationFailed("reason_required", _("Say what should be changed."), field="note")
    if case.state == TypicalCase.State.RETURNED:
        raise Conflict(
            "invalid_state", _("This case was returned; it is reviewed again when resubmitted.")
        )
    if case.state == REVIEW_DECISIONS[decision]:
        raise Conflict(
            "invalid_state",
            _("This case is already “%(state)s”.") % {"state": case.get_state_display()},
        )
    case.state = REVIEW_DECISIONS[decision]
    case.review_note, case.reviewed_by, case.reviewed_at = (
        (note or "").strip(),
        actor,
        timezone.now(),
    )
    case.save()
    audit(actor=actor, action=f"case.{decision}", obj=case, org=case.department)
    notify(
        users=access.holders_over(case.department, [Role.DEPARTMENT_ADMIN]),
        kind=f"case.{case.state}",
        title=lambda: (
            _("Your typical case “%(title)s”: %(state)s")
            % {"title": case.title, "state": case.get_state_display()}
        ),
        body=case.review_note,
        url=case_url(case),
    )
    return case
