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

import cv2
import numpy as np
from PIL import Image

from pipeline.errors import MissingDependencyError, OcrEngineError
from pipeline.text.ocr.base import OcrLine, OcrResult
from pipeline.text.ocr.ctc import digit_columns, narrow_to_digits

_lock = threading.Lock()
_instances: dict[tuple, object] = {}
_columns: list[list[int]] | None = None  # the recogniser's alphabet indices of each digit
TEXT_SCORE = 0.5  # boxes read with a lower score are dropped, or re-read (``_reread``) when asked


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


def assemble_lines(boxes: list[tuple]) -> list[OcrLine]:
    """Boxes (left, top, right, bottom), text, score 0-1 [, least sure character 0-1] -> lines in reading order."""
    rows: list[list[tuple]] = []
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
        text = " ".join(b[1] for b in row)
        chars = sum(max(1, len(b[1])) for b in row)
        conf = 100 * sum(b[2] * max(1, len(b[1])) for b in row) / chars
        weakest = [b[3] for b in row if len(b) > 3 and b[3] is not None]
        bbox = (min(b[0][0] for b in row), min(b[0][1] for b in row),
                max(b[0][2] for b in row), max(b[0][3] for b in row))
        lines.append(OcrLine(text=text, confidence=conf, bbox=bbox,
                             weakest=100 * min(weakest) if weakest else None))
    return lines


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self, max_side_len: int = 2000, threads: int = 1, recover_dropped: bool = False) -> None:
        self.max_side_len = max_side_len
        self.threads = threads
        self.recover_dropped = recover_dropped

    def recognize_line(self, image: Image.Image, *, digits: bool = False) -> OcrLine:
        """Recognition only, for an image known to hold one line (a table cell).

        PP-OCR has no character whitelist; ``digits`` is accepted for the
        interface and the caller filters the text."""
        engine = _load(self.max_side_len, self.threads)
        try:
            array, _, _ = engine.preprocess(np.asarray(image.convert("RGB")))
            (result,), _ = engine.text_rec([array], return_word_box=True)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises many types
            raise OcrEngineError(f"RapidOCR failed on a line: {type(exc).__name__}: {exc}") from exc
        text, score, chars = str(result[0]).strip(), float(result[1]), result[2][4]
        weakest = min(chars) if text and chars else score
        return OcrLine(text=text, confidence=100 * score, bbox=None, weakest=100 * weakest)

    def digit_probabilities(self, image: Image.Image) -> np.ndarray:
        """The recogniser's output on a one-line image, narrowed to digits:
        (time steps, blank + "0123456789X"), see ``ctc``."""
        engine = _load(self.max_side_len, self.threads)
        rec = engine.text_rec
        array = np.asarray(image.convert("RGB"))
        _, height, width = rec.rec_image_shape
        ratio = max(width / height, array.shape[1] / max(1, array.shape[0]))
        try:
            batch = rec.resize_norm_img(array, ratio)[np.newaxis, :].astype(np.float32)
            probs = rec.session(batch)[0][0]
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises many types
            raise OcrEngineError(f"RapidOCR failed on a line: {type(exc).__name__}: {exc}") from exc
        global _columns
        if _columns is None:
            _columns = digit_columns(rec.postprocess_op.character)
        return narrow_to_digits(probs, _columns)

    def recognize(self, image: Image.Image, *, dpi: int) -> OcrResult:
        engine = _load(self.max_side_len, self.threads)
        array = np.asarray(image.convert("RGB"))
        try:
            # Every box, whatever its score (the library's own filter would drop
            # those under 0.5 silently), with each character's probability.
            result, _ = engine(array, use_cls=False, text_score=0.0, return_word_box=True,
                               box_thresh=0.5, unclip_ratio=1.6)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises many types
            raise OcrEngineError(f"RapidOCR failed: {type(exc).__name__}: {exc}") from exc
        boxes, dropped = [], []
        for item in result or []:
            quad, text, score, chars = item[0], str(item[1]).strip(), float(item[2]), item[5] if len(item) > 5 else []
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            box = ((int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys))), text, score,
                   min(chars) if chars else score)
            (boxes if score >= TEXT_SCORE else dropped).append(box)
        if self.recover_dropped:
            boxes += self._reread(array, dropped)
        lines = assemble_lines([b for b in boxes if b[1]])
        chars = sum(len(line.text) for line in lines)
        conf = sum(line.confidence * len(line.text) for line in lines) / chars if chars else None
        return OcrResult(text="\n".join(line.text for line in lines), confidence=conf, lines=lines, engine=self.name)

    def _reread(self, array: np.ndarray, dropped: list[tuple]) -> list[tuple]:
        """Boxes the recogniser was unsure of (score < ``TEXT_SCORE``), read again
        from a smoothed crop with a margin; kept when the second reading is sure enough.

        A box of faint or broken strokes, cut tight by the detector, often
        reads better with room around it and its strokes joined; a
        fingerprint or a speck mostly reads no better and stays out. Off by
        default (``recover_dropped``): on the hard set it re-read 6 of 16
        dropped boxes over 30 pages, nearly all inside tables that the table
        reader reads again anyway, and changed no figure (docs/ocr.md)."""
        if not dropped:
            return []
        engine = _load(self.max_side_len, self.threads)
        grey = cv2.cvtColor(array, cv2.COLOR_RGB2GRAY)
        crops, kept = [], []
        for (l, t, r, b), *_ in dropped:
            m = max(2, (b - t) // 8)
            crop = grey[max(0, t - m): b + m, max(0, l - m): r + m]
            if crop.size == 0:
                continue
            crop = cv2.GaussianBlur(crop, (0, 0), 1.5)
            crops.append(((l, t, r, b), cv2.cvtColor(crop, cv2.COLOR_GRAY2RGB)))
        if not crops:
            return []
        try:
            results, _ = engine.text_rec([c for _, c in crops], return_word_box=True)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises many types
            raise OcrEngineError(f"RapidOCR failed: {type(exc).__name__}: {exc}") from exc
        for (bbox, _), result in zip(crops, results, strict=True):
            text, score, chars = str(result[0]).strip(), float(result[1]), result[2][4]
            if text and score >= TEXT_SCORE:
                kept.append((bbox, text, score, min(chars) if chars else score))
        return kept
