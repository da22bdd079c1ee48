"""The review queue (``/queue``): letters whose reading is in doubt, most needed first, then by risk.

The order is the review package's (:func:`pipeline.review.queue.review_queue`);
this page only shows it, to reviewers.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pipeline.review.queue import review_queue
from pipeline.web.deps import Ctx, DbSession, Reviewer
from pipeline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/queue")
def queue_page(request: Request, db: DbSession, ctx: Ctx, user: Reviewer) -> Response:
    items = review_queue(db, limit=ctx.settings.web_queue_limit)
    return render(request, "queue.html", items=items, limit=ctx.settings.web_queue_limit)
