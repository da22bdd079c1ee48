"""Run the text stage on stored letters and keep the result in the database."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
from pathlib import Path

from pipeline.context import PipelineContext
from pipeline.errors import LianmingError
from pipeline.store import records
from pipeline.store.models import Letter, Page
from pipeline.text.archive import build_searchable_pdf, to_pdfa
from pipeline.text.ocr.base import OcrEngine, build_engine
from pipeline.text.strategy import PageText, letter_confidence, read_document

log = logging.getLogger(__name__)

STAGE_DONE = "text_extracted"


def default_engine(ctx: PipelineContext) -> OcrEngine:
    s = ctx.settings
    return build_engine(list(s.ocr_engines), combine=s.ocr_combine, language=s.ocr_language,
                        timeout_s=s.ocr_timeout_s)


def _write_archive(ctx: PipelineContext, letter_id: str, path: Path, media_type: str,
                   pages: list[PageText]) -> str | None:
    """Keep a scanned letter as a searchable PDF/A in the document store.

    Only letters whose every page was OCR'd get one: a PDF with a text layer
    already is its own searchable archive. A failure here is logged and the
    letter goes on without an archive — the text is what the office needs.
    """
    if not pages or any(p.archive is None for p in pages):
        return None
    archive_pages = [p.archive for p in pages]
    if media_type == "image/jpeg" and len(archive_pages) == 1:
        archive_pages[0] = replace(archive_pages[0], source_jpeg=path.read_bytes())
    with tempfile.TemporaryDirectory() as tmp:
        plain, pdfa = Path(tmp) / "archive.pdf", Path(tmp) / "archive-pdfa.pdf"
        try:
            build_searchable_pdf(archive_pages, plain, title=f"{letter_id} (Lianming archive)")
            final = pdfa if ctx.settings.archive_pdfa and to_pdfa(plain, pdfa) else plain
            stored = ctx.store.put_file(final)
        except LianmingError as exc:
            log.warning("letter %s: archive PDF not written: %s", letter_id, exc)
            return None
    with ctx.db.session() as session:
        records.ensure_document(session, sha256=stored.sha256, size=stored.size, media_type="application/pdf",
                                stored_path=stored.relative_path)
    return stored.sha256


def extract_letter_text(ctx: PipelineContext, letter_id: str, *, engine: OcrEngine | None = None) -> dict:
    """Read one letter's pages; store pages, whole text and confidence.

    A failure is recorded on the letter (``stage_error``) and the letter stays
    in stage ``registered``, so it is visible, counted, and retried next run.
    """
    engine = engine or default_engine(ctx)
    with ctx.db.session() as session:
        letter = session.get(Letter, letter_id)
        if letter is None:
            raise LianmingError(f"no letter {letter_id}")
        path = ctx.store.path_of(letter.sha256)
        media_type = letter.media_type
    try:
        pages = read_document(path, media_type, engine=engine, dpi=ctx.settings.ocr_dpi,
                              min_chars=ctx.settings.min_text_layer_chars, steps=tuple(ctx.settings.ocr_prepare),
                              read_tables=ctx.settings.ocr_read_tables)
    except LianmingError as exc:
        log.warning("letter %s: text extraction failed: %s", letter_id, exc)
        with ctx.db.session() as session:
            letter = session.get(Letter, letter_id)
            letter.stage_error = f"text: {exc}"
            letter.needs_review = True
            letter.review_reasons = sorted(set(letter.review_reasons or []) | {"text_failed"})
            records.audit(session, actor=ctx.actor, action="letter.text_failed", entity="letter",
                          entity_id=letter_id, details={"error": str(exc)}, flow_run_id=ctx.run_id)
        return {"letter_id": letter_id, "ok": False, "error": str(exc)}

    archive_sha = _write_archive(ctx, letter_id, path, media_type, pages)

    with ctx.db.session() as session:
        letter = session.get(Letter, letter_id)
        letter.archive_sha256 = archive_sha
        records.replace_pages(session, letter=letter, pages=[
            Page(page_no=p.page_no, text=p.text, text_source=p.text_source, strategy_note=p.strategy_note,
                 confidence=p.confidence, width_px=p.width_px, height_px=p.height_px, dpi=p.dpi,
                 seconds=p.seconds, lines=p.lines) for p in pages])
        letter.page_count = len(pages)
        letter.text = "\n".join(p.text for p in pages)
        letter.ocr_confidence = letter_confidence(pages)
        letter.stage = STAGE_DONE
        letter.stage_error = None
        threshold = ctx.policy.review.ocr_confidence_min
        if letter.ocr_confidence is not None and letter.ocr_confidence < threshold:
            letter.needs_review = True
            letter.review_reasons = sorted(set(letter.review_reasons or []) | {"low_ocr_confidence"})
        records.audit(session, actor=ctx.actor, action="letter.text_extracted", entity="letter",
                      entity_id=letter_id, details={"sources": [p.text_source for p in pages]},
                      flow_run_id=ctx.run_id)
    return {"letter_id": letter_id, "ok": True, "pages": len(pages),
            "sources": [p.text_source for p in pages], "seconds": sum(p.seconds for p in pages)}
