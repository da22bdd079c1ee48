"""OCR benchmark: engines and page preparation on the project's scanned letters.

    .venv/bin/python bench/ocr.py [--set DIR] [--config NAME ...] [--workers 2]

``--set`` is a folder with letters and their ``truth.jsonl`` (default: the
hard set in bench/ocr_set/data, generated on first use by
``python -m pipeline.synth --profile hard``). Every configuration reads every
page of every scanned letter, pages spread over ``--workers`` processes (one
per core; Tesseract with OMP_THREAD_LIMIT=1). Printed per configuration:
median and mean CER (NFKC, whitespace removed), exact-match rate of ID-card and
mobile numbers, median seconds per page, and that time as a ratio to bare
Tesseract measured in the same run. ``--confidence`` adds, for the default
configuration, how well line confidence predicts errors.
"""

from __future__ import annotations

import argparse
import json
import os
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
}


def _read_page(job: tuple[str, str, int]) -> tuple[str, float, list]:
    """One page under one configuration, in a worker process."""
    config, path, index = job
    engines, combine, steps, tables = CONFIGS[config]
    with open(path, "rb") as fh:
        media_type = sniff_media_type(fh.read(2048))
    with open_pages(Path(path), media_type, dpi=300) as pages:
        image, dpi = pages[index].render()
    started = time.perf_counter()
    if combine == "bare":
        import pytesseract

        text = pytesseract.image_to_string(image, lang="chi_sim", config="--psm 3")
        return tidy_lines(text), time.perf_counter() - started, []
    from pipeline.text.ocr.base import build_engine
    from pipeline.text.prepare import prepare_for_ocr
    from pipeline.text.strategy import ocr_page

    prepared, used_dpi = prepare_for_ocr(image, dpi, steps)
    result = ocr_page(prepared, used_dpi, engine=build_engine(engines, combine=combine), read_tables=tables)
    lines = [(line.text, line.confidence) for line in result.lines]
    return tidy_lines(result.text), time.perf_counter() - started, lines


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
    cers, found, expected = [], 0, 0
    seconds = [s for pages in by_file.values() for _, s, _ in pages]
    for row in rows:
        text = "\n".join(t for t, _, _ in by_file[row["file"]])
        cers.append(cer(row["text"], text))
        f, e = numbers_exact(row["text"], text)
        found, expected = found + f, expected + e
    return {"letters": len(rows), "pages": len(seconds), "cer_median": statistics.median(cers),
            "cer_mean": statistics.fmean(cers), "numbers_exact": found / expected if expected else None,
            "numbers": expected, "s_per_page": statistics.median(seconds)}


def confidence_report(rows: list[dict], by_file: dict[str, list], threshold: float) -> dict:
    """Do low-confidence lines hold the errors? Each line is matched to its
    best place in the truth; its errors are the edit distance there."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    from pipeline.text.cjk import comparable

    low_err = all_err = low_lines = all_lines = 0
    for row in rows:
        truth = comparable(row["text"])
        for _, _, lines in by_file[row["file"]]:
            for text, conf in lines:
                hyp = comparable(text)
                if not hyp:
                    continue
                al = fuzz.partial_ratio_alignment(hyp, truth)
                ref = truth[al.dest_start:al.dest_end] if al else ""
                errors = Levenshtein.distance(hyp, ref)
                all_err += errors
                all_lines += 1
                if conf is not None and conf < threshold:
                    low_err += errors
                    low_lines += 1
    return {"threshold": threshold, "share_of_lines_below": low_lines / max(1, all_lines),
            "share_of_errors_in_them": low_err / max(1, all_err), "line_errors": all_err}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET)
    ap.add_argument("--config", nargs="*", default=["bare-tesseract", "tesseract", "rapidocr"], choices=list(CONFIGS))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--limit", type=int, help="only the first N scanned letters (quick looks)")
    ap.add_argument("--confidence", type=float, help="line-confidence threshold to analyse (e.g. 90)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
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
    print(f"\n{'configuration':<20}{'CER median':>11}{'CER mean':>10}{'IDs+phones exact':>18}{'s/page':>8}{'x bare':>8}")
    for config, f in figures.items():
        f["time_ratio_to_bare"] = f["s_per_page"] / base if base else None
        exact = f"{f['numbers_exact']:.1%} of {f['numbers']}" if f["numbers_exact"] is not None else "—"
        print(f"{config:<20}{f['cer_median']:>11.2%}{f['cer_mean']:>10.2%}{exact:>18}"
              f"{f['s_per_page']:>8.2f}{f['time_ratio_to_bare']:>8.2f}")
        if "confidence" in f:
            c = f["confidence"]
            print(f"{'':<20}lines below {c['threshold']:.0f}: {c['share_of_lines_below']:.1%} of lines hold "
                  f"{c['share_of_errors_in_them']:.1%} of the {c['line_errors']} line errors")
    if a.json:
        a.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
