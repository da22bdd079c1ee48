"""The ``lianming`` command.

This module is the one boundary where domain errors become messages and exit
codes; everything below it raises ``LianmingError`` subclasses.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from pipeline.cli.options import ConfigOpt, DbOpt, HomeOpt
from pipeline.errors import ExitCode, LianmingError
from pipeline.settings import Settings, load_settings

app = typer.Typer(name="lianming", help="Lianming (联名): the document pipeline for joint petition letters.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
console = Console()
err_console = Console(stderr=True)



def _settings(home: Path | None, db_url: str | None, config: Path | None) -> Settings:
    return load_settings(config_file=config, home=home, db_url=db_url)


def _guard(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except LianmingError as exc:
        err_console.print(f"[bold red]error:[/] {exc.message}")
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        err_console.print("interrupted: letters registered so far are kept; rerun to continue")
        raise typer.Exit(130) from None


@app.command()
def intake(paths: Annotated[list[Path], typer.Argument(help="Files or folders to register.")],
           station: Annotated[str | None, typer.Option(help="Station name where no manifest gives one.")] = None,
           home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
    """Register files as letters (or quarantine them) without reading them yet."""
    from pipeline.cli.summary import print_intake
    from pipeline.context import PipelineContext
    from pipeline.intake.register import intake_paths

    def go():
        ctx = PipelineContext.open(_settings(home, db_url, config))
        try:
            return intake_paths(ctx, list(paths), station=station)
        finally:
            ctx.close()

    print_intake(console, _guard(go))


@app.command()
def run(inputs: Annotated[list[Path], typer.Argument(help="Inbox folders or files.")],
        out: Annotated[Path, typer.Option("--out", help="Folder for letters.jsonl, cases.jsonl, quarantine.jsonl.")],
        station: Annotated[str | None, typer.Option(help="Station name where no manifest gives one.")] = None,
        workers: Annotated[int | None, typer.Option(help="Letters read in parallel (default: one per core).")] = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's log.")] = False,
        home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
    """Run the batch flow over an inbox and write the output contract."""
    settings = _guard(_settings, home, db_url, config)
    from pipeline.prefect_env import configure_prefect

    configure_prefect(settings.home, verbose=verbose)
    from flows.batch import run_batch
    from pipeline.cli.summary import RunProgress, print_run

    with RunProgress(console):
        summary = _guard(run_batch, inputs=[str(p) for p in inputs], out_dir=str(out),
                         workers=workers or settings.ocr_workers, home=str(settings.home),
                         db_url=settings.db_url, station=station,
                         config_file=str(config) if config else os.environ.get("LIANMING_CONFIG_FILE"))
    print_run(console, summary, out)
    if summary["text_failed"]:
        raise typer.Exit(int(ExitCode.ocr_engine))


@app.command()
def evaluate(out: Annotated[Path, typer.Argument(help="A run's output folder.")],
             truth: Annotated[Path, typer.Option("--truth", help="truth.jsonl of the sample set.")],
             json_out: Annotated[Path | None, typer.Option("--json", help="Also write the metrics here.")] = None) -> None:
    """Score a run's outputs against the truth, field by field."""
    from pipeline.evaluate.report import evaluate_run, print_metrics

    metrics = _guard(evaluate_run, out, truth)
    print_metrics(console, metrics)
    if json_out:
        import json

        json_out.write_text(json.dumps(metrics, ensure_ascii=False, indent=2), encoding="utf-8")


@app.command()
def export(out: Annotated[Path, typer.Option("--out", help="Folder for the output contract.")],
           home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
    """Write the output contract for every letter in the database."""
    from pipeline.context import PipelineContext
    from pipeline.output.contract import export_outputs

    def go():
        ctx = PipelineContext.open(_settings(home, db_url, config))
        try:
            with ctx.db.session() as session:
                return export_outputs(session, out, letter_sources=None, quarantine_sources=None,
                                      run_info={"run_id": None, "kind": "export"},
                                      zone=ZoneInfo(ctx.settings.timezone))
        finally:
            ctx.close()

    counts = _guard(go)
    console.print(f"wrote {counts['letters']} letters, {counts['cases']} cases, "
                  f"{counts['quarantine']} quarantined files to {out}")


@app.command()
def migrate(home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
    """Create or upgrade the database schema."""
    from pipeline.store.db import Database, current_revision

    def go():
        db = Database.open(_settings(home, db_url, config).database_url)
        try:
            return current_revision(db.engine)
        finally:
            db.dispose()

    console.print(f"database at schema revision {_guard(go)}")


def _register_commands() -> None:
    from pipeline.cli import case_commands, model_commands, office_commands, web_commands

    model_commands.register(app)
    case_commands.register(app)
    office_commands.register(app)
    web_commands.register(app)


_register_commands()


def main() -> None:  # pragma: no cover - console entry for ``python -m``
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
