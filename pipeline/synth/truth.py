"""Write the truth of the sample set: ``truth.jsonl``, ``manifest.csv`` and ``README.md``.

Letter-level truth comes from the letter YAML; case-level truth (risk, level,
units) from the case mapping, authored by hand from policy.md §2–§3. Only the
deadlines are computed: calendar days from the registration (received) date
of the case's first letter, by the case's risk level (policy.md §4).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from pipeline.synth.content import Case, Letter

# An 18-character ID-card number (GB 11643) and an 11-digit mobile number, each
# standing alone: not part of a longer digit run (a phone inside an ID, a bank
# account), and a mobile not after a hyphen (the tail of a landline "0571-...").
ID_RE = re.compile(r"(?<!\d)(\d{17}[\dX])(?!\d)")
PHONE_RE = re.compile(r"(?<![\d-])(1\d{10})(?!\d)")


def numbers(text: str) -> dict[str, list[str]]:
    """The ID-card and mobile numbers of a truth text, each once, in reading order.

    >>> numbers("赵德明 332521195803120017 13905761234\\n联系人：赵德明 13905761234")
    {'ids': ['332521195803120017'], 'phones': ['13905761234']}
    """
    def once(found):
        return list(dict.fromkeys(found))
    return {"ids": once(ID_RE.findall(text)), "phones": once(PHONE_RE.findall(text))}


ACK_DAYS = {"urgent": 1, "high": 3, "medium": 15, "low": 15}
RESULT_DAYS = {"urgent": 15, "high": 30, "medium": 60, "low": 60}


def deadlines(first: date, risk: str) -> tuple[str, str]:
    return ((first + timedelta(days=ACK_DAYS[risk])).isoformat(),
            (first + timedelta(days=RESULT_DAYS[risk])).isoformat())


def first_dates(letters: list[Letter]) -> dict[str, date]:
    out: dict[str, date] = {}
    for lt in letters:
        d = lt.received_at.date()
        if lt.case_id not in out or d < out[lt.case_id]:
            out[lt.case_id] = d
    return out


def record(lt: Letter, case: Case, first: date, page_lines: list[list[str]]) -> dict:
    ack, due = deadlines(first, case.risk_level)
    return {
        "file": lt.file,
        "format": lt.format,
        "scanned": lt.format != "pdf_text",
        "pages": len(page_lines),
        "text": "\n".join(ln for page in page_lines for ln in page),
        "received_at": lt.received_at.isoformat(),
        "station": lt.station,
        "category": lt.category,
        "secondary_categories": list(lt.secondary),
        "case_id": lt.case_id,
        "signatory_count": lt.signatory_count,
        "representative": {"name": lt.representative["name"], "phone": lt.representative["phone"]},
        "location": dict(lt.location),
        "intent": lt.intent,
        "case": {
            "risk_level": case.risk_level,
            "risk_reasons": list(case.risk_reasons),
            "level": case.level,
            "lead_unit": case.lead_unit,
            "co_units": list(case.co_units),
            "ack_due": ack,
            "result_due": due,
        },
    }


def write_truth(out: Path, records: list[dict]) -> None:
    with open(out / "truth.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for r in sorted(records, key=lambda r: r["file"]):
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def write_manifest(out: Path, letters: list[Letter]) -> None:
    with open(out / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "received_at", "station"])
        for lt in sorted(letters, key=lambda x: x.file):
            w.writerow([lt.file, lt.received_at.isoformat(), lt.station])


_FORMAT_NAMES = {
    "pdf_text": "PDF with a text layer",
    "pdf_scan": "scanned PDF (page images, no text layer)",
    "png": "PNG page image",
    "jpeg": "JPEG page image",
    "tiff": "multi-page TIFF",
}

_README_HEAD = """# Sample letters

@N_LETTERS@ joint petition letters (联名信) to the petition offices of the
fictional city 明州市 (@N_CASES@ cases), in the formats the offices receive
them, with their truth. They are the project's realistic but **moderate**
sample set: the scans are slightly skewed, noisy and blurred, three are phone
photos of hand-written letters, none is badly damaged. A harder set is meant
to come later.

## Provenance

Everything here is **synthetic**, written for this project: the letters'
wording, the people, their ID-card numbers (valid GB 11643 check digits, but
fictional address codes), phone numbers, places and events are invented.
Places, units, categories and the routing/risk rules come from the project's
reference files (taxonomy.yaml, jurisdiction.yaml, policy.md). Any likeness
to real people or numbers is accidental.

## How it is made

```
.venv/bin/python -m pipeline.synth --out sample_letters
```

The letters are data in `pipeline/synth/letters/*.yaml` (one file per case).
The generator lays them out on A4, draws text-layer PDFs with reportlab and
page images with Pillow (fonts: Noto Serif/Sans CJK SC, AR PL UMing/UKai,
WenQuanYi Zen Hei/Micro Hei), adds red fingerprints (手印) and a seal, then
degrades the images (`pipeline/synth/degrade.py`). Seeds are fixed per letter,
so a rerun writes the same letters and the same truth. It verifies that every
text PDF extracts exactly (pdfplumber) before writing the truth;
`.venv/bin/python -m pipeline.synth.check sample_letters --ocr` measures
Tesseract's character error rate on the scans.

Plain Tesseract (`chi_sim`, psm 3) reads the body text of these scans well
(character error rate mostly 1–4 %). Ruled signature tables are its weak
spot: its page segmentation reads them column by column, or drops narrow
columns, so letters with big tables score far worse than their image quality
suggests. The check prints an order-free error beside the CER to tell the two
apart.

## Files

- `letter_NN.*` — the letters (names say nothing about content).
- `manifest.csv` — `file,received_at,station`: the intake record of each file.
- `truth.jsonl` — one JSON object per file, sorted by name: format, pages, the
  full true text (every drawn line in reading order, `\\n`-joined; a table
  row is its non-empty cells joined by one space, header rows included; seal
  and fingerprint marks are not text), category, secondary categories, case id,
  signatory count (a stated total such as "共312人签名" counts when larger than
  the list), representative, place, intent to visit, and the case's hand-made
  truth: risk level and reasons, handling level, lead and co-units, and the
  acknowledgement and result deadlines (computed from the case's first letter).
  For a letter touching two counties, `location` is the first place the letter
  names; the case's co-units cover both counties.

| file | format | pages | resolution | treatment | case |
|---|---|---|---|---|---|
"""


def write_readme(out: Path, letters: list[Letter], records: list[dict], desc: dict[str, str],
                 dpi: dict[str, str], head: str | None = None) -> None:
    """README.md: ``head`` (default: the moderate set's; @N_LETTERS@ and @N_CASES@
    filled in), then one table row per letter."""
    by_file = {r["file"]: r for r in records}
    rows = []
    for lt in sorted(letters, key=lambda x: x.file):
        r = by_file[lt.file]
        rows.append(f"| {lt.file} | {_FORMAT_NAMES[lt.format]} | {r['pages']} | {dpi[lt.file]} | "
                    f"{desc[lt.file]} | {lt.case_id} |")
    fmt = Counter(lt.format for lt in letters)
    cases = {lt.case_id for lt in letters}
    tail = (f"\n{len(letters)} letters in {len(cases)} cases; formats: "
            + ", ".join(f"{k} {fmt[k]}" for k in _FORMAT_NAMES if fmt[k]) + ".\n")
    head = (head or _README_HEAD).replace("@N_LETTERS@", str(len(letters))).replace("@N_CASES@", str(len(cases)))
    (out / "README.md").write_text(head + "\n".join(rows) + "\n" + tail, encoding="utf-8")
