"""The other facts the routing and risk rules need, read from a letter's text.

- A **repeated matter** (policy §3): the letter says the matter has been
  raised several times without result (多次反映、至今未解决、反映四五次无果).
- A **county complaint** (policy §2, a city-level trigger): the letter blames
  a county for handling it badly or pushing it back (县里互相推诿). The party
  blamed must be a county: complaining that a township or village pushed it
  back (找乡里，乡里推诿) keeps the case below the city.
- **City-level subjects**: the city-level projects and enterprises of
  ``jurisdiction.yaml`` the letter names, also without the city's name
  (铁路二线 for 明州铁路二线, 第二机械厂 for 明州市第二机械厂).
- **Secondary categories**: other kinds of matter the letter raises, each by
  its ``secondary_cues`` in ``taxonomy.yaml``. Each one adds a co-unit, so a
  cue in a denied or content sentence (征地补偿款按标准发了，这个我们没有意见)
  does not count.

Every phrase list is configuration; how a sentence is read (denial, hearsay,
condition) is shared with :mod:`pipeline.understand.intent`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.config import Policy
from pipeline.understand.intent import (
    find_cues,
    is_conditional,
    is_denied,
    is_hearsay,
    split_sentences,
)
from pipeline.understand.subjects import subject_names

# A sentence saying the writers have no complaint about something (…这个我们
# 没有意见) raises no secondary matter.
_CONTENT = ("没有意见", "没有异议", "无异议", "没意见", "表示满意", "已经解决", "已解决")


@dataclass(frozen=True)
class Facts:
    repeated: bool
    repeated_cue: str | None
    county_complaint: bool
    county_complaint_cue: str | None
    city_level_subjects: tuple[str, ...]
    secondary_categories: tuple[str, ...]


def _said_by_writers(sentence: str, start: int) -> bool:
    """The phrase at ``start`` is the writers' own statement, not denied or heard of others."""
    return not (is_denied(sentence, start) or is_hearsay(sentence, start))


def _first_cue(sentences: list[str], cues: tuple[str, ...]) -> str | None:
    for sentence in sentences:
        for cue, match in find_cues(sentence, cues):
            if _said_by_writers(sentence, match.start()):
                return cue
    return None


# --- county complaint ---------------------------------------------------------------


def _actor_cues(policy: Policy) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(county words, township words), each including the places' own names."""
    city_level = policy.routing.city_level
    counties = tuple(policy.county_names)
    townships = tuple(t.name for c in policy.jurisdiction.counties for t in c.townships)
    villages = tuple(v for c in policy.jurisdiction.counties for t in c.townships for v in t.villages)
    return city_level.county_actor_cues + counties, city_level.township_actor_cues + townships + villages


def _blames_county(sentence: str, cue_match: re.Match[str], policy: Policy) -> bool:
    """The party nearest before the complaint (or within it, 县里不管) is a county, not a township.

    Failing any before it, the first party after it in the sentence decides
    (推诿扯皮的是县里).
    """
    county_cues, township_cues = _actor_cues(policy)
    parties = [(m.start(), True) for _, m in find_cues(sentence, county_cues)]
    parties += [(m.start(), False) for _, m in find_cues(sentence, township_cues)]
    before = [p for p in parties if p[0] < cue_match.end()]
    if before:
        return max(before)[1]  # at one position a county word wins (县区 over 区…)
    after = sorted(p for p in parties if p[0] >= cue_match.end())
    return after[0][1] if after else False


def _county_complaint(sentences: list[str], policy: Policy) -> str | None:
    for sentence in sentences:
        for cue, match in find_cues(sentence, policy.routing.city_level.county_complaint_cues):
            start = match.start()
            if (_said_by_writers(sentence, start) and not is_conditional(sentence, start)
                    and _blames_county(sentence, match, policy)):
                return cue
    return None


# --- city-level subjects ------------------------------------------------------------


# --- secondary categories -------------------------------------------------------------


def _secondary_categories(sentences: list[str], policy: Policy, primary: str | None) -> tuple[str, ...]:
    usable = [s for s in sentences if not any(word in s for word in _CONTENT)]
    return tuple(
        category.code
        for category in policy.taxonomy.categories
        if category.code != primary and category.secondary_cues and _first_cue(usable, category.secondary_cues)
    )


def find_facts(text: str, *, policy: Policy, primary_category: str | None = None) -> Facts:
    """The repeated-matter, county-complaint, city-level and secondary-matter facts of one letter.

    ``primary_category`` (the letter's own category) is left out of the
    secondary categories.
    """
    sentences = split_sentences(text)
    repeated_cue = _first_cue(sentences, policy.risk.cues.repeated_matter)
    complaint_cue = _county_complaint(sentences, policy)
    return Facts(
        repeated=repeated_cue is not None,
        repeated_cue=repeated_cue,
        county_complaint=complaint_cue is not None,
        county_complaint_cue=complaint_cue,
        city_level_subjects=subject_names("".join(sentences), policy=policy),
        secondary_categories=_secondary_categories(sentences, policy, primary_category),
    )
