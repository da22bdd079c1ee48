"""``lianming case ack|result|reply|extend|return|show``, ``lianming lists``, ``lianming closure``.

Each case step is validated by :mod:`pipeline.cases.lifecycle` (order, dates,
acting unit) and written to the audit trail; this module only parses options
and prints. ``register(app)`` adds the commands; errors become exit codes in
``pipeline.cli.main._guard``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipeline.cli.options import ConfigOpt, DbOpt, HomeOpt

console = Console()

CaseArg = Annotated[str, typer.Argument(help="Case id, e.g. C20260921-001.")]
DateOpt = Annotated[str | None, typer.Option("--date", help="Date of the step, YYYY-MM-DD (default: today).")]
ActorOpt = Annotated[str, typer.Option("--actor", help="Who records this (user name), for the audit trail.")]
UnitOpt = Annotated[str | None, typer.Option("--unit", help="Acting unit (default: the case's lead unit).")]


def _context(home, db_url, config):
    from pipeline.cli.main import _settings
    from pipeline.context import PipelineContext

    return PipelineContext.open(_settings(home, db_url, config))


def _today(ctx) -> date:
    from pipeline.cases.jobs import office_zone

    return datetime.now(office_zone(ctx)).date()


def _parse_date(text: str | None, default: date) -> date:
    from pipeline.errors import UsageError

    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _step(name: str, case_id: str, *, actor: str, on: str | None, unit: str | None, text: str | None,
          home, db_url, config, **extra) -> None:
    from pipeline.cases import lifecycle

    def go():
        ctx = _context(home, db_url, config)
        try:
            today = _today(ctx)
            step = lifecycle.Step(actor=actor, on_date=_parse_date(on, today), today=today, unit=unit, text=text)
            with ctx.db.session() as session:
                fn = getattr(lifecycle, name)
                kwargs = dict(extra)
                if name in ("extend", "return_case"):
                    kwargs["policy"] = ctx.policy
                case = fn(session, case_id, step, **kwargs)
                return case.id, case.status, case.lead_unit
        finally:
            ctx.close()

    from pipeline.cli.main import _guard

    case_id, status, lead = _guard(go)
    console.print(f"case {case_id}: now [bold]{status}[/] (lead unit {lead})")


def register(app: typer.Typer) -> None:
    from pipeline.cli.main import _guard

    case_app = typer.Typer(help="Record a case's steps: acknowledgement, result, reply, extension, return.",
                           no_args_is_help=True)

    @case_app.command("ack")
    def ack(case: CaseArg, actor: ActorOpt = "cli", on: DateOpt = None, unit: UnitOpt = None,
            note: Annotated[str | None, typer.Option("--note", help="What was told to the representative.")] = None,
            home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """受理告知: the lead unit has taken the case and told the representative."""
        _step("acknowledge", case, actor=actor, on=on, unit=unit, text=note, home=home, db_url=db_url, config=config)

    @case_app.command("result")
    def result(case: CaseArg, text: Annotated[str, typer.Option("--text", help="处理意见: the result.")],
               actor: ActorOpt = "cli", on: DateOpt = None, unit: UnitOpt = None,
               home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """处理意见: record the lead unit's result."""
        _step("record_result", case, actor=actor, on=on, unit=unit, text=text, home=home, db_url=db_url, config=config)

    @case_app.command("reply")
    def reply(case: CaseArg, text: Annotated[str, typer.Option("--text", help="答复: what the representative was told.")],
              actor: ActorOpt = "cli", on: DateOpt = None, unit: UnitOpt = None,
              home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """答复: record the reply; with the result on record this closes the case."""
        _step("record_reply", case, actor=actor, on=on, unit=unit, text=text, home=home, db_url=db_url, config=config)

    @case_app.command("extend")
    def extend(case: CaseArg, to: Annotated[str, typer.Option("--to", help="New result deadline, YYYY-MM-DD.")],
               reason: Annotated[str, typer.Option("--reason", help="Why more time is needed (required).")],
               actor: ActorOpt = "cli", on: DateOpt = None, unit: UnitOpt = None,
               home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """Extend the result deadline once (policy: at most 30 days, with a reason)."""
        new_due = _guard(_parse_date, to, date.today())
        _step("extend", case, actor=actor, on=on, unit=unit, text=reason, home=home, db_url=db_url, config=config,
              new_due=new_due)

    @case_app.command("return")
    def return_(case: CaseArg, reason: Annotated[str, typer.Option("--reason", help="Why the case is not this unit's.")],
                actor: ActorOpt = "cli", on: DateOpt = None, unit: UnitOpt = None,
                home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """退单: return a wrongly routed case to the petition bureau for triage."""
        _step("return_case", case, actor=actor, on=on, unit=unit, text=reason, home=home, db_url=db_url, config=config)

    @case_app.command("show")
    def show(case: CaseArg, home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """A case's routing, risk, deadlines and events."""
        from pipeline.cases.lifecycle import load_case

        def go():
            ctx = _context(home, db_url, config)
            try:
                with ctx.db.session() as session:
                    c = load_case(session, case)
                    return {"case_id": c.id, "status": c.status, "category": c.category, "level": c.level,
                            "lead_unit": c.lead_unit, "co_units": c.co_units, "risk_level": c.risk_level,
                            "risk_reasons": c.risk_reasons, "routing_rule": c.routing_rule,
                            "registered_on": str(c.registered_on), "ack_due": str(c.ack_due),
                            "result_due": str(c.result_due), "extended_to": str(c.extended_to or ""),
                            "letters": sorted(m.letter_id for m in c.letters),
                            "events": [{"kind": e.kind, "on": str(e.on_date or ""), "unit": e.unit,
                                        "actor": e.actor, "text": e.text} for e in c.events]}
            finally:
                ctx.close()

        console.print_json(json.dumps(_guard(go), ensure_ascii=False))

    app.add_typer(case_app, name="case")

    @app.command()
    def lists(out: Annotated[Path, typer.Option("--out", help="Folder for the XLSX and the PDFs.")],
              home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """Write assignment lists (交办单) of new and changed cases: one XLSX, one PDF per unit."""
        from pipeline.cases.jobs import produce_assignment_lists
        from pipeline.runs import begin_run, finish_run

        def go():
            ctx = _context(home, db_url, config)
            try:
                begin_run(ctx, kind="lists")
                result = produce_assignment_lists(ctx, out, today=_today(ctx))
                finish_run(ctx, summary={"rows": result.rows, "units": result.units})
                return result
            finally:
                ctx.close()

        result = _guard(go)
        if not result.rows:
            console.print("no new or changed cases: no assignment list written")
            return
        console.print(f"{result.rows} case(s) for {len(result.units)} unit(s): {result.xlsx}")
        for pdf in result.pdfs:
            console.print(f"  {pdf}")

    @app.command()
    def closure(out: Annotated[Path | None, typer.Option("--out", help="Write closure.json and closure.md here.")] = None,
                as_of: Annotated[str | None, typer.Option("--as-of", help="Check as of this date (default: today).")] = None,
                home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """The closure check (处结率): every letter in a case, every case closed, in time, or overdue."""
        from pipeline.cases.closure import to_markdown
        from pipeline.cases.jobs import daily_closure_check
        from pipeline.errors import ExitCode

        def go():
            ctx = _context(home, db_url, config)
            try:
                return daily_closure_check(ctx, out, today=_parse_date(as_of, _today(ctx)))
            finally:
                ctx.close()

        report = _guard(go)
        console.print(to_markdown(report))
        if report.problems:
            raise typer.Exit(int(ExitCode.closure_problems))

