"""Run the text stage on stored letters and keep the result in the database."""

from __future__ import annotations

import logging

from pipeline.context import PipelineContext
from pipeline.errors import LianmingError
from pipeline.store import records
from pipeline.store.models import Letter, Page
from pipeline.text.ocr.base import OcrEngine, build_engine
from pipeline.text.strategy import letter_confidence, read_document

log = logging.getLogger(__name__)

STAGE_DONE = "text_extracted"


def default_engine(ctx: PipelineContext) -> OcrEngine:
    s = ctx.settings
    return build_engine(list(s.ocr_engines), combine=s.ocr_combine, language=s.ocr_language,
                        timeout_s=s.ocr_timeout_s)


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
                              min_chars=ctx.settings.min_text_layer_chars, steps=tuple(ctx.settings.ocr_prepare))
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

    with ctx.db.session() as session:
        letter = session.get(Letter, letter_id)
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
