"""HTML to PDF reads its own stylesheet and nothing else."""

import base64
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from interplay.lib.pdf import PdfError, html_to_pdf, is_inside


def test_it_makes_a_pdf_styled_by_the_file_beside_it(tmp_path: Path) -> None:
    (tmp_path / "print.css").write_text("@page { size: A5; }")
    pdf = html_to_pdf('<link rel="stylesheet" href="print.css"><p>Hello</p>', base_dir=tmp_path)
    assert pdf.startswith(b"%PDF-")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(page.mediabox.width), round(page.mediabox.height)) == (420, 595)  # A5


@pytest.mark.parametrize(
    "link",
    [
        "../outside.css",
        "file:///etc/hostname",
        "http://127.0.0.1:9/tracker.css",
        "https://example.org/x.css",
        "missing.css",
    ],
)
def test_anything_but_a_file_beside_it_stops_the_document(tmp_path: Path, link: str) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "outside.css").write_text("p { color: red; }")
    with pytest.raises(PdfError):
        html_to_pdf(f'<link rel="stylesheet" href="{link}"><p>Hello</p>', base_dir=inner)


def test_an_image_inside_the_document_as_a_data_uri_is_drawn(tmp_path: Path) -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<rect width="10" height="10" fill="#7c2855"/></svg>'
    )
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    pdf = html_to_pdf(f'<img src="{uri}" alt="A square">', base_dir=tmp_path)
    drawn = PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert drawn is not None
    assert b"0.486275 0.156863 0.333333 rg" in drawn.get_data()  # the square's plum fill


def test_inside_means_under_the_folder_after_dots_are_resolved(tmp_path: Path) -> None:
    assert is_inside((tmp_path / "a.css").as_uri(), tmp_path)
    assert not is_inside((tmp_path / ".." / "a.css").as_uri(), tmp_path)
    assert not is_inside("data:text/css,p{}", tmp_path)
