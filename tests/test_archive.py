"""The searchable PDF archive: page image plus an invisible text layer that extracts and sits on the ink."""

from __future__ import annotations

import io
import sys

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from pdfminer.pdftypes import resolve1
from PIL import Image

from pipeline.errors import MissingDependencyError
from pipeline.text import archive
from pipeline.text.archive import ArchiveError, ArchivePage, build_searchable_pdf, to_pdfa
from pipeline.text.ocr.base import OcrLine
from tests.conftest import RESOURCES, truth_text

DPI = 300
# Ink extents measured on scan_small.png (red mark excluded), padded by a few pixels.
SCAN_SMALL_BBOXES = [(100, 90, 805, 138), (100, 170, 291, 218), (100, 250, 860, 303), (100, 330, 760, 378)]
SECOND_PAGE_LINES = [
    OcrLine("附：签名名单", 95.0, (100, 90, 365, 138)),
    OcrLine("王德明李秀英赵国强陈玉兰", 95.0, (100, 170, 662, 218)),
    OcrLine("共四十二户签名，名单另附。", 95.0, (100, 250, 655, 300)),
]


@pytest.fixture
def scan() -> Image.Image:
    with Image.open(RESOURCES / "letters" / "scan_small.png") as img:
        img.load()
        return img


@pytest.fixture
def scan_lines() -> list[OcrLine]:
    texts = truth_text("scan_small.png").splitlines()
    assert len(texts) == len(SCAN_SMALL_BBOXES)
    return [OcrLine(text, 95.0, bbox) for text, bbox in zip(texts, SCAN_SMALL_BBOXES)]


@pytest.fixture
def archived(tmp_path, scan, scan_lines):
    out = tmp_path / "letter.pdf"
    build_searchable_pdf([ArchivePage(scan, DPI, scan_lines)], out, title="关于柳河镇的反映")
    return out


def compact(text: str) -> str:
    return "".join(text.split())


def chars_by_line(page, lines: list[OcrLine]) -> list[list[dict]]:
    """pdfplumber's characters in content order, cut into the lines they were drawn from."""
    chars = [c for c in page.chars if c["text"].strip()]
    out, start = [], 0
    for line in lines:
        n = len(compact(line.text))
        out.append(chars[start:start + n])
        start += n
    assert start == len(chars)
    return out


def assert_chars_inside_bboxes(page, lines: list[OcrLine], dpi: int) -> None:
    scale = 72 / dpi
    for line, chars in zip(lines, chars_by_line(page, lines)):
        left, top, right, bottom = (v * scale for v in line.bbox)
        assert "".join(c["text"] for c in chars) == compact(line.text)
        for c in chars:
            assert left - 0.5 <= c["x0"] < c["x1"] <= right + 0.5, (c["text"], line.bbox)
            assert top - 0.5 <= c["top"] < c["bottom"] <= bottom + 0.5, (c["text"], line.bbox)
        # The glyph run is stretched across the whole bbox, so a search hit
        # highlights the word where it is on the scan.
        assert chars[0]["x0"] == pytest.approx(left, abs=0.5)
        assert chars[-1]["x1"] == pytest.approx(right, abs=0.5)


def render(pdf_path, page_index: int, dpi: int, size: tuple[int, int]) -> np.ndarray:
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        bitmap = pdf[page_index].render(scale=dpi / 72)
        return np.asarray(bitmap.to_pil().convert("L").crop((0, 0, *size)), dtype=float)
    finally:
        pdf.close()


def test_text_layer_extracts_the_lines_without_added_spaces(archived, scan_lines):
    with pdfplumber.open(archived) as pdf:
        text = pdf.pages[0].extract_text()
    assert compact(text) == "".join(line.text for line in scan_lines)
    assert text.splitlines() == [line.text for line in scan_lines]


def test_page_size_is_the_image_at_its_dpi(archived, scan):
    with pdfplumber.open(archived) as pdf:
        page = pdf.pages[0]
        assert page.width == pytest.approx(scan.width * 72 / DPI, abs=0.01)
        assert page.height == pytest.approx(scan.height * 72 / DPI, abs=0.01)


def test_characters_sit_inside_their_line_bboxes(archived, scan_lines):
    with pdfplumber.open(archived) as pdf:
        assert_chars_inside_bboxes(pdf.pages[0], scan_lines, DPI)


def test_text_is_invisible_and_the_page_shows_the_scan(archived, scan):
    with pdfplumber.open(archived) as pdf:
        page = pdf.pages[0]
        content = b"".join(resolve1(stream).get_data() for stream in _contents(page))
        (image,) = page.images
        assert (image["srcsize"], image["stream"]["Filter"].name) == (scan.size, "DCTDecode")
        assert (image["x0"], image["top"]) == (0, 0)
        assert image["x1"] == pytest.approx(page.width) and image["bottom"] == pytest.approx(page.height)
    assert b"3 Tr" in content  # render mode 3: neither filled nor stroked
    shown = render(archived, 0, DPI, scan.size)
    assert np.abs(shown - np.asarray(scan.convert("L"), dtype=float)).mean() < 6  # JPEG noise only


def test_bilevel_scan_is_stored_as_ccitt_g4_with_black_ink(tmp_path, scan, scan_lines):
    bilevel = scan.convert("L").point(lambda v: 255 if v > 160 else 0).convert("1")
    out = tmp_path / "bilevel.pdf"
    build_searchable_pdf([ArchivePage(bilevel, DPI, scan_lines)], out)
    with pdfplumber.open(out) as pdf:
        (image,) = pdf.pages[0].images
        assert image["stream"]["Filter"].name == "CCITTFaxDecode"
        assert len(image["stream"].get_rawdata()) < 8_000  # 1-bit G4, not 8-bit Flate
    shown = render(out, 0, DPI, scan.size) < 128
    source = np.asarray(bilevel.convert("L")) < 128
    assert abs(int(shown.sum()) - int(source.sum())) < 0.02 * source.sum()  # same ink, not inverted


def test_source_jpeg_is_embedded_unchanged_and_a_mismatch_is_re_encoded(tmp_path, scan, scan_lines):
    buffer = io.BytesIO()
    scan.save(buffer, format="JPEG", quality=60)
    jpeg = buffer.getvalue()
    with Image.open(io.BytesIO(jpeg)) as decoded:
        decoded.load()
    out = tmp_path / "photo.pdf"
    build_searchable_pdf([ArchivePage(decoded, DPI, scan_lines, source_jpeg=jpeg),
                          ArchivePage(scan.crop((0, 0, 1700, 400)), DPI, [], source_jpeg=jpeg)], out)
    with pdfplumber.open(out) as pdf:
        kept, re_encoded = (page.images[0]["stream"].get_rawdata() for page in pdf.pages)
        assert compact(pdf.pages[0].extract_text()) == "".join(line.text for line in scan_lines)
    assert kept == jpeg
    assert re_encoded != jpeg and re_encoded.startswith(b"\xff\xd8")  # wrong size: the page's own pixels


def test_two_page_archive_keeps_page_order(tmp_path, scan_lines):
    with Image.open(RESOURCES / "letters" / "scan_two_pages.tiff") as tiff:
        frames = []
        for index in range(tiff.n_frames):
            tiff.seek(index)
            frames.append(tiff.copy())
    out = tmp_path / "two.pdf"
    build_searchable_pdf([ArchivePage(frames[0], DPI, scan_lines), ArchivePage(frames[1], DPI, SECOND_PAGE_LINES)],
                         out)
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 2
        texts = [compact(page.extract_text()) for page in pdf.pages]
        assert pdf.pages[1].height == pytest.approx(frames[1].height * 72 / DPI, abs=0.01)
        assert_chars_inside_bboxes(pdf.pages[1], SECOND_PAGE_LINES, DPI)
    assert texts == ["".join(line.text for line in scan_lines), "".join(line.text for line in SECOND_PAGE_LINES)]
    assert compact("".join(texts)) == compact(truth_text("scan_two_pages.tiff"))


def test_metadata_names_title_producer_and_date(archived):
    with pdfplumber.open(archived) as pdf:
        meta = pdf.metadata
    assert meta["Title"] == "关于柳河镇的反映"
    assert meta["Producer"] == "Lianming"
    assert meta["CreationDate"].startswith("D:20")


def test_real_tesseract_lines_land_on_the_ink(tmp_path, scan):
    from pipeline.text.ocr.tesseract import TesseractEngine

    try:
        lines = TesseractEngine().recognize(scan.convert("L"), dpi=DPI).lines
    except MissingDependencyError as exc:
        pytest.skip(str(exc))
    out = tmp_path / "ocr.pdf"
    build_searchable_pdf([ArchivePage(scan, DPI, lines)], out)
    with pdfplumber.open(out) as pdf:
        assert compact(pdf.pages[0].extract_text()) == compact("".join(line.text for line in lines))
        assert_chars_inside_bboxes(pdf.pages[0], lines, DPI)


def test_characters_missing_from_the_font_become_a_visible_marker_not_nul(tmp_path):
    out = tmp_path / "rare.pdf"
    build_searchable_pdf([ArchivePage(Image.new("L", (600, 100), 255), DPI, [OcrLine("𠀀字", 90.0, (10, 10, 300, 60))])],
                         out)
    with pdfplumber.open(out) as pdf:
        assert compact(pdf.pages[0].extract_text()) == "〓字"


def test_write_is_atomic_and_a_failure_keeps_the_old_file(tmp_path, scan, scan_lines):
    out = tmp_path / "letter.pdf"
    out.write_bytes(b"old archive")
    with pytest.raises(ArchiveError, match="dpi"):
        build_searchable_pdf([ArchivePage(scan, 0, scan_lines)], out)
    assert out.read_bytes() == b"old archive"
    build_searchable_pdf([ArchivePage(scan, DPI, scan_lines)], out)
    assert out.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["letter.pdf"]  # no temporary left behind
    with pytest.raises(ArchiveError):
        build_searchable_pdf([], out)


def test_missing_font_names_the_debian_package(tmp_path, monkeypatch, scan):
    archive.cjk_text_font.cache_clear()
    monkeypatch.setattr(archive, "TEXT_FONT_PATH", tmp_path / "no-such-font.ttc")
    try:
        with pytest.raises(MissingDependencyError, match="fonts-wqy-zenhei"):
            build_searchable_pdf([ArchivePage(scan, DPI, [])], tmp_path / "x.pdf")
    finally:
        archive.cjk_text_font.cache_clear()


def test_pdfa_keeps_the_text_layer_and_validates(archived, scan_lines, tmp_path):
    # exc_type: pikepdf.pdfa raises a plain ImportError when its extra's packages are missing.
    pytest.importorskip("pikepdf.pdfa", reason="PDF/A needs pikepdf with its pdfa extra: pip install 'pikepdf[pdfa]'",
                        exc_type=ImportError)
    import pikepdf.pdfa

    out = tmp_path / "letter_pdfa.pdf"
    assert to_pdfa(archived, out) is True
    assert pikepdf.pdfa.validate_written(out, "2b").passed
    with pdfplumber.open(out) as pdf:
        assert pdf.metadata["Producer"] == "Lianming"
        assert len(pdf.pages[0].images) == 1
        assert compact(pdf.pages[0].extract_text()) == "".join(line.text for line in scan_lines)
        assert_chars_inside_bboxes(pdf.pages[0], scan_lines, DPI)


def test_pdfa_reports_false_when_pikepdf_is_missing(archived, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pikepdf", None)  # makes "import pikepdf" raise ImportError
    monkeypatch.setitem(sys.modules, "pikepdf.pdfa", None)
    assert to_pdfa(archived, tmp_path / "letter_pdfa.pdf") is False
    assert not (tmp_path / "letter_pdfa.pdf").exists()


def _contents(page) -> list:
    contents = resolve1(page.page_obj.attrs["Contents"])
    return contents if isinstance(contents, list) else [contents]
