"""``POST /api/letters``: a scanning station hands in a file, through the same intake as the inbox.

The answer says what intake made of it: a new letter (201), the letter these
bytes already are (200, ``duplicate``), or quarantine with the reason (200,
``quarantined``: the file is kept, as received, for a person to look at).
A file over the size limit (413) or of a type stations do not send (415) is
refused before intake and so was never received.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from pipeline.web.deps import Ctx, Uploader
from pipeline.web.files import intake_upload
from pipeline.web.schemas import UploadOut

router = APIRouter(prefix="/api", tags=["uploads"])


@router.post("/letters", response_model=UploadOut, status_code=201,
             responses={200: {"model": UploadOut, "description": "Already registered, or quarantined"},
                        413: {"description": "Larger than the upload limit"},
                        415: {"description": "Not a file type stations send"}},
             summary="Hand in a scanned letter (stations, reviewers)")
def upload_letter(response: Response, ctx: Ctx, user: Uploader, file: Annotated[UploadFile, File()],
                  station: Annotated[str | None, Form(description="Station name (reviewers only; a station"
                                                                 " account is its own station)")] = None
                  ) -> dict:
    # A station's account name is its station: it cannot speak for another one.
    name = user.username if user.role == "station" else ((station or "").strip() or f"web:{user.username}")
    outcome = intake_upload(ctx, file, station=name, actor=user.username)
    if outcome.outcome != "registered":
        response.status_code = 200
    return {"outcome": outcome.outcome, "letter_id": outcome.letter_id, "sha256": outcome.sha256,
            "reason_code": outcome.reason_code, "reason": outcome.reason}
