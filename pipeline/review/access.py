"""Who may see and act on which case and letter (policy §6: personal data only to those handling it).

Admins and reviewers see everything — they route and correct. A unit
officer sees the cases where their unit has an active assignment, lead (主办)
or co-unit (协办), and the letters of those cases; only the lead unit's
officers act on a case (acknowledge, result, reply, extend, return) —
the same rule :mod:`pipeline.cases.lifecycle` enforces on the step itself.
An assignment superseded by re-routing, a return (退单) or a merge takes the
case out of the unit's sight with it. An inactive user sees nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.models import Assignment, Case, CaseLetter, Letter, User

SEES_EVERYTHING = ("admin", "reviewer")
UNIT_OFFICER = "unit_officer"


def visible_case_ids(session: Session, *, unit: str) -> set[str]:
    """Cases where ``unit`` has an active assignment, as lead or co-unit."""
    return set(session.scalars(select(Assignment.case_id).where(Assignment.unit == unit,
                                                                Assignment.status == "active")))


def _active_roles(session: Session, *, unit: str, case_id: str) -> set[str]:
    return set(session.scalars(select(Assignment.role).where(Assignment.case_id == case_id, Assignment.unit == unit,
                                                             Assignment.status == "active")))


def can_view_case(session: Session, *, user: User, case_id: str) -> bool:
    if not user.active or session.get(Case, case_id) is None:
        return False
    if user.role in SEES_EVERYTHING:
        return True
    return user.role == UNIT_OFFICER and bool(user.unit) and bool(_active_roles(session, unit=user.unit,
                                                                               case_id=case_id))


def can_act_on_case(session: Session, *, user: User, case_id: str) -> bool:
    """Only an officer of the case's lead unit (a co-unit helps, it does not answer the case)."""
    if not user.active or user.role != UNIT_OFFICER or not user.unit:
        return False
    case = session.get(Case, case_id)
    return (case is not None and case.lead_unit == user.unit
            and "lead" in _active_roles(session, unit=user.unit, case_id=case_id))


def can_view_letter(session: Session, *, user: User, letter_id: str) -> bool:
    """Through its case; a letter not yet in a case only to those who see everything."""
    case_id = session.scalar(select(CaseLetter.case_id).where(CaseLetter.letter_id == letter_id))
    if case_id is None:
        return bool(user.active and user.role in SEES_EVERYTHING and session.get(Letter, letter_id) is not None)
    return can_view_case(session, user=user, case_id=case_id)
