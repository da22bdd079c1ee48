"""Apply the rules to a case: risk, routing, deadlines — and record what changed.

Called when letters join a case, when a reviewer corrects a letter, and by the
daily check when a deadline passes. Each call is idempotent: the same facts
give the same result and write nothing new. A change of lead or co-units
supersedes the old assignments (kept, for the record) and adds new ones, so
the next assignment list (交办单) carries exactly the new and changed cases.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.cases.deadlines import deadlines_for
from pipeline.cases.facts import gather_case_facts
from pipeline.cases.risk import OVERDUE_REASON, assess_risk
from pipeline.cases.routing import Routing, route_case
from pipeline.config import Policy
from pipeline.store import records
from pipeline.store.models import Assignment, Case, CaseEvent

# A reviewer's re-routing is kept over the machine's: the rules run again on
# every new letter, and must not silently undo a person's decision.
MANUAL_ROUTING_PREFIX = "人工改派"
OPEN_STATUSES = ("registered", "triage", "assigned", "acknowledged", "resulted", "replied")
# A case whose letters a reviewer merged into another (pipeline.review.case_edits): it
# holds no letters any more and is neither open nor closed — only a pointer, kept for the record.
MERGED_STATUS = "merged"


@dataclass(frozen=True)
class CaseChange:
    case_id: str
    risk_changed: bool
    routing_changed: bool
    deadlines_changed: bool


def _active_assignments(session: Session, case_id: str) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.case_id == case_id,
                                                         Assignment.status == "active")))


def set_assignments(session: Session, *, case: Case, lead_unit: str, co_units: tuple[str, ...] | list[str]) -> bool:
    """Make the active assignments (lead + co) exactly these; True if anything changed."""
    wanted = {(lead_unit, "lead")} | {(u, "co") for u in co_units}
    active = _active_assignments(session, case.id)
    if {(a.unit, a.role) for a in active} == wanted:
        return False
    now = records.now()
    have = set()
    for a in active:
        if (a.unit, a.role) in wanted:
            have.add((a.unit, a.role))
        else:
            a.status = "superseded"
    for unit, role in sorted(wanted - have, key=lambda x: (x[1] != "lead", x[0])):
        session.add(Assignment(case_id=case.id, unit=unit, role=role, assigned_at=now, status="active"))
    return True


def add_event(session: Session, *, case: Case, kind: str, text: str, actor: str, unit: str | None = None,
              on_date: date | None = None, document_sha256: str | None = None) -> CaseEvent:
    event = CaseEvent(case_id=case.id, kind=kind, text=text, actor=actor, unit=unit, on_date=on_date,
                      document_sha256=document_sha256, recorded_at=records.now())
    session.add(event)
    return event


def _apply_routing(session: Session, case: Case, routing: Routing, *, actor: str) -> bool:
    if case.routing_rule and case.routing_rule.startswith(MANUAL_ROUTING_PREFIX):
        return False
    changed = (case.level, case.lead_unit, tuple(case.co_units or ()), case.routing_rule) != (
        routing.level, routing.lead_unit, routing.co_units, routing.rule)
    case.level, case.lead_unit, case.co_units, case.routing_rule = (
        routing.level, routing.lead_unit, list(routing.co_units), routing.rule)
    assignments_changed = set_assignments(session, case=case, lead_unit=routing.lead_unit, co_units=routing.co_units)
    if changed or assignments_changed:
        add_event(session, case=case, kind="routed", actor=actor, unit=routing.lead_unit,
                  text=f"{routing.rule}；协办：{'、'.join(routing.co_units) or '无'}")
    if case.status == "registered":
        case.status = "triage" if routing.triage else "assigned"
    elif case.status == "triage" and not routing.triage:
        case.status = "assigned"
    elif case.status == "assigned" and routing.triage:
        # Its place was corrected away: back to triage (policy §2), not left
        # "assigned" to the petition bureau as if that were a routing.
        case.status = "triage"
    return changed or assignments_changed


def assess_case(session: Session, case: Case, *, policy: Policy, zone: ZoneInfo, today: date | None,
                actor: str = "pipeline", run_id: str | None = None) -> CaseChange:
    """Re-evaluate one open case's risk, routing and deadlines from its letters.

    ``today`` is the office's date for the overdue rule; None assesses the case
    as of its letters alone (the batch run does this: a batch may carry
    letters registered weeks ago, and only the daily check — which knows what
    was done meanwhile — may call a case overdue).
    """
    facts = gather_case_facts(session, case, zone=zone, today=today)
    if today is None and OVERDUE_REASON in (case.risk_reasons or ()):
        # Without a date (a batch joining a letter, a reviewer's edit) the
        # overdue rise the daily check found must stand: policy §3 only lets
        # a level rise once the deadline has passed.
        facts = replace(facts, overdue_days=max(1, facts.overdue_days))
    risk = assess_risk(facts, policy=policy)
    # Deadlines follow the level the case earned by its letters; the one-level
    # rise for being overdue must not move an already missed deadline.
    base = assess_risk(replace(facts, overdue_days=0), policy=policy) if facts.overdue_days else risk
    due = deadlines_for(facts.registered_on, base.level, policy=policy)

    risk_changed = (case.risk_level, tuple(case.risk_reasons or ())) != (risk.level, risk.reasons)
    if risk_changed:
        if case.risk_level and case.risk_level != risk.level:
            add_event(session, case=case, kind="risk_changed", actor=actor,
                      text=f"预警 {case.risk_level} → {risk.level}：{'；'.join(risk.reasons)}")
        case.risk_level, case.risk_reasons = risk.level, list(risk.reasons)
    deadlines_changed = (case.ack_due, case.result_due) != (due.ack_due, due.result_due)
    if deadlines_changed and case.extended_to and case.result_due:
        # An extension moves the deadline by a number of days; when a higher
        # risk brings the deadline forward, the granted days move with it.
        case.extended_to = due.result_due + (case.extended_to - case.result_due)
    case.registered_on = facts.registered_on
    case.summary = case.summary or facts.summary
    case.ack_due, case.result_due = due.ack_due, due.result_due
    routing_changed = _apply_routing(session, case, route_case(facts, policy=policy), actor=actor)
    if risk_changed or deadlines_changed or routing_changed:
        case.updated_at = records.now()
        records.audit(session, actor=actor, action="case.assessed", entity="case", entity_id=case.id,
                      details={"risk_level": case.risk_level, "level": case.level, "lead_unit": case.lead_unit,
                               "co_units": case.co_units, "ack_due": str(case.ack_due),
                               "result_due": str(case.result_due)}, flow_run_id=run_id)
    return CaseChange(case.id, risk_changed, routing_changed, deadlines_changed)


def assess_cases(session: Session, *, case_ids: list[str] | None, policy: Policy, zone: ZoneInfo, today: date | None,
                 actor: str = "pipeline", run_id: str | None = None) -> list[CaseChange]:
    """Assess the given open cases (None: every open case), in id order."""
    query = select(Case).where(Case.status.in_(OPEN_STATUSES)).order_by(Case.id)
    if case_ids is not None:
        if not case_ids:
            return []
        query = query.where(Case.id.in_(case_ids))
    return [assess_case(session, case, policy=policy, zone=zone, today=today, actor=actor, run_id=run_id)
            for case in session.scalars(query)]
