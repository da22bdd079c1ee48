"""The letter page: scanned pages beside the text, what was read, and the reviewer's forms.

Every form posts to its own path and, when done, sends the browser back to
the letter (303, ``?done=...``), so a reload never posts twice. A refused
change (a village not in the township, a closed case) comes back as the
error page with the rule that refused it.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from pipeline.errors import UsageError
from pipeline.review.case_edits import move_letter
from pipeline.review.corrections import confirm_letter, correct_letter
from pipeline.web import guards
from pipeline.web.deps import Ctx, DbSession, Staff
from pipeline.web.files import render_page_png
from pipeline.web.templating import render
from pipeline.web.views import letter_view

router = APIRouter(prefix="/letters", include_in_schema=False)


def _back(letter_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/letters/{letter_id}?done={done}", status_code=303)


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


@router.get("/{letter_id}")
def letter_page(request: Request, db: DbSession, ctx: Ctx, user: Staff, letter_id: str) -> Response:
    letter = guards.letter_for(db, user=user, letter_id=letter_id)
    return render(request, "letter.html", letter=letter_view(db, letter=letter, policy=ctx.policy),
                  can_review=user.role in ("admin", "reviewer"))


@router.get("/{letter_id}/pages/{page_no}.png")
def page_image(db: DbSession, ctx: Ctx, user: Staff, letter_id: str, page_no: int) -> Response:
    letter = guards.letter_for(db, user=user, letter_id=letter_id)
    png = render_page_png(ctx.store.path_of(letter.sha256), letter.media_type, page_no)
    # Originals never change, but the image is personal data: the browser may
    # keep it for the session, shared caches may not.
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})


@router.post("/{letter_id}/corrections")
def correct(db: DbSession, ctx: Ctx, user: Staff, letter_id: str, field: Annotated[str, Form()],
            value: Annotated[str, Form()] = "") -> Response:
    guards.reviewer_letter(db, user=user, letter_id=letter_id)
    correct_letter(db, letter_id=letter_id, field=field, new_value=_clean(value), reviewer=user.username,
                   policy=ctx.policy, zone=ZoneInfo(ctx.settings.timezone))
    return _back(letter_id, "corrected")


@router.post("/{letter_id}/place")
def correct_place(db: DbSession, ctx: Ctx, user: Staff, letter_id: str, county: Annotated[str, Form()] = "",
                  township: Annotated[str, Form()] = "", village: Annotated[str, Form()] = "") -> Response:
    """The place as one form, applied part by part: only the parts the reviewer changed.

    A browser sends every select, also the one left as it was: choosing only
    another township must not have the unchanged county select undo it. The
    township goes first, because it names its county.
    """
    letter = guards.reviewer_letter(db, user=user, letter_id=letter_id)
    zone = ZoneInfo(ctx.settings.timezone)
    wanted = {"township": _clean(township), "county": _clean(county), "village": _clean(village)}
    changed = [f for f in ("township", "county", "village") if wanted[f] != getattr(letter, f)]
    if {"township", "county"} <= set(changed) and wanted["township"] and wanted["county"]:
        home = ctx.policy.county_of_township(wanted["township"])
        if home is not None and home != wanted["county"]:
            raise UsageError(f"{wanted['township']} lies in {home}, not in {wanted['county']}")
    for field in changed:
        if wanted[field] != getattr(letter, field):  # re-read: the township may have set the county
            correct_letter(db, letter_id=letter_id, field=field, new_value=wanted[field], reviewer=user.username,
                           policy=ctx.policy, zone=zone)
    return _back(letter_id, "corrected")


@router.post("/{letter_id}/move")
def move(db: DbSession, ctx: Ctx, user: Staff, letter_id: str, case_id: Annotated[str, Form()]) -> Response:
    guards.reviewer_letter(db, user=user, letter_id=letter_id)
    move_letter(db, letter_id=letter_id, to_case_id=case_id.strip(), reviewer=user.username, policy=ctx.policy,
                zone=ZoneInfo(ctx.settings.timezone))
    return _back(letter_id, "moved")


@router.post("/{letter_id}/confirm")
def confirm(db: DbSession, user: Staff, letter_id: str) -> Response:
    guards.reviewer_letter(db, user=user, letter_id=letter_id)
    confirm_letter(db, letter_id=letter_id, reviewer=user.username)
    return _back(letter_id, "confirmed")

