"""The JSON API: the same reads and changes as the pages, for scripts and other systems.

Same session cookie, same access rules (a unit officer gets 404 for another
unit's case or letter), same CSRF rule: every POST carries the session's
token in ``X-CSRF-Token`` (``GET /api/session`` gives it). Uploads by
scanning stations are in :mod:`pipeline.web.routers.uploads`.
"""

from __future__ import annotations

from dataclasses import asdict
from zoneinfo import ZoneInfo

from fastapi import APIRouter

from pipeline.review.corrections import confirm_letter, correct_letter
from pipeline.review.queue import review_queue
from pipeline.web import guards
from pipeline.web.accounts import REVIEW_ROLES
from pipeline.web.deps import Ctx, DbSession, Reviewer, Staff, Today
from pipeline.web.schemas import CaseOut, CaseRowOut, CorrectionIn, CorrectionOut, LetterOut, QueueItemOut, StepIn
from pipeline.web.steps import record_step
from pipeline.web.views import case_view, cases_by_id, letter_view, unit_cases

router = APIRouter(prefix="/api", tags=["letters and cases"])


@router.get("/queue", response_model=list[QueueItemOut], summary="The review queue, most needed first")
def queue(db: DbSession, ctx: Ctx, user: Reviewer) -> list[dict]:
    return [asdict(item) for item in review_queue(db, limit=ctx.settings.web_queue_limit)]


@router.get("/letters/{letter_id}", response_model=LetterOut, summary="A letter and what was read from it")
def get_letter(db: DbSession, ctx: Ctx, user: Staff, letter_id: str) -> dict:
    return letter_view(db, letter=guards.letter_for(db, user=user, letter_id=letter_id), policy=ctx.policy)


@router.post("/letters/{letter_id}/corrections", response_model=CorrectionOut,
             summary="Correct one field of a letter (reviewers); the case is re-assessed at once")
def post_correction(db: DbSession, ctx: Ctx, user: Staff, letter_id: str, body: CorrectionIn) -> dict:
    guards.reviewer_letter(db, user=user, letter_id=letter_id)
    value = body.value.strip() or None if isinstance(body.value, str) else body.value
    correction = correct_letter(db, letter_id=letter_id, field=body.field, new_value=value, reviewer=user.username,
                                policy=ctx.policy, zone=ZoneInfo(ctx.settings.timezone))
    db.flush()
    letter = guards.letter_for(db, user=user, letter_id=letter_id)
    return {"letter": letter_view(db, letter=letter, policy=ctx.policy), "correction_id": correction.id, "field": correction.field,
            "old_value": correction.old_value, "new_value": correction.new_value}


@router.post("/letters/{letter_id}/confirm", response_model=LetterOut,
             summary="Let the reading stand (reviewers): the letter leaves the review queue")
def post_confirm(db: DbSession, ctx: Ctx, user: Staff, letter_id: str) -> dict:
    letter = guards.reviewer_letter(db, user=user, letter_id=letter_id)
    confirm_letter(db, letter_id=letter_id, reviewer=user.username)
    return letter_view(db, letter=letter, policy=ctx.policy)


@router.get("/cases", response_model=list[CaseRowOut], summary="Cases this user may see")
def list_cases(db: DbSession, user: Staff, today: Today) -> list[dict]:
    if user.role in REVIEW_ROLES:
        return cases_by_id(db, case_ids=None, today=today)
    return unit_cases(db, unit=user.unit, today=today) if user.unit else []


@router.get("/cases/{case_id}", response_model=CaseOut, summary="A case: letters, routing, risk, deadlines, events")
def get_case(db: DbSession, user: Staff, case_id: str) -> dict:
    return case_view(db, case=guards.case_for(db, user=user, case_id=case_id))


@router.post("/cases/{case_id}/steps", response_model=CaseOut,
             summary="Record a step of the lead unit: ack, result, reply (closes), extend, return")
def post_step(db: DbSession, ctx: Ctx, user: Staff, today: Today, case_id: str, body: StepIn) -> dict:
    guards.case_to_act_on(db, user=user, case_id=case_id)
    case = record_step(db, case_id=case_id, kind=body.kind, user=user, on_date=body.on_date, today=today,
                       text=body.text, new_due=body.new_due, document_sha256=None, policy=ctx.policy)
    db.flush()
    return case_view(db, case=case)

