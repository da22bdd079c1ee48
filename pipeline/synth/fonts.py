"""Fonts used by the sample-letter generator, and text measurement.

Every font has a key used in the letter YAML (``style.font``). Only TrueType
fonts (``pdf_ok``) can be embedded by reportlab in text-layer PDFs; the Noto
CJK fonts are CFF-based OpenType and are used for page images only.

Widths are measured with FreeType through Pillow, once per character, and
returned in points, so layout is the same for the PDF and the image renderer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from PIL import ImageFont

from pipeline.errors import MissingDependencyError

_MEASURE_PX = 200  # measuring size; widths scale linearly


@dataclass(frozen=True)
class FontSpec:
    key: str
    path: str
    index: int
    pdf_ok: bool          # TrueType outlines: embeddable by reportlab
    bold: str | None = None  # key of a bold companion, if any


_NOTO = "/usr/share/fonts/opentype/noto"
FONTS: dict[str, FontSpec] = {
    f.key: f
    for f in [
        FontSpec("zenhei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, True),
        FontSpec("microhei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, True),
        FontSpec("uming", "/usr/share/fonts/truetype/arphic/uming.ttc", 0, True),
        FontSpec("ukai", "/usr/share/fonts/truetype/arphic/ukai.ttc", 0, True),
        FontSpec("noto_serif", f"{_NOTO}/NotoSerifCJK-Regular.ttc", 2, False, "noto_serif_bold"),
        FontSpec("noto_serif_bold", f"{_NOTO}/NotoSerifCJK-Bold.ttc", 2, False),
        FontSpec("noto_sans", f"{_NOTO}/NotoSansCJK-Regular.ttc", 2, False, "noto_sans_bold"),
        FontSpec("noto_sans_bold", f"{_NOTO}/NotoSansCJK-Bold.ttc", 2, False),
    ]
}


def spec(key: str) -> FontSpec:
    try:
        f = FONTS[key]
    except KeyError:
        raise KeyError(f"unknown font key {key!r}; known: {', '.join(sorted(FONTS))}") from None
    if not os.path.exists(f.path):
        raise MissingDependencyError(
            f"font file {f.path} is missing (install fonts-noto-cjk, fonts-arphic-ukai, "
            "fonts-arphic-uming, fonts-wqy-zenhei, fonts-wqy-microhei)"
        )
    return f


@lru_cache(maxsize=None)
def pil_font(key: str, px: int) -> ImageFont.FreeTypeFont:
    f = spec(key)
    return ImageFont.truetype(f.path, size=max(1, px), index=f.index)


@lru_cache(maxsize=None)
def _char_width(key: str, ch: str) -> float:
    """Advance width of one character in em."""
    return pil_font(key, _MEASURE_PX).getlength(ch) / _MEASURE_PX


def width(key: str, text: str, size: float) -> float:
    """Advance width of ``text`` in points at ``size`` points."""
    return sum(_char_width(key, ch) for ch in text) * size


@lru_cache(maxsize=None)
def _cmap(key: str) -> frozenset[int]:
    """Code points the font maps (TrueType fonts only, via reportlab's parser)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    f = spec(key)
    return frozenset(TTFontFile(f.path, subfontIndex=f.index).charToGlyph)


def missing_chars(key: str, text: str) -> set[str]:
    """Characters of ``text`` that the font cannot draw (empty for CFF fonts, which cover GB 18030)."""
    if not spec(key).pdf_ok:
        return set()
    cmap = _cmap(key)
    return {ch for ch in set(text) if not ch.isspace() and ord(ch) not in cmap}
