"""Intake: every file becomes exactly one letter or one quarantine row."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pipeline.intake.register import intake_paths
from pipeline.store.models import Letter, Quarantine, Receipt

EXPECTED_REASONS = {
    "empty.pdf": "empty",
    "notes_not_a_letter.pdf": "unsupported_type",
    "corrupt.pdf": "corrupt",
    "encrypted.pdf": "encrypted",
    "truncated.jpg": "corrupt",
    "bomb.png": "decompression_bomb",
}


def count(ctx, model) -> int:
    with ctx.db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_each_letter_registered_once_with_pages_and_type(ctx, letters_dir):
    report = intake_paths(ctx, [letters_dir])
    assert [o.outcome for o in report.outcomes] == ["registered"] * 3
    with ctx.db.session() as s:
        letters = {lt.source_file.rsplit("/", 1)[-1]: lt for lt in s.scalars(select(Letter))}
    assert letters["scan_two_pages.tiff"].page_count == 2
    assert letters["scan_two_pages.tiff"].media_type == "image/tiff"
    assert letters["text_layer.pdf"].media_type == "application/pdf"
    assert letters["scan_small.png"].stage == "registered"
    # The original is stored byte for byte under its hash and is read-only.
    for lt in letters.values():
        stored = ctx.store.path_of(lt.sha256)
        assert stored.read_bytes() == (letters_dir / lt.source_file.rsplit("/", 1)[-1]).read_bytes()
        assert not stored.stat().st_mode & 0o222


def test_same_bytes_twice_is_one_letter(ctx, letters_dir, tmp_path):
    copy = tmp_path / "second_station" / "copy_of_scan.png"
    copy.parent.mkdir()
    shutil.copy(letters_dir / "scan_small.png", copy)
    report = intake_paths(ctx, [letters_dir, copy])
    outcomes = {o.source_file.rsplit("/", 1)[-1]: o for o in report.outcomes}
    assert outcomes["copy_of_scan.png"].outcome == "duplicate"
    assert outcomes["copy_of_scan.png"].letter_id == outcomes["scan_small.png"].letter_id
    assert "already registered" in outcomes["copy_of_scan.png"].reason
    assert count(ctx, Letter) == 3
    assert count(ctx, Receipt) == 4  # every hand-in is on record, duplicates included


def test_rerun_registers_nothing_twice(ctx, letters_dir, broken_dir):
    first = intake_paths(ctx, [letters_dir, broken_dir])
    second = intake_paths(ctx, [letters_dir, broken_dir])
    assert len(first.by_outcome("registered")) == 3
    assert second.by_outcome("registered") == []
    assert len(second.by_outcome("duplicate")) == 3
    assert len(second.by_outcome("quarantined_again")) == len(EXPECTED_REASONS)
    assert count(ctx, Letter) == 3
    assert count(ctx, Quarantine) == len(EXPECTED_REASONS)


def test_broken_files_are_quarantined_with_reasons(ctx, broken_dir):
    report = intake_paths(ctx, [broken_dir])
    reasons = {o.source_file.rsplit("/", 1)[-1]: o.reason_code for o in report.outcomes}
    assert reasons == EXPECTED_REASONS
    assert count(ctx, Letter) == 0
    with ctx.db.session() as s:
        for q in s.scalars(select(Quarantine)):
            assert q.reason  # a sentence a clerk can act on
            if q.size:
                assert ctx.store.path_of(q.sha256).is_file()  # kept as it arrived


def test_every_file_ends_in_exactly_one_place(ctx, letters_dir, broken_dir):
    report = intake_paths(ctx, [letters_dir, broken_dir])
    assert len(report.outcomes) == 3 + len(EXPECTED_REASONS)
    with ctx.db.session() as s:
        letter_shas = set(s.scalars(select(Letter.sha256)))
        quarantine_shas = set(s.scalars(select(Quarantine.sha256)))
    assert not letter_shas & quarantine_shas
    assert {o.sha256 for o in report.outcomes} == letter_shas | quarantine_shas


def test_manifest_gives_time_and_station_and_sidecars_are_skipped(ctx, letters_dir):
    (letters_dir / "manifest.csv").write_text(
        "file,received_at,station\n"
        "scan_small.png,2026-03-05T09:30:00,青山县信访局\n"
        "text_layer.pdf,not-a-date,市信访局一楼扫描站\n"
        "missing.pdf,2026-03-06T10:00:00+08:00,青山县信访局\n", encoding="utf-8")
    (letters_dir / "README.md").write_text("station notes", encoding="utf-8")
    report = intake_paths(ctx, [letters_dir], station="默认扫描站")
    assert sorted(p.rsplit("/", 1)[-1] for p in report.skipped) == ["README.md", "manifest.csv"]
    assert any("not-a-date" in p for p in report.problems)
    assert any("missing.pdf" in p for p in report.problems)
    with ctx.db.session() as s:
        by_name = {lt.source_file.rsplit("/", 1)[-1]: lt for lt in s.scalars(select(Letter))}
    scan = by_name["scan_small.png"]
    # A time without a zone is the office's (UTC+8): 09:30 there is 01:30 UTC.
    assert scan.received_at.utcoffset() is not None
    assert (scan.received_at.hour, scan.received_at.minute) == (1, 30)
    assert scan.station == "青山县信访局"
    assert by_name["text_layer.pdf"].station == "市信访局一楼扫描站"
    assert by_name["scan_two_pages.tiff"].station == "默认扫描站"
    # A bad manifest time falls back to the registration time.
    assert abs((by_name["text_layer.pdf"].received_at - datetime.now(UTC)).total_seconds()) < 300


@pytest.mark.parametrize("limit_field,value,reason", [("max_file_mb", 0.01, "too_large"), ("max_pages", 1, "too_large")])
def test_limits_quarantine(tmp_path, letters_dir, limit_field, value, reason):
    from pipeline.context import PipelineContext
    from pipeline.settings import load_settings

    ctx = PipelineContext.open(load_settings(home=tmp_path / "h", **{limit_field: value}))
    try:
        report = intake_paths(ctx, [letters_dir / "scan_two_pages.tiff"])
    finally:
        ctx.close()
    assert report.outcomes[0].outcome == "quarantined"
    assert report.outcomes[0].reason_code == reason


def test_concurrent_intakes_of_the_same_file_make_one_letter(ctx, letters_dir):
    from concurrent.futures import ThreadPoolExecutor

    target = letters_dir / "text_layer.pdf"
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(lambda _: intake_paths(ctx, [target]), range(4)))
    outcomes = sorted(r.outcomes[0].outcome for r in reports)
    assert outcomes == ["duplicate", "duplicate", "duplicate", "registered"]
    assert count(ctx, Letter) == 1
