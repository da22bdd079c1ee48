"""Whether a letter belongs with an earlier one: the rules of policy §1, pure.

A letter joins the case of an earlier letter when

1. its text is a near-duplicate (a copy of one form letter with other
   signatures) — whatever the categories say, since a classifier may label
   two copies differently, and also when the place is unknown; or
2. it is about the same place, and its key terms show the same matter:
   a follow-up ("再次反映") or another group's letter. Same category needs
   only a modest term overlap; a different category needs a strong one.

Two letters whose places differ (both known) are different cases even when
worded alike — a form letter adapted village by village is one case per
village. The one exception is a copy whose text names both letters' places:
the matter itself spans them (a road through two townships), and the parsers
simply picked a different first place.

A letter whose township is unknown joins only a copy — nothing else ties it
to a place — or a letter of the same category naming the same city-level
project or enterprise (the party the grievance is against), on a modest
term overlap: "原明州市第二机械厂职工" is that factory's matter wherever the
writers live. Pairs kept apart but close — similar text below the copy
threshold, a copy about another place, the same category's terms where the
place is unknown or differs, or the same place's terms under another
category — are reported as possible merges, for a reviewer to decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from pipeline.cases.similarity import Fingerprint, cosine, jaccard


@dataclass(frozen=True)
class Thresholds:
    """The numbers the rules turn on.

    Defaults from the sample letters: copies score a shingle Jaccard of 0.97
    (0.7 with 3% of characters misread), different letters at most 0.05;
    letters of one matter in one place have a key-term cosine of 0.18–0.44,
    while different matters of the same kind in different places reach 0.31 —
    which is why place, not wording, decides for letters that are not copies.
    """

    near_duplicate: float = 0.5  # shingle Jaccard: a copy of the same letter
    same_matter: float = 0.10  # key-term cosine, same place and category
    same_matter_other_category: float = 0.35  # key-term cosine, same place, categories differ
    review_text: float = 0.25  # shingle Jaccard worth a reviewer's look
    review_topic: float = 0.30  # key-term cosine, same category, worth a look across a place boundary


class Place(Enum):
    SAME = "same"
    DIFFERENT = "different"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class LetterView:
    """A letter as the rules see it: place, category, and its text's fingerprint."""

    id: str
    category: str | None
    county: str | None
    township: str | None
    village: str | None
    text: str
    fingerprint: Fingerprint = field(repr=False)
    case_id: str | None = None
    subjects: tuple[str, ...] = ()  # city-level projects / enterprises the letter names

    @property
    def place_label(self) -> str:
        return "".join(p for p in (self.county, self.township, self.village) if p) or "place unknown"


@dataclass(frozen=True)
class Assessment:
    """How a new letter compares with one earlier letter, and what follows."""

    other_id: str
    case_id: str | None
    joins: bool
    worth_review: bool
    similarity: float
    reason: str
    # Orders joinable letters: a copy beats a same-place match, then by score.
    rank: tuple[int, float]


def place_relation(a: LetterView, b: LetterView) -> tuple[Place, str | None]:
    """(relation, the level at which the places differ: county/township/village)."""
    if a.county and b.county and a.county != b.county:
        return Place.DIFFERENT, "county"
    # A township is the smallest place every letter can be pinned to; a county
    # alone is too wide to say two groups are "in the same place".
    if not (a.township and b.township):
        return Place.UNKNOWN, None
    if a.township != b.township:
        return Place.DIFFERENT, "township"
    if a.village and b.village and a.village != b.village:
        return Place.DIFFERENT, "village"
    return Place.SAME, None


def names_each_others_place(a: LetterView, b: LetterView, level: str) -> bool:
    place_a, place_b = getattr(a, level), getattr(b, level)
    return bool(place_a and place_b and place_a in b.text and place_b in a.text)


def assess(new: LetterView, old: LetterView, thresholds: Thresholds = Thresholds()) -> Assessment:
    text_score = jaccard(new.fingerprint.shingles, old.fingerprint.shingles)
    relation, differing_level = place_relation(new, old)
    same_category = bool(new.category and new.category == old.category)

    def result(joins: bool, review: bool, score: float, reason: str, rank: int) -> Assessment:
        return Assessment(other_id=old.id, case_id=old.case_id, joins=joins, worth_review=review and not joins,
                          similarity=round(score, 3), reason=reason, rank=(rank, score))

    if text_score >= thresholds.near_duplicate:
        copy = f"near-duplicate text of {old.id} (shingle Jaccard {text_score:.2f}): a copy of the same letter"
        if relation is not Place.DIFFERENT:
            where = "same place" if relation is Place.SAME else "place unknown on one side"
            return result(True, False, text_score, f"{copy}; {where}", 2)
        if names_each_others_place(new, old, differing_level):
            return result(True, False, text_score,
                          f"{copy}; {differing_level}s differ ({new.place_label} / {old.place_label}) "
                          f"but the text names both, so the matter spans them", 2)
        return result(False, True, text_score,
                      f"{copy}, but about another {differing_level} "
                      f"({new.place_label} / {old.place_label}): kept as a separate case", 0)

    shared_subjects = sorted(set(new.subjects) & set(old.subjects))
    if relation is Place.UNKNOWN and same_category and shared_subjects:
        topic_score = cosine(new.fingerprint.terms, old.fingerprint.terms)
        if topic_score >= thresholds.same_matter:
            return result(True, False, topic_score,
                          f"same matter as {old.id}: same category, both name {'、'.join(shared_subjects)}"
                          f" (place unknown on one side), key-term cosine {topic_score:.2f}", 1)

    if relation is not Place.SAME:
        why = f"another {differing_level}" if relation is Place.DIFFERENT else "place unknown"
        if text_score >= thresholds.review_text:
            return result(False, True, text_score,
                          f"text similar to {old.id} (shingle Jaccard {text_score:.2f}) but {why}: not joined", 0)
        if not same_category:
            return result(False, False, text_score, f"{old.id} is another category, {why}: not joined", 0)
        topic_score = cosine(new.fingerprint.terms, old.fingerprint.terms)
        return result(False, topic_score >= thresholds.review_topic, topic_score,
                      f"same category as {old.id}, key-term cosine {topic_score:.2f}, but {why}: not joined", 0)

    topic_score = cosine(new.fingerprint.terms, old.fingerprint.terms)
    needed = thresholds.same_matter if same_category else thresholds.same_matter_other_category
    kind = ("follow-up (再次反映) of the matter of" if new.fingerprint.follow_up
            else "another group's letter about the same matter as")
    category_note = "same category" if same_category else f"categories differ ({new.category} / {old.category})"
    detail = f"same place {new.place_label}, {category_note}, key-term cosine {topic_score:.2f}"
    if topic_score >= needed:
        return result(True, False, topic_score, f"{kind} {old.id}: {detail}", 1)
    # Worth a look when only the category kept them apart.
    review = text_score >= thresholds.review_text or topic_score >= thresholds.same_matter
    return result(False, review, topic_score, f"same place as {old.id} but not the same matter: {detail}", 0)


def best_join(assessments: list[Assessment]) -> Assessment | None:
    joinable = [a for a in assessments if a.joins]
    return max(joinable, key=lambda a: (a.rank, a.other_id)) if joinable else None
