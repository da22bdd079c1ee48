"""OCR engines behind one interface (see ``base.OcrEngine``)."""

from pipeline.text.ocr.base import OcrEngine, OcrLine, OcrResult, get_engine

__all__ = ["OcrEngine", "OcrLine", "OcrResult", "get_engine"]
