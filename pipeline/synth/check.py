"""Check a generated sample set against its truth.

- Text PDFs: pdfplumber's text of each page, whitespace removed, must equal
  the page's true text with whitespace removed (no other normalisation);
  scanned PDFs must have no text layer.
- Scans (``--ocr``): plain Tesseract 5 ``chi_sim`` (psm 3) on every page;
  the character error rate is Levenshtein(ocr, truth) / len(truth) after NFKC
  and with all whitespace removed (which also drops Tesseract's spaces
  between Chinese characters). It also counts the ID-card and mobile numbers
  of the truth (the row's ``numbers``, or ``truth.numbers`` of its text) that
  appear exactly in the OCR output with whitespace removed. Letters are
  grouped by the kind of file that starts a hard-set ``profile``
  ("tiff-g4 (200 dpi): ...") or else by format.

    .venv/bin/python -m pipeline.synth.check sample_letters [--ocr] [--files letter_03.png ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

from pipeline.evaluate.metrics import cer as _cer  # (reference, hypothesis)
from pipeline.synth.truth import numbers as _numbers
from pipeline.text.cjk import comparable


def squash(s: str) -> str:
    """Whitespace removed, nothing else changed (the exact-extraction test)."""
    return "".join(s.split())


def pdf_page_texts(path: Path) -> list[str]:
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


def verify_pdf(path: Path, fmt: str, pages_truth: list[str] | None, whole_truth: str) -> list[str]:
    """Problems with one PDF (empty when it is right)."""
    texts = pdf_page_texts(path)
    if fmt == "pdf_scan":
        return [f"{path.name}: scanned PDF has a text layer"] if any(t.strip() for t in texts) else []
    if pages_truth is not None:
        if len(texts) != len(pages_truth):
            return [f"{path.name}: {len(texts)} pages, truth has {len(pages_truth)}"]
        return [f"{path.name} page {i}: extracted text differs from the truth"
                for i, (t, want) in enumerate(zip(texts, pages_truth), 1) if squash(t) != squash(want)]
    return [] if squash("".join(texts)) == squash(whole_truth) else [f"{path.name}: extracted text differs"]


def page_images(path: Path, fmt: str) -> list[Image.Image]:
    if fmt == "pdf_scan":
        import pypdfium2 as pdfium
        doc = pdfium.PdfDocument(str(path))
        try:
            return [doc[i].render(scale=300 / 72).to_pil().convert("L") for i in range(len(doc))]
        finally:
            doc.close()
    im = Image.open(path)
    out = []
    for i in range(getattr(im, "n_frames", 1)):
        im.seek(i)
        out.append(im.convert("L"))
    return out


def _ocr_file(args: tuple[str, str]) -> str:
    import pytesseract
    os.environ["OMP_THREAD_LIMIT"] = "1"
    path, fmt = args
    return "\n".join(pytesseract.image_to_string(im, lang="chi_sim", config="--psm 3")
                     for im in page_images(Path(path), fmt))


def bag_error(ocr: str, truth: str) -> float:
    """Order-free error: the share of truth characters missing from the OCR multiset.
    Far below the CER when the text was read but in another order (tables read by column)."""
    from collections import Counter
    t, o = Counter(comparable(truth)), Counter(comparable(ocr))
    return 1 - sum((t & o).values()) / max(1, sum(t.values()))


def number_hits(ocr: str, rec: dict) -> dict[str, tuple[int, int]]:
    """(exact, total) per kind of number: the digit string appears in the OCR text, whitespace removed."""
    flat = squash(ocr)
    nums = rec.get("numbers") or _numbers(rec["text"])
    return {k: (sum(n in flat for n in v), len(v)) for k, v in nums.items()}


def _group(rec: dict) -> str:
    return rec["profile"].split(" ", 1)[0] if rec.get("profile") else rec["format"]


def _rate(hits: list[tuple[int, int]]) -> str:
    got, n = sum(h for h, _ in hits), sum(t for _, t in hits)
    return f"{got}/{n} = {got / n:6.1%}" if n else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.synth.check", description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--ocr", action="store_true", help="measure Tesseract CER on the scanned letters")
    ap.add_argument("--files", nargs="*", help="only these files")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args(argv)
    recs = [json.loads(ln) for ln in (a.folder / "truth.jsonl").read_text(encoding="utf-8").splitlines() if ln]
    if a.files:
        recs = [r for r in recs if r["file"] in set(a.files)]
    problems = []
    for r in recs:
        if r["format"].startswith("pdf"):
            problems += verify_pdf(a.folder / r["file"], r["format"], None, r["text"])
    print(f"PDF text check: {len(problems)} problem(s)")
    for p in problems:
        print("  " + p)
    if a.ocr:
        scans = [r for r in recs if r["scanned"]]
        with ProcessPoolExecutor(max_workers=a.jobs) as ex:
            outs = list(ex.map(_ocr_file, [(str(a.folder / r["file"]), r["format"]) for r in scans]))
        by_fmt: dict[str, list[tuple[float, dict]]] = {}
        for r, o in zip(scans, outs):
            c, nh = _cer(r["text"], o), number_hits(o, r)
            by_fmt.setdefault(_group(r), []).append((c, nh))
            print(f"{r['file']:<18} {_group(r):<10} pages={r['pages']}  CER={c:6.2%}  "
                  f"order-free={bag_error(o, r['text']):6.2%}  IDs {nh['ids'][0]}/{nh['ids'][1]}  "
                  f"phones {nh['phones'][0]}/{nh['phones'][1]}")
        groups = sorted(by_fmt.items()) + ([("all", [x for v in by_fmt.values() for x in v])] if by_fmt else [])
        for f, v in groups:
            cers = [c for c, _ in v]
            print(f"  {f:<10} n={len(v):2d} median={statistics.median(cers):6.2%} mean={statistics.mean(cers):6.2%}"
                  f"  exact IDs {_rate([nh['ids'] for _, nh in v])}, phones {_rate([nh['phones'] for _, nh in v])}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
