"""The certificate of volunteer service (志愿服务证明) as an A4 PDF.

Rendered in Chinese (the document's language, whatever the reader's interface language) from
the signed statement alone, so the PDF says exactly what the verification page and the API say.
It carries a QR code of the public verification URL, the certificate number, the code, the
signing key's id and the signature itself, so that a reader can check it on the page or offline
against the platform's published public key.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import segno
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from qingshe.credit import signing
from qingshe.credit.models import Certificate
from qingshe.lib.pdf import html_to_pdf

DOCUMENT_LANGUAGE = "zh-hans"
TEMPLATES_DIR = Path(__file__).parent / "templates" / "credit" / "pdf"


def verify_path(code: str) -> str:
    return reverse("certificate_verify", args=[code])


def verify_url(code: str, *, base_url: str) -> str:
    """The absolute URL the QR code opens; `base_url` is the site's scheme and host."""
    return base_url.rstrip("/") + verify_path(code)


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0, dark="#111")


def _dates(statement: dict[str, Any]) -> dict[str, Any]:
    out = dict(statement)
    for key in ("period_start", "period_end", "issued_on"):
        out[key] = date.fromisoformat(statement[key])
    out["services"] = [
        {**row, "from": date.fromisoformat(row["from"]), "to": date.fromisoformat(row["to"])}
        for row in statement.get("services", [])
    ]
    return out


def certificate_html(cert: Certificate, *, base_url: str) -> str:
    url = verify_url(cert.code, base_url=base_url)
    key = signing.key_by_id(cert.key_id)
    context = {
        "cert": cert,
        "s": _dates(cert.statement),
        "verify_url": url,
        "qr": qr_data_uri(url),
        "public_key": key.public_b64 if key else "",
    }
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string("credit/pdf/certificate.html", context)


def certificate_pdf(cert: Certificate, *, base_url: str) -> bytes:
    return html_to_pdf(certificate_html(cert, base_url=base_url), base_url=TEMPLATES_DIR)
