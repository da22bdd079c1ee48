"""The batch run as plain functions: what the Prefect flow orchestrates.

Stages are listed with their availability so the run's outputs say plainly
which fields were computed and which await a stage not yet built.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.context import PipelineContext
from pipeline.intake.register import IntakeReport, intake_paths
from pipeline.output.contract import export_outputs
from pipeline.store import records
from pipeline.store.models import Letter

# Stage name -> what fills it. ``None``: not built yet; its fields stay null.
STAGES: dict[str, str | None] = {
    "intake": "pipeline.intake",
    "text": "pipeline.text",
    "understanding": "pipeline.understand",  # signatories, place, intent, category
    "grouping": "pipeline.cases.grouping",  # cases
    "risk_and_routing": "pipeline.cases",  # risk level, units, deadlines
}


def new_run_id() -> str:
    return f"run-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def begin_run(ctx: PipelineContext, *, kind: str, prefect_flow_run_id: str | None = None) -> str:
    ctx.run_id = ctx.run_id or new_run_id()
    with ctx.db.session() as session:
        records.start_flow_run(session, run_id=ctx.run_id, kind=kind, prefect_flow_run_id=prefect_flow_run_id)
    return ctx.run_id


def finish_run(ctx: PipelineContext, *, summary: dict, status: str = "completed") -> None:
    with ctx.db.session() as session:
        records.finish_flow_run(session, run_id=ctx.run_id, status=status, summary=summary)


def run_intake(ctx: PipelineContext, inputs: list[Path], *, station: str | None) -> IntakeReport:
    from pipeline import progress

    return intake_paths(ctx, inputs, station=station,
                        on_file=lambda o: progress.emit("intake.file", outcome=o.outcome, source=o.source_file))


def letters_needing_text(ctx: PipelineContext, letter_ids: list[str]) -> list[str]:
    with ctx.db.session() as session:
        return records.letters_in_stage(session, stage="registered", letter_ids=letter_ids)


def letters_needing_understanding(ctx: PipelineContext, letter_ids: list[str]) -> list[str]:
    from pipeline.text.stage import STAGE_DONE

    with ctx.db.session() as session:
        return records.letters_in_stage(session, stage=STAGE_DONE, letter_ids=letter_ids)


def group_into_cases(ctx: PipelineContext, letter_ids: list[str]) -> list:
    """Put this run's understood letters into cases, oldest first; already grouped ones are left alone."""
    from pipeline.cases.grouping import group_letters

    with ctx.db.session() as session:
        return group_letters(session, letter_ids=letter_ids, now=datetime.now(UTC),
                             zone=ZoneInfo(ctx.settings.timezone), actor=ctx.actor, flow_run_id=ctx.run_id)


def export(ctx: PipelineContext, report: IntakeReport, out_dir: Path) -> dict:
    letter_sources: dict[str, str] = {}
    for o in report.outcomes:
        if o.letter_id:
            letter_sources.setdefault(o.letter_id, o.source_file)
    quarantine_sources = {o.sha256: o.source_file for o in report.outcomes if o.outcome.startswith("quarantined")}
    run_info = {
        "run_id": ctx.run_id,
        "finished_at": datetime.now(UTC).isoformat(),
        "stages": {name: ("ran" if module else "not yet available: its fields are null")
                   for name, module in STAGES.items()},
        "intake_problems": report.problems,
        "skipped_files": report.skipped,
    }
    with ctx.db.session() as session:
        counts = export_outputs(session, out_dir, letter_sources=letter_sources,
                                quarantine_sources=quarantine_sources, run_info=run_info,
                                zone=ZoneInfo(ctx.settings.timezone))
    return counts


def assess_touched_cases(ctx: PipelineContext, decisions: list) -> list:
    """Risk, routing and deadlines for the cases this run's letters opened or joined."""
    from pipeline.cases.handling import assess_cases

    case_ids = sorted({d.case_id for d in decisions})
    with ctx.db.session() as session:
        return assess_cases(session, case_ids=case_ids, policy=ctx.policy, zone=ZoneInfo(ctx.settings.timezone),
                            today=None, actor=ctx.actor, run_id=ctx.run_id)


def summarise(ctx: PipelineContext, report: IntakeReport, text_results: list[dict], counts: dict,
              understood: list[dict] | None = None, grouping: list | None = None) -> dict:
    with ctx.db.session() as session:
        stuck = [
            {"letter_id": lt.id, "source_file": lt.source_file, "error": lt.stage_error}
            for lt in session.query(Letter).filter(Letter.id.in_(report.letter_ids), Letter.stage == "registered")
        ]
    summary = {
        "run_id": ctx.run_id,
        "files_seen": len(report.outcomes),
        "registered": len(report.by_outcome("registered")),
        "already_registered": len(report.by_outcome("duplicate")),
        "quarantined": [
            {"source_file": o.source_file, "reason_code": o.reason_code, "reason": o.reason, "again": o.outcome != "quarantined"}
            for o in report.outcomes if o.outcome.startswith("quarantined")
        ],
        "skipped": report.skipped,
        "problems": report.problems,
        "text_read": sum(1 for r in text_results if r.get("ok")),
        "text_failed": stuck,
        "understood": sum(1 for r in understood or [] if r.get("ok")),
        "needs_review": sum(1 for r in understood or [] if r.get("needs_review")),
        "cases_opened": sum(1 for d in grouping or [] if d.opened),
        "letters_joined_cases": sum(1 for d in grouping or [] if not d.opened),
        "outputs": counts,
        "stages": {name: bool(module) for name, module in STAGES.items()},
    }
    with ctx.db.session() as session:
        records.finish_flow_run(session, run_id=ctx.run_id, status="failed_letters" if stuck else "completed",
                                summary={k: v for k, v in summary.items() if k != "skipped"})
    return summary
