"""Human output of the CLI: a progress bar while a run works, a summary after."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import progress


class RunProgress:
    """Listens to stage events and draws them as two bars: files in, letters read."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=False)
        self.intake_task = None
        self.text_task = None

    def __enter__(self) -> RunProgress:
        self.bar.start()
        self.intake_task = self.bar.add_task("registering files", total=None)
        progress.add_listener(self._on_event)
        return self

    def __exit__(self, *exc) -> None:
        progress.remove_listener(self._on_event)
        self.bar.stop()

    def _on_event(self, event: str, data: dict) -> None:
        if event == "intake.file":
            self.bar.advance(self.intake_task)
        elif event == "text.start":
            self.bar.update(self.intake_task, total=self.bar.tasks[0].completed)
            self.text_task = self.bar.add_task("reading letters", total=data["total"])
        elif event == "text.letter" and self.text_task is not None:
            self.bar.advance(self.text_task)


def print_intake(console: Console, report) -> None:
    table = Table(title="Intake")
    for col in ("file", "outcome", "letter / reason"):
        table.add_column(col)
    for o in report.outcomes:
        table.add_row(escape(o.source_file), o.outcome,
                      escape(o.letter_id if o.outcome == "registered" else (o.reason or o.letter_id or "")))
    console.print(table)
    _print_notes(console, report.skipped, report.problems)


def _print_notes(console: Console, skipped: list[str], problems: list[str]) -> None:
    if skipped:
        console.print(f"[dim]skipped {len(skipped)} non-letter files: {', '.join(Path(s).name for s in skipped)}[/]")
    for p in problems:
        console.print(f"[yellow]note:[/] {p}")


def print_run(console: Console, summary: dict, out: Path) -> None:
    table = Table(title=f"Run {summary['run_id']}", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files received", str(summary["files_seen"]))
    table.add_row("new letters registered", str(summary["registered"]))
    table.add_row("already registered (not duplicated)", str(summary["already_registered"]))
    table.add_row("quarantined", str(len(summary["quarantined"])))
    table.add_row("letters read this run", str(summary["text_read"]))
    table.add_row("letters whose text failed", str(len(summary["text_failed"])))
    table.add_row("letters understood (classified, parsed)", str(summary.get("understood", 0)))
    table.add_row("  of which need a reviewer", str(summary.get("needs_review", 0)))
    table.add_row("new cases opened", str(summary.get("cases_opened", 0)))
    table.add_row("letters joined to an existing case", str(summary.get("letters_joined_cases", 0)))
    for name, n in summary["outputs"].items():
        table.add_row(f"{name} written", str(n))
    console.print(table)
    if summary["quarantined"]:
        q = Table(title="Quarantined files")
        for col in ("file", "reason"):
            q.add_column(col)
        for row in summary["quarantined"]:
            q.add_row(escape(row["source_file"]), escape(f"[{row['reason_code']}] {row['reason']}")
                      + (" (seen before)" if row["again"] else ""))
        console.print(q)
    if summary["text_failed"]:
        f = Table(title="Letters whose text could not be read (kept; retried next run)")
        for col in ("letter", "file", "error"):
            f.add_column(col)
        for row in summary["text_failed"]:
            f.add_row(row["letter_id"], escape(row["source_file"]), escape(row["error"] or ""))
        console.print(f)
    missing = [name for name, ok in summary["stages"].items() if not ok]
    if missing:
        console.print(f"[dim]stages not yet available (their fields are null): {', '.join(missing)}[/]")
    _print_notes(console, summary["skipped"], summary["problems"])
    console.print(f"outputs in {out}/")
