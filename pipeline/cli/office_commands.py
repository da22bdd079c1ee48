"""``lianming demo`` and ``lianming serve-flows``.

``demo`` plays the sample letters over the months they span in a deployment
of its own (``<home>/demo``, recreated each time) so it never mixes with
real letters; ``serve-flows`` starts the office's scheduled deployments.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipeline.cli.options import ConfigOpt, DbOpt, HomeOpt

console = Console()


def register(app: typer.Typer) -> None:
    from pipeline.cli.main import _guard, _settings

    @app.command()
    def demo(inbox: Annotated[Path, typer.Argument(help="Inbox with manifest.csv (received times).")] = Path("sample_letters"),
             out: Annotated[Path, typer.Option("--out", help="Folder for the runs, lists and closure check.")] = Path("out/demo"),
             home: HomeOpt = None, config: ConfigOpt = None) -> None:
        """Play letters over the weeks they arrived: cases assigned, acknowledged, closed, one overdue."""
        base = _guard(_settings, home, None, config)
        demo_home = base.home / "demo"
        shutil.rmtree(demo_home, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        settings = _guard(_settings, demo_home, None, config)
        from pipeline.prefect_env import configure_prefect

        configure_prefect(settings.home, verbose=False)
        from flows.batch import run_batch
        from pipeline.context import PipelineContext
        from pipeline.demo import run_demo

        def batch(**kwargs):
            return run_batch(workers=settings.ocr_workers, home=str(settings.home), db_url=None,
                             config_file=str(config) if config else os.environ.get("LIANMING_CONFIG_FILE"), **kwargs)

        def go():
            ctx = PipelineContext.open(settings)
            try:
                return run_demo(ctx, inbox, out, run_batch=batch, say=console.print)
            finally:
                ctx.close()

        with console.status("playing the letters in the order they arrived..."):
            report = _guard(go)
        console.print(f"demo deployment in {demo_home}; closure rate "
                      f"{'—' if report.closure_rate is None else f'{report.closure_rate:.1%}'}")

    @app.command("serve-flows")
    def serve_flows(home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """Start the scheduled deployments: inbox intake, nightly lists, 08:00 closure check, weekly retraining."""
        settings = _guard(_settings, home, db_url, config)
        from pipeline.prefect_env import configure_prefect

        configure_prefect(settings.home, verbose=True)
        from flows.office import serve_flows as serve

        console.print(f"serving: intake of {settings.inbox} ({settings.schedule_intake}), assignment lists"
                      f" ({settings.schedule_assignment_lists}), closure check ({settings.schedule_closure_check}),"
                      f" retraining ({settings.schedule_retraining}); times in {settings.timezone}")
        _guard(serve, settings, config_file=str(config) if config else None)
