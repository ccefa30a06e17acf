"""Training records (a course's page) and insurance policies export what the page shows to Excel:
the course's own records, the policies of the organisations the person looks after; a person
outside gets none of the rows."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.urls import reverse
from django.utils import timezone

from qingshe.core.tests.export_helpers import sheet
from qingshe.duty import services
from qingshe.duty.models import TrainingCourse


def test_training_records_export_is_the_course_records(
    client: Any, city: SimpleNamespace, duty: SimpleNamespace
) -> None:
    today = timezone.localdate()
    other = TrainingCourse.objects.create(name="入户走访", topic="door_to_door", org=city.community)
    services.training_record(
        actor=city.staff, course=duty.course, user=city.student, completed_on=today
    )
    services.training_record(
        actor=city.staff,
        course=duty.course,
        user=city.student2,
        completed_on=today - timedelta(days=3),
    )
    services.training_record(
        actor=city.staff, course=other, user=city.secretary, completed_on=today
    )
    url = reverse("duty:course", args=[duty.course.pk])
    client.force_login(city.staff)
    assert "export=xlsx" in client.get(url).content.decode()
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0][:3] == ["姓名", "志愿者编号", "课程"]
    # the page's rows, in its order (latest completion first), this course only
    assert [r[0] for r in rows[1:]] == [city.student.name, city.student2.name]
    assert {r[2] for r in rows[1:]} == {"社区急救"}
    assert rows[1][1] == city.student.volunteer_no
    # someone who does not manage the course: the page's own 404, no file
    client.force_login(city.other_staff)
    answer = client.get(url, {"export": "xlsx"})
    assert answer.status_code == 404 and not answer.get("Content-Disposition")


def test_insurance_export_is_the_policies_in_scope(
    client: Any, city: SimpleNamespace, duty: SimpleNamespace
) -> None:
    today = timezone.localdate()
    services.insurance_policy_add(
        actor=city.staff,
        holder=city.community,
        insurer="平安",
        policy_no="PA-001",
        valid_from=today - timedelta(days=400),
        valid_to=today - timedelta(days=35),
        covered=[city.student],
    )
    services.insurance_policy_add(
        actor=city.other_staff,
        holder=city.other_community,
        insurer="人保",
        policy_no="RB-009",
        valid_from=today,
        valid_to=today + timedelta(days=30),
        covered=[],
    )
    url = reverse("duty:insurance")
    client.force_login(city.league_admin)
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert rows[0][:2] == ["保险公司", "保单号"]
    numbers = [r[1] for r in rows[1:]]
    assert "QZ-2026-001" in numbers and "PA-001" in numbers
    by_no = {r[1]: r for r in rows[1:]}
    assert by_no["QZ-2026-001"][5] == 3 and by_no["PA-001"][6] == "是"
    # the community's staff: their community's policy only, as on the page
    client.force_login(city.staff)
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert [r[1] for r in rows[1:]] == ["PA-001"]
    # the other community's staff: none of these rows
    client.force_login(city.other_staff)
    rows = sheet(client.get(url, {"export": "xlsx"}))
    assert [r[1] for r in rows[1:]] == ["RB-009"]
