"""Check a generated sample set against its truth.

- Text PDFs: pdfplumber's text of each page, whitespace removed, must equal
  the page's true text with whitespace removed (no other normalisation);
  scanned PDFs must have no text layer.
- Scans (``--ocr``): plain Tesseract 5 ``chi_sim`` (psm 3) on every page;
  the character error rate is Levenshtein(ocr, truth) / len(truth) after NFKC
  and with all whitespace removed (which also drops Tesseract's spaces
  between Chinese characters).

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
        by_fmt: dict[str, list[float]] = {}
        for r, o in zip(scans, outs):
            c = _cer(r["text"], o)
            by_fmt.setdefault(r["format"], []).append(c)
            print(f"{r['file']:<18} {r['format']:<9} pages={r['pages']}  CER={c:6.2%}  "
                  f"order-free={bag_error(o, r['text']):6.2%}")
        allc = [c for v in by_fmt.values() for c in v]
        for f, v in sorted(by_fmt.items()):
            print(f"  {f:<9} n={len(v):2d} median={statistics.median(v):6.2%} mean={statistics.mean(v):6.2%}")
        if allc:
            print(f"  all       n={len(allc):2d} median={statistics.median(allc):6.2%} "
                  f"mean={statistics.mean(allc):6.2%}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
