"""Keep every scanned letter as a searchable PDF: the scan plus invisible OCR text.

Each page is the page image as scanned (bilevel → CCITT G4, grey/colour → JPEG)
at its physical size, with the OCR lines underneath in text render mode 3
(invisible), the way OCRmyPDF and Tesseract build their "sandwich" PDFs. Each
line is set in WenQuanYi Zen Hei at a size equal to its bbox height and
stretched horizontally to the bbox width, so a viewer's search highlight and
a text extractor's character positions land on the ink. The font is embedded
as subsets with a ToUnicode map, so the Chinese text extracts as Unicode.

``to_pdfa`` optionally converts the result to PDF/A-2b (pikepdf, no OCR and
no Ghostscript involved).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageOps
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from pipeline.errors import LianmingError, MissingDependencyError
from pipeline.text.ocr.base import OcrLine

log = logging.getLogger(__name__)

TEXT_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
TEXT_FONT_NAME = "Lianming-WenQuanYiZenHei"
PRODUCER = "Lianming"
JPEG_QUALITY = 85  # for grey/colour pages given without their own JPEG
INVISIBLE = 3  # PDF text render mode: neither fill nor stroke
# Stands in for a character the font lacks (CJK Ext-B and beyond, rare in OCR
# output): reportlab would write it as glyph 0, which extracts as NUL. 〓 (GETA MARK) is the typesetter's "missing character" sign.
MISSING_GLYPH = "\u3013"
PDFA_FLAVOUR = "2b"
ORIENTATION_TAG = 0x0112
_GREY_OR_RGB = {"L": "DeviceGray", "RGB": "DeviceRGB"}


class ArchiveError(LianmingError):
    """The searchable PDF archive of a letter could not be written."""


@dataclass(frozen=True)
class ArchivePage:
    """One scanned page and its OCR lines.

    The bboxes must be in the pixels of ``image`` as OCR saw it: if OCR ran on
    an upscaled copy (``prepare_for_ocr`` raises low-dpi scans to 300 dpi),
    pass that copy and its dpi, or scale the bboxes. EXIF rotation is applied
    here as it is before OCR. ``source_jpeg``, the scan's own JPEG file, is
    embedded as is when it shows ``image``: re-encoding a JPEG loses detail
    and made the sample letters' photos about 15 % larger.
    """

    image: Image.Image
    dpi: int
    lines: list[OcrLine] = field(default_factory=list)
    source_jpeg: bytes | None = None


def build_searchable_pdf(pages: list[ArchivePage], out_path: Path, *, title: str | None = None) -> None:
    """Write ``pages`` as one searchable PDF at ``out_path``, replacing it atomically."""
    if not pages:
        raise ArchiveError(f"no pages to archive for {out_path}")
    out_path = Path(out_path)
    font_name = cjk_text_font()
    buffer = io.BytesIO()
    # The canvas starts in our font: reportlab's default (Helvetica) would be
    # referenced unembedded, which PDF/A forbids.
    canvas = Canvas(buffer, invariant=0, pageCompression=1, lang="zh-CN", initialFontName=font_name)
    canvas.setTitle(title or out_path.stem)
    canvas.setProducer(PRODUCER)
    canvas.setCreator(PRODUCER)
    canvas.setAuthor("")  # reportlab would otherwise claim "anonymous" and "unspecified"
    canvas.setSubject("")
    for number, page in enumerate(pages, start=1):
        _draw_page(canvas, page, font_name, number)
    canvas.save()
    _write_atomically(out_path, buffer.getvalue())


def to_pdfa(in_path: Path, out_path: Path) -> bool:
    """Convert a PDF from ``build_searchable_pdf`` to PDF/A-2b; False if pikepdf[pdfa] is missing.

    pikepdf's PDF/A module (the engine of OCRmyPDF's internal PDF/A backend)
    adds the output intent and XMP declarations without touching page content,
    so images and the text layer stay byte for byte, and it validates the bytes
    it writes before moving them into place. Ghostscript is not used: the
    Debian 12 version (10.0.0) is one OCRmyPDF refuses for files with text.
    """
    try:
        import pikepdf
        import pikepdf.pdfa as pdfa
    except ImportError as exc:
        log.warning("PDF/A skipped for %s: %s (pip install 'pikepdf[pdfa]')", in_path, exc)
        return False
    started = time.perf_counter()
    try:
        with pikepdf.open(in_path, allow_overwriting_input=True) as pdf:
            for page in pdf.pages:
                # reportlab writes an empty /Trans (page transition) on every
                # page; it means nothing, but the validator won't vouch for it.
                if "/Trans" in page.obj and not page.obj.Trans.keys():
                    del page.obj["/Trans"]
            pdfa.prepare(pdf, PDFA_FLAVOUR)
            with pdf.open_metadata(set_pikepdf_as_editor=False) as metadata:
                metadata["pdf:Producer"] = PRODUCER
            pdfa.save(pdf, out_path, PDFA_FLAVOUR, repair=False)
    except pdfa.PdfaError as exc:
        raise ArchiveError(f"{in_path} could not be made PDF/A-{PDFA_FLAVOUR}: {exc}") from exc
    except (OSError, pikepdf.PdfError) as exc:
        raise ArchiveError(f"cannot convert {in_path} to PDF/A: {exc}") from exc
    log.info("PDF/A-%s written to %s in %.2f s", PDFA_FLAVOUR, out_path, time.perf_counter() - started)
    return True


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never half a PDF."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        raise ArchiveError(f"cannot write searchable PDF {path}: {exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)


@lru_cache(maxsize=1)
def cjk_text_font() -> str:
    """Register the text-layer font once per process (parsing the .ttc takes ~0.3 s)."""
    if not TEXT_FONT_PATH.exists():
        raise MissingDependencyError(
            f"font {TEXT_FONT_PATH} for the PDF text layer is missing: apt-get install fonts-wqy-zenhei")
    # subfontIndex 0 is "WenQuanYi Zen Hei" (proportional); reportlab embeds
    # only the glyphs used, in subsets that carry a ToUnicode map.
    pdfmetrics.registerFont(TTFont(TEXT_FONT_NAME, str(TEXT_FONT_PATH), subfontIndex=0))
    return TEXT_FONT_NAME


def _draw_page(canvas: Canvas, page: ArchivePage, font_name: str, number: int) -> None:
    if page.dpi <= 0:
        raise ArchiveError(f"page {number}: dpi must be positive, got {page.dpi}")
    # Same orientation as the OCR input (prepare.py), so the bboxes fit.
    image = page.image if page.image.mode == "1" else ImageOps.exif_transpose(page.image)
    points_per_pixel = 72 / page.dpi
    width_pt, height_pt = image.width * points_per_pixel, image.height * points_per_pixel
    canvas.setPageSize((width_pt, height_pt))
    # Text first, image over it: the text layer lies underneath, as in OCRmyPDF.
    for line in page.lines:
        _draw_invisible_line(canvas, line, font_name, points_per_pixel, height_pt)
    encoded = _EncodedImage.from_jpeg(page.source_jpeg, image.size) if page.source_jpeg else None
    encoded = encoded or _EncodedImage.from_pil(image)
    # reportlab has no public call to register a ready-made image XObject;
    # addForm/doForm are what its own drawImage uses underneath.
    if not canvas._doc.hasForm(encoded.name):
        canvas._doc.addForm(encoded.name, encoded)
    canvas.saveState()
    canvas.transform(width_pt, 0, 0, height_pt, 0, 0)
    canvas.doForm(encoded.name)
    canvas.restoreState()
    canvas.showPage()


def _draw_invisible_line(canvas: Canvas, line: OcrLine, font_name: str,
                         points_per_pixel: float, page_height_pt: float) -> None:
    text = _drawable(line.text.strip(), font_name)
    if not text or line.bbox is None:
        return  # nothing to place, or nowhere to place it
    left, top, right, bottom = (v * points_per_pixel for v in line.bbox)
    width, size = right - left, bottom - top
    natural_width = pdfmetrics.stringWidth(text, font_name, size) if size > 0 else 0
    if width <= 0 or natural_width <= 0:
        log.debug("skipping line with degenerate bbox %s: %r", line.bbox, text)
        return
    # Extractors (pdfminer) and viewers draw a glyph's box from the descent
    # below the baseline up one font size, so lifting the baseline by the
    # descent makes that box coincide with the OCR bbox.
    descent = -pdfmetrics.getFont(font_name).face.descent / 1000 * size
    text_object = canvas.beginText()
    text_object.setTextRenderMode(INVISIBLE)
    text_object.setFont(font_name, size)
    text_object.setHorizScale(100 * width / natural_width)
    text_object.setTextOrigin(left, page_height_pt - bottom + descent)
    text_object.textOut(text)
    canvas.drawText(text_object)


def _drawable(text: str, font_name: str) -> str:
    glyphs = pdfmetrics.getFont(font_name).face.charToGlyph
    missing = {ch for ch in text if ord(ch) not in glyphs and not ch.isspace()}
    if not missing:
        return text
    log.warning("text layer: font has no glyph for %s; written as %s", "".join(sorted(missing)), MISSING_GLYPH)
    return "".join(MISSING_GLYPH if ch in missing else ch for ch in text)


class _EncodedImage(pdfdoc.PDFObject):
    """An image XObject whose stream is already compressed (JPEG or CCITT G4).

    reportlab's own image path stores everything as 8-bit Flate in ASCII85,
    which made a bilevel sample letter about three times larger than G4.
    """

    def __init__(self, data: bytes, size: tuple[int, int], colour_space: str, pdf_filter: str,
                 bits: int = 8, decode_parms: dict | None = None) -> None:
        self.data, self.size, self.bits = data, size, bits
        self.colour_space, self.pdf_filter, self.decode_parms = colour_space, pdf_filter, decode_parms
        # Same bytes → same name → stored once, as reportlab does for its images.
        self.name = "scan" + hashlib.sha1(data).hexdigest()[:20]

    @classmethod
    def from_pil(cls, image: Image.Image) -> _EncodedImage:
        image = _flatten(image)
        if _is_bilevel(image):
            return cls._ccitt_g4(image.convert("1"))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        return cls(buffer.getvalue(), image.size, _GREY_OR_RGB[image.mode], "DCTDecode")

    @classmethod
    def from_jpeg(cls, data: bytes, size: tuple[int, int]) -> _EncodedImage | None:
        """The JPEG unchanged, or None if a viewer would not show it as the OCR'd image."""
        try:
            with Image.open(io.BytesIO(data)) as jpeg:
                # CMYK needs inverted decoding, and a PDF ignores EXIF rotation.
                if (jpeg.format == "JPEG" and jpeg.mode in _GREY_OR_RGB and jpeg.size == size
                        and jpeg.getexif().get(ORIENTATION_TAG, 1) == 1):
                    return cls(data, size, _GREY_OR_RGB[jpeg.mode], "DCTDecode")
        except OSError:
            pass
        log.debug("source JPEG does not show the page image as is; re-encoding")
        return None

    @classmethod
    def _ccitt_g4(cls, image: Image.Image) -> _EncodedImage:
        # Pillow's libtiff writer produces the G4 stream; one strip holds the
        # whole page, so the strip's bytes are exactly what CCITTFaxDecode reads.
        buffer = io.BytesIO()
        image.save(buffer, format="TIFF", compression="group4", tiffinfo={278: image.height})
        with Image.open(buffer) as tiff:
            (offset,), (length,) = tiff.tag_v2[273], tiff.tag_v2[279]
            black_is_zero = tiff.tag_v2.get(262, 0) == 1
        # The G4 coder calls 0-bits "white"; with BlackIsZero they are black ink.
        parms = {"K": -1, "Columns": image.width, "Rows": image.height, "BlackIs1": black_is_zero}
        return cls(buffer.getvalue()[offset:offset + length], image.size, "DeviceGray", "CCITTFaxDecode",
                   bits=1, decode_parms=parms)

    def format(self, document) -> bytes:
        stream = pdfdoc.PDFStream(content=self.data, filters=[])
        entries = stream.dictionary
        entries["Type"], entries["Subtype"] = pdfdoc.PDFName("XObject"), pdfdoc.PDFName("Image")
        entries["Width"], entries["Height"] = self.size
        entries["ColorSpace"] = pdfdoc.PDFName(self.colour_space)
        entries["BitsPerComponent"] = self.bits
        entries["Filter"] = pdfdoc.PDFName(self.pdf_filter)
        if self.decode_parms:  # reportlab would write Python's True; PDF wants true
            entries["DecodeParms"] = pdfdoc.PDFDictionary(
                {k: str(v).lower() if isinstance(v, bool) else v for k, v in self.decode_parms.items()})
        return stream.format(document)


def _flatten(image: Image.Image) -> Image.Image:
    """The image in a mode a PDF page can carry: 1, L or RGB."""
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode.startswith("I;16") or image.mode == "I":
        import numpy as np  # 16-bit grey scans: keep the top byte (convert("L") would clip)

        values = np.asarray(image, dtype=np.uint32)
        return Image.fromarray((values >> 8 if values.max() > 255 else values).astype(np.uint8), "L")
    if image.mode in ("LA", "RGBA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")  # a scan has no meaningful transparency; paper is white
        flat = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
        return flat.convert("L") if image.mode == "LA" else flat
    return image.convert("RGB")


def _is_bilevel(image: Image.Image) -> bool:
    """Mode "1", or greyscale holding only pure black and white (stored losslessly as G4)."""
    if image.mode != "L":
        return image.mode == "1"
    colours = image.getcolors(2)  # None when more than two distinct values
    return colours is not None and {value for _, value in colours} <= {0, 255}
