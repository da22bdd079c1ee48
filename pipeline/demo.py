"""``lianming demo``: the life of cases over the months the sample letters span.

Letters are handed in on the days their manifest says, one batch per arrival
day, through the real batch flow. Between arrivals the units act the way an
office does: they acknowledge a case the day after it arrives, and most send
their result and reply shortly before the deadline — but not all, so some
cases stay open in time and one or more go overdue. Follow-up letters join open cases
and raise their risk. Every arrival day ends with that day's assignment lists
(交办单), and the demo ends with the closure check (处结率). The units'
behaviour is a fixed script (no randomness, nothing read from the truth), so
the demo prints the same story on every machine.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from pipeline.cases import lifecycle
from pipeline.cases.closure import ClosureReport
from pipeline.cases.jobs import daily_closure_check, office_zone, produce_assignment_lists
from pipeline.context import PipelineContext
from pipeline.intake.manifest import parse_timestamp
from pipeline.runs import begin_run, finish_run
from pipeline.store.models import Case, CaseEvent

# The script the units follow.
ACK_AFTER_DAYS = 1  # 受理告知 the day after registration
RESULT_DAYS_BEFORE_DUE = 3  # the result three days before its deadline, the reply the day after
NEVER_ANSWERED_EVERY = 4  # one case in four is left without a result (it will go overdue)


@dataclass(frozen=True)
class Arrival:
    day: date
    files: list[tuple[Path, dict]]  # (file, its manifest row)


def arrivals(inbox: Path, *, ctx: PipelineContext) -> list[Arrival]:
    """The inbox's letters grouped by the office day they were received (from manifest.csv)."""
    zone = office_zone(ctx)
    by_day: dict[date, list[tuple[Path, dict]]] = {}
    with open(inbox / "manifest.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            day = parse_timestamp(row["received_at"], zone).astimezone(zone).date()
            by_day.setdefault(day, []).append((inbox / row["file"], row))
    return [Arrival(day, files) for day, files in sorted(by_day.items())]


def _stage_inbox(arrival: Arrival, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for path, row in arrival.files:
        shutil.copy2(path, folder / path.name)
        rows.append(row)
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _answered(case_id: str) -> bool:
    # A stable choice by the case id's checksum: the same cases every run.
    return zlib.crc32(case_id.encode()) % NEVER_ANSWERED_EVERY != 0


def units_act(ctx: PipelineContext, *, today: date, say: Callable[[str], None]) -> None:
    """What the units do up to ``today``: acknowledge, and (for most cases) result and reply."""
    done: list[tuple[date, str]] = []
    with ctx.db.session() as session:
        for case in session.scalars(select(Case).where(Case.status.in_(("assigned", "acknowledged",
                                                                         "resulted"))).order_by(Case.id)):
            start = case.registered_on
            steps = [("assigned", "acknowledge", start + timedelta(days=ACK_AFTER_DAYS), "已受理，已告知代表人")]
            if _answered(case.id) and case.result_due:
                # Units work to the deadline, so a follow-up letter usually
                # finds its case still open and raises its risk.
                result_on = case.result_due - timedelta(days=RESULT_DAYS_BEFORE_DUE)
                steps += [("acknowledged", "record_result", result_on,
                           "经调查核实，已责成有关方面限期整改，处理意见已形成"),
                          ("resulted", "record_reply", result_on + timedelta(days=1),
                           "已当面向代表人答复处理意见")]
            for status, step_name, on, text in steps:
                if case.status != status or on > today:
                    continue
                actor = f"{case.lead_unit}经办人"
                getattr(lifecycle, step_name)(session, case.id, lifecycle.Step(actor=actor, on_date=on, today=today,
                                                                               text=text))
                done.append((on, f"  {on}  {case.id} {_STEP_WORDS[step_name]}（{case.lead_unit}）"))
    for _, line in sorted(done):
        say(line)


_STEP_WORDS = {"acknowledge": "受理告知", "record_result": "出具处理意见", "record_reply": "答复代表人，办结"}


def run_demo(ctx: PipelineContext, inbox: Path, out_dir: Path, *, run_batch: Callable[..., dict],
             say: Callable[[str], None], end_after_days: int = 21) -> ClosureReport:
    """Play the inbox's letters day by day; return the final closure check."""
    timeline = arrivals(inbox, ctx=ctx)
    if not timeline:
        raise lifecycle.LifecycleError(f"{inbox}/manifest.csv lists no letters")
    seen_events = 0
    with tempfile.TemporaryDirectory(prefix="lianming-demo-") as tmp:
        for number, arrival in enumerate(timeline, start=1):
            units_act(ctx, today=arrival.day - timedelta(days=1), say=say)
            say(f"{arrival.day}  收到来信 {len(arrival.files)} 件：{'、'.join(p.name for p, _ in arrival.files)}")
            batch_inbox = _stage_inbox(arrival, Path(tmp) / f"{number:03d}")
            run_batch(inputs=[str(batch_inbox)], out_dir=str(out_dir / "runs" / arrival.day.isoformat()))
            seen_events = _tell_new_events(ctx, seen_events, say)
            lists = _daily_lists(ctx, out_dir / "lists" / arrival.day.isoformat(), today=arrival.day)
            if lists.rows:
                say(f"  交办单：{lists.rows} 件，{len(lists.units)} 个单位 → {lists.xlsx}")
        end = timeline[-1].day + timedelta(days=end_after_days)
        units_act(ctx, today=end, say=say)
        report = daily_closure_check(ctx, out_dir / "closure", today=end)
        _tell_new_events(ctx, seen_events, say)
    say(f"{end}  处结率检查：办结 {report.closed}，期限内在办 {report.open_in_time}，超期 {len(report.overdue)}"
        f" → {out_dir / 'closure' / 'closure.md'}")
    return report


def _daily_lists(ctx: PipelineContext, out_dir: Path, *, today: date):
    """That day's 交办单, as its own run, so listed cases are not listed again unless they change."""
    ctx.run_id = None
    begin_run(ctx, kind="lists")
    try:
        result = produce_assignment_lists(ctx, out_dir, today=today)
        finish_run(ctx, summary={"rows": result.rows, "units": result.units})
        return result
    finally:
        ctx.run_id = None


def _tell_new_events(ctx: PipelineContext, seen: int, say: Callable[[str], None]) -> int:
    """Print routing and risk events recorded since the last call; returns the new high-water mark."""
    with ctx.db.session() as session:
        events = list(session.execute(select(CaseEvent.id, CaseEvent.case_id, CaseEvent.kind, CaseEvent.text)
                                      .where(CaseEvent.id > seen, CaseEvent.kind.in_(("opened", "letter_joined",
                                                                                      "routed", "risk_changed")))
                                      .order_by(CaseEvent.id)))
        for _, case_id, kind, text in events:
            say(f"  {case_id} {_EVENT_WORDS.get(kind, kind)}：{text}")
        last = session.scalar(select(CaseEvent.id).order_by(CaseEvent.id.desc()).limit(1))
    return max(seen, last or 0)


_EVENT_WORDS = {"opened": "立案", "letter_joined": "并案", "routed": "交办", "risk_changed": "预警变化"}
