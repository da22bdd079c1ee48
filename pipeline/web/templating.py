"""Jinja2 for the server-rendered pages.

Autoescape is on for every template, and no template applies ``|safe`` to
anything: letter text, names and places are whatever a citizen or an OCR
engine wrote, so they are always rendered as text. Charts are drawn by
templates (inline SVG) from numbers computed in Python, so their labels are
escaped the same way.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from pipeline.config import Policy

TEMPLATES_DIR = Path(__file__).parent / "templates"

INTENT_NAMES = {"none": "无", "collective": "集体走访", "province": "赴省上访", "beijing": "进京上访"}
STATUS_NAMES = {"registered": "已登记", "triage": "待分办", "assigned": "已交办", "acknowledged": "已受理",
                "resulted": "已出处理意见", "replied": "已答复", "closed": "已办结"}
EVENT_NAMES = {"ack": "受理告知", "result": "处理意见", "reply": "答复", "extension": "延期", "return": "退单",
               "rerouted": "人工改派", "routed": "分办", "risk_changed": "预警变化", "letter_joined": "来信并入",
               "opened": "立项"}
LEVEL_NAMES = {"city": "市级", "county": "县级", "township": "乡镇级", "triage": "待分办"}
# After a form is handled the page is shown again with ?done=<code>; only
# these fixed messages are ever shown, so nothing from the URL is echoed.
DONE_MESSAGES = {"corrected": "已更正", "confirmed": "已确认", "moved": "来信已移至另一事项", "merged": "事项已合并",
                 "split": "来信已拆分为新事项", "rerouted": "已人工改派", "ack": "已记录受理告知",
                 "result": "已记录处理意见", "reply": "已记录答复，事项办结", "extension": "已申请延期",
                 "return": "已退单", "signed_out": "已退出登录"}


def _environment() -> Environment:
    # StrictUndefined: a misspelt variable fails the test run instead of
    # rendering an empty cell that nobody notices.
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v, digits=0: "—" if v is None else f"{100 * float(v):.{digits}f}%"
    env.filters["day"] = lambda v: "—" if v is None else (v.isoformat() if isinstance(v, date) else str(v))
    env.globals.update(INTENT_NAMES=INTENT_NAMES, STATUS_NAMES=STATUS_NAMES, EVENT_NAMES=EVENT_NAMES,
                       LEVEL_NAMES=LEVEL_NAMES, DONE_MESSAGES=DONE_MESSAGES)
    return env


templates = Jinja2Templates(env=_environment())


class Names:
    """Display names from the policy, for templates (codes stay codes when unknown)."""

    def __init__(self, policy: Policy, zone: ZoneInfo) -> None:
        self._policy = policy
        self._zone = zone

    def category(self, code: str | None) -> str:
        if not code:
            return "—"
        try:
            return self._policy.category(code).name
        except KeyError:
            return code

    def risk(self, level: str | None) -> str:
        return self._policy.risk.level_names.get(level, level or "—") if level else "—"

    def local(self, moment: datetime | None) -> str:
        return "—" if moment is None else moment.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")


def render(request: Request, name: str, *, status: int = 200, **context) -> HTMLResponse:
    from pipeline.web.deps import web_session

    ctx = request.app.state.ctx
    base = {"user": getattr(request.state, "user", None), "csrf_token": web_session(request).csrf,
            "names": Names(ctx.policy, ZoneInfo(ctx.settings.timezone)), "policy": ctx.policy,
            "done": request.query_params.get("done")}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def render_error(request: Request, *, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status=status, status_code=status, message=message)
