"""The committed sample set: generated reproducibly, and every file processed exactly once.

The end-to-end test runs the real flow (real Tesseract) over the whole of
``sample_letters/``; it takes about a minute on two cores.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from pipeline.store.documents import sha256_of
from pipeline.synth import content
from pipeline.synth.__main__ import LETTERS_DIR
from pipeline.synth.build import build
from pipeline.synth.check import verify_pdf

SAMPLES = Path(__file__).parent.parent / "sample_letters"


def truth_rows() -> list[dict]:
    return [json.loads(line) for line in (SAMPLES / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line]


def test_sample_set_covers_every_category_and_format():
    from pipeline.config import load_policy

    rows = truth_rows()
    assert len(rows) >= 24
    assert {r["category"] for r in rows} == set(load_policy().category_codes)
    assert {r["format"] for r in rows} == {"pdf_text", "pdf_scan", "png", "jpeg", "tiff"}
    assert sum(p.stat().st_size for p in SAMPLES.iterdir()) < 20 * 2**20
    listed = {r["file"] for r in rows}
    assert listed == {p.name for p in SAMPLES.glob("letter_*")}


@pytest.mark.parametrize("letter_file", ["letter_03.pdf", "letter_21.tif"])
def test_generator_is_reproducible(tmp_path, letter_file):
    _, letters = content.load(LETTERS_DIR)
    letter = next(lt for lt in letters if lt.file == letter_file)
    result = build(letter, tmp_path)
    assert sha256_of(tmp_path / letter_file) == sha256_of(SAMPLES / letter_file)
    if letter.format.startswith("pdf"):
        assert verify_pdf(tmp_path / letter_file, letter.format, ["\n".join(p) for p in result["pages"]], "") == []


def test_whole_sample_set_through_the_flow_exactly_once(prefect_harness, tmp_path):
    from flows.batch import run_batch

    inbox = tmp_path / "sample_letters"
    shutil.copytree(SAMPLES, inbox)
    home = str(tmp_path / "home")
    first = run_batch(inputs=[str(inbox)], out_dir=str(tmp_path / "out"), workers=2, home=home)
    rows = truth_rows()
    letters = [json.loads(line) for line in (tmp_path / "out" / "letters.jsonl").read_text(encoding="utf-8").splitlines()]
    shas = Counter(r["sha256"] for r in letters)
    for row in rows:
        assert shas[sha256_of(SAMPLES / row["file"])] == 1, row["file"]
    assert len(letters) == len(rows)
    assert first["quarantined"] == [] and first["text_failed"] == []
    assert all(r["text"] for r in letters)
    # The manifest's reception times and stations were taken.
    by_file = {Path(r["source_file"]).name: r for r in letters}
    for row in rows:
        assert by_file[row["file"]]["received_at"] == row["received_at"]
        assert by_file[row["file"]]["station"] == row["station"]

    second = run_batch(inputs=[str(inbox)], out_dir=str(tmp_path / "out2"), workers=2, home=home)
    assert (second["registered"], second["already_registered"], second["text_read"]) == (0, len(rows), 0)
    assert json.loads((tmp_path / "out2" / "run.json").read_text(encoding="utf-8"))["counts"]["cases"] \
        == json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))["counts"]["cases"]

    # Understanding, grouping, risk and routing meet the issues' targets on
    # the sample set (the same figures `lianming evaluate` prints).
    from pipeline.evaluate.report import evaluate_run

    metrics = evaluate_run(tmp_path / "out", SAMPLES / "truth.jsonl")
    unmet = [t for t in metrics["targets"] if not t["met"]]
    assert not unmet, unmet
