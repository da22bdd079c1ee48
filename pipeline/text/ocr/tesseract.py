"""The one wrapper around the Tesseract program (through pytesseract).

It turns Tesseract's failures into domain errors — not installed, language
data missing, crashed, timed out — and its word boxes into lines with a
confidence. ``OMP_THREAD_LIMIT=1`` is forced for the child process: on small
machines Tesseract's own threading is several times slower than one thread per
page with pages run in parallel.
"""

from __future__ import annotations

import os
from functools import lru_cache

import pytesseract
from PIL import Image

from pipeline.errors import MissingDependencyError, OcrEngineError, OcrTimeoutError
from pipeline.text.cjk import remove_cjk_spaces
from pipeline.text.ocr.base import OcrLine, OcrResult


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    try:
        return str(pytesseract.get_tesseract_version())
    except pytesseract.TesseractNotFoundError as exc:
        raise MissingDependencyError(
            "Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-chi-sim") from exc


@lru_cache(maxsize=4)
def _check_language(language: str) -> None:
    available = set(pytesseract.get_languages(config=""))
    missing = [lang for lang in language.split("+") if lang not in available]
    if missing:
        raise MissingDependencyError(
            f"Tesseract has no language data for {', '.join(missing)}: "
            f"apt-get install {' '.join('tesseract-ocr-' + m.replace('_', '-').lower() for m in missing)}")


class TesseractEngine:
    name = "tesseract"

    def __init__(self, language: str = "chi_sim", psm: int = 3, timeout_s: float = 180.0) -> None:
        self.language = language
        self.psm = psm
        self.timeout_s = timeout_s

    def recognize(self, image: Image.Image, *, dpi: int) -> OcrResult:
        return self._run(image, f"--psm {self.psm} --dpi {dpi}")

    def recognize_line(self, image: Image.Image, *, digits: bool = False) -> OcrLine:
        """One line (a table cell): page segmentation mode 7; a digit whitelist for number cells."""
        whitelist = " -c tessedit_char_whitelist=0123456789X" if digits else ""
        result = self._run(image, "--psm 7" + whitelist)
        if digits and not result.text.strip():
            # A lone row number is too short for line mode: read it as one character.
            result = self._run(image, "--psm 10" + whitelist)
        return OcrLine(text=result.text.replace("\n", " "), confidence=result.confidence, bbox=None)

    def _run(self, image: Image.Image, config: str) -> OcrResult:
        tesseract_version()
        _check_language(self.language)
        os.environ["OMP_THREAD_LIMIT"] = "1"
        try:
            data = pytesseract.image_to_data(image, lang=self.language, config=config,
                                             output_type=pytesseract.Output.DICT, timeout=self.timeout_s)
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():
                raise OcrTimeoutError(f"Tesseract took longer than {self.timeout_s:.0f} s on a page") from exc
            raise OcrEngineError(f"Tesseract failed: {exc}") from exc
        except pytesseract.TesseractError as exc:
            raise OcrEngineError(f"Tesseract failed (status {exc.status}): {exc.message.strip()[:300]}") from exc
        return _lines_from_data(data)


def _lines_from_data(data: dict) -> OcrResult:
    """Group Tesseract's words into lines (block, paragraph, line) in reading order."""
    groups: dict[tuple[int, int, int], list[int]] = {}
    for i, level in enumerate(data["level"]):
        if level == 5 and str(data["text"][i]).strip():
            groups.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    lines: list[OcrLine] = []
    weighted, chars = 0.0, 0
    for key in sorted(groups):
        idx = groups[key]
        text = remove_cjk_spaces(" ".join(str(data["text"][i]).strip() for i in idx)).strip()
        if not text:
            continue
        confs = [(float(data["conf"][i]), len(str(data["text"][i]).strip())) for i in idx if float(data["conf"][i]) >= 0]
        n = sum(c for _, c in confs)
        line_conf = sum(v * c for v, c in confs) / n if n else None
        if line_conf is not None:
            weighted += line_conf * n
            chars += n
        left = min(data["left"][i] for i in idx)
        top = min(data["top"][i] for i in idx)
        right = max(data["left"][i] + data["width"][i] for i in idx)
        bottom = max(data["top"][i] + data["height"][i] for i in idx)
        lines.append(OcrLine(text=text, confidence=line_conf, bbox=(left, top, right, bottom)))
    return OcrResult(text="\n".join(line.text for line in lines), confidence=(weighted / chars if chars else None),
                     lines=lines, engine="tesseract")
