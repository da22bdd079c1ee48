"""Engines combined behind the same interface.

``FallbackEngine`` asks its engines in order and returns the first answer;
an engine that fails is logged and the next one asked, so one broken engine
(a missing model, a crash on a strange page) never stops a letter.
``BestOfEngine`` asks every engine and keeps the page with the highest
confidence — twice the cost, measured in ``bench/ocr``.
"""

from __future__ import annotations

import logging

from PIL import Image

from pipeline.errors import OcrEngineError
from pipeline.text.ocr.base import OcrEngine, OcrLine, OcrResult

log = logging.getLogger(__name__)


class FallbackEngine:
    def __init__(self, engines: list[OcrEngine]) -> None:
        self.engines = engines

    @property
    def name(self) -> str:
        return ">".join(e.name for e in self.engines)

    def _first(self, method: str, *args, **kwargs):
        errors = []
        for engine in self.engines:
            try:
                return getattr(engine, method)(*args, **kwargs)
            except OcrEngineError as exc:
                log.warning("OCR engine %s failed (%s); falling back to the next engine", engine.name, exc)
                errors.append(f"{engine.name}: {exc}")
        raise OcrEngineError("every OCR engine failed: " + "; ".join(errors))

    def recognize(self, image: Image.Image, *, dpi: int) -> OcrResult:
        return self._first("recognize", image, dpi=dpi)

    def recognize_line(self, image: Image.Image, *, digits: bool = False) -> OcrLine:
        return self._first("recognize_line", image, digits=digits)


class BestOfEngine:
    def __init__(self, engines: list[OcrEngine]) -> None:
        self.engines = engines

    @property
    def name(self) -> str:
        return "best(" + ",".join(e.name for e in self.engines) + ")"

    def recognize(self, image: Image.Image, *, dpi: int) -> OcrResult:
        results, errors = [], []
        for engine in self.engines:
            try:
                results.append(engine.recognize(image, dpi=dpi))
            except OcrEngineError as exc:
                log.warning("OCR engine %s failed (%s)", engine.name, exc)
                errors.append(f"{engine.name}: {exc}")
        if not results:
            raise OcrEngineError("every OCR engine failed: " + "; ".join(errors))
        return max(results, key=lambda r: (r.confidence or 0.0))

    def recognize_line(self, image: Image.Image, *, digits: bool = False) -> OcrLine:
        return FallbackEngine(self.engines).recognize_line(image, digits=digits)
