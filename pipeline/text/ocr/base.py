"""The OCR engine interface.

Every engine turns one prepared page image into text with per-line confidence.
Stages depend on this interface only, so tests can inject an engine that fails
and a second engine can be added without touching the stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from PIL import Image


@dataclass(frozen=True)
class OcrLine:
    text: str
    confidence: float | None  # 0-100, mean over the line's words
    bbox: tuple[int, int, int, int] | None = None  # left, top, right, bottom in page pixels
    # 0-100, the least sure character's confidence where the engine gives one
    # per character (RapidOCR); ``review_confidence`` falls back to the line's.
    weakest: float | None = None

    @property
    def review_confidence(self) -> float | None:
        """The confidence to sort lines for review by: the least sure character's, else the line's."""
        return self.weakest if self.weakest is not None else self.confidence


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float | None  # 0-100, character-weighted mean over the page
    lines: list[OcrLine] = field(default_factory=list)
    engine: str = ""


@runtime_checkable
class OcrEngine(Protocol):
    name: str

    def recognize(self, image: Image.Image, *, dpi: int) -> OcrResult:
        """Recognise one page; raise ``OcrEngineError`` (or a subclass) on failure."""
        ...

    def recognize_line(self, image: Image.Image, *, digits: bool = False) -> OcrLine:
        """Recognise an image known to hold a single line (a table cell); ``digits``: only digits expected."""
        ...


ENGINE_NAMES = ("rapidocr", "tesseract")


def get_engine(name: str, *, language: str = "chi_sim", timeout_s: float = 180.0) -> OcrEngine:
    """One engine by name."""
    if name == "tesseract":
        from pipeline.text.ocr.tesseract import TesseractEngine

        return TesseractEngine(language=language, timeout_s=timeout_s)
    if name == "rapidocr":
        from pipeline.text.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine()
    raise ValueError(f"unknown OCR engine {name!r}; known: {', '.join(ENGINE_NAMES)}")


def build_engine(names: list[str], *, combine: str = "fallback", language: str = "chi_sim",
                 timeout_s: float = 180.0) -> OcrEngine:
    """The configured engines: the first alone, or combined as ``fallback`` or ``best``."""
    engines = [get_engine(n, language=language, timeout_s=timeout_s) for n in names]
    if len(engines) == 1:
        return engines[0]
    from pipeline.text.ocr.combine import BestOfEngine, FallbackEngine

    return BestOfEngine(engines) if combine == "best" else FallbackEngine(engines)
