"""Open a stored letter as a sequence of pages, each with its text layer or image.

PDF pages offer their text layer (pdfplumber) and, on demand, a rendering
(pypdfium2); image files offer one image per frame (multi-page TIFF included).
Rendering is lazy: a page whose text layer is good is never rasterised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from PIL import Image

A4_WIDTH_INCHES = 8.27


@dataclass
class PageInput:
    page_no: int
    text_layer: str | None  # None: the page has no text layer at all (an image file)
    render: Callable[[], tuple[Image.Image, int]]  # -> (image, dpi)


def guess_dpi(image: Image.Image) -> int:
    """The image's stated resolution, or one inferred from an A4 page width.

    Phone photos and some scanners write no DPI (or a meaningless 72); letters
    are A4, so the width tells the real resolution well enough for OCR.
    """
    stated = image.info.get("dpi")
    if stated and stated[0] and float(stated[0]) >= 100:
        return int(round(float(stated[0])))
    return max(72, int(round(min(image.size) / A4_WIDTH_INCHES)))


@contextmanager
def open_pages(path: Path, media_type: str, *, dpi: int) -> Iterator[list[PageInput]]:
    if media_type == "application/pdf":
        with _pdf_pages(path, dpi=dpi) as pages:
            yield pages
    else:
        with Image.open(path) as img:
            yield [_image_page(img, i) for i in range(getattr(img, "n_frames", 1))]


def _image_page(img: Image.Image, index: int) -> PageInput:
    def render() -> tuple[Image.Image, int]:
        img.seek(index)
        frame = img.copy()
        frame.info = dict(img.info)
        return frame, guess_dpi(img)

    return PageInput(page_no=index + 1, text_layer=None, render=render)


@contextmanager
def _pdf_pages(path: Path, *, dpi: int) -> Iterator[list[PageInput]]:
    plumber = pdfplumber.open(path)
    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for i, ppage in enumerate(plumber.pages):
            def render(i: int = i) -> tuple[Image.Image, int]:
                page = pdf[i]
                try:
                    bitmap = page.render(scale=dpi / 72, grayscale=False)
                    return bitmap.to_pil(), dpi
                finally:
                    page.close()

            # layout=False keeps lines as the text flows; x_tolerance keeps CJK
            # characters of one line together without inventing spaces.
            text = ppage.extract_text(x_tolerance=1.5, y_tolerance=3) or ""
            pages.append(PageInput(page_no=i + 1, text_layer=text, render=render))
        yield pages
    finally:
        plumber.close()
        pdf.close()
