"""Need services: intake (windows, head count, urgency, training, photos, on a resident's
behalf), following, and every transition of the state table — allowed and refused — with its
NeedEvent, its permission, and the people told."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from qingshe.accounts.tests.factories import UserFactory
from qingshe.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from qingshe.core.models import AuditEvent, Notification
from qingshe.duty.models import TrainingCourse
from qingshe.needs import services
from qingshe.needs.models import (
    Need,
    NeedAssignment,
    NeedEvent,
    NeedFollower,
    NeedPhoto,
    NeedWindow,
)
from qingshe.needs.tests.needs_support import (
    BASE,
    image_bytes,
    in_progress,
    photo,
    reported_done,
    submit,
    verified,
    window,
)
from qingshe.orgs.models import Role
from qingshe.orgs.tests.factories import MembershipFactory

S = Need.State


def _events(need: Need) -> list[tuple[str, str]]:
    return list(
        NeedEvent.objects.filter(need=need)
        .order_by("at", "pk")
        .values_list("from_state", "to_state")
    )


def _told(user: Any, kind: str) -> bool:
    return Notification.objects.filter(user=user, kind=kind).exists()


# --- intake -------------------------------------------------------------------------------------
def test_resident_orders_with_windows_photos_and_staff_are_told(
    city, media_root, django_capture_on_commit_callbacks
) -> None:
    first, second = window(days=3), window(days=5, start_hour=14)
    with django_capture_on_commit_callbacks(execute=True):
        need = submit(
            city,
            windows=[second, first],
            people_needed=2,
            urgency=1,
            minutes_each=90,
            photos=[photo("门口.jpg"), photo("b.png", "PNG", content_type="image/png")],
        )
    assert (
        need.state == S.SUBMITTED
        and need.reporter == city.resident
        and need.entered_by == city.resident
    )
    assert [(w.starts_at, w.ends_at) for w in need.windows.all()] == [first, second]
    assert (
        need.starts_on == timezone.localtime(first[0]).date()
        and need.ends_on == timezone.localtime(second[1]).date()
    )
    assert need.urgency == 1 and need.minutes_each == 90 and need.people_needed == 2
    assert _events(need) == [("", S.SUBMITTED)]
    photos = list(need.photos.order_by("pk"))
    assert [p.extension for p in photos] == ["jpg", "png"] and all(
        p.stage == "intake" for p in photos
    )
    # Random stored names: never the uploader's file name.
    assert all(
        "门口" not in p.file.name and p.file.name.startswith(f"needs/{need.pk}/") for p in photos
    )
    assert (media_root / photos[0].file.name).exists()
    assert _told(city.staff, "need.submitted") and not _told(city.resident, "need.submitted")
    assert AuditEvent.objects.filter(action="need.submit", object_id=str(need.pk)).exists()


def test_staff_enter_an_order_for_a_resident(city) -> None:
    need = submit(city, actor=city.staff, on_behalf_of=city.resident)
    assert need.reporter == city.resident and need.entered_by == city.staff
    assert NeedEvent.objects.get(need=need).data == {"on_behalf_of": city.resident.pk}
    # Not a resident of this community; a resident cannot order for someone else.
    with pytest.raises(ValidationFailed) as err:
        submit(city, actor=city.staff, on_behalf_of=city.other_resident)
    assert err.value.code == "invalid_resident"
    with pytest.raises(AccessDenied):
        submit(city, actor=city.resident, on_behalf_of=city.staff)
    assert Need.objects.count() == 1


def test_staff_post_bounty_with_prerequisites(city) -> None:
    course = TrainingCourse.objects.create(name="急救", topic="first_aid", org=city.district)
    elsewhere = TrainingCourse.objects.create(
        name="别处的课", topic="other", org=city.other_district
    )
    need = submit(
        city,
        actor=city.staff,
        is_bounty=True,
        open_claim=True,
        needs_insurance=True,
        required_courses=[course.pk],
        work_kind="professional",
        skills=["急救", "急救"],
        majors=["护理学"],
    )
    assert need.reporter is None and need.is_bounty and need.open_claim and need.needs_insurance
    assert list(need.required_courses.all()) == [course]
    with pytest.raises(ValidationFailed) as err:
        submit(city, actor=city.staff, required_courses=[elsewhere.pk])
    assert err.value.code == "invalid_course"
    with pytest.raises(AccessDenied):
        submit(city, is_bounty=True)


def test_outsiders_cannot_order(city) -> None:
    for outsider in (city.other_resident, city.other_staff, city.student):
        with pytest.raises(AccessDenied):
            submit(city, actor=outsider)
    assert not Need.objects.exists()


def _bad_window(kind: str) -> list[Any]:
    start, end = window(days=3)
    return {
        "end_before_start": [(end, start)],
        "past": [(start - timedelta(days=10), end - timedelta(days=10))],
        "too_long": [(start, start + timedelta(days=15))],
        "not_a_pair": [(start,)],
    }[kind]


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        ({"people_needed": 0}, "invalid_people", "至少"),
        ({"people_needed": 10000}, "invalid_people", "500"),
        ({"people_needed": "many"}, "invalid_number", "数字"),
        ({"urgency": 7}, "invalid_choice", ""),
        ({"minutes_each": 5}, "invalid_minutes", ""),
        ({"title": "x" * 121}, "title_too_long", "120"),
        ({"windows": "end_before_start"}, "invalid_window", "结束"),
        ({"windows": "past"}, "window_in_past", "过去"),
        ({"windows": "too_long"}, "window_too_long", "14"),
        ({"windows": "not_a_pair"}, "invalid_window", ""),
        ({"lat": "north", "lng": 1}, "invalid_location", ""),
        ({"photos": "text"}, "photo_not_image", "不是照片"),
        ({"photos": "big"}, "photo_too_large", "10"),
        ({"photos": "gif"}, "photo_not_image", "JPEG"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    city, media_root, settings, extra, code, words
) -> None:
    if "windows" in extra:
        extra = {"windows": _bad_window(extra["windows"])}
    if extra.get("photos") == "text":
        extra = {"photos": [photo("a.jpg"), photo("病毒.jpg", data=b"<html>not a photo</html>")]}
    elif extra.get("photos") == "big":
        big = (
            image_bytes("PNG") + b"\0" * settings.QINGSHE_PHOTO_MAX_BYTES
        )  # a valid PNG, padded past 10 MB
        extra = {"photos": [photo("大.png", "PNG", data=big)]}
    elif extra.get("photos") == "gif":
        extra = {"photos": [photo("动图.gif", data=image_bytes("GIF"), content_type="image/gif")]}
    with pytest.raises(ValidationFailed) as err:
        submit(city, **{"windows": [window()], "photos": [photo()], **extra})
    assert err.value.code == code
    assert words in str(err.value.message)
    assert (
        not Need.objects.exists()
        and not NeedWindow.objects.exists()
        and not NeedPhoto.objects.exists()
    )
    assert not NeedEvent.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_window_in_the_past_compared_with_the_given_now(city) -> None:
    start, end = window(days=1)
    need = submit(city, windows=[(start, end)], now=start - timedelta(hours=1))
    assert need.windows.count() == 1
    with pytest.raises(ValidationFailed):
        submit(city, windows=[(start, end)], now=start + timedelta(minutes=1))


# --- following ----------------------------------------------------------------------------------
def test_follow_and_unfollow(city, neighbour) -> None:
    need = submit(city)
    follower = services.need_follow(actor=neighbour, need=need)
    assert follower.user == neighbour
    assert services.need_follow(actor=neighbour, need=need).pk == follower.pk  # twice: one row
    with pytest.raises(Conflict) as err:
        services.need_follow(actor=city.resident, need=need)
    assert err.value.code == "own_need"
    with pytest.raises(AccessDenied):
        services.need_follow(actor=city.other_resident, need=need)  # another district
    # Staff make a resident follow (entering on their behalf); a resident cannot do it for another.
    with pytest.raises(AccessDenied):  # not a resident of the staff member's community
        services.need_follow(actor=city.staff, need=need, user=neighbour)
    other = UserFactory(name="居民乙")
    MembershipFactory(user=other, org=city.community, role=Role.RESIDENT)
    services.need_follow(actor=city.staff, need=need, user=other)
    assert NeedFollower.objects.filter(need=need, user=other).exists()
    with pytest.raises(AccessDenied):
        services.need_follow(actor=neighbour, need=need, user=city.other_resident)
    assert services.need_unfollow(actor=neighbour, need=need) is True
    assert list(NeedFollower.objects.values_list("user", flat=True)) == [other.pk]


def test_terminal_needs_cannot_be_followed(city, neighbour) -> None:
    need = submit(city)
    services.need_reject(actor=city.staff, need=need, reason="不属实")
    with pytest.raises(Conflict):
        services.need_follow(actor=neighbour, need=need)


# --- triage -------------------------------------------------------------------------------------
def test_accept(city, django_capture_on_commit_callbacks) -> None:
    need = submit(city)
    with django_capture_on_commit_callbacks(execute=True):
        services.need_accept(actor=city.staff, need=need, reason="本周安排", urgency=2)
    need.refresh_from_db()
    assert need.state == S.ACCEPTED and need.urgency == 2
    event = NeedEvent.objects.filter(need=need).last()
    assert (event.from_state, event.to_state, event.actor, event.reason) == (
        S.SUBMITTED,
        S.ACCEPTED,
        city.staff,
        "本周安排",
    )
    assert event.data == {"urgency": [0, 2]}
    assert _told(city.resident, "need.accepted")
    with pytest.raises(Conflict):
        services.need_accept(actor=city.staff, need=need)


@pytest.mark.parametrize("who", ["resident", "other_staff", "student", "league_admin"])
def test_only_the_communitys_staff_triage(city, who) -> None:
    need = submit(city)
    actor = getattr(city, who)
    for call in (
        lambda: services.need_accept(actor=actor, need=need),
        lambda: services.need_reject(actor=actor, need=need, reason="x"),
        lambda: services.need_not_responsible(actor=actor, need=need, reason="x"),
    ):
        with pytest.raises(AccessDenied):
            call()
    need.refresh_from_db()
    assert need.state == S.SUBMITTED and _events(need) == [("", S.SUBMITTED)]


def test_reject_needs_a_reason(city, django_capture_on_commit_callbacks) -> None:
    need = submit(city)
    with pytest.raises(ValidationFailed) as err:
        services.need_reject(actor=city.staff, need=need, reason="  ")
    assert err.value.code == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        services.need_reject(actor=city.staff, need=need, reason="已由物业处理完毕")
    need.refresh_from_db()
    assert need.state == S.REJECTED and _told(city.resident, "need.rejected")
    with pytest.raises(Conflict):
        services.need_accept(actor=city.staff, need=need)


def test_not_responsible_with_referral(city) -> None:
    need = submit(city)
    with pytest.raises(ValidationFailed):
        services.need_not_responsible(actor=city.staff, need=need, reason="")
    services.need_not_responsible(
        actor=city.staff, need=need, reason="路灯归市政管理", refer_to="区城管局"
    )
    event = NeedEvent.objects.filter(need=need).last()
    assert event.to_state == S.NOT_RESPONSIBLE and event.data == {"refer_to": "区城管局"}


def test_duplicate_links_and_moves_followers(
    city, neighbour, django_capture_on_commit_callbacks
) -> None:
    original = submit(city, actor=city.staff, title="3号楼楼道灯不亮")
    duplicate = submit(city, title="楼道灯坏了")
    services.need_follow(actor=neighbour, need=duplicate)
    with django_capture_on_commit_callbacks(execute=True):
        services.need_mark_duplicate(
            actor=city.staff, need=duplicate, original=original, reason="同一问题"
        )
    duplicate.refresh_from_db()
    assert duplicate.state == S.DUPLICATE and duplicate.original == original
    assert set(original.followers.values_list("user", flat=True)) == {
        city.resident.pk,
        neighbour.pk,
    }
    assert NeedFollower.objects.filter(need=duplicate, user=neighbour).exists()  # nothing deleted
    assert NeedEvent.objects.filter(need=duplicate).last().data == {"original": original.pk}
    assert (
        Notification.objects.get(user=city.resident, kind="need.duplicate").url
        == f"/needs/{original.pk}/"
    )


def test_duplicate_refusals(city) -> None:
    a, b = submit(city), submit(city, title="另一件事")
    elsewhere = services.need_submit(actor=city.other_staff, community=city.other_community, **BASE)
    for original, code in ((a, "invalid_original"), (elsewhere, "invalid_original")):
        with pytest.raises(ValidationFailed) as err:
            services.need_mark_duplicate(actor=city.staff, need=a, original=original)
        assert err.value.code == code
    services.need_reject(actor=city.staff, need=b, reason="重复提交")
    with pytest.raises(ValidationFailed):
        services.need_mark_duplicate(actor=city.staff, need=a, original=b)  # the original is closed
    with pytest.raises(Conflict):
        services.need_mark_duplicate(actor=city.staff, need=b, original=a)  # b is already rejected
    a.refresh_from_db()
    assert a.state == S.SUBMITTED and a.original is None


# --- the work -----------------------------------------------------------------------------------
def test_report_done_by_the_volunteer_with_photos(
    city, panel, media_root, django_capture_on_commit_callbacks
) -> None:
    need = in_progress(city)
    with pytest.raises(AccessDenied):
        services.need_report_done(actor=city.student2, need=need, note="做完了")
    with pytest.raises(ValidationFailed) as err:
        services.need_report_done(actor=city.student, need=need, note=" ")
    assert err.value.code == "note_required"
    with django_capture_on_commit_callbacks(execute=True):
        services.need_report_done(
            actor=city.student, need=need, note="已完成", photos=[photo("现场.jpg")]
        )
    need.refresh_from_db()
    assert need.state == S.CLAIMED_DONE
    shot = need.photos.get()
    assert shot.stage == "done" and shot.uploaded_by == city.student
    assert NeedEvent.objects.filter(need=need).last().data == {"photos": [shot.pk]}
    assert _told(city.staff, "need.claimed_done") and _told(panel, "need.claimed_done")
    assert _told(city.resident, "need.progress")


def test_report_done_only_when_in_progress(city) -> None:
    need = submit(city)
    services.need_accept(actor=city.staff, need=need)
    NeedAssignment.objects.create(
        need=need,
        volunteer=city.student,
        source="claim",
        starts_at=window()[0],
        ends_at=window()[1],
        state="accepted",
    )
    with pytest.raises(Conflict):
        services.need_report_done(actor=city.student, need=need, note="做完了")


def test_report_done_by_the_project_groups_manager(city) -> None:
    from qingshe.needs.models import ProjectGroup

    need = in_progress(city)
    group = ProjectGroup.objects.create(
        owner=city.branch,
        name="组",
        goal="g",
        project_type="governance",
        service_field="governance",
    )
    Need.objects.filter(pk=need.pk).update(project_group=group)
    need.refresh_from_db()
    services.need_report_done(actor=city.secretary, need=need, note="项目组已完成")
    assert Need.objects.get(pk=need.pk).state == S.CLAIMED_DONE


def test_verify_with_evidence_by_the_panel(
    city, panel, media_root, django_capture_on_commit_callbacks
) -> None:
    need = reported_done(city)
    with pytest.raises(AccessDenied):
        services.need_verify(actor=city.student, need=need, evidence="我自己验收")
    with pytest.raises(AccessDenied):
        services.need_verify(actor=city.resident, need=need, evidence="好")
    with pytest.raises(ValidationFailed) as err:
        services.need_verify(actor=panel, need=need, evidence="")
    assert err.value.code == "evidence_required"
    with django_capture_on_commit_callbacks(execute=True):
        services.need_verify(
            actor=panel, need=need, evidence="上门查看，居民确认", photos=[photo()]
        )
    need.refresh_from_db()
    assert need.state == S.VERIFIED and need.photos.get().stage == "verified"
    assert _told(city.resident, "need.verified") and _told(city.student, "need.verified")


def test_send_back(city, django_capture_on_commit_callbacks) -> None:
    need = reported_done(city)
    with pytest.raises(ValidationFailed):
        services.need_send_back(actor=city.staff, need=need, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        services.need_send_back(actor=city.staff, need=need, reason="老人说还不会挂号")
    need.refresh_from_db()
    assert need.state == S.IN_PROGRESS and _told(city.student, "need.sent_back")
    with pytest.raises(Conflict):
        services.need_send_back(actor=city.staff, need=need, reason="again")
    # It can be reported done again.
    services.need_report_done(actor=city.student, need=need, note="再次上门")


def test_reopen_by_the_reporter_or_a_follower(
    city, neighbour, django_capture_on_commit_callbacks
) -> None:
    need = verified(city)
    with pytest.raises(AccessDenied):
        services.need_reopen(actor=neighbour, need=need, reason="没解决")
    with pytest.raises(AccessDenied):
        services.need_reopen(actor=city.staff, need=need, reason="没解决")
    with pytest.raises(ValidationFailed):
        services.need_reopen(actor=city.resident, need=need, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        services.need_reopen(actor=city.resident, need=need, reason="还是不会用，没有解决")
    need.refresh_from_db()
    assert need.state == S.IN_PROGRESS
    assert _told(city.student, "need.reopened") and _told(city.staff, "need.reopened")
    assert NeedEvent.objects.filter(need=need).last().data == {"reopened": True}
    with pytest.raises(Conflict):
        services.need_reopen(actor=city.resident, need=need, reason="again")
    # A follower may reopen too, once it is verified again.
    services.need_report_done(actor=city.student, need=need, note="第二次")
    services.need_verify(actor=city.staff, need=need, evidence="回访")
    NeedFollower.objects.create(need=need, user=neighbour)
    services.need_reopen(actor=neighbour, need=need, reason="邻居说还是没修好")


def test_close_only_verified_by_staff(city, panel) -> None:
    need = reported_done(city)
    with pytest.raises(Conflict):
        services.need_close(actor=city.staff, need=need)
    services.need_verify(actor=panel, need=need, evidence="核实")
    with pytest.raises(AccessDenied):
        services.need_close(actor=panel, need=need)
    with pytest.raises(AccessDenied):
        services.need_close(actor=city.resident, need=need)
    services.need_close(actor=city.staff, need=need, reason="办结")
    need.refresh_from_db()
    assert need.state == S.CLOSED
    assert NeedAssignment.objects.get(need=need).state == "done"
    with pytest.raises(Conflict):
        services.need_reopen(actor=city.resident, need=need, reason="没解决")


def test_the_whole_history_is_kept(city) -> None:
    need = verified(city)
    services.need_reopen(actor=city.resident, need=need, reason="没解决")
    services.need_report_done(actor=city.student, need=need, note="再次完成")
    services.need_verify(actor=city.staff, need=need, evidence="回访确认")
    services.need_close(actor=city.staff, need=need)
    assert _events(need) == [
        ("", S.SUBMITTED),
        (S.SUBMITTED, S.ACCEPTED),
        (S.ACCEPTED, S.DISPATCHED),
        (S.DISPATCHED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.CLAIMED_DONE),
        (S.CLAIMED_DONE, S.VERIFIED),
        (S.VERIFIED, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.CLAIMED_DONE),
        (S.CLAIMED_DONE, S.VERIFIED),
        (S.VERIFIED, S.CLOSED),
    ]


def test_a_missing_need_is_not_found(city) -> None:
    need = submit(city)
    Need.objects.filter(pk=need.pk).delete()
    with pytest.raises(NotFound):
        services.need_accept(actor=city.staff, need=need)


# --- photos added later -------------------------------------------------------------------------
def test_photo_add_by_stage(city, media_root) -> None:
    need = submit(city)
    added = services.need_photo_add(actor=city.resident, need=need, photos=[photo()])
    assert added[0].stage == "intake"
    with pytest.raises(AccessDenied):
        services.need_photo_add(actor=city.student, need=need, photos=[photo()])
    with pytest.raises(ValidationFailed):
        services.need_photo_add(actor=city.resident, need=need, photos=[])
    with pytest.raises(AccessDenied):
        services.need_photo_add(actor=city.resident, need=need, photos=[photo()], stage="done")
    assert need.photos.count() == 1
