"""A reviewer's changes to how letters are grouped and routed: move, merge, split, re-route.

Grouping (pipeline/cases/grouping.py) decides by rules; a person who reads
the letters may see two cases that are one matter, or one case that is two.
Every change keeps each letter in exactly one case (a letter's membership is
its primary key, so it is moved, never copied), is written as Corrections,
case events and the audit trail, and re-assesses every case it touched at once.

A case whose letters all went elsewhere becomes "merged": no case to handle
or close, only a pointer (a ``merged_into`` Correction and event) to the case
that now holds them. Its active assignments are superseded, so no unit keeps
it on its list.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.cases import lifecycle
from pipeline.cases.grouping import next_case_id
from pipeline.cases.handling import MERGED_STATUS, OPEN_STATUSES, add_event
from pipeline.config import Policy
from pipeline.review.corrections import ReviewError, load_letter, record_correction, refresh_case
from pipeline.store import records
from pipeline.store.models import Assignment, Case, CaseLetter, Correction, Letter

ROUTING_LEVELS = ("city", "county", "township", "triage")


def _open_case(session: Session, case_id: str, *, what: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise ReviewError(f"no case {case_id}")
    if case.status not in OPEN_STATUSES:
        raise ReviewError(f"case {case_id} is '{case.status}': {what} needs an open case")
    return case


def _memberships(session: Session, case_id: str) -> list[CaseLetter]:
    """The case's memberships, its letters oldest first."""
    return list(session.scalars(select(CaseLetter).join(Letter, Letter.id == CaseLetter.letter_id)
                                .where(CaseLetter.case_id == case_id).order_by(Letter.received_at, Letter.id)))


def _move(session: Session, membership: CaseLetter, *, to: Case, reviewer: str, at: datetime) -> None:
    """Re-point one membership: the same row, so the letter is never in two cases, not even mid-way."""
    came_from = membership.case_id
    # Through the relationship too, so both cases' loaded ``letters`` collections follow at once.
    membership.case, membership.case_id = to, to.id
    membership.joined_at = at
    membership.matched_letter_id, membership.similarity = None, None
    membership.join_reason = f"人工调整（{reviewer}）：自事项 {came_from} 移入"
    record_correction(session, entity="letter", entity_id=membership.letter_id, field="case", old=came_from,
                      new=to.id, reviewer=reviewer, at=at)


def _retire(session: Session, case: Case, *, into: Case, reviewer: str, at: datetime) -> None:
    """Mark an emptied case merged into ``into``: a pointer, with nobody assigned to it any more."""
    previous = case.status
    case.status, case.updated_at = MERGED_STATUS, at
    for assignment in session.scalars(select(Assignment).where(Assignment.case_id == case.id,
                                                               Assignment.status == "active")):
        assignment.status = "superseded"
    add_event(session, case=case, kind="merged_into", text=f"并入事项 {into.id}（{reviewer}）", actor=reviewer)
    add_event(session, case=into, kind="merged_from", text=f"事项 {case.id} 并入（{reviewer}）", actor=reviewer)
    record_correction(session, entity="case", entity_id=case.id, field="merged_into", old=None, new=into.id,
                      reviewer=reviewer, at=at)
    records.audit(session, actor=reviewer, action="case.merged", entity="case", entity_id=case.id,
                  details={"into": into.id, "status_before": previous})


def merged_into(session: Session, *, case_id: str) -> str | None:
    """The case a merged case's letters went to (None for a case that was never merged)."""
    return session.scalar(select(Correction.new_value).where(
        Correction.entity == "case", Correction.entity_id == case_id, Correction.field == "merged_into")
        .order_by(Correction.at.desc(), Correction.id.desc()).limit(1))


def move_letter(session: Session, *, letter_id: str, to_case_id: str, reviewer: str, policy: Policy,
                zone: ZoneInfo) -> None:
    """Move a letter into another open case; both cases are re-assessed.

    Moving a case's only letter empties it, which is what merging is: the
    emptied case becomes "merged" into the target rather than a case without letters.
    """
    letter = load_letter(session, letter_id)
    membership = letter.membership
    if membership is None:
        raise ReviewError(f"letter {letter_id} is in no case yet: grouping puts it in one first")
    if membership.case_id == to_case_id:
        raise ReviewError(f"letter {letter_id} is already in case {to_case_id}")
    source = _open_case(session, membership.case_id, what="moving a letter out")
    target = _open_case(session, to_case_id, what="moving a letter in")
    at = records.now()
    _move(session, membership, to=target, reviewer=reviewer, at=at)
    add_event(session, case=source, kind="letter_left", text=f"{letter_id}: 由{reviewer}移至事项 {target.id}",
              actor=reviewer)
    add_event(session, case=target, kind="letter_joined", text=f"{letter_id}: 由{reviewer}自事项 {source.id} 移入",
              actor=reviewer)
    records.audit(session, actor=reviewer, action="letter.moved", entity="letter", entity_id=letter_id,
                  details={"from_case": source.id, "to_case": target.id})
    session.flush()
    if _memberships(session, source.id):
        refresh_case(session, source, policy=policy, zone=zone, reviewer=reviewer)
    else:
        _retire(session, source, into=target, reviewer=reviewer, at=at)
    refresh_case(session, target, policy=policy, zone=zone, reviewer=reviewer)


def merge_cases(session: Session, *, keep_case_id: str, merge_case_id: str, reviewer: str, policy: Policy,
                zone: ZoneInfo) -> None:
    """Move every letter of ``merge_case_id`` into ``keep_case_id``; the emptied case becomes "merged"."""
    if keep_case_id == merge_case_id:
        raise ReviewError(f"case {keep_case_id} cannot be merged into itself")
    keep = _open_case(session, keep_case_id, what="merging into it")
    gone = _open_case(session, merge_case_id, what="merging it")
    at = records.now()
    moved = _memberships(session, gone.id)
    for membership in moved:
        _move(session, membership, to=keep, reviewer=reviewer, at=at)
    session.flush()
    _retire(session, gone, into=keep, reviewer=reviewer, at=at)
    records.audit(session, actor=reviewer, action="case.merged_from", entity="case", entity_id=keep.id,
                  details={"merged_case": gone.id, "letters": [m.letter_id for m in moved]})
    refresh_case(session, keep, policy=policy, zone=zone, reviewer=reviewer)


def split_case(session: Session, *, case_id: str, letter_ids: list[str], reviewer: str, policy: Policy,
               zone: ZoneInfo) -> str:
    """Move these letters of a case into a new case (id as grouping gives them); returns the new id.

    Refuses to take every letter: that would leave a case without letters
    and change nothing else — the case is already the new case.
    """
    source = _open_case(session, case_id, what="splitting it")
    wanted = set(letter_ids)
    if not wanted:
        raise ReviewError("a split needs at least one letter to move")
    memberships = _memberships(session, source.id)
    strangers = sorted(wanted - {m.letter_id for m in memberships})
    if strangers:
        raise ReviewError(f"not letters of case {source.id}: {', '.join(strangers)}")
    if len(wanted) == len(memberships):
        raise ReviewError(f"a split must leave at least one letter in case {source.id}")
    moving = [m for m in memberships if m.letter_id in wanted]  # oldest first: the first opens the case
    first = session.get(Letter, moving[0].letter_id)
    registered_on = first.received_at.astimezone(zone).date()
    at = records.now()
    new = Case(id=next_case_id(session, registered_on=registered_on), category=first.category,
               county=first.county, township=first.township, status="registered", registered_on=registered_on,
               created_at=at, updated_at=at)
    session.add(new)
    session.flush()
    for membership in moving:
        _move(session, membership, to=new, reviewer=reviewer, at=at)
    names = "、".join(m.letter_id for m in moving)
    add_event(session, case=source, kind="split_off", text=f"{names}: 由{reviewer}分出为事项 {new.id}",
              actor=reviewer)
    add_event(session, case=new, kind="opened", text=f"{names}: 由{reviewer}自事项 {source.id} 分出", actor=reviewer)
    record_correction(session, entity="case", entity_id=source.id, field="split_into", old=None, new=new.id,
                      reviewer=reviewer, at=at)
    records.audit(session, actor=reviewer, action="case.split", entity="case", entity_id=source.id,
                  details={"new_case": new.id, "letters": [m.letter_id for m in moving]})
    refresh_case(session, source, policy=policy, zone=zone, reviewer=reviewer)
    refresh_case(session, new, policy=policy, zone=zone, reviewer=reviewer)
    return new.id


def _routing(case: Case) -> str:
    return json.dumps({"level": case.level, "lead_unit": case.lead_unit, "co_units": list(case.co_units or [])},
                      ensure_ascii=False)


def reroute_case(session: Session, *, case_id: str, level: str, lead_unit: str, co_units: list[str], reason: str,
                 reviewer: str) -> None:
    """A reviewer's routing (人工改派), kept over the rules from now on; see lifecycle.reroute."""
    if level not in ROUTING_LEVELS:
        raise ReviewError(f"'{level}' is no routing level (one of {', '.join(ROUTING_LEVELS)})")
    if not (lead_unit or "").strip():
        raise ReviewError("re-routing needs a lead unit")
    case = _open_case(session, case_id, what="re-routing")
    before = _routing(case)
    lifecycle.reroute(session, case_id, level=level, lead_unit=lead_unit.strip(),
                      co_units=[u.strip() for u in co_units if u and u.strip()], reason=reason or "", actor=reviewer)
    record_correction(session, entity="case", entity_id=case.id, field="routing", old=before, new=_routing(case),
                      reviewer=reviewer, at=records.now())
    session.flush()
