"""Certificates of volunteer service: what they state, the signed PDF (its text read back, page 1
rendered to PNG and its QR code scanned), the public verification of genuine, altered, revoked
and unknown codes, key rotation, and the refusals (no hours, outsiders)."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from pypdf import PdfReader

from qingshe.accounts import services as accounts
from qingshe.core.errors import Conflict, NotFound, ValidationFailed
from qingshe.credit import certificates, selectors, services, signing
from qingshe.credit.models import Certificate
from qingshe.credit.selectors import Verdict

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
BASE = "https://qingshe.example.cn"
ID_NUMBER = "350402200501011236"  # checksum-valid


def pdf_text(pdf: bytes) -> str:
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


def render_png(pdf: bytes, name: str, dpi: int = 110) -> Path:
    """Page 1 as a PNG in test-artifacts/ (poppler's pdftoppm, from .ci/run's apt list)."""
    exe = shutil.which("pdftoppm")
    assert exe, "pdftoppm (poppler-utils) is needed"
    ARTIFACTS.mkdir(exist_ok=True)
    src = ARTIFACTS / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [
            exe,
            "-png",
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(src),
            str(ARTIFACTS / name),
        ],
        check=True,
    )
    return ARTIFACTS / f"{name}.png"


def scan_qr(png: Path) -> str:
    """What a phone would read: zbar's decoder on the rendered page (zbar-tools)."""
    exe = shutil.which("zbarimg")
    assert exe, "zbarimg (zbar-tools) is needed"
    out = subprocess.run(
        [exe, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def _period():  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    return today - timedelta(days=30), today


def _issue(city, actor=None):  # type: ignore[no-untyped-def]
    start, end = _period()
    return services.certificate_issue(
        actor=actor or city.student, user=city.student, period_start=start, period_end=end
    )


def test_certificate_states_the_person_service_and_issuer(city, serve, student_profile) -> None:
    accounts.user_set_id_number(actor=city.student, user=city.student, id_number=ID_NUMBER)
    serve(city.student, days_ago=3, minutes=120)
    serve(city.student, days_ago=2, minutes=95)  # 1 h 35 → 1.5 h
    cert = _issue(city, actor=city.department_admin)
    s = cert.statement
    assert s["name"] == "学生甲" and s["id_masked"] == "350402********1236"
    assert ID_NUMBER not in str(s)
    assert s["volunteer_no"] == city.student.volunteer_no
    assert s["hours"] == "3.5" and s["times"] == 2
    assert (
        s["services"][0]["activity"] == "敬老院陪伴" and s["services"][0]["organiser"] == "白沙社区"
    )
    assert s["recording_org"] == "共青团青州学院委员会"
    assert s["issuer"] == "系团委管理员" and s["issued_on"] == timezone.localdate().isoformat()
    assert re.fullmatch(r"QSZM-\d{4}-\d{6}", cert.number) and s["number"] == cert.number
    assert cert.key_id.startswith("dev-") and len(base64.b64decode(cert.signature)) == 64
    assert selectors.certificate_verify(code=cert.code).verdict == Verdict.GENUINE


def test_certificate_pdf_shows_name_and_hours_and_its_qr_code_verifies(
    city, serve, student_profile, client
) -> None:
    serve(city.student, days_ago=3, minutes=120)
    serve(city.student, days_ago=2, minutes=150)
    cert = _issue(city)
    pdf = certificates.certificate_pdf(cert, base_url=BASE)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for expected in [
        "志愿服务证明",
        "学生甲",
        "4.5小时",
        cert.number,
        cert.code,
        "敬老院陪伴",
        "白沙社区",
        "共青团青州学院委员会",
        "特此证明",
    ]:
        assert expected in text, expected
    assert "Certificate" not in text  # Chinese, not the msgids
    png = render_png(pdf, "certificate")
    assert png.stat().st_size > 20_000
    url = scan_qr(png)
    assert url == f"{BASE}/certificates/{cert.code}/verify/"
    page = client.get(url.removeprefix(BASE))
    assert page.status_code == 200
    html = page.content.decode()
    assert "真实有效" in html and "学生甲" in html and "4.5" in html


def test_changing_one_character_of_the_code_fails(city, serve) -> None:
    serve(city.student)
    cert = _issue(city)
    for i in range(len(cert.code)):
        for ch in "0Z":
            if cert.code[i] == ch:
                continue
            altered = cert.code[:i] + ch + cert.code[i + 1 :]
            result = selectors.certificate_verify(code=altered)
            assert not result.genuine and result.statement is None, altered
            assert result.verdict in (Verdict.MALFORMED, Verdict.NOT_FOUND)
    assert selectors.certificate_verify(code=cert.code.lower()).verdict == Verdict.GENUINE
    assert selectors.certificate_verify(code="").verdict == Verdict.MALFORMED
    assert selectors.certificate_verify(code="<script>").verdict == Verdict.MALFORMED


def test_a_code_with_a_valid_check_character_that_was_never_issued_is_not_found(db) -> None:
    code = services.new_code()
    assert selectors.certificate_verify(code=code).verdict == Verdict.NOT_FOUND


@pytest.mark.parametrize(
    ("field", "value"),
    [("hours", "99.0"), ("name", "学生丙"), ("period_end", "2099-01-01"), ("code", "X")],
)
def test_tampered_content_fails_verification(city, serve, field, value) -> None:
    serve(city.student)
    cert = _issue(city)
    statement = dict(cert.statement, **{field: value})
    Certificate.objects.filter(pk=cert.pk).update(statement=statement)
    result = selectors.certificate_verify(code=cert.code)
    assert result.verdict == Verdict.TAMPERED and result.statement is None


def test_a_swapped_signature_or_a_changed_row_code_fails(city, serve) -> None:
    serve(city.student, days_ago=3)
    serve(city.student2, days_ago=3)
    mine = _issue(city)
    start, end = _period()
    other = services.certificate_issue(
        actor=city.student2, user=city.student2, period_start=start, period_end=end
    )
    Certificate.objects.filter(pk=mine.pk).update(signature=other.signature)
    assert selectors.certificate_verify(code=mine.code).verdict == Verdict.TAMPERED
    fresh = services.new_code()
    Certificate.objects.filter(pk=other.pk).update(
        code=fresh
    )  # the statement still names the old code
    assert selectors.certificate_verify(code=fresh).verdict == Verdict.TAMPERED


def test_revoked_certificate_shows_revoked(city, serve) -> None:
    serve(city.student)
    cert = _issue(city)
    with pytest.raises(NotFound):
        services.certificate_revoke(actor=city.student, certificate=cert, reason="自己撤销")
    with pytest.raises(NotFound):
        services.certificate_revoke(actor=city.other_staff, certificate=cert, reason="无权")
    with pytest.raises(ValidationFailed):
        services.certificate_revoke(actor=city.university_admin, certificate=cert, reason=" ")
    services.certificate_revoke(
        actor=city.university_admin, certificate=cert, reason="时长记录有误，已重新出具"
    )
    result = selectors.certificate_verify(code=cert.code)
    assert result.verdict == Verdict.REVOKED and result.genuine and not result.valid
    with pytest.raises(Conflict):
        services.certificate_revoke(actor=city.university_admin, certificate=cert, reason="again")


def test_key_rotation_keeps_old_certificates_verifiable(city, serve, settings) -> None:
    serve(city.student, days_ago=3)
    old_seed = Ed25519PrivateKey.generate()
    old_raw = old_seed.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    old_pub = old_seed.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    settings.QINGSHE_SIGNING_KEYS = f"k2025={base64.b64encode(old_raw).decode()}"
    before = _issue(city)
    assert before.key_id == "k2025"
    new = signing.new_key_spec("k2026")
    # Rotation: the new key signs, the old one stays as a public key that only verifies.
    settings.QINGSHE_SIGNING_KEYS = f"{new},k2025=pub:{base64.b64encode(old_pub).decode()}"
    after = _issue(city)
    assert after.key_id == "k2026"
    assert selectors.certificate_verify(code=before.code).verdict == Verdict.GENUINE
    assert selectors.certificate_verify(code=after.code).verdict == Verdict.GENUINE
    # Dropping the old key entirely leaves its certificates unverifiable: never do that.
    settings.QINGSHE_SIGNING_KEYS = new
    assert selectors.certificate_verify(code=before.code).verdict == Verdict.TAMPERED


@pytest.mark.parametrize(
    "spec", ["k1", "k1=not-base64!", "k1=AAAA", "k1=pub:" + base64.b64encode(b"x" * 32).decode()]
)
def test_bad_signing_key_settings_are_refused(settings, spec) -> None:
    settings.QINGSHE_SIGNING_KEYS = spec
    with pytest.raises(ImproperlyConfigured):
        signing.current_key()


def test_the_dev_key_is_deterministic(settings) -> None:
    settings.QINGSHE_SIGNING_KEYS = ""
    assert signing.current_key().public_b64 == signing.dev_key().public_b64
    assert signing.current_key().key_id == signing.dev_key().key_id


def test_production_settings_refuse_to_start_without_a_signing_key(tmp_path) -> None:
    import os
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QINGSHE_SIGNING_KEYS", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="prod-like",
        QINGSHE_FIELD_KEY="prod-like",
        QINGSHE_VAR_DIR=str(tmp_path),
    )
    code = "import qingshe.settings"
    refused = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert refused.returncode != 0 and "QINGSHE_SIGNING_KEYS" in refused.stderr
    env["QINGSHE_SIGNING_KEYS"] = signing.new_key_spec("prod-1")
    started = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert started.returncode == 0, started.stderr


def test_a_period_without_hours_is_refused_and_nothing_is_written(city, serve) -> None:
    serve(city.student, days_ago=2)
    long_ago = timezone.localdate() - timedelta(days=400)
    with pytest.raises(ValidationFailed) as exc:
        services.certificate_issue(
            actor=city.student,
            user=city.student,
            period_start=long_ago,
            period_end=long_ago + timedelta(days=30),
        )
    assert exc.value.code == "no_hours" and "没有" in str(exc.value.message)
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as exc:
        services.certificate_issue(
            actor=city.student,
            user=city.student,
            period_start=today,
            period_end=today - timedelta(days=1),
        )
    assert exc.value.code == "invalid_period"
    with pytest.raises(ValidationFailed) as exc:
        services.certificate_issue(
            actor=city.student,
            user=city.student,
            period_start=today,
            period_end=today + timedelta(days=1),
        )
    assert exc.value.code == "future_period"
    assert Certificate.objects.count() == 0


def test_only_the_person_or_an_admin_over_them_may_ask(city, serve) -> None:
    serve(city.student)
    start, end = _period()
    for outsider in (city.student2, city.staff, city.secretary, city.other_staff):
        with pytest.raises(NotFound):
            services.certificate_issue(
                actor=outsider, user=city.student, period_start=start, period_end=end
            )
    for admin in (city.department_admin, city.university_admin, city.league_admin):
        assert services.certificate_issue(
            actor=admin, user=city.student, period_start=start, period_end=end
        ).pk
    assert Certificate.objects.filter(user=city.student).count() == 3


def test_a_correction_after_issue_does_not_change_the_certificate(city, serve) -> None:
    from qingshe.duty import services as duty

    attendance = serve(city.student, minutes=120)
    cert = _issue(city)
    correction = duty.correction_request(
        actor=city.student,
        attendance=attendance,
        new_start=attendance.confirmed_start,
        new_end=attendance.confirmed_end + timedelta(minutes=60),
        reason="补录",
    )
    duty.correction_decide(actor=city.staff, correction=correction, approve=True)
    services.ledger_post_correction(correction=correction, actor=city.staff)
    assert selectors.certificate_verify(code=cert.code).statement["hours"] == "2.0"
    assert Decimal(_issue(city).statement["hours"]) == Decimal("3.0")


def test_access_denied_is_not_used_for_outsiders(city, serve) -> None:
    serve(city.student)
    cert = _issue(city)
    with pytest.raises(NotFound):
        selectors.certificate_get_for_user(user=city.student2, code=cert.code)
    assert (
        selectors.certificate_get_for_user(user=city.department_admin, code=cert.code).pk == cert.pk
    )
