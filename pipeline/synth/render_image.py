"""Draw laid-out pages as images, and write PNG, JPEG and TIFF files.

Pages are drawn clean at the letter's resolution (``render.dpi``); ``degrade``
then makes them look scanned or photographed. Writers fix every option that
affects the bytes (no timestamps, fixed quality and compression), so reruns
produce the same files.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from pipeline.synth import fonts, marks
from pipeline.synth.layout import PAGE_H, PAGE_W, Page, Run


def page_size_px(dpi: int) -> tuple[int, int]:
    return round(PAGE_W / 72 * dpi), round(PAGE_H / 72 * dpi)


def _draw_run(d: ImageDraw.ImageDraw, r: Run, s: float, rng: np.random.Generator) -> None:
    key = r.font
    stroke = 0
    if r.bold:
        bold = fonts.spec(key).bold
        if bold:
            key = bold
        else:
            stroke = max(1, round(r.size * s * 0.025))
    px = round(r.size * s)
    font = fonts.pil_font(key, px)
    if not r.hand:
        d.text((r.x * s, r.y * s), r.text, font=font, fill=r.color, anchor="ls",
               stroke_width=stroke, stroke_fill=r.color)
        return
    # hand-written look: each character slightly displaced, resized and spaced
    x = r.x * s
    for ch in r.text:
        jx, jy = rng.normal(0, 0.035 * px), rng.normal(0, 0.05 * px)
        f = fonts.pil_font(key, max(4, round(px * rng.uniform(0.94, 1.06))))
        d.text((x + jx, r.y * s + jy), ch, font=f, fill=r.color, anchor="ls")
        x += fonts.width(key, ch, r.size) * s * rng.uniform(0.97, 1.05)


def render_page(page: Page, dpi: int, seed: int, paper: str = "#ffffff") -> Image.Image:
    """The page drawn at ``dpi`` on paper of colour ``paper`` (RGB)."""
    s = dpi / 72
    img = Image.new("RGB", page_size_px(dpi), paper)
    d = ImageDraw.Draw(img)
    rng = np.random.default_rng(seed)
    for ru in page.rules:
        w = max(1, round(ru.width * s))
        d.line([(ru.x1 * s, ru.y1 * s), (ru.x2 * s, ru.y2 * s)], fill=ru.color, width=w)
    for r in page.runs:
        _draw_run(d, r, s, rng)
    if page.marks:
        arr = np.array(img)
        for m in page.marks:
            marks.composite(arr, marks.raster(m, s), m.cx * s, m.cy * s)
        img = Image.fromarray(arr)
    return img


def write_png(img: Image.Image, path, dpi: int) -> None:
    img.save(path, "PNG", optimize=True, dpi=(dpi, dpi))


def jpeg_bytes(img: Image.Image, quality: int, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(quality), optimize=True, dpi=(dpi, dpi), subsampling=2)
    return buf.getvalue()


def write_jpeg(img: Image.Image, path, quality: int, dpi: int) -> None:
    with open(path, "wb") as fh:
        fh.write(jpeg_bytes(img, quality, dpi))


def write_tiff(imgs: list[Image.Image], path, dpi: int, compression: str) -> None:
    """Multi-page TIFF: ``tiff_lzw`` (grayscale) or ``group4`` (bilevel)."""
    mode = "1" if compression == "group4" else "L"
    pages = [im if im.mode == mode else im.convert(mode) for im in imgs]
    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:], compression=compression,
                  dpi=(dpi, dpi))
