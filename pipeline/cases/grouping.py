"""Putting understood letters into cases (policy §1), incrementally.

Each call takes the understood letters not yet in a case, oldest first, and
for each either joins the open case of the earlier letter it matches (see
:mod:`pipeline.cases.rules`) or opens a new case. Letters of one batch see
the letters before them in the same batch, so the order of arrival — not of
processing — decides which letter opens a case. A grouped letter moves to
stage "grouped" and is never looked at again, so a rerun changes nothing.

Every membership records the letter it matched, the similarity and the
reason, and the case gets an "opened" or "letter_joined" event saying the
same; reviewers see why, and can split or merge by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pipeline.cases.candidates import Candidate, candidates_for, store_band_keys
from pipeline.cases.headcount import LetterHeads, Person, distinct_signatories
from pipeline.cases.rules import Assessment, LetterView, Thresholds, assess, best_join
from pipeline.cases.similarity import band_keys, fingerprint
from pipeline.store.models import AuditEntry, Case, CaseEvent, CaseLetter, Letter

STAGE_READY = "understood"
STAGE_DONE = "grouped"
CLOSED = "closed"
OFFICE_ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class GroupingDecision:
    letter_id: str
    case_id: str
    opened: bool
    matched_letter_id: str | None
    similarity: float | None
    reason: str


@dataclass(frozen=True)
class PossibleMerge:
    """A case the letter was kept apart from, though close enough to check."""

    letter_id: str
    case_id: str
    matched_letter_id: str
    similarity: float
    reason: str


class _Views:
    """Letters as the rules see them, each fingerprinted once per call."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._views: dict[str, LetterView] = {}

    def of(self, letter: Letter) -> LetterView:
        if letter.id not in self._views:
            # The understanding stage may have found a follow-up cue that the pattern here does not know.
            print_ = fingerprint(letter.text, place_names=(letter.county, letter.township, letter.village),
                                 known_follow_up=bool((letter.facts or {}).get("repeated")))
            self._views[letter.id] = LetterView(
                id=letter.id, category=letter.category, county=letter.county, township=letter.township,
                village=letter.village, text="".join((letter.text or "").split()), fingerprint=print_,
                subjects=tuple((letter.facts or {}).get("city_level_subjects") or ()))
        return self._views[letter.id]

    def of_candidates(self, candidates: list[Candidate]) -> list[LetterView]:
        missing = [c.letter_id for c in candidates if c.letter_id not in self._views]
        if missing:  # one query for all the candidates not seen yet
            for letter in self._session.scalars(select(Letter).where(Letter.id.in_(missing))):
                self.of(letter)
        return [replace(self._views[c.letter_id], case_id=c.case_id) for c in candidates]


def _ungrouped_letters(session: Session, letter_ids: list[str] | None) -> list[Letter]:
    query = (select(Letter).outerjoin(CaseLetter, CaseLetter.letter_id == Letter.id)
             .where(Letter.stage == STAGE_READY, CaseLetter.letter_id.is_(None))
             .order_by(Letter.received_at, Letter.id))
    if letter_ids is not None:
        query = query.where(Letter.id.in_(letter_ids))
    return list(session.scalars(query))


def _assessments(session: Session, views: _Views, letter: Letter, keys: list[tuple[int, str]],
                 thresholds: Thresholds) -> tuple[list[Assessment], dict[str, str]]:
    """The letter compared with every candidate; and each candidate case's status."""
    candidates = candidates_for(session, letter=letter, keys=keys)
    status = {c.case_id: c.case_status for c in candidates}
    new = views.of(letter)
    return [assess(new, old, thresholds) for old in views.of_candidates(candidates)], status


def next_case_id(session: Session, *, registered_on: date) -> str:
    """'C' + registration date + a three-digit sequence for that day, e.g. C20260309-001.

    Readable on the phone and on paper, and stable: an id is given once, when
    the case opens. Grouping runs one batch at a time; two concurrent runs
    would collide on the primary key and one would retry, never merge silently.
    """
    prefix = f"C{registered_on:%Y%m%d}-"
    taken = session.scalars(select(Case.id).where(Case.id.like(f"{prefix}%")))
    sequence = max((int(case_id[len(prefix):]) for case_id in taken if case_id[len(prefix):].isdigit()), default=0)
    return f"{prefix}{sequence + 1:03d}"


def recount_signatories(session: Session, case: Case) -> None:
    letters = session.scalars(select(Letter).options(selectinload(Letter.signatories))
                              .join(CaseLetter, CaseLetter.letter_id == Letter.id)
                              .where(CaseLetter.case_id == case.id).order_by(Letter.received_at, Letter.id))
    case.signatory_count = distinct_signatories(
        LetterHeads(listed=tuple(Person(name=s.name, id_number=s.id_number, id_valid=s.id_valid, phone=s.phone)
                                 for s in sorted(lt.signatories, key=lambda s: s.seq)),
                    signatory_count=lt.signatory_count, stated_total=lt.stated_total)
        for lt in letters)


def _record(session: Session, *, case: Case, letter: Letter, kind: str, text: str, now: datetime,
            zone: ZoneInfo, actor: str, flow_run_id: str | None) -> None:
    session.add(CaseEvent(case_id=case.id, kind=kind, on_date=letter.received_at.astimezone(zone).date(),
                          actor=actor, text=text, recorded_at=now))
    session.add(AuditEntry(at=now, actor=actor, action=f"case_{kind}", entity="case", entity_id=case.id,
                           details={"letter_id": letter.id, "reason": text}, flow_run_id=flow_run_id))


def _opening_reason(assessments: list[Assessment], status: dict[str, str]) -> str:
    reason = "new matter: no open case matched"
    closed = best_join([a for a in assessments if status.get(a.case_id) == CLOSED])
    if closed:
        # A closed case is not reopened by a machine; a person decides whether
        # the new letter is a complaint about how it was closed.
        reason += f"; it would have joined closed case {closed.case_id} ({closed.reason})"
    return reason


def group_letters(session: Session, *, letter_ids: list[str] | None = None, now: datetime,
                  thresholds: Thresholds = Thresholds(), zone: ZoneInfo = OFFICE_ZONE,
                  actor: str = "pipeline", flow_run_id: str | None = None) -> list[GroupingDecision]:
    """Group the understood, not yet grouped letters (all, or those of ``letter_ids``)."""
    views = _Views(session)
    decisions = []
    touched: dict[str, Case] = {}
    for letter in _ungrouped_letters(session, letter_ids):
        new_view = views.of(letter)
        keys = band_keys(new_view.fingerprint.shingles)
        assessments, status = _assessments(session, views, letter, keys, thresholds)
        match = best_join([a for a in assessments if status.get(a.case_id) != CLOSED])
        received_on = letter.received_at.astimezone(zone).date()
        if match is None:
            case = Case(id=next_case_id(session, registered_on=received_on), category=letter.category,
                        county=letter.county, township=letter.township, status="registered",
                        registered_on=received_on, created_at=now, updated_at=now)
            session.add(case)
            reason = _opening_reason(assessments, status)
        else:
            case = session.get(Case, match.case_id)
            # Deadlines run from the case's first letter: a late-scanned
            # letter received earlier moves the registration day back.
            case.registered_on = min(filter(None, (case.registered_on, received_on)))
            case.updated_at = now
            reason = match.reason
        session.add(CaseLetter(letter_id=letter.id, case_id=case.id, joined_at=now,
                               matched_letter_id=match.other_id if match else None,
                               similarity=match.similarity if match else None, join_reason=reason))
        store_band_keys(session, letter_id=letter.id, keys=keys)
        letter.stage = STAGE_DONE
        session.flush()
        touched[case.id] = case
        _record(session, case=case, letter=letter, kind="letter_joined" if match else "opened",
                text=f"{letter.id}: {reason}", now=now, zone=zone, actor=actor, flow_run_id=flow_run_id)
        decisions.append(GroupingDecision(letter_id=letter.id, case_id=case.id, opened=match is None,
                                          matched_letter_id=match.other_id if match else None,
                                          similarity=match.similarity if match else None, reason=reason))
    # Once per case, not per letter: a form letter with a thousand copies
    # would otherwise re-read the whole case a thousand times.
    for case in touched.values():
        recount_signatories(session, case)
    session.flush()
    return decisions


def possible_merges(session: Session, *, letter_id: str, thresholds: Thresholds = Thresholds()) -> list[PossibleMerge]:
    """Open cases other than the letter's own that it is close to, for a reviewer.

    Close means: a copy kept apart because it is about another place, similar
    text below the copy threshold, or the same place and terms with another
    category. Best first, one entry per case.
    """
    letter = session.get(Letter, letter_id)
    if letter is None:
        return []
    own_case = letter.membership.case_id if letter.membership else None
    views = _Views(session)
    assessments, status = _assessments(session, views, letter, band_keys(views.of(letter).fingerprint.shingles),
                                       thresholds)
    best_per_case: dict[str, Assessment] = {}
    for a in sorted(assessments, key=lambda a: (a.rank, a.other_id), reverse=True):
        if a.case_id != own_case and status.get(a.case_id) != CLOSED and (a.worth_review or a.joins):
            best_per_case.setdefault(a.case_id, a)
    return [PossibleMerge(letter_id=letter_id, case_id=a.case_id, matched_letter_id=a.other_id,
                          similarity=a.similarity, reason=a.reason) for a in best_per_case.values()]


def case_places(session: Session, *, case_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(counties, townships) the case's letters name, first-seen order — routing
    sends a case spanning two or more counties up a level."""
    rows = session.execute(select(Letter.county, Letter.township).join(CaseLetter, CaseLetter.letter_id == Letter.id)
                           .where(CaseLetter.case_id == case_id).order_by(Letter.received_at, Letter.id)).all()
    return (tuple(dict.fromkeys(c for c, _ in rows if c)), tuple(dict.fromkeys(t for _, t in rows if t)))
