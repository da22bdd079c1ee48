"""The rows of the assignment lists (交办单): per lead unit, its new and changed cases.

A row carries what the unit needs to act and to reply — category, summary,
place, signatory count, the representative's name and phone, risk and its
reasons, deadlines, co-units — and nothing more about the signatories (policy
§6): no signatory list, and the representative's ID number only masked.
Every row says where it came from: the model version that classified its
letters, the rule that routed it, the reviewer who corrected it, the flow run.

"New or changed" is kept in the database: an active lead assignment not yet
listed, or one whose case changed after the run that listed it. Marking rows
as listed is a separate step, done only once the files are written, so a
crash while writing lists the same cases again next time instead of losing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.config import Policy
from pipeline.store.models import Assignment, Case, CaseLetter, Correction, FlowRun, Letter, Signatory

COLUMNS: tuple[tuple[str, str, int], ...] = (
    # (field, Chinese header, column width in characters)
    ("case_id", "事项编号", 14), ("change", "交办类型", 8), ("category", "类别", 14), ("summary", "事项摘要", 40),
    ("place", "地点", 22), ("signatory_count", "签名人数", 8), ("letters", "来信数", 6),
    ("representative_name", "代表姓名", 10), ("representative_phone", "代表电话", 14),
    ("representative_id", "代表身份证号（脱敏）", 22), ("risk", "预警等级", 8), ("risk_reasons", "预警原因", 40),
    ("level", "办理层级", 8), ("ack_due", "受理告知期限", 12), ("result_due", "办结期限", 12),
    ("co_units", "协办单位", 30), ("model_version", "分类模型版本", 24), ("routing_rule", "分派依据", 40),
    ("reviewers", "人工复核", 12), ("flow_run", "流程运行号", 28),
)
LEVEL_NAMES = {"city": "市级", "county": "县区级", "township": "乡镇级", "triage": "待分办"}


@dataclass(frozen=True)
class AssignmentRow:
    unit: str
    assignment_id: int
    values: dict[str, object]


def _is_due_for_listing(session: Session, assignment: Assignment, case: Case) -> str | None:
    """'新交办' (never listed), '变更' (changed since listed), or None."""
    if assignment.listed_in_run is None:
        return "新交办"
    listed = session.get(FlowRun, assignment.listed_in_run)
    # The start of the listing run: its rows were read after it began, so a
    # change made while it ran (a batch assessing cases while the files were
    # being written) may be missing from the list and must be listed again.
    # Counting from the end instead lost such changes for good; this way the
    # worst case is a case listed once more (safe).
    listed_at: datetime | None = listed.started_at if listed else None
    if listed_at is not None and case.updated_at > listed_at:
        return "变更"
    return None


def _case_values(session: Session, case: Case, *, policy: Policy, change: str, run_id: str | None) -> dict:
    letters = list(session.scalars(select(Letter).join(CaseLetter, CaseLetter.letter_id == Letter.id)
                                   .where(CaseLetter.case_id == case.id).order_by(Letter.received_at)))
    with_rep = next((lt for lt in letters if lt.representative_name or lt.representative_phone), None)
    rep_id = None
    if with_rep is not None:
        rep = session.scalar(select(Signatory).where(Signatory.letter_id == with_rep.id,
                                                     Signatory.is_representative.is_(True),
                                                     Signatory.id_valid.is_(True)))
        rep_id = policy.mask_id_number(rep.id_number) if rep is not None and rep.id_number else None
    reviewers = sorted(set(session.scalars(select(Correction.reviewer).where(
        Correction.entity_id.in_([case.id, *(lt.id for lt in letters)])))))
    category = policy.category(case.category).name if case.category in policy.category_codes else case.category
    return {
        "case_id": case.id, "change": change, "category": category or "", "summary": case.summary or "",
        "place": "".join(x for x in (case.county, case.township) if x) or "不详",
        "signatory_count": case.signatory_count, "letters": len(letters),
        "representative_name": with_rep.representative_name if with_rep else None,
        "representative_phone": with_rep.representative_phone if with_rep else None,
        "representative_id": rep_id,
        "risk": policy.risk.level_names.get(case.risk_level, case.risk_level) if case.risk_level else None,
        "risk_reasons": "；".join(case.risk_reasons or []),
        "level": LEVEL_NAMES.get(case.level or "", case.level),
        "ack_due": str(case.ack_due or ""), "result_due": str(case.extended_to or case.result_due or ""),
        "co_units": "、".join(case.co_units or []),
        "model_version": "、".join(sorted({lt.model_version for lt in letters if lt.model_version})),
        "routing_rule": case.routing_rule or "", "reviewers": "、".join(reviewers),
        "flow_run": run_id or "",
    }


def pending_rows(session: Session, *, policy: Policy, run_id: str | None, unit: str | None = None) -> list[AssignmentRow]:
    """The new and changed cases of every lead unit (or one), ordered by unit, then risk, then case."""
    query = (select(Assignment, Case).join(Case, Case.id == Assignment.case_id)
             .where(Assignment.role == "lead", Assignment.status == "active", Case.status != "closed")
             .order_by(Assignment.unit, Case.id))
    if unit is not None:
        query = query.where(Assignment.unit == unit)
    rows = []
    for assignment, case in session.execute(query):
        change = _is_due_for_listing(session, assignment, case)
        if change:
            rows.append(AssignmentRow(assignment.unit, assignment.id,
                                      _case_values(session, case, policy=policy, change=change, run_id=run_id)))
    order = {"urgent": 0, "high": 1, "medium": 2, "low": 3}
    names = {v: k for k, v in policy.risk.level_names.items()}
    rows.sort(key=lambda r: (r.unit, order.get(names.get(r.values["risk"], ""), 9), r.values["case_id"]))
    return rows


def mark_listed(session: Session, *, rows: list[AssignmentRow], run_id: str) -> None:
    for row in rows:
        assignment = session.get(Assignment, row.assignment_id)
        if assignment is not None:
            assignment.listed_in_run = run_id


def by_unit(rows: list[AssignmentRow]) -> dict[str, list[AssignmentRow]]:
    grouped: dict[str, list[AssignmentRow]] = {}
    for row in rows:
        grouped.setdefault(row.unit, []).append(row)
    return grouped
