"""OCR engines behind one interface (see ``base.OcrEngine``)."""

from pipeline.text.ocr.base import OcrEngine, OcrLine, OcrResult, build_engine, get_engine

__all__ = ["OcrEngine", "OcrLine", "OcrResult", "build_engine", "get_engine"]
