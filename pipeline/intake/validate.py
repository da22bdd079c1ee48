"""Decide whether a received file can be read as a letter, and what it is.

Checks run before a letter is registered, so that a bad file is quarantined
with a stated reason instead of failing later in the pipeline: the type is
decided from the bytes (never the file name), then the file is opened the way
the text stage will open it. Every failure is an ``InputFileError`` with a
stable ``reason_code``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from pipeline.errors import InputFileError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"

_MAGIC = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
]


@dataclass(frozen=True)
class FileCheck:
    media_type: str
    pages: int


def sniff_media_type(head: bytes) -> str | None:
    # Scanners and mail gateways sometimes prepend junk before %PDF; PDF
    # readers accept the header anywhere in the first KiB, so do we.
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if b"%PDF-" in head[:1024]:
        return PDF
    return None


def check_file(path: Path, *, max_bytes: int, max_pages: int, max_image_pixels: int) -> FileCheck:
    """Open ``path`` as a letter file or raise ``InputFileError``."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(2048)
    except OSError as exc:
        raise InputFileError(f"cannot read the file: {exc.strerror}", reason_code="unreadable") from exc
    if size == 0:
        raise InputFileError("the file is empty (0 bytes)", reason_code="empty")
    if size > max_bytes:
        raise InputFileError(
            f"the file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit for one letter",
            reason_code="too_large",
        )
    media_type = sniff_media_type(head)
    if media_type is None:
        raise InputFileError(
            "not a document: the content is not PDF, PNG, JPEG or TIFF (whatever the file name says)",
            reason_code="unsupported_type",
        )
    if media_type == PDF:
        pages = _check_pdf(path, max_pages=max_pages)
    else:
        pages = _check_image(path, max_pages=max_pages, max_image_pixels=max_image_pixels)
    return FileCheck(media_type=media_type, pages=pages)


def _check_pdf(path: Path, *, max_pages: int) -> int:
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise InputFileError("the PDF is encrypted with a password; ask the sender for an open copy",
                                 reason_code="encrypted") from exc
        raise InputFileError(f"the PDF is damaged and cannot be opened ({exc})", reason_code="corrupt") from exc
    try:
        n = len(pdf)
        if n == 0:
            raise InputFileError("the PDF has no pages", reason_code="no_pages")
        if n > max_pages:
            raise InputFileError(f"the PDF has {n} pages, over the limit of {max_pages}", reason_code="too_large")
        for i in range(n):
            page = pdf[i]
            w, h = page.get_size()
            page.close()
            if w <= 0 or h <= 0:
                raise InputFileError(f"page {i + 1} of the PDF has no area", reason_code="corrupt")
        return n
    finally:
        pdf.close()


def _check_image(path: Path, *, max_pages: int, max_image_pixels: int) -> int:
    # Pillow's bomb guard raises above 2x MAX_IMAGE_PIXELS and only warns
    # between 1x and 2x; both are treated as a bomb here.
    old_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                frames = getattr(img, "n_frames", 1)
                if frames > max_pages:
                    raise InputFileError(f"the image has {frames} pages, over the limit of {max_pages}",
                                         reason_code="too_large")
                for i in range(frames):
                    img.seek(i)
                    if img.width * img.height > max_image_pixels:
                        raise Image.DecompressionBombError(f"{img.width}x{img.height} pixels")
                    img.load()  # decode fully: truncated data fails here, not in the OCR stage
                return frames
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputFileError(
            f"the image declares too many pixels ({exc}); refused as a possible decompression bomb",
            reason_code="decompression_bomb",
        ) from exc
    except UnidentifiedImageError as exc:
        raise InputFileError("the image header is damaged and cannot be identified", reason_code="corrupt") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputFileError(f"the image data is damaged or truncated ({exc})", reason_code="corrupt") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = old_limit
