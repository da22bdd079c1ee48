"""How many people stand behind a case: distinct signatories across its letters.

The escalation thresholds (50 / 100 people, policy §3) read this number, so a
person who signs the first letter and the follow-up must count once, and a
letter that says "共312人签名，名单另附" must not be undercounted because only
part of the list was attached.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    name: str | None
    id_number: str | None = None
    id_valid: bool | None = None
    phone: str | None = None


@dataclass(frozen=True)
class LetterHeads:
    """One letter's people: the signatories listed, and the counts it gives."""

    listed: tuple[Person, ...]
    signatory_count: int | None = None  # as parsed: listed, or the stated total when larger
    stated_total: int | None = None  # "共N人签名"


def _name_key(name: str | None) -> str:
    return re.sub(r"[^\w]", "", unicodedata.normalize("NFKC", name or ""))


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))


def _valid_id(person: Person) -> str | None:
    return person.id_number.upper() if person.id_valid and person.id_number else None


def _same_person(a: Person, b: Person) -> bool:
    """Identity: a valid ID number decides; without one on both sides, the same
    name is the same person unless their phones say otherwise.

    A missing phone does not separate two rows: a follow-up letter often lists
    only names, where the first letter gave names, IDs and phones. Within one
    case (one place, one matter) the same name is almost always the same person.
    """
    id_a, id_b = _valid_id(a), _valid_id(b)
    if id_a and id_b:
        return id_a == id_b
    name_a = _name_key(a.name)
    if not name_a or name_a != _name_key(b.name):
        return False
    phone_a, phone_b = _digits(a.phone), _digits(b.phone)
    return not (phone_a and phone_b and phone_a != phone_b)


class _People:
    """The people met so far, looked up by ID number and by name."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._by_name: dict[str, list[Person]] = {}

    def knows(self, person: Person) -> bool:
        if (valid := _valid_id(person)) and valid in self._ids:
            return True
        return any(_same_person(person, known) for known in self._by_name.get(_name_key(person.name), ()))

    def add(self, person: Person) -> None:
        if valid := _valid_id(person):
            self._ids.add(valid)
        if key := _name_key(person.name):
            self._by_name.setdefault(key, []).append(person)


def _single_letter_count(letter: LetterHeads) -> int:
    return max(len(letter.listed), letter.signatory_count or 0, letter.stated_total or 0)


def distinct_signatories(letters: Iterable[LetterHeads]) -> int | None:
    """The case's signatory count.

    Listed people are counted once across letters; rows within one letter are
    never merged with each other (two villagers may share a name, and the
    letter lists them as two). A letter with no listed rows adds its own count
    — nobody on it can be matched, and leaving it out would undercount.

    The result is max(distinct listed across letters, largest single-letter
    count): a letter stating "共312人签名" with 40 names attached stands for
    312 people, and adding the other letters' names on top would count people
    the stated total most likely already includes. None when no letter says.
    """
    letters = list(letters)
    if not any(lt.listed or lt.signatory_count or lt.stated_total for lt in letters):
        return None
    people = _People()
    distinct = 0
    for letter in letters:
        if not letter.listed:
            distinct += letter.signatory_count or letter.stated_total or 0
            continue
        new = [p for p in letter.listed if not people.knows(p)]
        distinct += len(new)
        for person in letter.listed:
            people.add(person)
    return max(distinct, max(_single_letter_count(lt) for lt in letters))
