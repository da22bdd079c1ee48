"""Write PDFs: text-layer PDFs drawn with reportlab, and scanned PDFs (page images only).

Text PDFs embed subsets of a TrueType CJK font with a ToUnicode map, so the
text extracts exactly (``check.verify_text_pdfs`` proves it for every file).
Bold is a fill-and-stroke text render mode, which leaves the text layer as is.
Scanned PDFs hold one JPEG per page (passed through unchanged, DCTDecode)
and no text at all. Both use reportlab's invariant mode: no dates or random
document ids, so reruns give the same bytes.
"""

from __future__ import annotations

import io

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from PIL import Image

from pipeline.synth import fonts, marks
from pipeline.synth.layout import PAGE_H, PAGE_W, Page

_MARK_DPI = 200


def _register(key: str) -> str:
    spec = fonts.spec(key)
    if not spec.pdf_ok:
        raise ValueError(f"font {key!r} is not TrueType and cannot go into a text PDF")
    name = f"LM-{key}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, spec.path, subfontIndex=spec.index))
    return name


def _hex(c: str) -> tuple[float, float, float]:
    c = c.lstrip("#")
    return tuple(int(c[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _canvas(target, title: str) -> canvas.Canvas:
    c = canvas.Canvas(target, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("")
    c.setProducer("Lianming synth")
    c.setCreator("Lianming synth")
    return c


def write_text_pdf(pages: list[Page], path, title: str = "") -> None:
    c = _canvas(str(path), title)
    for page in pages:
        for ru in page.rules:
            c.setStrokeColorRGB(*_hex(ru.color))
            c.setLineWidth(ru.width)
            c.line(ru.x1, PAGE_H - ru.y1, ru.x2, PAGE_H - ru.y2)
        for r in page.runs:
            name = _register(r.font)
            t = c.beginText()
            t.setFont(name, r.size)
            t.setFillColorRGB(*_hex(r.color))
            if r.bold:
                t.setStrokeColorRGB(*_hex(r.color))
                c.setLineWidth(r.size * 0.03)
            t.setTextRenderMode(2 if r.bold else 0)
            t.setTextOrigin(r.x, PAGE_H - r.y)
            t.textOut(r.text)
            c.drawText(t)
        for m in page.marks:
            rgba = marks.raster(m, _MARK_DPI / 72)
            h, w = rgba.shape[:2]
            img = ImageReader(Image.fromarray(rgba, "RGBA"))
            wpt, hpt = w * 72 / _MARK_DPI, h * 72 / _MARK_DPI
            c.drawImage(img, m.cx - wpt / 2, PAGE_H - m.cy - hpt / 2, wpt, hpt, mask="auto")
        c.showPage()
    c.save()


def write_scan_pdf(images: list[Image.Image], path, dpi: int, quality: int, title: str = "") -> None:
    """One JPEG-compressed page image per PDF page, at its physical size."""
    from pipeline.synth.render_image import jpeg_bytes

    c = _canvas(str(path), title)
    for im in images:
        w, h = im.size
        wpt, hpt = w * 72 / dpi, h * 72 / dpi
        c.setPageSize((wpt, hpt))
        c.drawImage(ImageReader(io.BytesIO(jpeg_bytes(im, quality, dpi))), 0, 0, wpt, hpt)
        c.showPage()
    c.save()
