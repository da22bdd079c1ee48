"""What the rules look at: a case's facts, gathered from its letters.

Risk, routing and deadlines are pure functions of :class:`CaseFacts`, so each
branch of the policy is tested on a hand-built value, and the database is read
in one place (:func:`gather_case_facts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.cases.deadlines import days_overdue
from pipeline.store.models import Case, CaseLetter, Letter


@dataclass(frozen=True)
class LetterFacts:
    """The facts of one letter that the risk rules read."""

    letter_id: str
    received_on: date
    intent: str = "none"  # none | collective | province | beijing
    announced_date: str | None = None
    announced_place: str | None = None
    intent_cue: str | None = None
    repeated: bool = False
    repeated_cue: str | None = None
    signatory_count: int | None = None


@dataclass(frozen=True)
class CaseFacts:
    case_id: str
    category: str | None
    registered_on: date
    letters: tuple[LetterFacts, ...]
    signatory_count: int | None = None
    county: str | None = None
    township: str | None = None
    counties: tuple[str, ...] = ()  # every county the case touches
    townships: tuple[str, ...] = ()  # every township the case touches
    secondary_categories: tuple[str, ...] = ()
    city_level_subjects: tuple[str, ...] = ()
    county_complaint: bool = False
    county_complaint_cue: str | None = None
    overdue_days: int = 0  # > 0: the result deadline has passed without a closure
    summary: str | None = None  # the first letter's subject line


def _ordered_union(*groups) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for value in group or ():
            if value:
                seen.setdefault(value, None)
    return tuple(seen)


SUMMARY_CHARS = 60


def subject_line(text: str | None) -> str | None:
    """A letter's first non-empty line (its subject, as letters are written), shortened."""
    for line in (text or "").splitlines():
        line = " ".join(line.split())
        if len(line) >= 4:
            return line if len(line) <= SUMMARY_CHARS else line[: SUMMARY_CHARS - 1] + "…"
    return None


def letter_facts(letter: Letter, *, zone: ZoneInfo) -> LetterFacts:
    detail = letter.intent_detail or {}
    facts = letter.facts or {}
    return LetterFacts(
        letter_id=letter.id, received_on=letter.received_at.astimezone(zone).date(),
        intent=letter.intent or "none", announced_date=detail.get("announced_date"),
        announced_place=detail.get("announced_place"), intent_cue=detail.get("cue"),
        repeated=bool(facts.get("repeated")), repeated_cue=facts.get("repeated_cue"),
        signatory_count=letter.signatory_count,
    )


def gather_case_facts(session: Session, case: Case, *, zone: ZoneInfo, today: date | None = None) -> CaseFacts:
    """Read a case and its letters (oldest first) into the facts the rules use."""
    letters = list(session.scalars(
        select(Letter).join(CaseLetter, CaseLetter.letter_id == Letter.id)
        .where(CaseLetter.case_id == case.id).order_by(Letter.received_at, Letter.id)))
    per_letter = tuple(letter_facts(lt, zone=zone) for lt in letters)
    facts = [lt.facts or {} for lt in letters]
    complaint = next((f for f in facts if f.get("county_complaint")), None)
    registered_on = case.registered_on or (per_letter[0].received_on if per_letter else office_today(zone))
    overdue = 0
    if today is not None and case.status != "closed":
        overdue = days_overdue(result_due=case.result_due, extended_to=case.extended_to, today=today)
    return CaseFacts(
        case_id=case.id, category=case.category, registered_on=registered_on, letters=per_letter,
        signatory_count=case.signatory_count,
        county=case.county, township=case.township,
        counties=_ordered_union([case.county], [lt.county for lt in letters], *(f.get("counties") for f in facts)),
        townships=_ordered_union([case.township], [lt.township for lt in letters],
                                 *(f.get("townships") for f in facts)),
        secondary_categories=_ordered_union(*(lt.secondary_categories for lt in letters)),
        city_level_subjects=_ordered_union(*(f.get("city_level_subjects") for f in facts)),
        county_complaint=complaint is not None,
        county_complaint_cue=(complaint or {}).get("county_complaint_cue"),
        overdue_days=overdue,
        summary=subject_line(letters[0].text) if letters else None,
    )


def office_today(zone: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(zone)).astimezone(zone).date()
