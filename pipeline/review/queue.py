"""The review queue: letters a person should check, the most doubtful first.

A letter is in the queue while understanding's doubts about it stand
(``needs_review``): a reviewer's correction clears the reason it answers, and
a confirmation (:func:`pipeline.review.corrections.confirm_letter`) clears the
letter. Order of need: a doubtful category (it decides the lead unit), then a
doubtful reading (OCR), then an unknown place (the case sits in triage), then
a possible merge; within the same need, the case's risk (urgent first), then
the oldest letter first — the deadlines run from registration.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.cases.handling import OPEN_STATUSES
from pipeline.store.models import Case, CaseLetter, Letter

# Most needed first. Each need is one bit, so one higher need outranks any
# number of lower ones; the case's risk fills the two bits below them.
NEEDS = ("low_category_confidence", "low_ocr_confidence", "unknown_place", "possible_merge")
RISK_RANK = {"urgent": 3, "high": 2, "medium": 1, "low": 0}
UNKNOWN_PLACE = "地点不明"


@dataclass(frozen=True)
class QueueItem:
    letter_id: str
    case_id: str | None  # None: not grouped yet
    received_at: datetime
    category: str | None
    category_confidence: float | None
    ocr_confidence: float | None
    place: str  # county + township + village as known, or 地点不明
    risk_level: str | None  # the case's
    reasons: tuple[str, ...]  # "code: detail", as understanding wrote them, plus a possible merge
    priority: int  # higher first; see NEEDS and RISK_RANK


def _codes(reasons: tuple[str, ...]) -> set[str]:
    return {reason.split(":", 1)[0].strip() for reason in reasons}


def priority_of(reasons: tuple[str, ...], risk_level: str | None) -> int:
    codes = _codes(reasons)
    need = sum(1 << (len(NEEDS) - 1 - index) for index, code in enumerate(NEEDS) if code in codes)
    return (need << 2) | RISK_RANK.get(risk_level or "", 0)


def _possible_merges(session: Session) -> dict[str, list[str]]:
    """Open cases sharing township and category with another open case: case -> the others.

    A cheap stand-in for :func:`pipeline.cases.grouping.possible_merges`,
    which fingerprints and compares each letter (too slow for a whole queue):
    grouping keeps two such cases apart only when their wording differs, so a
    person should look. The web page of one letter can ask possible_merges for the detail.
    """
    by_subject: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for case_id, township, category in session.execute(
            select(Case.id, Case.township, Case.category)
            .where(Case.status.in_(OPEN_STATUSES), Case.township.is_not(None)).order_by(Case.id)):
        by_subject[(township, category)].append(case_id)
    return {case_id: [other for other in ids if other != case_id]
            for ids in by_subject.values() if len(ids) > 1 for case_id in ids}


def review_queue(session: Session, *, limit: int = 200) -> list[QueueItem]:
    """Up to ``limit`` letters needing review, most needed first (see the module's doc)."""
    merges = _possible_merges(session)
    rows = session.execute(
        select(Letter.id, Letter.received_at, Letter.category, Letter.category_confidence, Letter.ocr_confidence,
               Letter.county, Letter.township, Letter.village, Letter.review_reasons, CaseLetter.case_id,
               Case.risk_level)
        .outerjoin(CaseLetter, CaseLetter.letter_id == Letter.id)
        .outerjoin(Case, Case.id == CaseLetter.case_id)
        .where(Letter.needs_review.is_(True)))
    items = []
    for (letter_id, received_at, category, confidence, ocr, county, township, village, reasons, case_id,
         risk_level) in rows:
        reasons = tuple(reasons or ())
        if case_id in merges:
            reasons += (f"possible_merge: open case(s) {', '.join(merges[case_id])} about the same township"
                        " and category",)
        items.append(QueueItem(
            letter_id=letter_id, case_id=case_id, received_at=received_at, category=category,
            category_confidence=confidence, ocr_confidence=ocr,
            place="".join(p for p in (county, township, village) if p) or UNKNOWN_PLACE,
            risk_level=risk_level, reasons=reasons, priority=priority_of(reasons, risk_level)))
    items.sort(key=lambda item: (-item.priority, item.received_at, item.letter_id))
    return items[:max(limit, 0)]
