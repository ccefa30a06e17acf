"""The pairing's agreement and appointment letter as PDFs: Chinese text, embedded CJK font,
digital confirmation block, escaping, and refusal before approval."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from qingshe.core.errors import Conflict
from qingshe.orgs.models import OrgKind, Role
from qingshe.orgs.tests.factories import MembershipFactory, OrganisationFactory
from qingshe.programmes import documents, services
from qingshe.programmes.models import Pairing

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def _proposed(city, programme, unit=None, community=None) -> Pairing:  # type: ignore[no-untyped-def]
    return services.pairing_propose(
        actor=city.league_admin,
        programme=programme,
        unit=unit or city.branch,
        community=community or city.community,
        term_start=date(2026, 9, 1),
        term_end=date(2027, 7, 1),
    )


def _approved(city, programme, **kw) -> Pairing:  # type: ignore[no-untyped-def]
    return services.pairing_approve(
        actor=city.league_admin, pairing=_proposed(city, programme, **kw)
    )


def _text(pdf: bytes) -> str:
    """The PDF's text without whitespace (letter-spaced titles come out as "结 对 共 建")."""
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


def _has_cjk_font(pdf: bytes) -> bool:
    names = {name.replace("-", "") for name in _font_names(pdf)}
    return any("NotoSerifCJK" in name or "NotoSansCJK" in name for name in names)


def _font_names(pdf: bytes) -> set[str]:
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont", "")))
            for descendant in font.get("/DescendantFonts", []) or []:
                names.add(str(descendant.get_object().get("/BaseFont", "")))
    return names


def _keep(name: str, pdf: bytes) -> None:
    """Keep the rendered PDF for a human look (test-artifacts/ is ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(pdf)


def test_agreement_pdf_names_both_sides_programme_term_and_number(city, programme) -> None:
    pairing = _approved(city, programme)
    pdf = documents.agreement_pdf(pairing)
    _keep("agreement-approved.pdf", pdf)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for expected in [
        "结对共建协议书",
        "白沙社区",  # 甲方
        "白沙街道",  # its street
        "2024级旅游管理班团支部",  # 乙方
        "共青团青州学院经济管理系委员会",  # its department
        "共青团青州学院委员会",  # and university
        "共青团青州市委员会",  # the organiser
        "大学生社区实践计划",
        "2026年9月1日",
        "2027年7月1日",
        "就近就便",
        "每月不少于2次",
        "社区居委会主任助理",
        "工作情况反馈表",
        "市团委管理员",  # who approved
        "待确认",  # neither side has confirmed yet
        "本协议经双方在青社平台确认生效",
        f"QS-PAIR-2026-{pairing.pk:06d}",
    ]:
        assert expected.replace(" ", "") in text, expected
    # the document is Chinese, not the English msgids
    assert "Party" not in text and "Duties" not in text


def test_agreement_embeds_a_noto_cjk_font(city, programme) -> None:
    pdf = documents.agreement_pdf(_approved(city, programme))
    assert _has_cjk_font(pdf), _font_names(pdf)


def test_agreement_shows_who_confirmed_for_each_side_and_when(city, programme) -> None:
    pairing = _approved(city, programme)
    services.pairing_confirm(actor=city.secretary, pairing=pairing, side="unit")
    pairing = services.pairing_confirm(actor=city.staff, pairing=pairing, side="community")
    assert pairing.state == Pairing.State.ACTIVE
    pdf = documents.agreement_pdf(pairing)
    _keep("agreement-active.pdf", pdf)
    text = _text(pdf)
    assert "团支书" in text and "社区工作者" in text
    assert "待确认" not in text
    assert "生效" in text


def test_ended_pairing_still_has_its_documents(city, programme) -> None:
    pairing = services.pairing_end(
        actor=city.league_admin, pairing=_approved(city, programme), reason="期满"
    )
    assert documents.agreement_pdf(pairing).startswith(b"%PDF")


def test_appointment_letter_names_the_secretary_post_community_and_term(city, programme) -> None:
    pairing = _approved(city, programme)
    pdf = documents.appointment_letter_pdf(pairing)
    _keep("appointment-letter.pdf", pdf)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for expected in [
        "聘",
        "团支书",  # the secretary
        "白沙社区",
        "白沙社区居民委员会主任助理",
        "2026年9月1日",
        "2027年7月1日",
        "2024级旅游管理班团支部",
        "共青团青州市委员会",
        f"QS-APPT-2026-{pairing.pk:06d}",
        f"QS-PAIR-2026-{pairing.pk:06d}",
    ]:
        assert expected.replace(" ", "") in text, expected
    assert _has_cjk_font(pdf), _font_names(pdf)


def test_appointment_letter_needs_a_recorded_secretary(city, programme) -> None:
    pairing = _approved(city, programme, unit=city.branch2)  # branch2 has no secretary
    with pytest.raises(Conflict) as exc:
        documents.appointment_letter_pdf(pairing)
    assert exc.value.code == "no_secretary"
    assert "2024级会计学班团支部" in str(exc.value.message)


@pytest.mark.parametrize("make", [documents.agreement_pdf, documents.appointment_letter_pdf])
def test_proposed_or_rejected_pairing_has_no_documents(city, programme, make) -> None:  # type: ignore[no-untyped-def]
    pairing = _proposed(city, programme)
    with pytest.raises(Conflict) as exc:
        make(pairing)
    assert exc.value.code == "not_approved"
    pairing = services.pairing_reject(actor=city.league_admin, pairing=pairing, reason="距离太远")
    with pytest.raises(Conflict):
        make(pairing)


def test_names_with_html_are_text_not_markup(city, programme) -> None:
    evil_branch = OrganisationFactory(
        kind=OrgKind.CLASS_BRANCH, name="<script>alert(1)</script>班团支部", parent=city.department
    )
    evil_secretary = MembershipFactory(
        user=city.student2, org=evil_branch, role=Role.BRANCH_SECRETARY
    ).user
    evil_secretary.name = "<b>王</b>"
    evil_secretary.save(update_fields=["name"])
    pairing = _approved(city, programme, unit=evil_branch)

    html = documents.agreement_html(pairing)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>班团支部" in _text(documents.agreement_pdf(pairing))

    html = documents.appointment_letter_html(pairing)
    assert "<b>王</b>" not in html and "&lt;b&gt;王&lt;/b&gt;" in html
    assert "<b>王</b>" in _text(documents.appointment_letter_pdf(pairing))


def test_pdf_rendering_fetches_nothing_from_the_network() -> None:
    from qingshe.lib.pdf import LocalOnlyFetcher, html_to_pdf

    with pytest.raises(ValueError, match="local files only"):
        LocalOnlyFetcher().fetch("https://example.com/logo.png")
    # a remote image is refused (and skipped), the PDF is still made
    pdf = html_to_pdf('<p>青社</p><img src="http://192.0.2.1/x.png">', base_url="/nonexistent")
    assert pdf.startswith(b"%PDF")
