"""Ruled tables (signature lists) found by their rules and read cell by cell.

A signature table is where the office's most exact data sits — names, 18-digit
ID numbers, 11-digit phones — and where whole-page OCR is weakest: rules read
as "|" and "一", narrow columns vanish, cells run together. Here the grid is
found from its rules (long horizontal and vertical ink runs), each cell is
cropped inside its rules and recognised as one line, and rows come out in
order with their cells in order, joined by a space. ID-card and phone cells
are read from several crops and engines until a reading passes its check and
is confirmed (``read_number_cell``); one that is not comes out doubtful.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFilter

from pipeline.text.numbers import valid_id_number, valid_mobile
from pipeline.text.ocr.base import OcrLine
from pipeline.text.ocr.ctc import best_paths
from pipeline.text.prepare import rule_mask

MIN_ROWS = 2  # a header and one row of names
MIN_COLS = 2


@dataclass(frozen=True)
class TableGrid:
    row_edges: tuple[int, ...]  # y of each horizontal rule, top to bottom
    col_edges: tuple[int, ...]  # x of each vertical rule, left to right

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.col_edges[0], self.row_edges[0], self.col_edges[-1], self.row_edges[-1]

    def cells(self) -> list[list[tuple[int, int, int, int]]]:
        return [[(x0, y0, x1, y1) for x0, x1 in zip(self.col_edges, self.col_edges[1:])]
                for y0, y1 in zip(self.row_edges, self.row_edges[1:])]


def _rule_positions(profile: np.ndarray, min_fill: float) -> list[int]:
    """Centres of runs where a rule covers at least ``min_fill`` of the table's span."""
    hits = profile >= min_fill * profile.max() if profile.max() else np.zeros_like(profile, bool)
    positions, start = [], None
    for i, hit in enumerate(hits):
        if hit and start is None:
            start = i
        elif not hit and start is not None:
            positions.append((start + i - 1) // 2)
            start = None
    if start is not None:
        positions.append((start + len(hits) - 1) // 2)
    return positions


def _runs_past_table(vertical: np.ndarray, x: int, top: int, bottom: int, margin: int) -> bool:
    """A photocopier streak, not a column rule: it goes on above or below the table.

    A real rule stops at the table's top and bottom rules; a streak runs on
    across the page and would split a column in two.
    """
    span = max(4 * margin, (bottom - top) // 8)
    band = vertical[:, max(0, x - margin): x + margin + 1].max(axis=1) > 0
    above = band[max(0, top - margin - span): max(0, top - margin)]
    below = band[bottom + margin: bottom + margin + span]
    return bool((above.size and above.mean() > 0.5) or (below.size and below.mean() > 0.5))


def find_tables(page: Image.Image, dpi: int) -> list[TableGrid]:
    """Grids of ruled tables on a greyscale page, top to bottom."""
    grey = np.asarray(page.convert("L"))
    length = max(40, dpi // 3)
    mask = rule_mask(grey, dpi)
    ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    # Pages are deskewed before this, but not perfectly: a rule that drifts by
    # a few pixels over the table's width must still add up as one rule.
    drift = max(3, dpi // 50)
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 2 * drift + 1)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * drift + 1, 1)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    tables = []
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if w < 2 * length or h < length // 2:
            continue  # a lone underline or a stroke, not a grid
        rows = _rule_positions(horizontal[y:y + h, x:x + w].sum(axis=1) / 255, 0.6)
        if len(rows) < MIN_ROWS + 1:
            continue
        top, bottom = y + rows[0], y + rows[-1]
        cols = _rule_positions(vertical[top:bottom, x:x + w].sum(axis=0) / 255, 0.6)
        cols = [c for c in cols if not _runs_past_table(vertical, x + c, top, bottom, drift)]
        if len(cols) < MIN_COLS + 1:
            continue
        # Plain ints: the edges end up in JSON (page lines), numpy ints do not serialise.
        tables.append(TableGrid(tuple(int(y + r) for r in rows), tuple(int(x + c) for c in cols)))
    return sorted(tables, key=lambda t: t.row_edges[0])


def cell_image(page: Image.Image, cell: tuple[int, int, int, int], dpi: int, *,
               inset: int | None = None, trim: bool = True, thicken: bool = False,
               smooth: float = 0.0) -> Image.Image | None:
    """The inside of a cell, rules cut away; None when the cell holds no ink.

    ``smooth``: a Gaussian blur (sigma in pixels at 300 dpi) over the framed
    crop; it joins digits that a copier broke into fragments into grey
    strokes that the recogniser reads whole."""
    x0, y0, x1, y1 = cell
    inset = max(3, dpi // 60) if inset is None else inset  # rules are a few pixels thick and wobble with skew
    box = (x0 + inset, y0 + inset, x1 - inset, y1 - inset)
    if box[2] - box[0] < 4 or box[3] - box[1] < 4:
        return None
    crop = page.convert("L").crop(box)
    arr = np.asarray(crop)
    ink = arr < 128
    if int(ink.sum()) < (dpi // 30) ** 2 // 2:
        return None  # an empty cell (a row with no phone, say); a lone "1" still has more ink
    # Trim to the ink: a recogniser shown a wide, mostly blank cell invents
    # characters in the blank part.
    ys, xs = np.nonzero(ink)
    if trim:
        crop = crop.crop((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    if thicken:
        # Broken strokes (a "3" copied to fragments) joined by growing the ink.
        crop = crop.filter(ImageFilter.MinFilter(3))
    pad = max(4, dpi // 30)
    framed = Image.new("L", (crop.width + 2 * pad, crop.height + 2 * pad), 255)
    framed.paste(crop, (pad, pad))
    if smooth:
        framed = Image.fromarray(cv2.GaussianBlur(np.asarray(framed), (0, 0), smooth * dpi / 300))
    return framed


# Header words of columns that hold only digits (row numbers, ID cards, phones).
# Matched loosely: a blurred header still shows one of its words (身份延号 for 身份证号).
NUMBER_HEADERS = re.compile(r"序|编号|身份|证号|证件|电话|手机|联系方式")
# What engines misread digits as, in number cells only.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "l": "1", "I": "1", "|": "1",
                                   "工": "1", "丨": "1", "Z": "2", "S": "5", "B": "8", "g": "9", "x": "X"})


def digits_only(text: str) -> str:
    """A number cell's text: lookalikes mapped to digits, everything else dropped."""
    mapped = text.translate(_DIGIT_LOOKALIKES)
    return "".join(ch for ch in mapped if ch.isdigit() or ch == "X")


def _column_kind(header: str) -> str | None:
    if not NUMBER_HEADERS.search(header):
        return None
    if re.search(r"身份|证号|证件", header):
        return "id"
    if re.search(r"电话|手机|联系方式", header):
        return "mobile"
    return "number"


_VALID = {"id": valid_id_number, "mobile": valid_mobile}
# Crops of a number cell, in the order they are read: blurred first (measured
# best on the hard set: it joins broken strokes and loses nothing on clean
# cells), then as cropped, then with the ink grown.
NUMBER_CROPS = (dict(smooth=1.5), dict(), dict(thicken=True))
# An ID number further down the recogniser's list of readings than this
# (log probability below the best reading's) is not taken for passing its
# checksum alone: at 1 in 11, a wrong number passes it too.
ID_MARGIN = 3.0
SURE = 80.0  # a valid reading whose least sure digit is at least this sure is taken at once
DOUBTFUL = 50.0  # the confidence a number cell gets when no two readings agree on a valid number


def _digit_reading(probabilities: np.ndarray, kind: str) -> tuple[str, float, bool]:
    """(text, confidence, whether it is the recogniser's best reading).

    The recogniser's reading of a number cell, narrowed to digits; for an ID
    number whose best reading fails its check, the most probable reading
    within ``ID_MARGIN`` that passes it. Confidence: the least sure
    character's probability (a whole reading's, per character, for a
    reading other than the best)."""
    readings = best_paths(probabilities)
    best = readings[0]
    if kind == "id" and not valid_id_number(best.text):
        for reading in readings[1:]:
            if reading.log_prob < best.log_prob - ID_MARGIN:
                break
            if valid_id_number(reading.text):
                return reading.text, 100 * math.exp(reading.log_prob / max(1, len(reading.text))), False
    return best.text, 100 * min(best.char_probs, default=0.0), True


def read_number_cell(page: Image.Image, cell, dpi: int, kind: str, recognizers, *,
                     digit_reader=None) -> OcrLine | None:
    """Read a number cell from several crops and engines until two readings agree.

    ``recognizers``: line readers, the page engine's first. ``digit_reader``
    (RapidOCR's ``digit_probabilities``, when the page engine has it) gives
    the recogniser's per-step probabilities narrowed to digits, and then
    replaces the first line reader. Each crop (``NUMBER_CROPS``) is read by
    it, then the first two by the other line readers (Tesseract with a digit
    whitelist). A reading counts only if it passes its check (an ID number's
    checksum and birth date; a mobile's 11 digits starting 1[3-9]); the
    number is taken as soon as two readings agree on it, or as soon as the
    recogniser's own best reading of a crop passes its check: an ID number's
    checksum alone, a mobile's pattern with every digit at least ``SURE``
    (a pattern is weak evidence: a "4" read as "1" still looks like a
    mobile). When no two readings agree, the most supported valid
    reading (else the first reading) is kept with a confidence of at most
    ``DOUBTFUL``, so that review sees it. Other number columns (序号) are
    read once.
    """
    valid = _VALID.get(kind)
    images = []
    for options in NUMBER_CROPS:
        image = cell_image(page, cell, dpi, **options)
        if image is None:
            return None
        images.append(image)
    if valid is None:
        line = recognizers[0](images[1], digits=True)
        return OcrLine(text=digits_only(line.text), confidence=line.confidence, bbox=line.bbox)
    votes: dict[str, list[float]] = {}
    first: OcrLine | None = None
    readers = [(image, None) for image in images] if digit_reader is not None else []
    line_readers = recognizers[1:] if digit_reader is not None else recognizers
    readers += [(image, recognize) for recognize in line_readers for image in images[:2]]
    for image, recognize in readers:
        if recognize is None:
            text, confidence, best = _digit_reading(digit_reader(image), kind)
            if best and valid(text) and (kind == "id" or confidence >= SURE):
                return OcrLine(text=text, confidence=confidence)
        else:
            line = recognize(image, digits=True)
            text, confidence = digits_only(line.text), line.confidence
        if first is None:
            first = OcrLine(text=text, confidence=confidence)
        if valid(text):
            votes.setdefault(text, []).append(confidence if confidence is not None else 0.0)
            if len(votes[text]) >= 2:
                return OcrLine(text=text, confidence=max(votes[text]))
    if votes:  # the first reading to get the most votes
        text = max(votes, key=lambda t: len(votes[t]))
        return OcrLine(text=text, confidence=min(DOUBTFUL, max(votes[text])))
    return OcrLine(text=first.text, confidence=min(DOUBTFUL, first.confidence or 0.0)) if first else None


def read_table(page: Image.Image, grid: TableGrid, dpi: int, recognize_line, *, alternates=(),
               digit_reader=None) -> list[OcrLine]:
    """One OcrLine per table row: the cells' texts in order, joined by a space.

    The header row decides which columns hold numbers; their cells are read
    as digits (``digit_reader``: the recogniser's output narrowed to digits;
    ``alternates``: other engines' line readers, asked when no reading is
    sure), so an ID number or phone comes out whole or visibly doubtful,
    never with a character in it. A row's ``weakest`` is its least sure
    cell's.
    """
    lines = []
    number_columns: dict[int, str] = {}
    for row_index, row in enumerate(grid.cells()):
        texts, confs, weakest = [], [], []
        for col, cell in enumerate(row):
            if col in number_columns:
                line = read_number_cell(page, cell, dpi, number_columns[col], [recognize_line, *alternates],
                                        digit_reader=digit_reader)
                if line is None:
                    continue
            else:
                image = cell_image(page, cell, dpi)
                if image is None:
                    continue
                line = recognize_line(image, digits=False)
            text = line.text.strip()
            if row_index == 0 and (kind := _column_kind(text)):
                number_columns[col] = kind
            if text:
                texts.append(text)
                confs.append((line.confidence if line.confidence is not None else 0.0, len(line.text)))
                weakest.append(line.review_confidence if line.review_confidence is not None else 0.0)
        if texts:
            chars = sum(n for _, n in confs) or 1
            lines.append(OcrLine(text=" ".join(texts), confidence=sum(c * n for c, n in confs) / chars,
                                 bbox=(row[0][0], row[0][1], row[-1][2], row[0][3]), weakest=min(weakest)))
    return lines


def merge_table_lines(page_lines: list[OcrLine], tables: list[tuple[TableGrid, list[OcrLine]]]) -> list[OcrLine]:
    """Replace the page OCR's lines inside each table by the table's rows, keeping reading order."""
    def inside(line: OcrLine, grid: TableGrid) -> bool:
        if line.bbox is None:
            return False
        l, t, r, b = grid.bbox
        cx, cy = (line.bbox[0] + line.bbox[2]) / 2, (line.bbox[1] + line.bbox[3]) / 2
        return l <= cx <= r and t <= cy <= b

    kept = [line for line in page_lines if not any(inside(line, grid) for grid, _ in tables)]
    merged = kept + [row for _, rows in tables for row in rows]
    return sorted(merged, key=lambda line: line.bbox[1] if line.bbox else 0)
