"""Per-record access: one letter or case, for one user, or 404.

A unit officer asking for a case that is not their unit's gets the same 404
as for a case that does not exist, so ids cannot be probed. The rules
themselves (which unit sees what) live in :mod:`pipeline.review.access`;
these helpers only turn a "no" into the right HTTP answer.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pipeline.review.access import can_act_on_case, can_view_case, can_view_letter
from pipeline.store.models import Case, Letter, User
from pipeline.web.accounts import REVIEW_ROLES
from pipeline.web.errors import Forbidden, NotFound


def _no_station(user: User) -> None:
    if user.role == "station":
        raise Forbidden("a scanning station's account may only hand in files")


def letter_for(session: Session, *, user: User, letter_id: str) -> Letter:
    _no_station(user)
    letter = session.get(Letter, letter_id)
    if letter is None or not can_view_letter(session, user=user, letter_id=letter_id):
        raise NotFound(f"no letter {letter_id}")
    return letter


def case_for(session: Session, *, user: User, case_id: str) -> Case:
    _no_station(user)
    case = session.get(Case, case_id)
    if case is None or not can_view_case(session, user=user, case_id=case_id):
        raise NotFound(f"no case {case_id}")
    return case


def case_to_act_on(session: Session, *, user: User, case_id: str) -> Case:
    """A case this unit officer may record steps on: their unit leads it."""
    case = case_for(session, user=user, case_id=case_id)
    # Reviewers change routing, not units' work: a step is the unit's own act.
    if user.role != "unit_officer" or not can_act_on_case(session, user=user, case_id=case_id):
        raise Forbidden(f"only an officer of the lead unit ({case.lead_unit}) records steps on case {case.id}")
    return case


def reviewer_letter(session: Session, *, user: User, letter_id: str) -> Letter:
    """A letter a reviewer changes: visible (else 404) and the user reviews (else 403)."""
    letter = letter_for(session, user=user, letter_id=letter_id)
    if user.role not in REVIEW_ROLES:
        raise Forbidden("only the petition bureau's reviewers correct letters")
    return letter


def reviewer_case(session: Session, *, user: User, case_id: str) -> Case:
    case = case_for(session, user=user, case_id=case_id)
    if user.role not in REVIEW_ROLES:
        raise Forbidden("only the petition bureau's reviewers merge, split or re-route cases")
    return case
