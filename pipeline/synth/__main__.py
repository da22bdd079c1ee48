"""Command line: ``python -m pipeline.synth [--profile hard] --out sample_letters``.

Loads and validates the letter data, cross-checks the hand-authored case
truth against the reference rules, builds every letter, verifies the text
PDFs against the truth, and writes truth.jsonl, manifest.csv and README.md.
Files this generator wrote earlier (``letter_*``) are replaced; nothing else
in the output folder is touched.

``--profile hard`` renders every letter as a hard scan (``hard.py``) and adds
``numbers`` (ID-card and mobile numbers) and ``profile`` (the degradation) to
each truth row; the default ``moderate`` profile writes the committed set.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pipeline.errors import LianmingError
from pipeline.synth import check, content, hard, people, policycheck, truth
from pipeline.synth.build import build

LETTERS_DIR = Path(__file__).resolve().parent / "letters"


def _build_one(args):
    letter, out = args
    return build(letter, out)


def _truth_in_text(lt, text: str) -> list[str]:
    """The letter-level truth must be readable in the letter: representative, IDs, phones."""
    flat = "".join(text.split())
    errs = [f"{lt.file}: {v} is not in the text" for v in lt.representative.values() if v and v not in flat]
    for m in truth.ID_RE.finditer(text):
        if not people.valid_id(m.group(1)):
            errs.append(f"{lt.file}: invalid ID-card number {m.group(1)}")
    for m in truth.PHONE_RE.finditer(text):
        if not people.valid_phone(m.group(1)):
            errs.append(f"{lt.file}: invalid mobile number {m.group(1)}")
    return errs


def run(out: Path, letters_dir: Path, jobs: int, only: set[str] | None, profile: str = "moderate") -> int:
    cases, letters = content.load(letters_dir)
    if profile == "hard":
        letters = hard.harden(letters)
    errs = policycheck.check(cases, letters)
    if policycheck.reference_dir() is None:
        print("note: reference files not found; skipped the policy cross-check", file=sys.stderr)
    if errs:
        for e in errs:
            print("truth error: " + e, file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    todo = [lt for lt in letters if not only or lt.id in only or lt.file in only]
    if not only:
        for old in out.glob("letter_*"):
            old.unlink()
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            results = list(ex.map(_build_one, [(lt, out) for lt in todo]))
    else:
        results = [build(lt, out) for lt in todo]
    built = {r["id"]: r for r in results}
    problems = []
    for lt in todo:
        r = built[lt.id]
        if lt.format.startswith("pdf"):
            problems += check.verify_pdf(out / lt.file, lt.format, ["\n".join(p) for p in r["pages"]], "")
        problems += _truth_in_text(lt, "\n".join(ln for p in r["pages"] for ln in p))
        print(f"{lt.file:<18} {lt.format:<9} pages={len(r['pages'])} {lt.case_id} {r['desc']}")
    if problems:
        for p in problems:
            print("error: " + p, file=sys.stderr)
        return 1
    if only:
        print("partial run: truth files not rewritten")
        return 0
    first = truth.first_dates(letters)
    records = [truth.record(lt, cases[lt.case_id], first[lt.case_id], built[lt.id]["pages"]) for lt in letters]
    desc = {lt.file: built[lt.id]["desc"] for lt in letters}
    dpi = {lt.file: built[lt.id]["dpi"] for lt in letters}
    if profile == "hard":
        for lt, rec in zip(letters, records):
            desc[lt.file] = hard.profile(lt, desc[lt.file], dpi[lt.file])
            rec.update(numbers=truth.numbers(rec["text"]), profile=desc[lt.file])
    truth.write_truth(out, records)
    truth.write_manifest(out, letters)
    truth.write_readme(out, letters, records, desc, dpi, hard.README_HEAD if profile == "hard" else None)
    size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(f"{len(letters)} letters, {len(cases)} cases, {size / 1e6:.2f} MB in {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.synth", description="Generate the sample letters.")
    ap.add_argument("--out", type=Path, required=True, help="output folder, e.g. sample_letters")
    ap.add_argument("--letters", type=Path, default=LETTERS_DIR, help="folder of letter YAML files")
    ap.add_argument("--jobs", type=int, default=2, help="letters built in parallel")
    ap.add_argument("--only", nargs="*", help="build only these letter ids or files (no truth written)")
    ap.add_argument("--profile", choices=("moderate", "hard"), default="moderate",
                    help="moderate: the committed sample set; hard: every letter as a hard scan (OCR benchmark)")
    a = ap.parse_args(argv)
    try:
        return run(a.out, a.letters, a.jobs, set(a.only) if a.only else None, a.profile)
    except LianmingError as e:
        print(f"error: {e}", file=sys.stderr)
        return int(e.exit_code)


if __name__ == "__main__":
    sys.exit(main())
