"""The batch flow: intake -> text -> understanding -> grouping -> risk & routing -> outputs.

Tasks are sized to real work: one intake over the inbox, one task per letter
for text (OCR of its pages), one per letter for understanding (classify and
parse), one for grouping the batch into cases (in received order), one export. Letters are read in parallel on a
thread pool (Tesseract runs as a child process, so threads are enough); no
task caching, because idempotency lives in the database: a rerun finds every
letter already registered and read, and does nothing but export.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline import progress, runs
from pipeline.context import PipelineContext
from pipeline.settings import load_settings
from pipeline.text.stage import extract_letter_text
from pipeline.understand.stage import understand_letter


@task(name="intake", cache_policy=NO_CACHE)
def intake_task(ctx: PipelineContext, inputs: list[str], station: str | None):
    report = runs.run_intake(ctx, [Path(p) for p in inputs], station=station)
    get_run_logger().info("intake: %d files, %d new letters, %d already registered, %d quarantined",
                          len(report.outcomes), len(report.by_outcome("registered")),
                          len(report.by_outcome("duplicate")),
                          sum(1 for o in report.outcomes if o.outcome.startswith("quarantined")))
    return report


@task(name="read-letter", cache_policy=NO_CACHE, task_run_name="read-letter-{letter_id}")
def read_letter_task(ctx: PipelineContext, letter_id: str) -> dict:
    result = extract_letter_text(ctx, letter_id)
    progress.emit("text.letter", **result)
    return result


@task(name="understand-letter", cache_policy=NO_CACHE, task_run_name="understand-letter-{letter_id}")
def understand_letter_task(ctx: PipelineContext, letter_id: str) -> dict:
    return understand_letter(ctx, letter_id)


# One task for the batch: letters join cases in the order they were received,
# and each decision depends on the ones before it.
@task(name="group-cases", cache_policy=NO_CACHE)
def group_task(ctx: PipelineContext, letter_ids: list[str]) -> list:
    decisions = runs.group_into_cases(ctx, letter_ids)
    get_run_logger().info("grouping: %d letters, %d new cases", len(decisions), sum(1 for d in decisions if d.opened))
    return decisions


@task(name="assess-cases", cache_policy=NO_CACHE)
def assess_task(ctx: PipelineContext, decisions: list) -> list:
    return runs.assess_touched_cases(ctx, decisions)


# Writing outputs is the one step that touches a possibly remote or flaky
# filesystem (a network share for the office); retry it, nothing else.
@task(name="export", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def export_task(ctx: PipelineContext, report, out_dir: str) -> dict:
    return runs.export(ctx, report, Path(out_dir))


@flow(name="lianming-batch", task_runner=ThreadPoolTaskRunner(max_workers=2), log_prints=True)
def batch_flow(inputs: list[str], out_dir: str, home: str | None = None, db_url: str | None = None,
               station: str | None = None, config_file: str | None = None) -> dict:
    settings = load_settings(config_file=Path(config_file) if config_file else None, home=home, db_url=db_url)
    ctx = PipelineContext.open(settings)
    try:
        runs.begin_run(ctx, kind="batch", prefect_flow_run_id=flow_run.get_id())
        report = intake_task(ctx, inputs, station)
        pending = runs.letters_needing_text(ctx, report.letter_ids)
        progress.emit("text.start", total=len(pending))
        futures = [read_letter_task.submit(ctx, letter_id) for letter_id in pending]
        text_results = [f.result() for f in futures]
        to_understand = runs.letters_needing_understanding(ctx, report.letter_ids)
        understood = [f.result() for f in [understand_letter_task.submit(ctx, lid) for lid in to_understand]]
        decisions = group_task(ctx, report.letter_ids)
        assess_task(ctx, decisions)
        counts = export_task(ctx, report, out_dir)
        return runs.summarise(ctx, report, text_results, counts, understood, decisions)
    finally:
        ctx.close()


def run_batch(*, inputs: list[str], out_dir: str, workers: int, **params) -> dict:
    """Run the flow with a pool sized to this machine (one worker per core)."""
    sized = batch_flow.with_options(task_runner=ThreadPoolTaskRunner(max_workers=max(1, workers)))
    return sized(inputs=inputs, out_dir=out_dir, **params)
