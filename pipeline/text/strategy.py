"""The text stage: per page, use the PDF text layer or OCR, and say why.

Strategy (explicit, logged per page): a PDF page whose text layer holds real
text is read from it; any other page — an image, a scanned PDF page, a page
whose "text" is unmapped glyphs or a few stray characters — is rendered and
OCR'd. The reason is stored on the page as ``strategy_note``.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from pipeline.errors import OcrEngineError
from pipeline.text.cjk import remove_cjk_spaces, tidy_lines
from pipeline.text.archive import ArchivePage
from pipeline.text.ocr.base import OcrEngine, OcrLine, OcrResult
from pipeline.text.tables import find_tables, merge_table_lines, read_table
from pipeline.text.pages import PageInput, open_pages
from pipeline.text.prepare import DEFAULT_STEPS, prepare_for_ocr

log = logging.getLogger(__name__)

PDF_TEXT = "pdf_text"
_CID = re.compile(r"\(cid:\d+\)")
# Characters a real letter is made of: CJK, CJK punctuation, full-width forms,
# ASCII printable. Anything else in quantity means a broken font encoding.
_PLAUSIBLE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\x20-\x7e\u2014-\u2026\u00b7]")


@dataclass(frozen=True)
class PageText:
    page_no: int
    text: str
    text_source: str
    strategy_note: str
    confidence: float | None
    width_px: int | None = None
    height_px: int | None = None
    dpi: int | None = None
    seconds: float = 0.0
    lines: list[dict] | None = None
    # The page as scanned with its OCR lines, for the searchable archive PDF;
    # held in memory only until the letter's archive is written.
    archive: ArchivePage | None = field(default=None, repr=False, compare=False)


def judge_text_layer(text: str | None, *, min_chars: int) -> tuple[bool, str]:
    """Is this text layer real text? Returns (use_it, reason)."""
    if text is None:
        return False, "image file: no text layer"
    compact = "".join(text.split())
    if not compact:
        return False, "PDF page has no text layer (a scan)"
    cids = len(_CID.findall(compact))
    if cids:
        return False, f"text layer has {cids} unmapped glyphs (cid:..) — font without Unicode map"
    if len(compact) < min_chars:
        return False, f"text layer holds only {len(compact)} characters (< {min_chars}); treated as a scan"
    plausible = sum(1 for ch in compact if _PLAUSIBLE.match(ch)) / len(compact)
    if plausible < 0.9:
        return False, f"text layer is {100 * (1 - plausible):.0f}% implausible characters — broken encoding"
    return True, f"text layer holds {len(compact)} characters of real text"


def ocr_page(image: Image.Image, dpi: int, *, engine: OcrEngine, read_tables: bool) -> OcrResult:
    """Whole-page OCR, with ruled tables re-read cell by cell when asked."""
    result = engine.recognize(image, dpi=dpi)
    if not read_tables or not hasattr(engine, "recognize_line"):
        return result
    grids = find_tables(image, dpi)
    if not grids:
        return result
    # Number cells that fail their check are re-read by the other engines too.
    others = [e.recognize_line for e in getattr(engine, "engines", [])[1:] if hasattr(e, "recognize_line")]
    primary = getattr(engine, "engines", [engine])[0]
    # RapidOCR's recogniser output narrowed to digits, for number cells.
    digit_reader = getattr(primary, "digit_probabilities", None)
    tables = [(grid, read_table(image, grid, dpi, primary.recognize_line, alternates=others,
                                digit_reader=digit_reader)) for grid in grids]
    lines = merge_table_lines(result.lines, tables)
    chars = sum(len(line.text) for line in lines if line.confidence is not None)
    confidence = (sum(line.confidence * len(line.text) for line in lines if line.confidence is not None) / chars
                  if chars else result.confidence)
    log.info("read %d ruled table(s) cell by cell", len(grids))
    return OcrResult(text="\n".join(line.text for line in lines), confidence=confidence, lines=lines,
                     engine=result.engine)


def read_page(page: PageInput, *, engine: OcrEngine, dpi: int, min_chars: int,
              steps: tuple[str, ...] = DEFAULT_STEPS, read_tables: bool = True) -> PageText:
    started = time.perf_counter()
    use_layer, reason = judge_text_layer(page.text_layer, min_chars=min_chars)
    if use_layer:
        return PageText(page.page_no, tidy_lines(page.text_layer or ""), PDF_TEXT, reason, None,
                        seconds=time.perf_counter() - started)
    image, image_dpi = page.render()
    prepared, used_dpi = prepare_for_ocr(image, image_dpi, steps)
    result = ocr_page(prepared, used_dpi, engine=engine, read_tables=read_tables)
    log.info("page %d: OCR with %s (%s)", page.page_no, result.engine, reason)
    lines = [{"text": remove_cjk_spaces(line.text), "confidence": line.confidence, "bbox": line.bbox}
             for line in result.lines]
    return PageText(page.page_no, tidy_lines(result.text), f"ocr:{result.engine}", f"OCR because {reason}",
                    result.confidence, width_px=image.width, height_px=image.height, dpi=image_dpi,
                    seconds=time.perf_counter() - started, lines=lines,
                    archive=_archive_page(image, image_dpi, prepared, used_dpi, result.lines, steps))


def _archive_page(image, image_dpi, prepared, used_dpi, lines: list[OcrLine], steps) -> ArchivePage:
    """The archive shows the page as scanned (red fingerprints and all) with the
    OCR boxes mapped back onto it; a deskewed page has no such mapping, so the
    archive then shows the straightened page OCR actually read."""
    if "deskew" in steps:
        return ArchivePage(image=prepared, dpi=used_dpi, lines=lines)
    sx, sy = image.width / prepared.width, image.height / prepared.height
    mapped = [line if line.bbox is None else replace(line, bbox=(
        round(line.bbox[0] * sx), round(line.bbox[1] * sy), round(line.bbox[2] * sx), round(line.bbox[3] * sy)))
        for line in lines]
    return ArchivePage(image=image, dpi=image_dpi, lines=mapped)


def read_document(path: Path, media_type: str, *, engine: OcrEngine, dpi: int, min_chars: int,
                  steps: tuple[str, ...] = DEFAULT_STEPS, read_tables: bool = True) -> list[PageText]:
    """All pages of one letter. An engine failure names the page it happened on."""
    out = []
    with open_pages(path, media_type, dpi=dpi) as pages:
        for page in pages:
            try:
                out.append(read_page(page, engine=engine, dpi=dpi, min_chars=min_chars, steps=steps,
                                     read_tables=read_tables))
            except OcrEngineError as exc:
                raise type(exc)(f"page {page.page_no}: {exc}") from exc
    return out


def letter_confidence(pages: list[PageText]) -> float | None:
    """Mean OCR confidence over OCR'd pages, weighted by their text length."""
    scored = [(p.confidence, max(1, len(p.text))) for p in pages if p.confidence is not None]
    total = sum(w for _, w in scored)
    return sum(c * w for c, w in scored) / total if total else None
