"""HTML → PDF with WeasyPrint (Django-free).

Fonts come from the system (Debian's fonts-noto-cjk: "Noto Serif CJK SC", "Noto Sans CJK SC"),
and WeasyPrint embeds the glyphs it uses, so Chinese text reads the same on any machine. A PDF
is rendered on a server that may have no internet and holds personal data: nothing is fetched
from the network, only local files and inline `data:` URLs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from weasyprint import HTML
from weasyprint.urls import URLFetcher

LOCAL_SCHEMES = frozenset({"file", "data"})


class LocalOnlyFetcher(URLFetcher):
    """Refuses every URL that is not a local file or inline data (no HTTP, FTP, …)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allowed_protocols=LOCAL_SCHEMES, **kwargs)

    def fetch(self, url: str, headers: Any = None) -> Any:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme not in LOCAL_SCHEMES:
            raise ValueError(f"refusing to fetch {url!r}: PDFs are rendered from local files only")
        return super().fetch(url, headers)


def html_to_pdf(html: str, *, base_url: str | Path) -> bytes:
    """Render `html` (a complete document with its own print CSS) to PDF bytes.

    `base_url` resolves relative links (a directory path or a file:// URL); it must be local.
    """
    base = (
        Path(base_url).resolve().as_uri() + "/"
        if not str(base_url).startswith("file:")
        else str(base_url)
    )
    document = HTML(string=html, base_url=base, url_fetcher=LocalOnlyFetcher())
    pdf = document.write_pdf()
    if pdf is None:  # only when a target is given, which we never do
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf
