"""The batch flow end to end under Prefect's test harness, and the CLI around it."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import app
from pipeline.config import load_policy
from pipeline.evaluate.metrics import cer
from tests.conftest import RESOURCES, truth_text


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def inbox(tmp_path, letters_dir):
    for f in (RESOURCES / "broken").iterdir():
        shutil.copy(f, letters_dir / f"broken_{f.name}")
    return letters_dir


def run_flow(inbox, out, **params):
    from flows.batch import run_batch

    return run_batch(inputs=[str(inbox)], out_dir=str(out), workers=2, **params)


def test_flow_writes_contract_and_rerun_changes_nothing(prefect_harness, tmp_path, inbox):
    home = tmp_path / "home"
    first = run_flow(inbox, tmp_path / "out1", home=str(home))
    letters = read_jsonl(tmp_path / "out1" / "letters.jsonl")
    quarantine = read_jsonl(tmp_path / "out1" / "quarantine.jsonl")
    assert first["registered"] == 3 and first["text_read"] == 3 and not first["text_failed"]
    assert len(first["quarantined"]) == 6

    # Every file given ends in exactly one of the two outputs.
    given = sorted(p.name for p in inbox.iterdir())
    ended = sorted([r["source_file"].rsplit("/", 1)[-1] for r in letters]
                   + [r["source_file"].rsplit("/", 1)[-1] for r in quarantine])
    assert ended == given
    by_name = {r["source_file"].rsplit("/", 1)[-1]: r for r in letters}
    assert by_name["text_layer.pdf"]["text_source"] == ["pdf_text"]
    assert by_name["scan_two_pages.tiff"]["text_source"] == ["ocr:rapidocr"] * 2  # the default engine
    assert cer(truth_text("scan_small.png"), by_name["scan_small.png"]["text"]) < 0.05
    # Every stage ran: each letter classified (with the model's version) and
    # in exactly one case, and each case routed with a risk level.
    run_info = json.loads((tmp_path / "out1" / "run.json").read_text(encoding="utf-8"))
    assert set(run_info["stages"].values()) == {"ran"}
    codes = set(load_policy().category_codes)
    assert all(r["category"] in codes and r["model_version"] and r["case_id"] for r in letters)
    cases = read_jsonl(tmp_path / "out1" / "cases.jsonl")
    members = sorted(lid for c in cases for lid in c["letters"])
    assert members == sorted(r["letter_id"] for r in letters)
    assert all(c["lead_unit"] and c["risk_level"] in ("urgent", "high", "medium", "low") for c in cases)

    second = run_flow(inbox, tmp_path / "out2", home=str(home))
    assert second["registered"] == 0 and second["already_registered"] == 3
    assert second["text_read"] == 0  # nothing re-read
    assert read_jsonl(tmp_path / "out2" / "letters.jsonl") == letters


@pytest.mark.postgres
def test_flow_runs_on_postgres(prefect_harness, tmp_path, inbox, pg_url):
    from pipeline.cli.main import app as cli

    runner = CliRunner()
    intake = runner.invoke(cli, ["intake", str(inbox / "scan_small.png"), "--home", str(tmp_path / "h"),
                                 "--db-url", pg_url])
    assert intake.exit_code == 0, intake.output
    summary = run_flow(inbox, tmp_path / "out", home=str(tmp_path / "h"), db_url=pg_url)
    assert summary["registered"] == 2 and summary["already_registered"] == 1
    assert summary["text_read"] == 3
    letters = read_jsonl(tmp_path / "out" / "letters.jsonl")
    assert len(letters) == 3 and all(r["text"] for r in letters)
    assert all(r["received_at"].endswith("+08:00") for r in letters)


def test_cli_run_and_evaluate(prefect_harness, tmp_path, letters_dir):
    truth = letters_dir / "truth.jsonl"  # beside the letters, as in sample_letters/; intake skips it
    rows = [{"file": name, "text": truth_text(name), "scanned": not name.endswith(".pdf"),
             "format": name.rsplit(".", 1)[-1], "case_id": "C1"} for name in sorted(p.name for p in letters_dir.iterdir())
            if name != "truth.jsonl"]
    truth.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(letters_dir), "--out", str(tmp_path / "out"), "--home", str(tmp_path / "h")])
    assert result.exit_code == 0, result.output
    assert "new letters registered" in result.output
    metrics_file = tmp_path / "metrics.json"
    result = runner.invoke(app, ["evaluate", str(tmp_path / "out"), "--truth", str(truth), "--json", str(metrics_file)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    assert metrics["intake"]["completeness"] == 1.0
    assert metrics["text"]["cer_text_layer"]["median"] == 0.0
    assert metrics["text"]["cer_scanned"]["median"] < 0.05
    # Fields the truth does not give are reported as such, never scored as wrong.
    assert metrics["fields"]["category"] == "not in the truth"
    assert metrics["fields"]["grouping"]["true_pairs"] == 3  # the three letters are all in case C1


def test_cli_maps_errors_to_exit_codes(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["evaluate", str(tmp_path), "--truth", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 8
    assert "does not exist" in result.output
    bad = tmp_path / "settings.toml"
    bad.write_text("max_pages = 'many'\n", encoding="utf-8")
    result = runner.invoke(app, ["migrate", "--home", str(tmp_path / "h"), "--config", str(bad)])
    assert result.exit_code == 4
    assert "max_pages" in result.output
