"""The demo city's volunteer records: every confirmed attendance in the ledger and the check
clean; the student login's certificate PDF, looked at as an image, shows their Chinese name and
hours; scanning its QR code verifies it; one changed character fails; an edit behind the
services' back is found; removed by the demo's reset."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum
from django.test import Client

from qingshe.credit import certificates, selectors
from qingshe.credit.models import Award, Certificate, Evaluation, LedgerEntry
from qingshe.credit.tests.test_certificates import pdf_text, render_png, scan_qr
from qingshe.demo.builder import build_demo, reset_demo
from qingshe.duty.models import Attendance

TODAY = date(2026, 11, 22)
BASE = "https://qingshe.example.cn"


@pytest.mark.django_db
def test_demo_records_certificate_qr_and_ledger_check() -> None:
    ctx = build_demo(seed=2026, size=0.2, today=TODAY, log=lambda _line: None)
    confirmed = Attendance.objects.filter(state=Attendance.State.CONFIRMED)
    assert confirmed.exists()
    assert not confirmed.exclude(ledger_entries__isnull=False).exists()  # all in the ledger
    ledger_total = LedgerEntry.objects.aggregate(t=Sum("hours"))["t"]
    assert ledger_total == confirmed.aggregate(t=Sum("credited_hours"))["t"]
    out = StringIO()
    call_command("check-ledgers", stdout=out)
    assert "0 problem(s)" in out.getvalue()

    student = ctx.logins["student"]
    assert (
        Award.objects.filter(user=student).exists()
        and Evaluation.objects.filter(user=student).exists()
    )
    cert = Certificate.objects.get(user=student)
    hours = cert.statement["hours"]
    assert Decimal(hours) > 0
    pdf = certificates.certificate_pdf(cert, base_url=BASE)
    text = pdf_text(pdf)
    assert student.name in text and f"{hours}小时" in text and "王浩然" in text
    png = render_png(pdf, "demo-certificate")  # test-artifacts/demo-certificate.png
    url = scan_qr(png)
    assert url == f"{BASE}/certificates/{cert.code}/verify/"
    page = Client().get(url.removeprefix(BASE)).content.decode()
    assert "真实有效" in page and student.name in page and hours in page

    altered = cert.code[:5] + ("X" if cert.code[5] != "X" else "Y") + cert.code[6:]
    assert not selectors.certificate_verify(code=altered).genuine
    assert Client().get(f"/certificates/{altered}/verify/").status_code == 404

    entry = LedgerEntry.objects.filter(user=student).order_by("seq").first()
    table = LedgerEntry._meta.db_table
    with connection.cursor() as cursor:  # an edit behind the services' back
        cursor.execute(f"UPDATE {table} SET hours = hours + 1 WHERE id = %s", [entry.pk])  # noqa: S608
    with pytest.raises(CommandError):
        call_command("check-ledgers", stdout=(out := StringIO()))
    assert f"person {student.pk} entry #{entry.seq}: hash_mismatch" in out.getvalue()

    reset_demo()
    assert not LedgerEntry.objects.exists() and not Certificate.objects.exists()
