"""The hard profile: every letter of the corpus as a badly scanned letter.

``python -m pipeline.synth --profile hard --out DIR`` passes each letter
through ``harden`` before building it. The letter keeps its words, people and
truth; what changes is how it reached the office: a kind of file (bilevel G4
TIFF at 200 dpi, grey 300 dpi TIFF or PNG, scanned PDF of JPEG pages, or a
phone photo), often a photocopy of a photocopy, fed crooked, in a
handwriting-like font (AR PL UKai/UMing) for many, with fingerprints pressed
over the names of ruled signature tables. The choices are drawn from a
generator seeded by the letter id, so the same corpus gives the same set.

Each letter also draws a severity (0–1, mostly low) that scales blur, noise,
speckle, uneven light and the odds of a photocopy, so the set spans "poor" to
"barely legible"; a few bilevel letters are made
"truly hard" (strong blur, 2.3–2.5° skew, copied twice; a little less skew on
multi-page letters, whose later pages vary by up to 0.25°).

The kinds of file are dealt out, not drawn: letters in an order fixed by a
hash of their ids each take the kind furthest below its share (``KINDS``)
among those their page count allows, so the set always has the intended mix.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections import Counter

import numpy as np

from pipeline.synth import fonts, people
from pipeline.synth.content import Letter
from pipeline.synth.layout import layout

# kind: (format, file suffix, share of the set). PNG and phone photos hold one
# page, as they do at the office.
KINDS = {
    "tiff-g4": ("tiff", ".tif", 0.30),
    "tiff-grey": ("tiff", ".tif", 0.15),
    "png-grey": ("png", ".png", 0.12),
    "pdf-scan": ("pdf_scan", ".pdf", 0.23),
    "photo-jpeg": ("jpeg", ".jpg", 0.20),
}
ONE_PAGE = ("png-grey", "photo-jpeg")
HARDEST = 3  # bilevel letters made truly hard
HAND_FONTS = ("ukai", "uming")
# recycled, yellowed or greyish paper as it comes out of a grey scan; darker in a photo
PAPERS = ("#ebe7dc", "#e6e2d6", "#e9e3d3", "#e4e1da", "#e8e4d8")
PHOTO_PAPERS = ("#e6e2d6", "#dcd8cc", "#e9e3d3", "#d9d6d0", "#e2ddd0")


def _lerp(lo: float, hi: float, t: float) -> float:
    return lo + (hi - lo) * t


def _fits(font: str, lt: Letter, style: dict, blocks: list[dict]) -> bool:
    """True when ``font`` can draw every run of the letter (AR PL fonts lack a few rare characters)."""
    pages = layout(blocks, {**style, "font": font}, lt.seed)
    return not any(fonts.missing_chars(r.font, r.text) for p in pages for r in p.runs)


def _style(lt: Letter, blocks: list[dict], rng: np.random.Generator) -> dict:
    style = dict(lt.style)
    style.setdefault("font", "noto_serif")
    if style["font"] not in HAND_FONTS and rng.random() < 0.6:
        first = HAND_FONTS[int(rng.integers(2))]
        for font in (first, *[f for f in HAND_FONTS if f != first]):
            if _fits(font, lt, style, blocks):
                style["font"] = font
                style.pop("title_font", None)  # a Noto title over a Kai body is not how such letters look
                break
    style.setdefault("sign_font", "ukai")
    return style


def _blocks(blocks: list[dict], rng: np.random.Generator) -> list[dict]:
    """Signature blocks as the office sees them: ruled tables with taller, hand-filled
    rows (so long tables run over pages) and red prints pressed over the names."""
    out = copy.deepcopy(blocks)
    for b in out:
        if b["type"] == "table":
            b["ruled"] = "grid"
            b["row_em"] = max(float(b.get("row_em", 2.0)), round(rng.uniform(2.0, 2.5), 2))
            if not b.get("fingerprints") and rng.random() < 0.65:
                b["fingerprints"] = "all" if rng.random() < 0.5 else {"every": 2, "offset": int(rng.integers(1, 3))}
            if rng.random() < 0.25:
                b["hand"] = True
        elif b["type"] == "grid":
            if rng.random() < 0.6:
                b["boxed"] = True
            if not b.get("fingerprints") and rng.random() < 0.6:
                b["fingerprints"] = {"every": int(rng.integers(1, 3))}
    return out


def _copier(spec: dict, dpi: int, rng: np.random.Generator, p: float) -> None:
    """With probability ``p`` the letter is a photocopy (one or two generations)."""
    if rng.random() >= p:
        return
    spec.update(copies=1 + int(rng.random() < 0.4), stroke=round(rng.uniform(-0.4, 0.9), 2),
                copy_blur=round(rng.uniform(0.3, 0.6) * dpi / 200, 2), streaks=int(rng.integers(0, 4)))
    if rng.random() < 0.35:
        spec["border"] = round(rng.uniform(0.01, 0.035), 3)


def _spec(kind: str, max_skew: float, rng: np.random.Generator) -> dict:
    # severity 0-1, skewed towards mild so that the set has a "poor" majority
    # and a "barely legible" tail rather than uniformly terrible pages
    sev = float(rng.uniform(0, 1)) ** 1.6
    # most sheets go in nearly straight, a few badly crooked (up to 2.5°)
    skew = float(rng.choice([-1, 1]) * min(max_skew, 0.3 + 2.2 * rng.uniform(0, 1) ** 2))
    if kind == "photo-jpeg":
        spec = {"dpi": 200, "mode": "RGB", "photo": True, "photo_width": int(rng.integers(1700, 2300)),
                "quality": int(rng.integers(30, 51)), "illum": _lerp(0.28, 0.45, sev),
                "warp": rng.uniform(0.012, 0.025), "curl": rng.uniform(0.002, 0.006),
                "tone": PHOTO_PAPERS[int(rng.integers(len(PHOTO_PAPERS)))], "mottle": rng.uniform(0.02, 0.04),
                "blur": _lerp(0.7, 1.2, sev), "noise": _lerp(3, 7, sev)}
        if rng.random() < 0.5:
            spec["shadow"] = rng.uniform(0.2, 0.4)
        _copier(spec, 200, rng, 0.2 * (0.5 + sev))
    elif kind == "tiff-g4":
        spec = {"dpi": 200, "mode": "L", "tiff": "g4", "skew": skew,
                # Hairlines (Song/Ming horizontals, Kai brush tips, signed names) vanish
                # at a mid-grey threshold; the operator turns the darkness up.
                "threshold": int(rng.integers(175, 211)),
                "blur": _lerp(0.5, 1.0, sev), "noise": _lerp(4, 10, sev), "speckle": _lerp(10, 60, sev)}
        _copier(spec, 200, rng, 0.4 * (0.5 + sev))
    else:
        dpi = 300 if kind != "pdf-scan" else int(rng.choice([250, 300]))
        spec = {"dpi": dpi, "mode": "RGB" if kind == "pdf-scan" and rng.random() < 0.3 else "L", "skew": skew,
                "blur": _lerp(0.4, 0.85, sev) * dpi / 250, "noise": _lerp(2.5, 6, sev), "speckle": _lerp(5, 30, sev),
                "tone": PAPERS[int(rng.integers(len(PAPERS)))], "mottle": rng.uniform(0.015, 0.03),
                "white_clip": True, "white_point": int(rng.integers(205, 226))}
        if kind == "pdf-scan":
            spec["quality"] = int(rng.integers(40, 66))
        if kind == "tiff-grey":
            spec["tiff"] = "lzw"
        _copier(spec, dpi, rng, 0.3 * (0.5 + sev))
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in spec.items()}


def _hardest(spec: dict, max_skew: float, rng: np.random.Generator) -> None:
    """Truly hard: strongly blurred, bilevel, fed at about 2.5° and copied twice."""
    skew = float(np.sign(spec["skew"]) * rng.uniform(max_skew - 0.2, max_skew))
    spec.update(blur=round(rng.uniform(1.15, 1.3), 3), skew=round(skew, 3),
                copies=2, stroke=round(rng.uniform(-0.2, 0.3), 2), copy_blur=0.8, hardest=True,
                threshold=int(rng.integers(145, 161)))  # copies are bold already: a darker threshold merges strokes


def harden(letters: list[Letter]) -> list[Letter]:
    """The letters as hard scans: new kind of file, render spec, font and signature blocks."""
    plans = {}
    for lt in letters:
        rng = np.random.default_rng(people._h("hard", lt.id))
        blocks = _blocks(lt.blocks, rng)
        style = _style(lt, blocks, rng)
        plans[lt.id] = (rng, blocks, style, len(layout(blocks, style, lt.seed)))
    kinds: dict[str, str] = {}
    dealt: Counter = Counter()
    for lt in sorted(letters, key=lambda x: people._h("hard-kind", x.id)):
        allowed = [k for k in KINDS if plans[lt.id][3] == 1 or k not in ONE_PAGE]
        kinds[lt.id] = min(allowed, key=lambda k: (dealt[k] + 1) / KINDS[k][2])
        dealt[kinds[lt.id]] += 1
    bilevel = sorted((x for x in letters if kinds[x.id] == "tiff-g4"), key=lambda x: people._h("hardest", x.id))
    hardest = {x.id for x in bilevel[:HARDEST]}
    out = []
    for lt in letters:
        rng, blocks, style, n_pages = plans[lt.id]
        # later pages of a stack go in up to 0.25° off the first (degrade.py); all stay within 2.5°
        max_skew = 2.5 if n_pages == 1 else 2.25
        spec = _spec(kinds[lt.id], max_skew, rng)
        if lt.id in hardest:
            _hardest(spec, max_skew, rng)
        fmt, suffix, _ = KINDS[kinds[lt.id]]
        spec["kind"] = kinds[lt.id]
        out.append(dataclasses.replace(lt, file=lt.file.rsplit(".", 1)[0] + suffix, format=fmt, style=style,
                                       render=spec, blocks=blocks))
    return out


def profile(lt: Letter, desc: str, dpi: str) -> str:
    """A one-line description of what was done to a hardened letter (truth ``profile``)."""
    s = lt.render
    if s.get("copies"):  # the copier made the red marks grey, whatever the scanner's colour mode
        desc = re.sub(r"(grey-scanned )?red (fingerprints|seal)", r"photocopied red \2", desc)
    extra = []
    if s.get("copies"):
        weight = "thick" if s["stroke"] > 0.3 else "thin" if s["stroke"] < -0.3 else "normal"
        extra.append(f"photocopy ×{s['copies']} ({weight} strokes"
                     + (f", {s['streaks']} toner streaks" if s.get("streaks") else "")
                     + (", dark edge" if s.get("border") else "") + ")")
    if s.get("speckle"):
        extra.append(f"speckle {s['speckle']:.0f}/Mpx")
    if s.get("shadow"):
        extra.append(f"border shadow {s['shadow']:.2f}")
    if s.get("curl"):
        extra.append("curled sheet")
    if s.get("hardest"):
        extra.append("TRULY HARD")
    extra.append(f"font {lt.style['font']}")
    return f"{s['kind']} ({dpi}): " + "; ".join([desc, *extra])


README_HEAD = """# Hard scanned letters (OCR benchmark)

@N_LETTERS@ joint petition letters (联名信, @N_CASES@ cases): the same letters,
people and truth as `sample_letters/`, but every one of them received as a
**hard** scan, as the offices' real letters are: bilevel 200 dpi CCITT G4
TIFFs from old scanners, grey 300 dpi TIFFs and PNGs, scanned PDFs of JPEG
pages, and phone photos saved as low-quality JPEG; pages fed crooked (up to
±2.5°), blurred, noisy and speckled, many of them photocopies of photocopies
(thickened or thinned strokes, toner streaks, dark edges), on grey uneven
paper, in handwriting-like fonts (AR PL UKai / UMing) for many, with ruled
signature tables running over pages and red fingerprints (手印) over the
names. A few pages are "truly hard" (strong blur, bilevel, about 2.5° skew).
Everything is synthetic (see `sample_letters/README.md`, Provenance).

## How it is made

```
.venv/bin/python -m pipeline.synth --profile hard --out DIR
.venv/bin/python -m pipeline.synth.check DIR --ocr
```

The set is generated on demand and not committed. Every choice (kind of
file, font, degradation) is drawn from a generator seeded by the letter id
(`pipeline/synth/hard.py`), so the same command writes the same set.

## Files

- `letter_NN.*` — the letters, numbered as in `sample_letters/` (the suffix
  follows the kind of file).
- `manifest.csv` — `file,received_at,station`.
- `truth.jsonl` — as in `sample_letters/` (the text is this set's own line
  breaks: fonts and table rows differ), plus `numbers` — `{"ids": [...],
  "phones": [...]}`, the 18-character ID-card numbers and 11-digit mobile
  numbers of the text, each once, in reading order — and `profile`, the
  degradation below.

The treatment starts with the kind of file: `tiff-g4` (bilevel, CCITT G4),
`tiff-grey` (LZW), `png-grey`, `pdf-scan` (JPEG pages), `photo-jpeg`.

| file | format | pages | resolution | treatment | case |
|---|---|---|---|---|---|
"""
