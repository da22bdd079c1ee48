"""The case page, a unit's own list (``/my-cases``), and the forms that change a case.

Reviewers merge, split and re-route; an officer of the lead unit records the
unit's steps; a co-unit's officer only reads. Who may see a case at all is
decided once, in :mod:`pipeline.web.guards` (404 for anyone else).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from pipeline.errors import UsageError
from pipeline.review.access import can_act_on_case
from pipeline.review.case_edits import ROUTING_LEVELS, merge_cases, reroute_case, split_case
from pipeline.store.models import Document
from pipeline.web import guards
from pipeline.web.accounts import REVIEW_ROLES, known_units
from pipeline.web.deps import Ctx, DbSession, Staff, Today
from pipeline.web.errors import NotFound
from pipeline.web.files import MEDIA_TYPES, store_document
from pipeline.web.steps import DOCUMENT_STEPS, record_step
from pipeline.web.templating import render
from pipeline.web.views import case_view, event_document, unit_cases

router = APIRouter(include_in_schema=False)


def parse_day(value: str | None, *, what: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{what}: '{value}' is not a date (YYYY-MM-DD)") from None


def split_units(value: str) -> list[str]:
    """Co-units typed one per line or separated by commas (Chinese or ASCII)."""
    return [u.strip() for u in value.replace("，", ",").replace("、", ",").replace("\n", ",").split(",") if u.strip()]


def _back(case_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/cases/{case_id}?done={done}", status_code=303)


@router.get("/my-cases")
def my_cases(request: Request, db: DbSession, user: Staff, today: Today) -> Response:
    if user.role != "unit_officer":
        return RedirectResponse("/queue", status_code=303)
    return render(request, "my_cases.html", cases=unit_cases(db, unit=user.unit, today=today), today=today)


@router.get("/cases/{case_id}")
def case_page(request: Request, db: DbSession, ctx: Ctx, user: Staff, today: Today, case_id: str) -> Response:
    case = guards.case_for(db, user=user, case_id=case_id)
    can_act = user.role == "unit_officer" and can_act_on_case(db, user=user, case_id=case_id)
    return render(request, "case.html", case=case_view(db, case=case), today=today, can_act=can_act,
                  can_review=user.role in REVIEW_ROLES, routing_levels=ROUTING_LEVELS,
                  units=known_units(ctx.policy) if user.role in REVIEW_ROLES else [])


@router.get("/cases/{case_id}/documents/{sha256}")
def case_document(db: DbSession, ctx: Ctx, user: Staff, case_id: str, sha256: str) -> Response:
    """A document a unit attached to one of the case's steps (only through that case)."""
    guards.case_for(db, user=user, case_id=case_id)
    if event_document(db, case_id=case_id, sha256=sha256) is None or not ctx.store.has(sha256):
        raise NotFound("no such document on this case")
    doc = db.get(Document, sha256)
    media_type = (doc.media_type if doc else None) or "application/octet-stream"
    ext = next((e for e, t in MEDIA_TYPES.items() if t == media_type), "")
    return Response(ctx.store.read_bytes(sha256), media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{case_id}-{sha256[:8]}{ext}"',
        "Cache-Control": "private, no-store"})


@router.post("/cases/{case_id}/merge")
def merge(db: DbSession, ctx: Ctx, user: Staff, case_id: str, other_case_id: Annotated[str, Form()]) -> Response:
    """Merge the other case into this one: its letters come here, it becomes a pointer."""
    guards.reviewer_case(db, user=user, case_id=case_id)
    merge_cases(db, keep_case_id=case_id, merge_case_id=other_case_id.strip(), reviewer=user.username,
                policy=ctx.policy, zone=ZoneInfo(ctx.settings.timezone))
    return _back(case_id, "merged")


@router.post("/cases/{case_id}/split")
def split(db: DbSession, ctx: Ctx, user: Staff, case_id: str,
          letter_ids: Annotated[list[str], Form()]) -> Response:
    guards.reviewer_case(db, user=user, case_id=case_id)
    new_id = split_case(db, case_id=case_id, letter_ids=letter_ids, reviewer=user.username, policy=ctx.policy,
                        zone=ZoneInfo(ctx.settings.timezone))
    return _back(new_id, "split")


@router.post("/cases/{case_id}/reroute")
def reroute(db: DbSession, user: Staff, case_id: str, level: Annotated[str, Form()],
            lead_unit: Annotated[str, Form()], reason: Annotated[str, Form()],
            co_units: Annotated[str, Form()] = "") -> Response:
    guards.reviewer_case(db, user=user, case_id=case_id)
    reroute_case(db, case_id=case_id, level=level, lead_unit=lead_unit, co_units=split_units(co_units),
                 reason=reason, reviewer=user.username)
    return _back(case_id, "rerouted")


@router.post("/cases/{case_id}/steps/{kind}")
def step(db: DbSession, ctx: Ctx, user: Staff, today: Today, case_id: str, kind: str,
         on_date: Annotated[str, Form()] = "", text: Annotated[str, Form()] = "",
         new_due: Annotated[str, Form()] = "", document: Annotated[UploadFile | None, File()] = None) -> Response:
    """受理告知 / 处理意见 / 答复 / 延期 / 退单 by the lead unit's officer."""
    guards.case_to_act_on(db, user=user, case_id=case_id)
    if document is not None and document.filename and kind not in DOCUMENT_STEPS:
        raise UsageError(f"a document can be attached to {', '.join(DOCUMENT_STEPS)}, not to '{kind}'")
    # Stored before the step is checked: if the step is refused, the Document
    # row rolls back and the bytes stay unreferenced in the content-addressed
    # store, where they harm nothing and are reused if sent again.
    sha = store_document(ctx, db, document)
    record_step(db, case_id=case_id, kind=kind, user=user, on_date=parse_day(on_date, what="date"), today=today,
                text=text, new_due=parse_day(new_due, what="new deadline"), document_sha256=sha,
                policy=ctx.policy)
    if kind == "return":
        # The case has gone back to triage: this unit no longer sees it.
        return RedirectResponse("/my-cases?done=return", status_code=303)
    return _back(case_id, "extension" if kind == "extend" else kind)
