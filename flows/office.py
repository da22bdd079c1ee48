"""The office's scheduled flows and their deployments (``lianming serve-flows``).

- intake: the batch flow over the watched inbox, every few minutes;
- assignment lists (交办单): nightly, new and changed cases per lead unit;
- closure check (处结率): daily at 08:00, published as Prefect artifacts
  (a table and a markdown report) so the office reads it in the Prefect UI;
- retraining: weekly, with reviewers' corrections, promoted only if not worse.

Each flow is thin: it opens the context and calls one ``pipeline`` function.
The schedules (cron, in the office's time zone) come from settings.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from pipeline import runs
from pipeline.context import PipelineContext
from pipeline.settings import Settings, load_settings


@contextmanager
def _office_run(home: str | None, db_url: str | None, config_file: str | None, *, kind: str):
    """A context for one scheduled run, recorded in the run history; closed and, on error, marked failed."""
    settings = load_settings(config_file=Path(config_file) if config_file else None, home=home, db_url=db_url)
    ctx = PipelineContext.open(settings)
    try:
        runs.begin_run(ctx, kind=kind, prefect_flow_run_id=flow_run.get_id())
        yield ctx
    except BaseException as exc:
        _failed(ctx, exc)
        raise
    finally:
        ctx.close()


def _failed(ctx: PipelineContext, exc: BaseException) -> None:
    """Mark the run failed, so it does not stay 'running' in the run history forever."""
    try:
        runs.finish_run(ctx, summary={"error": f"{type(exc).__name__}: {exc}"}, status="failed")
    except Exception:  # noqa: BLE001 - the original error is the one to report
        pass


def _today(ctx: PipelineContext, as_of: str | None):
    from pipeline.cases.jobs import office_zone

    return datetime.fromisoformat(as_of).date() if as_of else datetime.now(office_zone(ctx)).date()


# Writing files to the office share is the I/O worth retrying.
@task(name="write-assignment-lists", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def write_lists_task(ctx: PipelineContext, out_dir: str, as_of: str | None):
    from pipeline.cases.jobs import produce_assignment_lists

    return produce_assignment_lists(ctx, Path(out_dir), today=_today(ctx, as_of))


@flow(name="lianming-assignment-lists", log_prints=True)
def assignment_lists_flow(out_dir: str | None = None, home: str | None = None, db_url: str | None = None,
                          config_file: str | None = None, as_of: str | None = None) -> dict:
    with _office_run(home, db_url, config_file, kind="lists") as ctx:
        target = Path(out_dir) if out_dir else ctx.settings.outputs / "lists"
        result = write_lists_task(ctx, str(target), as_of)
        summary = {"rows": result.rows, "units": result.units, "per_unit": result.per_unit,
                   "xlsx": str(result.xlsx or ""), "pdfs": [str(p) for p in result.pdfs]}
        create_table_artifact(key="assignment-lists", description="交办单: new and changed cases per unit",
                              table=[{"unit": u, "cases": n} for u, n in result.per_unit.items()] or
                              [{"unit": "（无）", "cases": 0}])
        runs.finish_run(ctx, summary=summary)
        get_run_logger().info("assignment lists: %d case(s) for %d unit(s)", result.rows, len(result.units))
        return summary


@flow(name="lianming-closure-check", log_prints=True)
def closure_check_flow(out_dir: str | None = None, home: str | None = None, db_url: str | None = None,
                       config_file: str | None = None, as_of: str | None = None) -> dict:
    from dataclasses import asdict

    from pipeline.cases.closure import to_markdown
    from pipeline.cases.jobs import daily_closure_check

    with _office_run(home, db_url, config_file, kind="closure") as ctx:
        target = Path(out_dir) if out_dir else ctx.settings.outputs / "closure"
        report = daily_closure_check(ctx, target, today=_today(ctx, as_of))
        create_markdown_artifact(key="closure-check", markdown=to_markdown(report),
                                 description=f"处结率检查 {report.as_of}")
        create_table_artifact(key="overdue-cases", description="超期督办: overdue cases",
                              table=report.overdue or [{"case_id": "（无超期事项）", "lead_unit": "", "days_overdue": 0}])
        runs.finish_run(ctx, summary={"ok": report.ok, "closure_rate": report.closure_rate,
                                      "overdue": len(report.overdue), "problems": report.problems},
                        status="completed" if not report.problems else "problems")
        return {**asdict(report), "ok": report.ok}


@flow(name="lianming-retraining", log_prints=True)
def retraining_flow(home: str | None = None, db_url: str | None = None, config_file: str | None = None) -> dict:
    from pipeline.classify.retrain import retrain_with_corrections

    with _office_run(home, db_url, config_file, kind="retraining") as ctx:
        with ctx.db.session() as session:
            result = retrain_with_corrections(session, ctx.settings)
        summary = {"version": result.version, "corrections": result.corrections, "promoted": result.promoted,
                   "reason": result.reason}
        create_markdown_artifact(key="retraining", markdown=f"# Retraining {result.version}\n\n"
                                 f"- corrections used: {result.corrections}\n- {result.reason}\n")
        runs.finish_run(ctx, summary=summary)
        return summary


def deployments(settings: Settings, *, config_file: str | None = None) -> list:
    """The four scheduled deployments, with the settings' cron expressions in the office's zone."""
    from prefect.schedules import Cron

    from flows.batch import batch_flow

    # Absolute paths: a scheduled run need not start in the folder `serve-flows` was started from.
    common = {"home": str(settings.home.resolve()), "db_url": settings.db_url,
              "config_file": str(Path(config_file).resolve()) if config_file else None}
    zone = settings.timezone
    settings.inbox.mkdir(parents=True, exist_ok=True)
    return [
        batch_flow.to_deployment(name="inbox-intake", schedule=Cron(settings.schedule_intake, timezone=zone),
                                 parameters={"inputs": [str(settings.inbox.resolve())],
                                             "out_dir": str((settings.outputs / "latest-run").resolve()), **common}),
        assignment_lists_flow.to_deployment(name="nightly-assignment-lists",
                                            schedule=Cron(settings.schedule_assignment_lists, timezone=zone),
                                            parameters=common),
        closure_check_flow.to_deployment(name="daily-closure-check",
                                         schedule=Cron(settings.schedule_closure_check, timezone=zone),
                                         parameters=common),
        retraining_flow.to_deployment(name="weekly-retraining",
                                      schedule=Cron(settings.schedule_retraining, timezone=zone), parameters=common),
    ]


def serve_flows(settings: Settings, *, config_file: str | None = None) -> None:  # pragma: no cover - runs forever
    from prefect import serve

    serve(*deployments(settings, config_file=config_file), pause_on_shutdown=False)
