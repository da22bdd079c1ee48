"""The RapidOCR engine (PP-OCRv4 ONNX models shipped inside the wheel).

PP-OCR detects text boxes and recognises each one; it knows no lines or
reading order, so boxes are assembled into lines here: boxes whose vertical
extents overlap form a row, rows go top to bottom, boxes in a row left to
right. A ruled table therefore reads row by row, cell by cell — the order a
person reads a signature list in.

The line-direction classifier is off: on upright scans it flips and drops
whole lines (measured on this project's letters); orientation is fixed before
recognition by the page preparation instead.
"""

from __future__ import annotations

import logging
import threading

import numpy as np
from PIL import Image

from pipeline.errors import MissingDependencyError, OcrEngineError
from pipeline.text.ocr.base import OcrLine, OcrResult

_lock = threading.Lock()
_instances: dict[tuple, object] = {}


def _load(max_side_len: int, threads: int):
    key = (max_side_len, threads)
    with _lock:
        if key not in _instances:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise MissingDependencyError(
                    "RapidOCR is not installed: pip install rapidocr_onnxruntime") from exc
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
            _instances[key] = RapidOCR(max_side_len=max_side_len, intra_op_num_threads=threads,
                                       inter_op_num_threads=1)
        return _instances[key]


def assemble_lines(boxes: list[tuple[tuple[int, int, int, int], str, float]]) -> list[OcrLine]:
    """Boxes (left, top, right, bottom), text, score 0-1 -> lines in reading order."""
    rows: list[list[tuple[tuple[int, int, int, int], str, float]]] = []
    for box in sorted(boxes, key=lambda b: (b[0][1] + b[0][3]) / 2):
        (_, top, _, bottom) = box[0]
        centre = (top + bottom) / 2
        if rows:
            last = rows[-1]
            row_top = min(b[0][1] for b in last)
            row_bottom = max(b[0][3] for b in last)
            height = min(bottom - top, row_bottom - row_top)
            # Same row when the centre falls within the row's band, allowing
            # for skew across a wide table.
            if row_top - 0.25 * height <= centre <= row_bottom + 0.25 * height and centre - (row_top + row_bottom) / 2 < 0.6 * height:
                last.append(box)
                continue
        rows.append([box])
    lines = []
    for row in rows:
        row.sort(key=lambda b: b[0][0])
        text = " ".join(t for _, t, _ in row)
        chars = sum(max(1, len(t)) for _, t, _ in row)
        conf = 100 * sum(s * max(1, len(t)) for _, t, s in row) / chars
        bbox = (min(b[0][0] for b in row), min(b[0][1] for b in row),
                max(b[0][2] for b in row), max(b[0][3] for b in row))
        lines.append(OcrLine(text=text, confidence=conf, bbox=bbox))
    return lines


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, max_side_len: int = 2000, threads: int = 1) -> None:
        self.max_side_len = max_side_len
        self.threads = threads

    def recognize_line(self, image: Image.Image, *, digits: bool = False) -> OcrLine:
        """Recognition only, for an image known to hold one line (a table cell).

        PP-OCR has no character whitelist; ``digits`` is accepted for the
        interface and the caller filters the text."""
        engine = _load(self.max_side_len, self.threads)
        try:
            result, _ = engine(np.asarray(image.convert("RGB")), use_det=False, use_cls=False, use_rec=True)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises many types
            raise OcrEngineError(f"RapidOCR failed on a line: {type(exc).__name__}: {exc}") from exc
        text, score = (result[0][0], float(result[0][1])) if result else ("", 0.0)
        return OcrLine(text=str(text).strip(), confidence=100 * score, bbox=None)

    def recognize(self, image: Image.Image, *, dpi: int) -> OcrResult:
        engine = _load(self.max_side_len, self.threads)
        array = np.asarray(image.convert("RGB"))
        try:
            result, _ = engine(array, use_cls=False)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises many types
            raise OcrEngineError(f"RapidOCR failed: {type(exc).__name__}: {exc}") from exc
        boxes = []
        for quad, text, score in result or []:
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            boxes.append(((int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys))), str(text).strip(), float(score)))
        lines = assemble_lines([b for b in boxes if b[1]])
        chars = sum(len(line.text) for line in lines)
        conf = sum(line.confidence * len(line.text) for line in lines) / chars if chars else None
        return OcrResult(text="\n".join(line.text for line in lines), confidence=conf, lines=lines, engine=self.name)
