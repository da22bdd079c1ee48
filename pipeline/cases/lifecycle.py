"""A case's life after routing: acknowledge, result, reply (closes), extend, return.

registered → assigned (or triage) → acknowledged (受理告知) → resulted (处理意见)
→ closed when the reply (答复) is recorded. A unit may return (退单) a wrongly
routed case with a reason: it goes back to the petition bureau for triage,
and the return is kept — it is how routing learns. Every step is validated
(order, dates not in the future nor before registration, the acting unit is
the lead), becomes a case event, and is written to the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.cases.deadlines import check_extension
from pipeline.cases.handling import MANUAL_ROUTING_PREFIX, add_event, set_assignments
from pipeline.config import Policy
from pipeline.errors import CaseRuleError
from pipeline.store import records
from pipeline.store.models import Case, CaseEvent


class LifecycleError(CaseRuleError):
    """A step the case's state does not allow: wrong order, a future date, not the lead unit."""


@dataclass(frozen=True)
class Step:
    """Who does what, when: the common arguments of every step."""

    actor: str
    on_date: date
    today: date
    unit: str | None = None  # the acting unit; default the lead unit
    text: str | None = None
    document_sha256: str | None = None


def load_case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise LifecycleError(f"no case {case_id}")
    return case


def _check(case: Case, step: Step, *, allowed: tuple[str, ...], what: str, needs_text: bool = False) -> str:
    if case.status not in allowed:
        raise LifecycleError(f"case {case.id} is '{case.status}': {what} needs it to be {' or '.join(allowed)}")
    if step.on_date > step.today:
        raise LifecycleError(f"{what}: the date {step.on_date} is in the future")
    if case.registered_on and step.on_date < case.registered_on:
        raise LifecycleError(f"{what}: the date {step.on_date} is before the case was registered ({case.registered_on})")
    unit = step.unit or case.lead_unit
    if unit != case.lead_unit:
        raise LifecycleError(f"{what}: only the lead unit ({case.lead_unit}) may do this, not {unit}")
    if needs_text and not (step.text or "").strip():
        raise LifecycleError(f"{what}: the text is required")
    return unit


def _last_event_date(session: Session, case: Case, kind: str) -> date | None:
    return session.scalar(select(func.max(CaseEvent.on_date)).where(CaseEvent.case_id == case.id,
                                                                      CaseEvent.kind == kind))


def _record(session: Session, case: Case, step: Step, *, kind: str, unit: str, status: str | None,
            audit_details: dict | None = None) -> None:
    add_event(session, case=case, kind=kind, text=step.text, actor=step.actor, unit=unit, on_date=step.on_date,
              document_sha256=step.document_sha256)
    if status:
        case.status = status
    case.updated_at = records.now()
    records.audit(session, actor=step.actor, action=f"case.{kind}", entity="case", entity_id=case.id,
                  details={"on": str(step.on_date), "unit": unit, **(audit_details or {})})


def acknowledge(session: Session, case_id: str, step: Step) -> Case:
    """受理告知: the lead unit tells the representative it has taken the case."""
    case = load_case(session, case_id)
    unit = _check(case, step, allowed=("assigned",), what="acknowledgement")
    _record(session, case, step, kind="ack", unit=unit, status="acknowledged")
    return case


def record_result(session: Session, case_id: str, step: Step) -> Case:
    """处理意见: the lead unit's result; needs an acknowledgement first."""
    case = load_case(session, case_id)
    unit = _check(case, step, allowed=("acknowledged",), what="result", needs_text=True)
    acked = _last_event_date(session, case, "ack")
    if acked and step.on_date < acked:
        raise LifecycleError(f"result: the date {step.on_date} is before the acknowledgement ({acked})")
    _record(session, case, step, kind="result", unit=unit, status="resulted")
    return case


def record_reply(session: Session, case_id: str, step: Step) -> Case:
    """答复: the reply to the representative; with a result on record it closes the case (§5)."""
    case = load_case(session, case_id)
    unit = _check(case, step, allowed=("resulted",), what="reply", needs_text=True)
    resulted = _last_event_date(session, case, "result")
    if resulted is None:
        raise LifecycleError("reply: no result is recorded, so the case cannot be closed")
    if step.on_date < resulted:
        raise LifecycleError(f"reply: the date {step.on_date} is before the result ({resulted})")
    _record(session, case, step, kind="reply", unit=unit, status="closed")
    case.closed_on = step.on_date
    return case


def extend(session: Session, case_id: str, step: Step, *, new_due: date, policy: Policy) -> Case:
    """Extend the result deadline once, within the policy's limit, with a reason."""
    case = load_case(session, case_id)
    unit = _check(case, step, allowed=("assigned", "acknowledged", "resulted"), what="extension")
    if case.result_due is None:
        raise LifecycleError(f"extension: case {case.id} has no result deadline yet, so there is nothing to extend")
    so_far = session.scalar(select(func.count()).where(CaseEvent.case_id == case.id, CaseEvent.kind == "extension"))
    days = check_extension(result_due=case.result_due, requested_to=new_due, reason=step.text,
                           extensions_so_far=so_far or 0, policy=policy)
    case.extended_to, case.extension_reason = new_due, step.text
    _record(session, case, step, kind="extension", unit=unit, status=None,
            audit_details={"from": str(case.result_due), "to": str(new_due), "days": days})
    return case


def return_case(session: Session, case_id: str, step: Step, *, policy: Policy) -> Case:
    """退单: the lead unit says the case is not theirs; it goes back to triage with the reason."""
    case = load_case(session, case_id)
    unit = _check(case, step, allowed=("assigned", "acknowledged"), what="return", needs_text=True)
    triage = policy.triage_unit
    # Held for a person: the rules would send it straight back to the same unit.
    case.routing_rule = f"{MANUAL_ROUTING_PREFIX}待定：{unit}退单（{step.text.strip()}），交{triage}重新分办"
    case.level, case.lead_unit, case.co_units = "triage", triage, []
    set_assignments(session, case=case, lead_unit=triage, co_units=())
    _record(session, case, step, kind="return", unit=unit, status="triage", audit_details={"reason": step.text})
    return case


def reroute(session: Session, case_id: str, *, level: str, lead_unit: str, co_units: list[str], reason: str,
            actor: str) -> Case:
    """A reviewer's routing, kept over the rules' from now on (see MANUAL_ROUTING_PREFIX)."""
    case = load_case(session, case_id)
    if case.status == "closed":
        raise LifecycleError(f"case {case.id} is closed; re-routing it changes nothing")
    if not reason.strip():
        raise LifecycleError("re-routing needs a reason")
    case.level, case.lead_unit, case.co_units = level, lead_unit, [u for u in co_units if u != lead_unit]
    case.routing_rule = f"{MANUAL_ROUTING_PREFIX}（{actor}）：{reason.strip()}"
    set_assignments(session, case=case, lead_unit=lead_unit, co_units=case.co_units)
    if case.status in ("triage", "registered"):
        case.status = "assigned"
    add_event(session, case=case, kind="rerouted", text=case.routing_rule, actor=actor, unit=lead_unit)
    case.updated_at = records.now()
    records.audit(session, actor=actor, action="case.rerouted", entity="case", entity_id=case.id,
                  details={"level": level, "lead_unit": lead_unit, "co_units": case.co_units, "reason": reason})
    return case
