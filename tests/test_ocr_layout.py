"""Page preparation steps, the table reader and engine combination, on real page images."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.errors import OcrEngineError
from pipeline.evaluate.metrics import cer
from pipeline.text.ocr.base import OcrLine, OcrResult, get_engine
from pipeline.text.ocr.combine import BestOfEngine, FallbackEngine
from pipeline.text.ocr.rapid import assemble_lines
from pipeline.text.prepare import (
    binarize,
    denoise,
    deskew,
    drop_red_ink,
    estimate_skew,
    flatten_background,
    prepare_for_ocr,
    remove_rules,
    rule_mask,
)
from pipeline.text.strategy import ocr_page
from pipeline.text.tables import digits_only, find_tables, read_table
from tests.conftest import RESOURCES, truth_text

SCAN = RESOURCES / "letters" / "scan_small.png"
TABLE = RESOURCES / "pages" / "table_fingerprint.png"


def grey(path) -> Image.Image:
    return drop_red_ink(Image.open(path))


def dark_share(image: Image.Image) -> float:
    return float((np.asarray(image.convert("L")) < 128).mean())


@pytest.mark.parametrize("angle", [-2.0, 1.2])
def test_deskew_finds_and_undoes_the_angle(angle):
    page = grey(SCAN).rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    assert estimate_skew(page) == pytest.approx(-angle, abs=0.25)
    straight, _ = deskew(page, 300)
    assert abs(estimate_skew(straight)) <= 0.2


def test_flatten_removes_shading_but_keeps_ink():
    page = np.asarray(grey(SCAN), dtype=np.float64)
    shade = np.linspace(1.0, 0.55, page.shape[1])[None, :]  # a shadow darkening towards the right edge
    shaded = Image.fromarray((page * shade).clip(0, 255).astype(np.uint8))
    flat, _ = flatten_background(shaded, 300)
    arr = np.asarray(flat)
    paper = arr[np.asarray(grey(SCAN)) > 200]
    assert paper.std() < np.asarray(shaded)[np.asarray(grey(SCAN)) > 200].std() / 3
    assert dark_share(flat) == pytest.approx(dark_share(grey(SCAN)), abs=0.01)


def test_denoise_removes_speckle():
    page = np.asarray(grey(SCAN)).copy()
    rng = np.random.default_rng(7)
    ys, xs = rng.integers(0, page.shape[0], 3000), rng.integers(0, page.shape[1], 3000)
    page[ys, xs] = 0
    noisy = Image.fromarray(page)
    clean, _ = denoise(noisy, 300)
    assert dark_share(clean) < dark_share(noisy) - 0.001


def test_binarize_gives_two_levels():
    out, _ = binarize(grey(SCAN), 300)
    assert set(np.unique(np.asarray(out))) <= {0, 255}


def test_remove_rules_erases_table_lines_and_keeps_text():
    page = grey(TABLE)
    assert rule_mask(np.asarray(page), 300).any()
    cleaned, _ = remove_rules(page, 300)
    assert not (np.asarray(cleaned)[rule_mask(np.asarray(page), 300) > 0] < 128).any()
    assert dark_share(cleaned) > 0.5 * (dark_share(page) - float((rule_mask(np.asarray(page), 300) > 0).mean()))


def test_red_fingerprint_vanishes_in_preparation():
    page, dpi = prepare_for_ocr(Image.open(TABLE), 300)
    # Over the fingerprint (away from the name's strokes) the prepared page is paper white.
    assert np.asarray(page)[300 - 20, 330 - 45] > 200


def test_table_found_with_its_grid():
    page, dpi = prepare_for_ocr(Image.open(TABLE), 300)
    grids = find_tables(page, dpi)
    assert len(grids) == 1
    assert (len(grids[0].row_edges), len(grids[0].col_edges)) == (5, 5)


def test_table_read_cell_by_cell_with_fingerprint_over_a_name():
    page, dpi = prepare_for_ocr(Image.open(TABLE), 300)
    rows = read_table(page, find_tables(page, dpi)[0], dpi, get_engine("rapidocr").recognize_line)
    expected = truth_text("table_fingerprint.png").strip().split("\n")
    assert [r.text for r in rows] == expected  # names, 18-digit IDs and phones whole and in order


def test_digits_only_maps_lookalikes():
    assert digits_only("l38 O555 1234") == "13805551234"
    assert digits_only("41010219700605301x") == "41010219700605301X"


def test_page_ocr_with_tables_keeps_reading_order():
    page, dpi = prepare_for_ocr(Image.open(TABLE), 300)
    result = ocr_page(page, dpi, engine=get_engine("rapidocr"), read_tables=True)
    assert cer(truth_text("table_fingerprint.png"), result.text) == 0.0


def test_boxes_assemble_into_rows_left_to_right():
    boxes = [((500, 102, 700, 140), "13812345678", 0.99), ((100, 100, 300, 138), "王德明", 0.9),
             ((100, 200, 300, 238), "李秀英", 0.8)]
    lines = assemble_lines(boxes)
    assert [line.text for line in lines] == ["王德明 13812345678", "李秀英"]
    assert lines[0].confidence == pytest.approx(100 * (0.9 * 3 + 0.99 * 11) / 14)


class Broken:
    name = "broken"

    def recognize(self, image, *, dpi):
        raise OcrEngineError("model file missing")

    def recognize_line(self, image, *, digits=False):
        raise OcrEngineError("model file missing")


class Fixed:
    def __init__(self, name, text, confidence):
        self.name, self.text, self.confidence = name, text, confidence

    def recognize(self, image, *, dpi):
        return OcrResult(text=self.text, confidence=self.confidence, lines=[], engine=self.name)

    def recognize_line(self, image, *, digits=False):
        return OcrLine(text=self.text, confidence=self.confidence)


def test_fallback_uses_the_next_engine_when_one_fails(caplog):
    page = Image.open(SCAN)
    result = FallbackEngine([Broken(), get_engine("tesseract")]).recognize(page, dpi=300)
    assert result.engine == "tesseract"
    assert cer(truth_text("scan_small.png"), result.text) < 0.1
    assert "falling back" in caplog.text
    with pytest.raises(OcrEngineError, match="every OCR engine failed"):
        FallbackEngine([Broken(), Broken()]).recognize(page, dpi=300)


def test_best_of_keeps_the_most_confident_page():
    page = Image.new("L", (10, 10), 255)
    result = BestOfEngine([Fixed("a", "甲", 60.0), Broken(), Fixed("b", "乙", 90.0)]).recognize(page, dpi=300)
    assert (result.engine, result.text) == ("b", "乙")


def test_table_rows_serialise_to_json():
    import json

    page, dpi = prepare_for_ocr(Image.open(TABLE), 300)
    result = ocr_page(page, dpi, engine=get_engine("rapidocr"), read_tables=True)
    json.dumps([{"text": line.text, "bbox": line.bbox} for line in result.lines])


# --- Number cells: digits from the recogniser's own output, crops, checks ---------------------------

ID_CELL = RESOURCES / "cells" / "id_copied_twice.png"  # 33252119780125211X, the leading 3 broken
MOBILE_CELL = RESOURCES / "cells" / "mobile_broken_4.png"  # 19948567193, the 4 broken into a "1"


def whole_cell(path):
    """A cell crop with its rules and 12 px of margin: (page, the cell's box)."""
    page = Image.open(path).convert("L")
    return page, (12, 12, page.width - 13, page.height - 13)


def test_digits_narrowed_from_the_recogniser_output():
    from pipeline.text.ocr.ctc import DIGITS, best_paths, digit_columns, greedy, log_likelihood, narrow_to_digits

    alphabet = ["blank", "1", "l", "O", "0", "中", *"23456789X"]
    probs = np.zeros((4, len(alphabet)))
    probs[0, alphabet.index("l")] = 0.9  # a lookalike counts for its digit
    probs[0, 0] = 0.1
    probs[1, alphabet.index("中")] = 1.0  # any other character counts as nothing
    probs[2, alphabet.index("O")] = 0.6
    probs[2, alphabet.index("8")] = 0.4
    probs[3, 0] = 1.0
    narrow = narrow_to_digits(probs, digit_columns(alphabet))
    assert narrow.shape == (4, 1 + len(DIGITS))
    assert narrow[1, 0] == pytest.approx(1.0)
    assert greedy(narrow).text == "10"
    paths = best_paths(narrow, floor=0.0)
    assert [p.text for p in paths[:2]] == ["10", "18"]
    # the beam's probability of a string is its CTC likelihood: here one path each
    assert paths[0].log_prob == pytest.approx(np.log(0.9 * 1.0 * 0.6 * 1.0))
    assert log_likelihood(narrow, "18") == pytest.approx(np.log(0.9 * 0.4))


def test_broken_digit_read_right_from_the_smoothed_crop():
    from pipeline.text.tables import SURE, read_number_cell

    rapid = get_engine("rapidocr")
    page, cell = whole_cell(MOBILE_CELL)
    line = read_number_cell(page, cell, 300, "mobile", [rapid.recognize_line], digit_reader=rapid.digit_probabilities)
    assert line.text == "19948567193"
    assert line.confidence >= SURE


def test_id_number_found_among_the_recogniser_readings_by_its_checksum():
    from pipeline.text.numbers import valid_id_number
    from pipeline.text.tables import DOUBTFUL, _digit_reading, cell_image, read_number_cell

    rapid, tesseract = get_engine("rapidocr"), get_engine("tesseract")
    page, cell = whole_cell(ID_CELL)
    smoothed = cell_image(page, cell, 300, smooth=1.5)
    text, _, best = _digit_reading(rapid.digit_probabilities(smoothed), "id")
    assert (text, best) == ("33252119780125211X", False)  # not the best reading, but the best that checks
    assert valid_id_number(text)
    line = read_number_cell(page, cell, 300, "id", [rapid.recognize_line, tesseract.recognize_line],
                            digit_reader=rapid.digit_probabilities)
    assert line.text == "33252119780125211X"  # confirmed by Tesseract on the smoothed crop
    # Without a second engine the one valid reading is kept, and shown to review as doubtful.
    alone = read_number_cell(page, cell, 300, "id", [rapid.recognize_line], digit_reader=rapid.digit_probabilities)
    assert (alone.text, alone.confidence <= DOUBTFUL) == ("33252119780125211X", True)


def test_lines_carry_their_least_sure_character():
    boxes = [((100, 100, 300, 138), "王德明", 0.9, 0.7), ((500, 102, 700, 140), "13812345678", 0.99, 0.95)]
    (line,) = assemble_lines(boxes)
    assert line.weakest == pytest.approx(70.0)
    assert line.review_confidence == pytest.approx(70.0)
    page, dpi = prepare_for_ocr(Image.open(TABLE), 300)
    result = get_engine("rapidocr").recognize(page, dpi=dpi)
    assert all(line.weakest is not None and line.weakest <= line.confidence + 1e-6 for line in result.lines)


def test_box_under_the_score_filter_is_re_read_when_asked():
    # Row numbers 8 and 9 of a signature table, a photocopier streak through them:
    # the recogniser scores the "9" box under 0.5 and the library would drop it.
    from pipeline.text.ocr.rapid import RapidOcrEngine

    page = Image.open(RESOURCES / "cells" / "row_numbers_streak.png").convert("L")
    assert RapidOcrEngine().recognize(page, dpi=300).lines == []
    reread = RapidOcrEngine(recover_dropped=True).recognize(page, dpi=300)
    assert [line.text for line in reread.lines] == ["9"]
    assert reread.lines[0].confidence >= 50
