"""Turn one letter into its file: lay out, render, degrade, write.

Style and render settings come from the letter YAML, over per-format
defaults. Each letter has its own seeded generator (from its id), so
letters can be built in any order or in parallel with the same result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.errors import ConfigError
from pipeline.synth import degrade as dg
from pipeline.synth import fonts, render_image, render_pdf
from pipeline.synth.content import Letter
from pipeline.synth.layout import Page, layout

STYLE_DEFAULTS = {
    "pdf_text": {"font": "zenhei"},
    "default": {"font": "noto_serif"},
}
RENDER_DEFAULTS = {
    "pdf_scan": {"dpi": 200, "mode": "L", "quality": 72, "blur": 0.5, "noise": 2.5},
    "png": {"dpi": 200, "mode": "L", "blur": 0.5, "noise": 2.0},
    "jpeg": {"dpi": 200, "mode": "RGB", "quality": 72, "blur": 0.6, "noise": 3.0},
    "tiff": {"dpi": 300, "mode": "L", "tiff": "lzw", "blur": 0.7, "noise": 2.0},
}


def _check_fonts(letter: Letter, pages: list[Page]) -> None:
    for p in pages:
        for r in p.runs:
            if letter.format == "pdf_text" and not fonts.spec(r.font).pdf_ok:
                raise ConfigError(f"{letter.id}: font {r.font} cannot be embedded in a text PDF")
            miss = fonts.missing_chars(r.font, r.text)
            if miss:
                raise ConfigError(f"{letter.id}: font {r.font} lacks {''.join(sorted(miss))}")


def _describe(spec: dict, angles: list[float], pages: list[Page], fmt: str) -> str:
    parts = []
    if fmt == "pdf_text":
        parts.append("born-digital text")
    elif spec.get("photo"):
        parts.append(f"phone photo in slight perspective, uneven light {spec.get('illum', 0.22):.2f}")
    else:
        mode = "bilevel" if spec.get("tiff") == "g4" else {"L": "grey", "RGB": "colour"}[spec.get("mode", "L")]
        parts.append(f"{mode} scan, skew " + "/".join(f"{a:+.1f}°" for a in angles))
    if fmt != "pdf_text":
        parts.append(f"blur σ{float(spec.get('blur', 0)):.1f}px, noise σ{float(spec.get('noise', 0)):.1f}")
        if spec.get("tone"):
            parts.append(f"paper {spec['tone']}")
        if fmt in ("jpeg", "pdf_scan"):
            parts.append(f"JPEG q{int(spec.get('quality', 72))}")
        if fmt == "tiff":
            parts.append("CCITT G4" if spec.get("tiff") == "g4" else "LZW")
    kinds = {m.kind for p in pages for m in p.marks}
    red = "red " if fmt == "pdf_text" or spec.get("mode") == "RGB" else "grey-scanned red "
    if "fingerprint" in kinds:
        parts.append(red + "fingerprints (手印)")
    if "seal" in kinds:
        parts.append(red + "seal")
    if any(r.hand for p in pages for r in p.runs):
        parts.append("hand-signed names")
    return "; ".join(parts)


def build(letter: Letter, out: Path) -> dict:
    """Write ``out/letter.file``; return its pages' true lines and a description."""
    style = {**STYLE_DEFAULTS.get(letter.format, STYLE_DEFAULTS["default"]), **letter.style}
    pages = layout(letter.blocks, style, letter.seed)
    _check_fonts(letter, pages)
    path = out / letter.file
    spec = {**RENDER_DEFAULTS.get(letter.format, {}), **letter.render}
    angles: list[float] = []
    if letter.format == "pdf_text":
        render_pdf.write_text_pdf(pages, path)
        dpi_desc = "vector"
    else:
        rng = np.random.default_rng(letter.seed)
        dpi = int(spec["dpi"])
        white_clip = letter.format in ("png", "tiff", "pdf_scan") and not spec.get("tone")
        imgs = []
        for i, p in enumerate(pages):
            clean = render_image.render_page(p, dpi, letter.seed + i)
            im = dg.degrade(clean, spec, rng, white_clip, page=i)
            angles.append(im.info.get("skew", 0.0))
            imgs.append(im)
        if letter.format in ("png", "jpeg") and len(imgs) != 1:
            raise ConfigError(f"{letter.id}: {letter.format} holds one page, the letter has {len(imgs)}")
        if letter.format == "pdf_scan":
            render_pdf.write_scan_pdf(imgs, path, dpi, int(spec["quality"]))
        elif letter.format == "png":
            render_image.write_png(imgs[0], path, dpi)
        elif letter.format == "jpeg":
            render_image.write_jpeg(imgs[0], path, int(spec["quality"]), dpi)
        elif spec.get("tiff") == "g4":
            render_image.write_tiff([dg.bilevel(im, int(spec.get("threshold", 150))) for im in imgs],
                                    path, dpi, "group4")
        else:
            render_image.write_tiff(imgs, path, dpi, "tiff_lzw")
        dpi_desc = f"{dpi} dpi" if not spec.get("photo") else f"photo {imgs[0].size[0]}×{imgs[0].size[1]} px"
    return {
        "id": letter.id,
        "pages": [p.lines for p in pages],
        "desc": _describe(spec, angles, pages, letter.format),
        "dpi": dpi_desc,
    }
