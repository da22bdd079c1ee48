"""Files over HTTP: uploaded letters into intake, attached documents into the store, page images out.

An uploaded letter goes through the same ``intake_paths`` as an inbox file,
so the web adds no second way in: the same bytes are reported as already
registered, a damaged file is quarantined with its reason, and every hand-in
gets a receipt. Only the request's own limits (size, file type) are checked
here, because a refused request was never received.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import shutil
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

import pypdfium2 as pdfium
from fastapi import UploadFile
from PIL import Image
from sqlalchemy.orm import Session

from pipeline.context import PipelineContext
from pipeline.intake.register import IntakeOutcome, intake_paths
from pipeline.store import records
from pipeline.web.errors import NotFound, PayloadTooLarge, UnsupportedType

log = logging.getLogger(__name__)

CHUNK = 1 << 20
PAGE_WIDTH_PX = 1100  # wide enough to read a handwritten signature table beside the text
# PDFium is not thread-safe, and page images are rendered in FastAPI's thread pool.
_PDFIUM_LOCK = threading.Lock()
_UNSAFE = re.compile(r"[^\w.\-\u3000-\u9fff]+")
MEDIA_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".tif": "image/tiff", ".tiff": "image/tiff", ".doc": "application/msword",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               ".odt": "application/vnd.oasis.opendocument.text", ".ofd": "application/ofd"}


def safe_name(filename: str | None) -> str:
    """The file's base name (from a Windows or POSIX path), without characters a path must not hold."""
    base = PureWindowsPath(PurePosixPath(filename or "upload").name).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    return cleaned[-120:]


def checked_extension(filename: str | None, allowed: list[str]) -> str:
    ext = Path(filename or "").suffix.lower()
    if ext not in {a.lower() for a in allowed}:
        raise UnsupportedType(f"'{safe_name(filename)}' is not accepted here (accepted: {', '.join(allowed)})")
    return ext


def save_upload(upload: UploadFile, dest: Path, *, max_bytes: int) -> int:
    """Copy the upload to ``dest``; refuses (413) as soon as it is larger than ``max_bytes``."""
    size = 0
    upload.file.seek(0)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as out:
        while chunk := upload.file.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                out.close()
                dest.unlink(missing_ok=True)
                raise PayloadTooLarge(f"the file is larger than {max_bytes / 2**20:.1f} MB")
            out.write(chunk)
    return size


def intake_upload(ctx: PipelineContext, upload: UploadFile, *, station: str, actor: str) -> IntakeOutcome:
    """Hand one uploaded file to intake, as if a station had dropped it into the inbox."""
    settings = ctx.settings
    checked_extension(upload.filename, settings.web_upload_extensions)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    # A folder per hand-in, named by station and time, so the receipt's source
    # path says where and when it came from. The name starts with the stamp so
    # it never matches an intake sidecar pattern (README*, .*, manifest.csv).
    folder = settings.home / "uploads" / safe_name(station) / f"{stamp}-{secrets.token_hex(3)}"
    path = folder / f"{stamp}-{safe_name(upload.filename)}"
    try:
        save_upload(upload, path, max_bytes=int(settings.web_upload_max_mb * 2**20))
        report = intake_paths(replace(ctx, actor=actor), [path], station=station)
    finally:
        # The original now lives in the document store; this copy was only the way in.
        shutil.rmtree(folder, ignore_errors=True)
    if len(report.outcomes) != 1:
        raise UnsupportedType(f"intake did not take the file: {'; '.join(report.problems) or 'skipped'}")
    return report.outcomes[0]


def store_document(ctx: PipelineContext, session: Session, upload: UploadFile | None) -> str | None:
    """A unit's attached document (result, reply) into the document store; its SHA-256, or None."""
    if upload is None or not upload.filename:
        return None
    settings = ctx.settings
    ext = checked_extension(upload.filename, settings.web_document_extensions)
    tmp = settings.home / "uploads" / "documents" / f"{secrets.token_hex(8)}{ext}"
    try:
        save_upload(upload, tmp, max_bytes=int(settings.web_document_max_mb * 2**20))
        stored = ctx.store.put_file(tmp)
    finally:
        tmp.unlink(missing_ok=True)
    records.ensure_document(session, sha256=stored.sha256, size=stored.size, media_type=MEDIA_TYPES.get(ext),
                            stored_path=stored.relative_path)
    return stored.sha256


MAX_PAGE_HEIGHT_PX = 4 * PAGE_WIDTH_PX  # a strip of a page is shown, not rendered to gigapixels


def render_page_png(path: Path, media_type: str, page_no: int, *, width: int = PAGE_WIDTH_PX) -> bytes:
    """Page ``page_no`` (1-based) of a stored original as a PNG at most ``width`` pixels wide.

    The scale is bounded by the height too, so a freak page shape (3 × 14400 pt)
    cannot exhaust the worker's memory. A missing original is a 404 and a log
    line, not a crash: the record stays, the file can be restored.
    """
    if not path.is_file():
        log.error("stored original %s is missing", path)
        raise NotFound(f"page {page_no} is not available")
    if media_type == "application/pdf":
        with _PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(str(path))
            try:
                if not 1 <= page_no <= len(pdf):
                    raise NotFound(f"no page {page_no}")
                page = pdf[page_no - 1]
                try:
                    scale = min(width / page.get_width(), MAX_PAGE_HEIGHT_PX / page.get_height())
                    image = page.render(scale=scale).to_pil()
                finally:
                    page.close()
            finally:
                pdf.close()
    else:
        with Image.open(path) as img:
            if not 1 <= page_no <= getattr(img, "n_frames", 1):
                raise NotFound(f"no page {page_no}")
            img.seek(page_no - 1)
            img.thumbnail((width, MAX_PAGE_HEIGHT_PX))  # shrinks before converting: a 120 MP scan stays cheap
            image = img.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
