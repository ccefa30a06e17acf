"""Typical cases through the services: submit with photos (all or nothing), the bad inputs of the
issue with their Chinese messages, EXIF orientation, thumbnails, review, edit and resubmit, and
the compliance count."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from PIL import Image

from qingshe.core.errors import AccessDenied, Conflict, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.orgs.models import OrgKind
from qingshe.orgs.tests.factories import OrganisationFactory
from qingshe.programmes import selectors as programme_selectors
from qingshe.programmes.models import Programme
from qingshe.reports.models import CasePhoto, TypicalCase
from qingshe.reports.services import (
    case_resubmit,
    case_review,
    case_submit,
    case_text_length,
    megabytes,
)
from qingshe.reports.tests.conftest import (
    MB,
    TEXT,
    fake_pdf,
    padded_jpeg,
    photo,
    photo_bytes,
    photos,
    stored_files,
)


def test_length_counts_characters_not_bytes() -> None:
    assert case_text_length("社区 青春\n行动") == 6
    assert len("社区".encode()) == 6
    assert (
        megabytes(int(0.9 * MB)) == "0.9" and megabytes(MB) == "1" and megabytes(1_048_000) == "1"
    )
    assert megabytes(1_048_000, below=MB) == "0.99" and megabytes(int(0.9 * MB), below=MB) == "0.9"


def test_department_submits_a_case_with_its_photos(
    city: SimpleNamespace,
    programme: Programme,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = case_submit(
            actor=city.department_admin,
            programme=programme,
            department=city.department,
            title="周末课堂",
            text=TEXT,
            photos=photos(5),
        )
    assert case.state == TypicalCase.State.SUBMITTED and case.submitted_at is not None
    stored = list(case.photos.order_by("order"))
    assert [p.order for p in stored] == [1, 2, 3, 4, 5]
    assert [p.size for p in stored] == [len(photo_bytes(i)) for i in range(1, 6)]  # as uploaded
    for p in stored:
        assert Path(p.file.path).is_file() and Path(p.thumbnail.path).is_file()
        assert (
            str(media_root) in p.file.path and "活动照片" not in p.file.name
        )  # no uploader's name
        with Image.open(p.thumbnail.path) as thumb:
            assert thumb.format == "JPEG" and max(thumb.size) == 480
        with Image.open(p.file.path) as full:
            assert (full.width, full.height) == (p.width, p.height) == (640, 480)
    assert len(stored_files(media_root)) == 10
    assert AuditEvent.objects.filter(action="case.submit", object_id=str(case.pk)).exists()
    note = Notification.objects.get(user=city.league_admin)
    assert note.url == f"/cases/{case.pk}/" and "周末课堂" in note.title


def _nothing_written(media_root: Path) -> None:
    assert not TypicalCase.objects.exists() and not CasePhoto.objects.exists()
    assert stored_files(media_root) == []
    assert not AuditEvent.objects.filter(action__startswith="case.").exists()


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("999 characters", "text_too_short", "典型案例正文至少 1000 字，当前只有 999 字。"),
        ("four photos", "photos_too_few", "典型案例至少需要 5 张照片，当前只有 4 张。"),
        (
            "a 0.9 MB photo",
            "photo_too_small",
            "“小照片.jpg”只有 0.9 MB，典型案例的每张照片至少 1 MB。",
        ),
        (
            "a renamed PDF",
            "photo_not_image",
            "“活动照片5.jpg”不是照片，请上传 JPEG、PNG 或 WebP 格式的图片。",
        ),
        ("eleven photos", "too_many_photos", "典型案例最多 10 张照片，当前共有 11 张。"),
        ("an 11 MB photo", "photo_too_large", "“大照片.jpg”超过10 MB，请换一张小一些的照片。"),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_written(
    city: SimpleNamespace,
    programme: Programme,
    media_root: Path,
    case: str,
    code: str,
    message: str,
) -> None:
    text, files = TEXT, photos(5)
    if case == "999 characters":
        text = "社区" * 499 + "行"
    elif case == "four photos":
        files = photos(4)
    elif case == "a 0.9 MB photo":
        files[2] = photo("小照片.jpg", data=padded_jpeg(int(0.9 * MB)))
    elif case == "a renamed PDF":
        files[4] = photo("活动照片5.jpg", data=fake_pdf())
    elif case == "eleven photos":
        files = photos(11)
    else:
        files[0] = photo("大照片.jpg", data=padded_jpeg(11 * MB))
    with pytest.raises(ValidationFailed) as err:
        case_submit(
            actor=city.department_admin,
            programme=programme,
            department=city.department,
            title="周末课堂",
            text=text,
            photos=files,
        )
    assert err.value.code == code and str(err.value.message) == message
    assert err.value.field == ("text" if code == "text_too_short" else "photos")
    _nothing_written(media_root)


def test_the_programme_sets_count_and_size(
    city: SimpleNamespace, programme: Programme, media_root: Path
) -> None:
    Programme.objects.filter(pk=programme.pk).update(
        case_photos=2, case_photo_min_kb=300, case_min_chars=20
    )
    programme.refresh_from_db()
    files = [
        photo("一.jpg", data=padded_jpeg(310 * 1024)),
        photo("二.jpg", data=padded_jpeg(301 * 1024)),
    ]
    case = case_submit(
        actor=city.department_admin,
        programme=programme,
        department=city.department,
        title="短案例",
        text="社区" * 10,
        photos=files,
    )
    assert case.photos.count() == 2
    with pytest.raises(ValidationFailed) as err:
        case_submit(
            actor=city.department_admin,
            programme=programme,
            department=city.department,
            title="短案例",
            text="社区" * 10,
            photos=[
                photo("一.jpg", data=padded_jpeg(310 * 1024)),
                photo("三.jpg", data=padded_jpeg(290 * 1024)),
            ],
        )
    assert (
        err.value.code == "photo_too_small"
        and "0.28 MB" in str(err.value.message)
        and "0.29 MB" in str(err.value.message)
    )


def test_a_failure_while_writing_the_photos_leaves_nothing(
    city: SimpleNamespace, programme: Programme, media_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The storage fails on the fourth photo: the three written before it and their thumbnails
    are removed and the case row is rolled back."""
    real_save = FileSystemStorage._save  # type: ignore[attr-defined]
    calls = {"n": 0}

    def failing_save(self: FileSystemStorage, name: str, content: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 7:  # photo, thumbnail, photo, thumbnail, photo, thumbnail, photo 4
            raise OSError("disk full")
        return real_save(self, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", failing_save)
    with pytest.raises(OSError):
        case_submit(
            actor=city.department_admin,
            programme=programme,
            department=city.department,
            title="周末课堂",
            text=TEXT,
            photos=photos(5),
        )
    assert calls["n"] == 7
    _nothing_written(media_root)


def _oriented_jpeg() -> bytes:
    """A photo of a little over 1 MB as a phone held sideways stores it: the pixels lie on their
    side (640 × 480, a red block in the top-left corner) and EXIF orientation 6 says "turn 90°
    clockwise to view"; it also carries a GPS position."""
    with Image.open(io.BytesIO(photo_bytes(3))) as base:
        img = base.convert("RGB")
    img.paste((255, 0, 0), (0, 0, 120, 120))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (26.0, 15.0, 55.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=100, subsampling=0, exif=exif)
    assert len(out.getvalue()) >= MB
    return out.getvalue()


def _red(img: Image.Image, box: tuple[int, int, int, int]) -> bool:
    r, g, b = img.convert("RGB").crop(box).resize((1, 1)).getpixel((0, 0))  # type: ignore[misc]
    return r > 200 and g < 60 and b < 60


def test_exif_orientation_is_respected_and_the_metadata_dropped(
    city: SimpleNamespace, programme: Programme, media_root: Path
) -> None:
    files = [photo("竖拍.jpg", data=_oriented_jpeg()), *photos(4)]
    case = case_submit(
        actor=city.department_admin,
        programme=programme,
        department=city.department,
        title="周末课堂",
        text=TEXT,
        photos=files,
    )
    first = case.photos.get(order=1)
    assert (first.width, first.height) == (480, 640)
    with Image.open(first.file.path) as stored:
        assert stored.size == (480, 640) and not stored.getexif()
        # Turned 90° clockwise, the top-left corner is now the top-right one.
        assert _red(stored, (480 - 100, 10, 480 - 10, 100)) and not _red(stored, (10, 10, 100, 100))
    with Image.open(first.thumbnail.path) as thumb:
        assert thumb.size == (360, 480)
        assert _red(thumb, (360 - 70, 8, 360 - 8, 70))


def test_review_accept_return_feature(
    city: SimpleNamespace, submit: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = submit()
    with pytest.raises(ValidationFailed) as err:
        case_review(actor=city.league_admin, case=case, decision="return")
    assert err.value.code == "reason_required"
    with pytest.raises(ValidationFailed):
        case_review(actor=city.league_admin, case=case, decision="publish")
    case = case_review(actor=city.league_admin, case=case, decision="accept")
    assert case.state == TypicalCase.State.ACCEPTED
    with pytest.raises(Conflict):
        case_review(actor=city.league_admin, case=case, decision="accept")
    with django_capture_on_commit_callbacks(execute=True):
        case = case_review(actor=city.league_admin, case=case, decision="feature", note="写得好")
    assert case.state == TypicalCase.State.FEATURED and case.review_note == "写得好"
    assert Notification.objects.filter(
        user=city.department_admin, kind="case.featured", url=f"/cases/{case.pk}/"
    ).exists()
    case = case_review(actor=city.league_admin, case=case, decision="accept")  # off the public page
    assert case.state == TypicalCase.State.ACCEPTED


def test_only_the_committee_reviews_and_a_returned_case_waits_for_resubmission(
    city: SimpleNamespace, submit: Any
) -> None:
    case = submit()
    for outsider in (city.university_admin, city.department_admin, city.district_admin):
        with pytest.raises(AccessDenied):
            case_review(actor=outsider, case=case, decision="accept")
    case = case_review(actor=city.league_admin, case=case, decision="return", note="请补充照片说明")
    with pytest.raises(Conflict):
        case_review(actor=city.league_admin, case=case, decision="accept")


def test_only_department_admins_submit(
    city: SimpleNamespace, programme: Programme, media_root: Path
) -> None:
    for actor in (city.secretary, city.university_admin, city.student, city.other_staff):
        with pytest.raises(AccessDenied):
            case_submit(
                actor=actor,
                programme=programme,
                department=city.department,
                title="x",
                text=TEXT,
                photos=photos(5),
            )
    with pytest.raises(ValidationFailed) as err:
        case_submit(
            actor=city.department_admin,
            programme=programme,
            department=city.branch,
            title="x",
            text=TEXT,
            photos=photos(5),
        )
    assert err.value.code == "invalid_department"
    _nothing_written(media_root)


def test_closed_programme_takes_no_case(
    city: SimpleNamespace, programme: Programme, submit: Any, media_root: Path
) -> None:
    Programme.objects.filter(pk=programme.pk).update(state=Programme.State.CLOSED)
    programme.refresh_from_db()
    with pytest.raises(Conflict) as err:
        submit(programme=programme)
    assert err.value.code == "programme_closed"
    _nothing_written(media_root)


def test_the_activity_or_project_is_the_departments_own(
    city: SimpleNamespace, submit: Any, media_root: Path
) -> None:
    from qingshe.needs import services as needs_services

    own = needs_services.project_group_create(
        actor=city.secretary,
        owner=city.branch,
        name="社区宣传项目组",
        goal="为白沙社区运营公众号。",
        project_type="league_building",
        service_field="policy",
    )
    other_dept = OrganisationFactory(
        kind=OrgKind.DEPARTMENT_COMMITTEE, name="共青团青州学院外语系委员会", parent=city.university
    )
    other_branch = OrganisationFactory(
        kind=OrgKind.CLASS_BRANCH, name="2024级英语班团支部", parent=other_dept
    )
    foreign = needs_services.project_group_create(
        actor=city.university_admin,
        owner=other_branch,  # type: ignore[arg-type]
        name="英语角项目组",
        goal="社区英语角。",
        project_type="culture_sport",
        service_field="heritage",
    )
    with pytest.raises(ValidationFailed) as err:
        submit(project=foreign)
    assert err.value.code == "invalid_project" and err.value.field == "project"
    assert not TypicalCase.objects.exists()
    case = submit(project=own)
    assert case.project == own


def test_returned_case_is_edited_and_resubmitted(
    city: SimpleNamespace, submit: Any, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    case = submit()
    case = case_review(actor=city.league_admin, case=case, decision="return", note="请更换两张照片")
    first_submitted = case.submitted_at
    old = list(case.photos.order_by("order"))
    keep = [old[0].pk, old[2].pk, old[4].pk]
    with django_capture_on_commit_callbacks(execute=True):
        case = case_resubmit(
            actor=city.department_admin,
            case=case,
            title="周末课堂（修改稿）",
            text=TEXT + "补充说明。",
            keep=keep,
            photos=[photo("新1.jpg", seed=7), photo("新2.jpg", seed=8)],
        )
    assert case.submitted_at is not None and first_submitted is not None
    assert case.state == TypicalCase.State.SUBMITTED and case.submitted_at > first_submitted
    now = list(case.photos.order_by("order"))
    assert [p.order for p in now] == [1, 2, 3, 4, 5]
    assert [p.pk for p in now[:3]] == keep
    for gone in (old[1], old[3]):
        assert not Path(gone.file.path).exists() and not Path(gone.thumbnail.path).exists()
    assert len(stored_files(media_root)) == 10
    note = Notification.objects.get(user=city.league_admin, kind="case.to_review")
    assert note.title == "共青团青州学院经济管理系委员会重新提交了典型案例：周末课堂（修改稿）"
    case = case_review(actor=city.league_admin, case=case, decision="accept")
    with pytest.raises(Conflict):
        case_resubmit(actor=city.department_admin, case=case, title="x", text=TEXT)


def test_a_bad_resubmission_changes_nothing(
    city: SimpleNamespace, submit: Any, media_root: Path
) -> None:
    case = submit()
    case = case_review(actor=city.league_admin, case=case, decision="return", note="请修改")
    before = sorted(str(p) for p in stored_files(media_root))
    old = list(case.photos.order_by("order"))
    with pytest.raises(ValidationFailed) as err:
        case_resubmit(
            actor=city.department_admin,
            case=case,
            title="新标题",
            text=TEXT,
            keep=[old[0].pk, old[1].pk],
            photos=[photo("新.jpg", seed=9)],
        )
    assert err.value.code == "photos_too_few" and "当前只有 3 张" in str(err.value.message)
    with pytest.raises(ValidationFailed) as err:
        case_resubmit(
            actor=city.department_admin,
            case=case,
            title="新标题",
            text=TEXT,
            keep=[old[0].pk, 10**6],
        )
    assert err.value.code == "invalid_photo"
    with pytest.raises(AccessDenied):
        case_resubmit(actor=city.secretary, case=case, title="新标题", text=TEXT)
    case.refresh_from_db()
    assert case.state == TypicalCase.State.RETURNED and case.title == "周末课堂"
    assert [p.pk for p in case.photos.order_by("order")] == [p.pk for p in old]
    assert sorted(str(p) for p in stored_files(media_root)) == before


def test_compliance_counts_cases_per_department(
    city: SimpleNamespace, programme: Programme, submit: Any
) -> None:
    result = programme_selectors.compliance_for_user(user=city.league_admin, programme=programme)
    assert [r.department for r in result.missing_cases] == [city.department]
    for i in range(3):
        case = submit(title=f"案例{i}")
    case_review(actor=city.league_admin, case=case, decision="return", note="请修改")
    row = programme_selectors.compliance_for_user(
        user=city.league_admin, programme=programme
    ).departments[0]
    assert (row.cases_submitted, row.cases_required, row.cases_met) == (2, 3, False)
    case_resubmit(actor=city.department_admin, case=case, title="案例2", text=TEXT)
    result = programme_selectors.compliance_for_user(user=city.league_admin, programme=programme)
    assert result.missing_cases == [] and result.departments[0].cases_met


def test_compliance_page_and_api_show_missing_cases(
    city: SimpleNamespace, programme: Programme, client: Any
) -> None:
    from qingshe.api.tests.utils import api_client

    client.force_login(city.league_admin)
    html = client.get(f"/programmes/{programme.pk}/compliance/").content.decode()
    assert "典型案例未交足的院系" in html and "已提交 0 个，应交 3 个" in html
    body = api_client(city.league_admin).api_get(f"/programmes/{programme.pk}/compliance").json()
    row = body["departments"][0]
    assert (row["cases_submitted"], row["cases_required"], row["cases_met"]) == (0, 3, False)
    assert [r["department"]["id"] for r in body["missing_cases"]] == [city.department.pk]
    # someone outside the programme's committee and the department sees no case figures of it
    other = api_client(city.other_staff).api_get(f"/programmes/{programme.pk}/compliance").json()
    assert other.get("departments", []) == [] and other.get("missing_cases", []) == []
