"""HTML to PDF with WeasyPrint, reading no file but those beside the HTML's stylesheet.

WeasyPrint fetches stylesheets and images through a URL fetcher; the one here opens only
files under ``base_dir`` and ``data:`` URIs (their content is in the document itself, as
for server-drawn charts) and fails the whole rendering on anything else, so a document
never reaches the network or another file, and never comes out silently unstyled.

WeasyPrint is imported on first use: it loads Pango through cffi (Debian:
libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz-subset0, and fonts), which costs ~0.6 s
and is needed only where a PDF is made. Knows no app.
"""

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname


class PdfError(Exception):
    """A document that could not be made: a refused or missing resource, or bad input."""


def html_to_pdf(html: str, *, base_dir: Path) -> bytes:
    """The PDF of ``html``; relative links resolve in ``base_dir``, the only files read."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    root = base_dir.resolve()
    try:
        document = weasyprint.HTML(
            string=html, base_url=root.as_uri() + "/", url_fetcher=_local_fetcher(root)
        )
        pdf = document.write_pdf()
    except FatalURLFetchingError as error:
        raise PdfError(str(error)) from error.__cause__
    if not isinstance(pdf, bytes):
        raise PdfError("WeasyPrint made no PDF.")
    return pdf


def is_inside(url: str, root: Path) -> bool:
    """Whether ``url`` is a file: URL naming a file under ``root`` (after resolving ..)."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    return Path(url2pathname(parts.path)).resolve().is_relative_to(root)


def _local_fetcher(root: Path) -> Any:
    from weasyprint.urls import URLFetcher

    class LocalFilesOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not (url.startswith("data:") or is_inside(url, root)):
                raise PermissionError(f"Only files under {root} may be read, not {url}")
            return super().fetch(url, headers)

    return LocalFilesOnly(fail_on_errors=True, allowed_protocols=("file", "data"))
