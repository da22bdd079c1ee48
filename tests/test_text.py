"""The text stage: strategy per page, real Tesseract, clean-up, failures kept."""

from __future__ import annotations

import pytest
from PIL import Image
from sqlalchemy import select

from pipeline.errors import MissingDependencyError, OcrEngineError, OcrTimeoutError
from pipeline.evaluate.metrics import cer
from pipeline.intake.register import intake_paths
from pipeline.store.models import Letter
from pipeline.text.cjk import comparable, remove_cjk_spaces, tidy_lines
from pipeline.text.ocr.base import OcrResult, get_engine
from pipeline.text.ocr.tesseract import TesseractEngine
from pipeline.text.prepare import drop_red_ink, upscale_to_target
from pipeline.text.stage import extract_letter_text
from pipeline.text.strategy import judge_text_layer
from tests.conftest import RESOURCES, truth_text


def test_cjk_spaces_removed_latin_spaces_and_line_breaks_kept():
    raw = "我 们 是 柳 河 村 村 民 ， 电 话 138 1234 5678\nDear Sir 你 好"
    assert remove_cjk_spaces(raw) == "我们是柳河村村民，电话138 1234 5678\nDear Sir你好"
    assert tidy_lines("  第 一 行 \n\n\n\n第 二 行") == "第一行\n\n第二行"


def test_comparable_folds_width_and_whitespace():
    assert comparable("联系人：张三，电话 １３８") == comparable("联系人:张三,电话138")


@pytest.mark.parametrize("text,use", [
    (None, False),
    ("   \n ", False),
    ("(cid:12)(cid:13)(cid:14)" * 10, False),
    ("第一页", False),
    ("关于柳河镇新庄村征地补偿款的反映，我村村民四十二户的补偿款至今未发放。", True),
    ("\ue000\ue001\ue002" * 20, False),
])
def test_text_layer_judgement(text, use):
    ok, reason = judge_text_layer(text, min_chars=20)
    assert ok is use
    assert reason


def test_red_ink_is_dropped_black_ink_kept():
    img = Image.new("RGB", (10, 1), "white")
    img.putpixel((1, 0), (0, 0, 0))
    img.putpixel((2, 0), (215, 60, 60))
    grey = drop_red_ink(img)
    assert grey.getpixel((1, 0)) < 50
    assert grey.getpixel((2, 0)) > 200


def test_low_dpi_is_upscaled_to_300():
    img, dpi = upscale_to_target(Image.new("L", (200, 100), 255), 200)
    assert (img.size, dpi) == ((300, 150), 300)


def test_text_layer_pdf_read_exactly(ctx, letters_dir):
    intake_paths(ctx, [letters_dir / "text_layer.pdf"])
    with ctx.db.session() as s:
        letter_id = s.scalar(select(Letter.id))
    result = extract_letter_text(ctx, letter_id)
    assert result["sources"] == ["pdf_text"]
    with ctx.db.session() as s:
        letter = s.get(Letter, letter_id)
        assert cer(truth_text("text_layer.pdf"), letter.text) == 0.0
        assert letter.ocr_confidence is None
        assert letter.pages[0].strategy_note.startswith("text layer holds")


@pytest.mark.parametrize("engine_name", ["tesseract", "rapidocr"])
def test_scan_read_by_real_engines(ctx, letters_dir, engine_name):
    intake_paths(ctx, [letters_dir / "scan_two_pages.tiff"])
    with ctx.db.session() as s:
        letter_id = s.scalar(select(Letter.id))
    result = extract_letter_text(ctx, letter_id, engine=get_engine(engine_name))
    assert result["ok"] and result["sources"] == [f"ocr:{engine_name}"] * 2
    with ctx.db.session() as s:
        letter = s.get(Letter, letter_id)
        assert cer(truth_text("scan_two_pages.tiff"), letter.text) < 0.05
        assert " " not in letter.pages[0].text.split("\n")[0]  # no spaces between Chinese characters
        assert 50 < letter.ocr_confidence <= 100
        assert letter.pages[0].lines and letter.pages[0].lines[0]["confidence"] is not None
        assert letter.stage == "text_extracted"


class FailingEngine:
    name = "failing"

    def __init__(self):
        self.calls = 0

    def recognize(self, image, *, dpi):
        self.calls += 1
        raise OcrEngineError("engine crashed")


class EchoEngine:
    name = "echo"

    def recognize(self, image, *, dpi):
        return OcrResult(text="回 显", confidence=42.0, lines=[], engine="echo")


def test_failing_engine_keeps_letter_and_next_run_retries(ctx, letters_dir):
    intake_paths(ctx, [letters_dir / "scan_small.png"])
    with ctx.db.session() as s:
        letter_id = s.scalar(select(Letter.id))
    engine = FailingEngine()
    result = extract_letter_text(ctx, letter_id, engine=engine)
    assert result["ok"] is False and "page 1" in result["error"]
    with ctx.db.session() as s:
        letter = s.get(Letter, letter_id)
        assert letter.stage == "registered"  # still there, still pending
        assert "engine crashed" in letter.stage_error
        assert "text_failed" in letter.review_reasons
    assert extract_letter_text(ctx, letter_id, engine=EchoEngine())["ok"]
    with ctx.db.session() as s:
        letter = s.get(Letter, letter_id)
        assert (letter.stage, letter.text, letter.stage_error) == ("text_extracted", "回显", None)
        assert "low_ocr_confidence" in letter.review_reasons  # 42 < the policy's 70


def test_rerunning_text_stage_does_not_double_pages(ctx, letters_dir):
    intake_paths(ctx, [letters_dir / "scan_two_pages.tiff"])
    with ctx.db.session() as s:
        letter_id = s.scalar(select(Letter.id))
    extract_letter_text(ctx, letter_id, engine=EchoEngine())
    extract_letter_text(ctx, letter_id, engine=EchoEngine())
    with ctx.db.session() as s:
        assert [p.page_no for p in s.get(Letter, letter_id).pages] == [1, 2]


def test_tesseract_timeout_becomes_domain_error():
    img = Image.open(RESOURCES / "letters" / "scan_small.png")
    with pytest.raises(OcrTimeoutError):
        TesseractEngine(timeout_s=0.001).recognize(img, dpi=300)


def test_missing_language_data_is_a_clear_error():
    img = Image.new("L", (50, 50), 255)
    with pytest.raises(MissingDependencyError, match="tesseract-ocr-xyz"):
        TesseractEngine(language="xyz").recognize(img, dpi=300)


def test_scanned_letter_gets_a_searchable_archive(ctx, letters_dir):
    import pdfplumber

    intake_paths(ctx, [letters_dir / "scan_two_pages.tiff", letters_dir / "text_layer.pdf"])
    with ctx.db.session() as s:
        ids = {lt.media_type: lt.id for lt in s.scalars(select(Letter))}
    for letter_id in ids.values():
        extract_letter_text(ctx, letter_id)
    with ctx.db.session() as s:
        scan = s.get(Letter, ids["image/tiff"])
        assert s.get(Letter, ids["application/pdf"]).archive_sha256 is None  # its own text layer suffices
        archive = ctx.store.path_of(scan.archive_sha256)
        with pdfplumber.open(archive) as pdf:
            assert len(pdf.pages) == 2
            extracted = "\n".join(page.extract_text() or "" for page in pdf.pages)
            assert pdf.pages[0].images  # the scan itself is in the archive
        assert cer(scan.text, extracted) < 0.02
