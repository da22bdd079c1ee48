"""The office's recurring jobs as plain functions: assignment lists, the daily check.

The Prefect flows in ``flows/office.py`` and the ``lianming lists`` /
``lianming closure`` commands call these; tests call them directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.cases.closure import ClosureReport, closure_check, write_closure_report
from pipeline.cases.handling import CaseChange, assess_cases
from pipeline.context import PipelineContext
from pipeline.output.assignments import mark_listed, pending_rows
from pipeline.output.list_files import write_assignment_lists


@dataclass(frozen=True)
class ListsResult:
    rows: int
    units: list[str]
    xlsx: Path | None
    pdfs: list[Path]
    per_unit: dict[str, int] = field(default_factory=dict)  # unit -> rows (cases) listed for it


def office_zone(ctx: PipelineContext) -> ZoneInfo:
    return ZoneInfo(ctx.settings.timezone)


def produce_assignment_lists(ctx: PipelineContext, out_dir: Path, *, today: date) -> ListsResult:
    """Write the 交办单 of every unit with new or changed cases, then mark those rows listed.

    Rows are marked only after the files exist: a crash in between lists the
    same cases again next time — never a case that no list carried.
    """
    with ctx.db.session() as session:
        rows = pending_rows(session, policy=ctx.policy, run_id=ctx.run_id)
    if not rows:
        return ListsResult(rows=0, units=[], xlsx=None, pdfs=[])
    files = write_assignment_lists(rows, out_dir, title_date=today, run_id=ctx.run_id)
    if ctx.run_id:
        with ctx.db.session() as session:
            mark_listed(session, rows=rows, run_id=ctx.run_id)
    per_unit = dict(sorted(Counter(r.unit for r in rows).items()))
    return ListsResult(rows=len(rows), units=list(per_unit), xlsx=files["xlsx"], pdfs=files["pdf"], per_unit=per_unit)


def reassess_open_cases(ctx: PipelineContext, *, today: date) -> list[CaseChange]:
    """Every open case against today's date: an overdue case rises one risk level."""
    with ctx.db.session() as session:
        return assess_cases(session, case_ids=None, policy=ctx.policy, zone=office_zone(ctx), today=today,
                            actor=ctx.actor, run_id=ctx.run_id)


def daily_closure_check(ctx: PipelineContext, out_dir: Path | None, *, today: date) -> ClosureReport:
    """Raise overdue cases, then check closure over everything; write closure.json/.md if asked."""
    reassess_open_cases(ctx, today=today)
    with ctx.db.session() as session:
        report = closure_check(session, today=today, policy=ctx.policy)
    if out_dir is not None:
        write_closure_report(report, out_dir)
    return report
