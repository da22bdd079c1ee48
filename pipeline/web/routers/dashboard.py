"""The dashboard (``/dashboard``): letters and cases by category, place and week; risk; closure by unit.

Figures come from :func:`pipeline.review.stats.dashboard_stats` (which takes
closed and overdue from the closure check, so the dashboard and the 督办 list
agree); charts are inline SVG drawn by the template from
:mod:`pipeline.web.charts`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pipeline.review.stats import dashboard_stats
from pipeline.web.charts import dashboard_charts
from pipeline.web.deps import Ctx, DbSession, Reviewer, Today
from pipeline.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard_page(request: Request, db: DbSession, ctx: Ctx, user: Reviewer, today: Today) -> Response:
    stats = dashboard_stats(db, policy=ctx.policy, today=today, zone=ZoneInfo(ctx.settings.timezone))
    return render(request, "dashboard.html", stats=stats, charts=dashboard_charts(stats))
