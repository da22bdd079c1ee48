"""The closure check (处结率, policy §5) over everything ever received.

Every file received is a letter or in quarantine; every letter is in exactly
one case; every case has a lead unit and is closed, open within its deadline,
or overdue — and the overdue ones are listed for supervision (督办) with
their lead unit and days overdue. The check reads the database directly, so a
letter inserted by hand without a case, or a case without a lead unit, is
caught the same as one the pipeline lost.

A case merged into another by a reviewer (status "merged") is no case to
close: its letters live on in the case it points to, so it is neither counted
nor reported as a case without letters — but one still holding letters is a
problem, because those letters would then be counted twice.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.cases.deadlines import days_overdue, effective_result_due
from pipeline.cases.handling import MERGED_STATUS
from pipeline.config import Policy
from pipeline.output.contract import write_text_atomic
from pipeline.store.models import Case, CaseEvent, CaseLetter, Letter, Quarantine, Receipt


@dataclass
class ClosureReport:
    as_of: str
    files_received: int
    letters: int
    quarantined: int
    letters_without_case: list[str] = field(default_factory=list)
    cases: int = 0
    cases_without_lead_unit: list[str] = field(default_factory=list)
    cases_without_deadline: list[str] = field(default_factory=list)
    cases_without_letters: list[str] = field(default_factory=list)
    # Marked closed, but without a dated result and a dated reply on record
    # (policy §5): not counted as closed.
    closed_without_result_and_reply: list[str] = field(default_factory=list)
    merged: int = 0  # merged into another case: not counted in ``cases``
    merged_with_letters: list[str] = field(default_factory=list)
    closed: int = 0
    open_in_time: int = 0
    overdue: list[dict] = field(default_factory=list)
    closure_rate: float | None = None  # None: no case closed or due yet
    target_rate: float = 1.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and (self.closure_rate is None or self.closure_rate >= self.target_rate)


def closure_check(session: Session, *, today: date, policy: Policy) -> ClosureReport:
    received = session.scalar(select(func.count(func.distinct(Receipt.sha256)))) or 0
    letters = session.scalar(select(func.count()).select_from(Letter)) or 0
    quarantined = session.scalar(select(func.count()).select_from(Quarantine).where(
        Quarantine.released_letter_id.is_(None))) or 0
    report = ClosureReport(as_of=today.isoformat(), files_received=received, letters=letters,
                           quarantined=quarantined, target_rate=policy.closure.target_rate)
    report.letters_without_case = list(session.scalars(
        select(Letter.id).outerjoin(CaseLetter, CaseLetter.letter_id == Letter.id)
        .where(CaseLetter.case_id.is_(None)).order_by(Letter.id)))
    with_letters = set(session.scalars(select(CaseLetter.case_id).distinct()))
    every_case = list(session.scalars(select(Case).order_by(Case.id)))
    merged = [case.id for case in every_case if case.status == MERGED_STATUS]
    report.merged = len(merged)
    report.merged_with_letters = [case_id for case_id in merged if case_id in with_letters]
    cases = [case for case in every_case if case.status != MERGED_STATUS]
    report.cases = len(cases)
    dated = {(case_id, kind) for case_id, kind in session.execute(
        select(CaseEvent.case_id, CaseEvent.kind).where(CaseEvent.kind.in_(("result", "reply")),
                                                        CaseEvent.on_date.is_not(None)))}
    due_or_closed = 0
    for case in cases:
        if not case.lead_unit:
            report.cases_without_lead_unit.append(case.id)
        if case.id not in with_letters:
            report.cases_without_letters.append(case.id)
        if case.status == "closed" and not {(case.id, "result"), (case.id, "reply")} <= dated:
            # Set closed by hand (or by a bug): §5 says it is not closed.
            report.closed_without_result_and_reply.append(case.id)
        elif case.status == "closed":
            report.closed += 1
            due_or_closed += 1
            continue
        if case.result_due is None:
            # Not overdue (§5 counts cases whose deadline has passed) but not
            # accounted for either: a problem the check names.
            report.cases_without_deadline.append(case.id)
            continue
        late = days_overdue(result_due=case.result_due, extended_to=case.extended_to, today=today)
        if late > 0:
            due_or_closed += 1
            report.overdue.append({
                "case_id": case.id, "lead_unit": case.lead_unit, "category": case.category,
                "category_name": (policy.category(case.category).name if case.category in policy.category_codes
                                  else case.category),
                "risk_level": case.risk_level, "risk_name": policy.risk.level_names.get(case.risk_level),
                "status": case.status,
                "result_due": str(effective_result_due(case.result_due, case.extended_to)),
                "days_overdue": late,
                "why": f"{late} days past the result deadline",
            })
        else:
            report.open_in_time += 1
    report.overdue.sort(key=lambda row: (-row["days_overdue"], row["case_id"]))
    report.closure_rate = report.closed / due_or_closed if due_or_closed else None

    if received != letters + quarantined:
        report.problems.append(f"{received} distinct files received, but {letters} letters + {quarantined}"
                               " in quarantine")
    for ids, what in ((report.letters_without_case, "letter(s) in no case"),
                      (report.cases_without_deadline, "open case(s) without a result deadline"),
                      (report.cases_without_lead_unit, "case(s) without a lead unit"),
                      (report.closed_without_result_and_reply,
                       "case(s) marked closed without a dated result and reply"),
                      (report.merged_with_letters, "merged case(s) still holding letters"),
                      (report.cases_without_letters, "case(s) without letters")):
        if ids:
            report.problems.append(f"{len(ids)} {what}: " + ", ".join(ids[:20]))
    return report


def to_markdown(report: ClosureReport) -> str:
    rate = "—（尚无到期或办结的事项）" if report.closure_rate is None else f"{report.closure_rate:.1%}"
    lines = [
        f"# 处结率检查 {report.as_of}",
        "",
        f"- 收到文件 {report.files_received} 件：登记来信 {report.letters} 件，隔离 {report.quarantined} 件",
        f"- 事项 {report.cases} 件：已办结 {report.closed}，期限内在办 {report.open_in_time}，超期 {len(report.overdue)}"
        + (f"（另有 {report.merged} 件已并入其他事项）" if report.merged else ""),
        f"- 处结率 {rate}（目标 {report.target_rate:.0%}）",
        "",
    ]
    if report.problems:
        lines += ["## 问题", ""] + [f"- {p}" for p in report.problems] + [""]
    if report.overdue:
        lines += ["## 超期督办", "", "| 事项 | 主办单位 | 类别 | 预警 | 办结期限 | 超期天数 |", "|---|---|---|---|---|---|"]
        lines += [f"| {r['case_id']} | {r['lead_unit'] or '（无）'} | {r.get('category_name') or ''}"
                  f" | {r.get('risk_name') or ''}"
                  f" | {r['result_due']} | {r['days_overdue']} |" for r in report.overdue]
        lines.append("")
    return "\n".join(lines)


def write_closure_report(report: ClosureReport, out_dir: Path) -> tuple[Path, Path]:
    """closure.json and closure.md in ``out_dir``, written atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {**asdict(report), "ok": report.ok}
    json_path, md_path = out_dir / "closure.json", out_dir / "closure.md"
    write_text_atomic(json_path, json.dumps(payload, ensure_ascii=False, indent=2))
    write_text_atomic(md_path, to_markdown(report))
    return json_path, md_path
