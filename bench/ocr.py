"""OCR benchmark: engines and page preparation on the project's scanned letters.

    .venv/bin/python bench/ocr.py [--set DIR] [--config NAME ...] [--workers 2]

``--set`` is a folder with letters and their ``truth.jsonl`` (default: the
hard set in bench/ocr_set/data, generated on first use by
``python -m pipeline.synth --profile hard``). Every configuration reads every
page of every scanned letter, pages spread over ``--workers`` processes (one
per core; Tesseract with OMP_THREAD_LIMIT=1). Printed per configuration:
median and mean CER (NFKC, whitespace removed), exact-match rate of ID-card and
mobile numbers, median seconds per page (wall clock, and CPU seconds of the
worker and its Tesseract processes, which other work on a shared machine does
not stretch) and each as a ratio to bare Tesseract measured in the same run.
``--confidence`` adds how well line confidence predicts errors; ``--misses``
the missed numbers per letter.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.evaluate.metrics import cer, numbers_exact  # noqa: E402
from pipeline.intake.validate import sniff_media_type  # noqa: E402
from pipeline.text.cjk import tidy_lines  # noqa: E402
from pipeline.text.pages import open_pages  # noqa: E402

DEFAULT_SET = REPO / "bench" / "ocr_set" / "data"

# name -> (engines, combine, preparation steps, tables read cell by cell);
# "bare" is plain Tesseract on the page as rendered: no preparation, psm 3.
CONFIGS: dict[str, tuple[list[str], str, list[str], bool]] = {
    "bare-tesseract": (["tesseract"], "bare", [], False),
    "tesseract": (["tesseract"], "fallback", ["upscale"], False),
    "tesseract+tables": (["tesseract"], "fallback", ["upscale"], True),
    "tesseract+deskew": (["tesseract"], "fallback", ["upscale", "deskew"], False),
    "tesseract+deskew+tables": (["tesseract"], "fallback", ["upscale", "deskew"], True),
    "tesseract+prep": (["tesseract"], "fallback", ["upscale", "deskew", "flatten", "remove_rules"], True),
    "rapidocr": (["rapidocr"], "fallback", ["upscale"], False),
    "rapidocr+tables": (["rapidocr"], "fallback", ["upscale"], True),
    "rapidocr+deskew": (["rapidocr"], "fallback", ["upscale", "deskew"], False),
    "rapidocr+deskew+tables": (["rapidocr"], "fallback", ["upscale", "deskew"], True),
    "rapidocr+flatten": (["rapidocr"], "fallback", ["upscale", "flatten"], True),
    "rapidocr+rules": (["rapidocr"], "fallback", ["upscale", "remove_rules"], False),
    "rapidocr+denoise": (["rapidocr"], "fallback", ["upscale", "denoise"], True),
    "rapidocr+binarize": (["rapidocr"], "fallback", ["upscale", "binarize"], True),
    "best-of": (["rapidocr", "tesseract"], "best", ["upscale"], True),
    # RapidOCR first, Tesseract as fallback and as second reader of number cells.
    "rapidocr>tesseract+deskew+tables": (["rapidocr", "tesseract"], "fallback", ["upscale", "deskew"], True),
    # The same, re-reading the boxes RapidOCR scores under 0.5 instead of dropping them.
    "rapidocr>tesseract+deskew+tables+reread": (["rapidocr", "tesseract"], "fallback", ["upscale", "deskew"], True),
}
# Engine attributes set per configuration.
ENGINE_OPTIONS: dict[str, dict] = {"rapidocr>tesseract+deskew+tables+reread": {"recover_dropped": True}}


def _read_page(job: tuple[str, str, int]) -> tuple[str, float, list]:
    """One page under one configuration, in a worker process."""
    config, path, index = job
    engines, combine, steps, tables = CONFIGS[config]
    with open(path, "rb") as fh:
        media_type = sniff_media_type(fh.read(2048))
    with open_pages(Path(path), media_type, dpi=300) as pages:
        image, dpi = pages[index].render()
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    if combine == "bare":
        import pytesseract

        text = pytesseract.image_to_string(image, lang="chi_sim", config="--psm 3")
        return tidy_lines(text), time.perf_counter() - started, [], _cpu_seconds() - cpu_started
    from pipeline.text.ocr.base import build_engine
    from pipeline.text.prepare import prepare_for_ocr
    from pipeline.text.strategy import ocr_page

    prepared, used_dpi = prepare_for_ocr(image, dpi, steps)
    engine = build_engine(engines, combine=combine)
    for part in getattr(engine, "engines", [engine]):
        for name, value in ENGINE_OPTIONS.get(config, {}).items():
            if hasattr(part, name):
                setattr(part, name, value)
    result = ocr_page(prepared, used_dpi, engine=engine, read_tables=tables)
    lines = [(line.text, line.confidence, line.review_confidence) for line in result.lines]
    return tidy_lines(result.text), time.perf_counter() - started, lines, _cpu_seconds() - cpu_started


def _cpu_seconds() -> float:
    """CPU time of this worker and of the Tesseract processes it ran and waited for:
    unlike wall time, not stretched by other work on a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def page_jobs(set_dir: Path, rows: list[dict]) -> list[tuple[str, int]]:
    jobs = []
    for row in rows:
        path = set_dir / row["file"]
        with open(path, "rb") as fh:
            media_type = sniff_media_type(fh.read(2048))
        with open_pages(path, media_type, dpi=300) as pages:
            jobs += [(str(path), i) for i in range(len(pages))]
    return jobs


def run_config(config: str, jobs: list[tuple[str, int]], workers: int) -> dict:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_read_page, [(config, p, i) for p, i in jobs]))
    by_file: dict[str, list] = {}
    for (path, _), result in zip(jobs, results, strict=True):
        by_file.setdefault(Path(path).name, []).append(result)
    return by_file


def score(rows: list[dict], by_file: dict[str, list]) -> dict:
    from pipeline.evaluate.metrics import numbers_in
    from pipeline.text.cjk import comparable

    cers, found, expected, missed = [], 0, 0, {}
    seconds = [s for pages in by_file.values() for _, s, _, _ in pages]
    cpu = [c for pages in by_file.values() for _, _, _, c in pages]
    for row in rows:
        text = "\n".join(t for t, _, _, _ in by_file[row["file"]])
        cers.append(cer(row["text"], text))
        f, e = numbers_exact(row["text"], text)
        found, expected = found + f, expected + e
        if f < e:
            ids, phones = numbers_in(row["text"])
            missed[row["file"]] = [n for n in ids + phones if n not in comparable(text)]
    return {"letters": len(rows), "pages": len(seconds), "cer_median": statistics.median(cers),
            "cer_mean": statistics.fmean(cers), "numbers_exact": found / expected if expected else None,
            "numbers": expected, "s_per_page": statistics.median(seconds),
            "cpu_s_per_page": statistics.median(cpu), "missed_numbers": missed}


def confidence_report(rows: list[dict], by_file: dict[str, list], thresholds: list[float]) -> dict:
    """Do low-confidence lines hold the errors? Each line is matched to its
    best place in the truth; its errors are the edit distance there. Two
    measures of a line: its confidence (mean over its characters or boxes)
    and its least sure character's (``weakest``, where the engine gives it)."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    from pipeline.text.cjk import comparable

    scored = []  # (confidence, weakest, errors) per line
    for row in rows:
        truth = comparable(row["text"])
        for _, _, lines, _ in by_file[row["file"]]:
            for text, conf, weakest in lines:
                hyp = comparable(text)
                if not hyp:
                    continue
                al = fuzz.partial_ratio_alignment(hyp, truth)
                ref = truth[al.dest_start:al.dest_end] if al else ""
                scored.append((conf, weakest, Levenshtein.distance(hyp, ref)))
    all_err = sum(e for _, _, e in scored)
    report = {"line_errors": all_err, "lines": len(scored), "thresholds": [],
              "scored_lines": scored}  # for other thresholds, offline
    for threshold in thresholds:
        entry = {"threshold": threshold}
        for measure, index in (("line", 0), ("weakest", 1)):
            low = [s for s in scored if s[index] is not None and s[index] < threshold]
            entry[measure] = {"share_of_lines_below": len(low) / max(1, len(scored)),
                              "share_of_errors_in_them": sum(e for _, _, e in low) / max(1, all_err)}
        report["thresholds"].append(entry)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET)
    ap.add_argument("--config", nargs="*", default=["bare-tesseract", "tesseract", "rapidocr"], choices=list(CONFIGS))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--limit", type=int, help="only the first N scanned letters (quick looks)")
    ap.add_argument("--confidence", type=float, nargs="+", help="line-confidence thresholds to analyse (e.g. 90)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--misses", action="store_true", help="also print, per letter, how many IDs and phones were missed")
    a = ap.parse_args(argv)
    if not (a.set / "truth.jsonl").is_file():
        if a.set != DEFAULT_SET:
            ap.error(f"{a.set} has no truth.jsonl")
        print(f"generating the hard set into {a.set} ...", flush=True)
        subprocess.run([sys.executable, "-m", "pipeline.synth", "--profile", "hard", "--out", str(a.set)],
                       check=True, cwd=REPO)
    rows = [json.loads(line) for line in (a.set / "truth.jsonl").read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if r.get("scanned")][: a.limit]
    jobs = page_jobs(a.set, rows)
    configs = a.config if "bare-tesseract" in a.config else ["bare-tesseract", *a.config]
    print(f"{len(rows)} scanned letters, {len(jobs)} pages, {a.workers} worker processes")
    figures = {}
    for config in configs:
        by_file = run_config(config, jobs, a.workers)
        figures[config] = score(rows, by_file)
        if a.confidence is not None and config != "bare-tesseract":
            figures[config]["confidence"] = confidence_report(rows, by_file, a.confidence)
        print(f"  done {config}", flush=True)
    base = figures["bare-tesseract"]["s_per_page"]
    cpu_base = figures["bare-tesseract"]["cpu_s_per_page"]
    print(f"\n{'configuration':<20}{'CER median':>11}{'CER mean':>10}{'IDs+phones exact':>18}{'s/page':>8}{'x bare':>8}"
          f"{'cpu s/page':>11}{'x bare':>8}")
    for config, f in figures.items():
        f["time_ratio_to_bare"] = f["s_per_page"] / base if base else None
        f["cpu_ratio_to_bare"] = f["cpu_s_per_page"] / cpu_base if cpu_base else None
        exact = f"{f['numbers_exact']:.1%} of {f['numbers']}" if f["numbers_exact"] is not None else "—"
        print(f"{config:<20}{f['cer_median']:>11.2%}{f['cer_mean']:>10.2%}{exact:>18}"
              f"{f['s_per_page']:>8.2f}{f['time_ratio_to_bare']:>8.2f}"
              f"{f['cpu_s_per_page']:>11.2f}{f['cpu_ratio_to_bare']:>8.2f}")
        if a.misses and f["missed_numbers"]:
            print(f"{'':<20}missed: " + "; ".join(f"{name} {len(ns)}" for name, ns in f["missed_numbers"].items()))
        if "confidence" in f:
            c = f["confidence"]
            for entry in c["thresholds"]:
                line, weakest = entry["line"], entry["weakest"]
                print(f"{'':<20}below {entry['threshold']:.0f}: lines {line['share_of_lines_below']:.1%} hold "
                      f"{line['share_of_errors_in_them']:.1%} of the {c['line_errors']} line errors; by least sure "
                      f"character {weakest['share_of_lines_below']:.1%} hold {weakest['share_of_errors_in_them']:.1%}")
    if a.json:
        a.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
