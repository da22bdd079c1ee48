"""A reviewer's corrections of what the machine read from a letter, applied at once.

A reviewer (复核员) fixes what understanding got wrong — category, place,
signatory count, intent — or confirms the reading as it stands. Every change
is kept as a :class:`Correction` (who, when, old, new) and in the audit trail;
the review reason it answers is cleared; and the letter's case is brought up
to date in the same transaction: its header from its first letter, its
signatory count, then risk, routing and deadlines
(:func:`pipeline.cases.handling.assess_case`). A category correction is also
a training example for the next model (:func:`pipeline.classify.retrain.corrected_examples`).

Nothing here commits: the caller's unit of work (``Database.session()``)
commits the correction together with everything it changed, or none of it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.cases.facts import subject_line

# grouping's own recount, so that a reviewer's change and the next grouping run
# (which recounts when a letter joins) arrive at the same number.
from pipeline.cases.grouping import recount_signatories
from pipeline.cases.handling import OPEN_STATUSES, assess_case
from pipeline.config import Policy
from pipeline.errors import CaseRuleError
from pipeline.store import records
from pipeline.store.models import Case, CaseLetter, Correction, Letter

LETTER_FIELDS = ("category", "county", "township", "village", "signatory_count", "intent")
INTENTS = ("none", "collective", "province", "beijing")
PLACE_FIELDS = ("county", "township", "village")
# The review reason (see pipeline.understand.stage.review_reasons) that a
# corrected field answers: once a person has set it, the doubt is resolved.
REASON_ANSWERED_BY = {"category": "low_category_confidence", "county": "unknown_place",
                      "township": "unknown_place", "village": "unknown_place",
                      "signatory_count": "no_signatories"}


class ReviewError(CaseRuleError):
    """A reviewer's change that the taxonomy, the jurisdiction or the case's state does not allow."""


# --- shared with case_edits -------------------------------------------------------------------------------


def as_text(value: object) -> str | None:
    return None if value is None else str(value)


def record_correction(session: Session, *, entity: str, entity_id: str, field: str, old: object, new: object,
                      reviewer: str, at: datetime) -> Correction:
    correction = Correction(entity=entity, entity_id=entity_id, field=field, old_value=as_text(old),
                            new_value=as_text(new), reviewer=reviewer, at=at)
    session.add(correction)
    return correction


def load_letter(session: Session, letter_id: str) -> Letter:
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise ReviewError(f"no letter {letter_id}")
    return letter


def case_letters(session: Session, case_id: str) -> list[Letter]:
    """The case's letters, oldest first — the order facts.py reads them in."""
    return list(session.scalars(select(Letter).join(CaseLetter, CaseLetter.letter_id == Letter.id)
                                .where(CaseLetter.case_id == case_id).order_by(Letter.received_at, Letter.id)))


def refresh_case(session: Session, case: Case, *, policy: Policy, zone: ZoneInfo, reviewer: str) -> None:
    """Bring a case up to date with its letters after a reviewer changed them.

    The header (category, place, registration day, subject) follows the
    case's first letter, as when grouping opened it; the signatory count is
    recounted; an open case is then re-assessed. A closed case keeps its
    routing and deadlines — they were what the units worked to.
    """
    session.flush()
    letters = case_letters(session, case.id)
    if letters:
        first = letters[0]
        case.category, case.county, case.township = first.category, first.county, first.township
        case.registered_on = first.received_at.astimezone(zone).date()
        case.summary = subject_line(first.text) or case.summary
        recount_signatories(session, case)
    case.updated_at = records.now()
    if case.status in OPEN_STATUSES:
        # today=None: the daily check alone decides what is overdue (see
        # assess_case); it raises an overdue case again the next morning.
        assess_case(session, case, policy=policy, zone=zone, today=None, actor=reviewer)
    session.flush()


# --- validating a new value -------------------------------------------------------------------------------


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _category(value: object, policy: Policy) -> str:
    if value not in policy.category_codes:
        raise ReviewError(f"'{value}' is not a category code of the taxonomy"
                          f" (known: {', '.join(policy.category_codes)})")
    return value  # type: ignore[return-value]


def _count(value: object) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReviewError(f"a signatory count is a whole number of at least 0, not {value!r}")
    return value


def _intent(value: object) -> str:
    if value not in INTENTS:
        raise ReviewError(f"'{value}' is no intent (one of {', '.join(INTENTS)})")
    return value  # type: ignore[return-value]


def _place_of_village(village: str, *, county: str | None, township: str | None,
                      policy: Policy) -> tuple[str, str]:
    """The (county, township) of a village, which must lie where the letter already is."""
    places = policy.township_of_village(village)
    if not places:
        raise ReviewError(f"'{village}' is not a village or community of {policy.jurisdiction.city}")
    if township:
        within, where = [p for p in places if p[1] == township], township
    elif county:
        within, where = [p for p in places if p[0] == county], county
    else:
        within, where = places, policy.jurisdiction.city
    if not within:
        raise ReviewError(f"'{village}' lies in {'、'.join(t for _, t in places)}, not in {where}:"
                          " correct the township first")
    if len(within) > 1:
        raise ReviewError(f"'{village}' is the name of a village in {'、'.join(t for _, t in within)}:"
                          " set the township first")
    return within[0]


def _place_changes(letter: Letter, field: str, value: str | None, policy: Policy) -> dict[str, str | None]:
    """The place after setting one of its parts, kept consistent with the jurisdiction.

    A township names its county (township names are unique in the city); a
    county that does not hold the letter's township drops it; a village must
    lie in the letter's township (or county), and a unique one names both.
    """
    county, township, village = letter.county, letter.township, letter.village
    if field == "county":
        if value is not None and value not in policy.county_names:
            raise ReviewError(f"'{value}' is not a county or district of {policy.jurisdiction.city}"
                              f" (known: {'、'.join(policy.county_names)})")
        county = value
        if township and policy.county_of_township(township) != county:
            township = None
    elif field == "township":
        if value is not None:
            county = policy.county_of_township(value)
            if county is None:
                raise ReviewError(f"'{value}' is not a township of {policy.jurisdiction.city}")
        township = value
    else:
        if value is not None:
            county, township = _place_of_village(value, county=county, township=township, policy=policy)
        village = value
    if village and (county, township) not in policy.township_of_village(village):
        village = None  # the township changed under it: a village cannot stay where it does not lie
    return {"county": county, "township": township, "village": village}


def _changes(letter: Letter, field: str, value: object, policy: Policy) -> dict[str, object]:
    """Every letter column the correction sets: the field asked for first, then what it implies."""
    if field not in LETTER_FIELDS:
        raise ReviewError(f"'{field}' is not a field a reviewer corrects (one of {', '.join(LETTER_FIELDS)})")
    value = _clean(value)
    if field in PLACE_FIELDS:
        if value is not None and not isinstance(value, str):
            raise ReviewError(f"a {field} is a name, not {value!r}")
        place = _place_changes(letter, field, value, policy)
        return {field: place[field], **{k: v for k, v in place.items() if k != field and v != getattr(letter, k)}}
    if field == "category":
        return {"category": _category(value, policy)}
    if field == "intent":
        return {"intent": _intent(value)}
    count = _count(value)
    changes: dict[str, object] = {"signatory_count": count}
    if letter.stated_total is not None and letter.stated_total > count:
        # The case's headcount takes the larger of a letter's count and its
        # stated total (headcount.py): a misread "共312人" would outvote the person.
        changes["stated_total"] = None
    return changes


def _replace_in(values: list | None, old: str | None, new: str | None) -> list:
    kept = [v for v in values or [] if v != old]
    return kept + [new] if new is not None and new not in kept else kept


def _apply(letter: Letter, changes: dict[str, object], old: dict[str, object]) -> None:
    for name, value in changes.items():
        setattr(letter, name, value)
    if "category" in changes:  # a category is never its own secondary matter
        letter.secondary_categories = [c for c in letter.secondary_categories or [] if c != changes["category"]]
    facts = dict(letter.facts or {})
    # The places a letter touches feed routing's level (two counties → city): the
    # corrected-away place must not linger there. Reassigned, so the JSON column is saved.
    for column, key in (("county", "counties"), ("township", "townships")):
        if column in changes:
            facts[key] = _replace_in(facts.get(key), old[column], changes[column])
    letter.facts = facts


def _clear_reason(letter: Letter, field: str) -> list[str]:
    """Drop the review reason this field answers; the letter leaves the queue when none is left."""
    code = REASON_ANSWERED_BY.get(field)
    reasons = list(letter.review_reasons or [])
    cleared = [r for r in reasons if code and r.split(":", 1)[0] == code]
    letter.review_reasons = [r for r in reasons if r not in cleared]
    letter.needs_review = bool(letter.needs_review and letter.review_reasons)
    return cleared


# --- the API ------------------------------------------------------------------------------------------------


def correct_letter(session: Session, *, letter_id: str, field: str, new_value: str | int | None, reviewer: str,
                   policy: Policy, zone: ZoneInfo) -> Correction:
    """Set one field of a letter as a reviewer read it; returns the Correction of that field.

    What the field implies is corrected with it, each with its own Correction
    row (a township sets its county; a lower signatory count drops a larger
    stated total). Setting a field to the value it has is a confirmation and
    is recorded as well — a confirmed category is as good a training example
    as a changed one. Raises :class:`ReviewError` for a value the taxonomy or
    the jurisdiction does not know, or one inconsistent with the letter's place.
    """
    letter = load_letter(session, letter_id)
    changes = _changes(letter, field, new_value, policy)
    old = {name: getattr(letter, name) for name in changes}
    _apply(letter, changes, old)
    at = records.now()
    corrections = [record_correction(session, entity="letter", entity_id=letter.id, field=name, old=old[name],
                                     new=value, reviewer=reviewer, at=at) for name, value in changes.items()]
    cleared = _clear_reason(letter, field)
    case = session.get(Case, letter.membership.case_id) if letter.membership else None
    records.audit(session, actor=reviewer, action="letter.corrected", entity="letter", entity_id=letter.id,
                  details={"field": field, "old": as_text(old[field]), "new": as_text(changes[field]),
                           "implied": {k: [as_text(old[k]), as_text(v)] for k, v in changes.items() if k != field},
                           "cleared_reasons": cleared, "case_id": case.id if case else None})
    if case is not None:
        refresh_case(session, case, policy=policy, zone=zone, reviewer=reviewer)
    session.flush()
    return corrections[0]


def confirm_letter(session: Session, *, letter_id: str, reviewer: str) -> None:
    """A reviewer has checked the letter and lets its reading stand: it leaves the review queue.

    No field changes, so the case needs no re-assessment; the reasons stay on
    the letter as the record of what was checked.
    """
    letter = load_letter(session, letter_id)
    was_pending = bool(letter.needs_review)
    letter.needs_review = False
    records.audit(session, actor=reviewer, action="letter.confirmed", entity="letter", entity_id=letter.id,
                  details={"was_pending": was_pending, "review_reasons": list(letter.review_reasons or [])})
    session.flush()
