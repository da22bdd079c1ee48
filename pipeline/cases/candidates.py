"""Finding the few earlier letters a new letter could belong with.

Grouping never compares a letter with every letter ever received. Two indexed
lookups bring the candidates, each already in a case:

* letters sharing a MinHash LSH bucket with it (``letter_lsh_bands``) —
  copies of the same form letter, wherever their place and category;
* letters from the same township (``ix_letters_place``) — a follow-up or
  another group's letter about the same matter, worded differently; or, for
  a letter whose township is unknown, the newest letters of its category
  (``ix_letters_category``), which can only become suggestions for a reviewer.

Both are capped, newest or closest first, so a township with years of letters
or a form letter with a thousand copies still costs a bounded comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from pipeline.store.models import Case, CaseLetter, Letter, LetterLshBand


@dataclass(frozen=True)
class Candidate:
    letter_id: str
    case_id: str
    case_status: str


def store_band_keys(session: Session, *, letter_id: str, keys: list[tuple[int, str]]) -> None:
    """Replace a letter's band keys (its text may have been read again)."""
    session.execute(delete(LetterLshBand).where(LetterLshBand.letter_id == letter_id))
    session.add_all(LetterLshBand(letter_id=letter_id, band=band, bucket=bucket) for band, bucket in keys)


def near_duplicate_query(*, keys: list[tuple[int, str]], exclude_letter_id: str, limit: int = 50) -> Select:
    """Grouped letters sharing an LSH bucket, most shared bands first.

    The count of shared bands estimates the Jaccard similarity, so the cap
    keeps the closest copies when a form letter has very many. The keys are
    spelled as ``band = ? AND bucket = ?`` alternatives rather than a row-value
    IN: SQLite answers the former from the (band, bucket) index and the latter
    with a scan of every stored band.
    """
    shared = func.count().label("shared")
    return (select(LetterLshBand.letter_id, CaseLetter.case_id, Case.status, shared)
            .select_from(LetterLshBand)
            .join(CaseLetter, CaseLetter.letter_id == LetterLshBand.letter_id)
            .join(Case, Case.id == CaseLetter.case_id)
            .where(or_(*(and_(LetterLshBand.band == band, LetterLshBand.bucket == bucket) for band, bucket in keys)),
                   LetterLshBand.letter_id != exclude_letter_id)
            .group_by(LetterLshBand.letter_id, CaseLetter.case_id, Case.status)
            .order_by(shared.desc(), LetterLshBand.letter_id)
            .limit(limit))


def near_duplicate_candidates(session: Session, *, keys: list[tuple[int, str]], exclude_letter_id: str,
                              limit: int = 50) -> list[Candidate]:
    if not keys:
        return []
    query = near_duplicate_query(keys=keys, exclude_letter_id=exclude_letter_id, limit=limit)
    return [Candidate(letter_id, case_id, status) for letter_id, case_id, status, _ in session.execute(query)]


def same_place_candidates(session: Session, *, county: str | None, township: str | None,
                          exclude_letter_id: str, limit: int = 200) -> list[Candidate]:
    """Grouped letters from the same township (and county, where both say), newest first."""
    if not township:
        return []
    query = (select(CaseLetter.letter_id, CaseLetter.case_id, Case.status)
             .join(Case, Case.id == CaseLetter.case_id)
             .join(Letter, Letter.id == CaseLetter.letter_id)
             .where(Letter.township == township, CaseLetter.letter_id != exclude_letter_id)
             .order_by(Letter.received_at.desc(), Letter.id)
             .limit(limit))
    if county:
        # A letter that names only its township is still in that township.
        query = query.where(or_(Letter.county == county, Letter.county.is_(None)))
    return [Candidate(letter_id, case_id, status) for letter_id, case_id, status in session.execute(query)]


def same_category_candidates(session: Session, *, category: str | None, exclude_letter_id: str,
                             limit: int = 50) -> list[Candidate]:
    """Grouped letters of the same category in open cases, newest first.

    Only for a letter whose township is unknown: the rules never join it on
    wording that is not a copy, but a reviewer should see the likely case.
    """
    if not category:
        return []
    query = (select(CaseLetter.letter_id, CaseLetter.case_id, Case.status)
             .join(Case, Case.id == CaseLetter.case_id)
             .join(Letter, Letter.id == CaseLetter.letter_id)
             .where(Letter.category == category, Case.status != "closed", CaseLetter.letter_id != exclude_letter_id)
             .order_by(Letter.received_at.desc(), Letter.id)
             .limit(limit))
    return [Candidate(letter_id, case_id, status) for letter_id, case_id, status in session.execute(query)]


def candidates_for(session: Session, *, letter: Letter, keys: list[tuple[int, str]],
                   near_duplicate_limit: int = 50, same_place_limit: int = 200,
                   same_category_limit: int = 50) -> list[Candidate]:
    """All kinds, each letter once, in a stable order."""
    found = {c.letter_id: c for c in near_duplicate_candidates(
        session, keys=keys, exclude_letter_id=letter.id, limit=near_duplicate_limit)}
    if letter.township:
        more = same_place_candidates(session, county=letter.county, township=letter.township,
                                     exclude_letter_id=letter.id, limit=same_place_limit)
    else:
        more = same_category_candidates(session, category=letter.category, exclude_letter_id=letter.id,
                                        limit=same_category_limit)
    for candidate in more:
        found.setdefault(candidate.letter_id, candidate)
    return sorted(found.values(), key=lambda c: c.letter_id)
