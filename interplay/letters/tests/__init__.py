"""Letters' tests. ``pdf_text`` reads a PDF as a person reading it would (pypdf)."""

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """Every page's text, with runs of whitespace (line wraps) made single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
