"""City-level projects and enterprises a letter names (jurisdiction.yaml lists them).

One matcher for the place parser (a subject's name is not a place: 北岭工业园扩建
is a city project wherever it is built) and for the facts routing needs (a
city-level subject makes a case the city's, policy §2). Names are matched as
configured and without the city's name (明州市第二机械厂 is also written
第二机械厂), and a long name survives one misread character.
"""

from __future__ import annotations

import re

from pipeline.config import Policy

# One misread char is forgiven in a subject name this long; in a shorter one
# too few chars remain to be sure (的重点工程 is not 市重点工程).
MIN_TOLERANT_SUBJECT = 6
MIN_SUBJECT_REMAINDER = 4  # 明州铁路二线 -> 铁路二线; a shorter rest is no name


def name_forms(name: str, city: str) -> tuple[str, ...]:
    """A configured name and its form without the city (明州市第二机械厂 -> 第二机械厂)."""
    forms = [name]
    for prefix in sorted({city, city.removesuffix("市")}, key=len, reverse=True):
        if prefix and name.startswith(prefix) and len(name) - len(prefix) >= MIN_SUBJECT_REMAINDER:
            forms.append(name[len(prefix):])
            break
    return tuple(forms)


def occurrences(stream: str, form: str, *, tolerate_one: bool) -> list[int]:
    """Start offsets of ``form`` in ``stream``, allowing one wrong character if asked."""
    if not tolerate_one:
        return [m.start() for m in re.finditer(re.escape(form), stream)]
    # With one char misread, the first or the last is still right: try from those.
    starts = {m.start() for m in re.finditer(re.escape(form[0]), stream)}
    starts |= {m.end() - len(form) for m in re.finditer(re.escape(form[-1]), stream)}
    return sorted(s for s in starts if 0 <= s <= len(stream) - len(form)
                  and sum(a != b for a, b in zip(stream[s:s + len(form)], form)) <= 1)


def subjects_named(stream: str, *, policy: Policy) -> list[tuple[str, int, int]]:
    """(configured name, start, end) of each city-level project or enterprise named in ``stream``."""
    jurisdiction = policy.jurisdiction
    named: list[tuple[str, int, int]] = []
    for name in jurisdiction.city_level_projects + jurisdiction.city_level_enterprises:
        for form in name_forms(name, jurisdiction.city):
            for start in occurrences(stream, form, tolerate_one=len(form) >= MIN_TOLERANT_SUBJECT):
                if not any(start < end and s < start + len(form) for _, s, end in named):
                    named.append((name, start, start + len(form)))
    return named


def subject_names(text: str, *, policy: Policy) -> tuple[str, ...]:
    """The configured names of the subjects a text names, once each, in configuration order.

    Whitespace is removed first: OCR breaks lines inside names (明州铁路二\\n线).
    """
    found = {name for name, _, _ in subjects_named("".join(text.split()), policy=policy)}
    jurisdiction = policy.jurisdiction
    return tuple(n for n in jurisdiction.city_level_projects + jurisdiction.city_level_enterprises if n in found)
