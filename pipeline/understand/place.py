"""Where a letter's matter lies: its county, township and village.

Every name comes from the policy's jurisdiction, never from code. County,
township and village names, and the short forms people write (柳河 for
柳河镇), go into one Aho-Corasick automaton; the letter is matched with its
whitespace removed, so a line break or an OCR space inside a name does not
hide it. Names overlap across levels (河西县/河西镇/河西村): the longest match
wins, and a name that may mean several places means what they share (石门 may
be 石门镇, 石门村 or 石门社区, all in 石门镇), unless the letter's unambiguous
names single one reading out. A misread name is never corrected: the place
stays unknown rather than guessed.

Mentions are weighed by where they stand: the body counts fully, the
addressee line half (白水乡党委、乡政府：), signatory tables and letterheads a
quarter, and a clause about the petition's history (曾到县信访局反映) not at all.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import ahocorasick

from pipeline.config import Policy
from pipeline.config.schema import County
from pipeline.understand.subjects import subjects_named


@dataclass(frozen=True)
class Place:
    county: str | None
    township: str | None
    village: str | None
    counties: tuple[str, ...]  # every county/district the matter touches (2+ makes it city level)
    townships: tuple[str, ...]  # every township the matter touches
    city_level_subjects: tuple[str, ...]  # configured city-level projects/enterprises named, as configured
    evidence: tuple[str, ...]  # the snippets that decided it, for a reviewer


# How a name ends is language, not jurisdiction; a short form drops the ending.
# Township endings come from the policy (township_government_suffixes).
_COUNTY_ENDINGS = ("县", "区", "市")
_VILLAGE_ENDINGS = ("社区", "村")
_MIN_SHORT_FORM = 2
# A short form is also an everyday word (青山, 白水, 前进), so it counts only
# where the next words make it a place (柳河工业园区, 湖滨花园, 北站片区) and
# never where they make it a road: 滨江路 runs through more than 滨江社区.
_PLACE_MARKERS = ("工业园", "物流园", "园区", "开发区", "片区", "花园", "小区", "家园", "嘉园", "苑",
                  "一带", "境内", "辖区", "地区")
_ROAD_MARKERS = ("路", "大道", "大街", "街", "巷")
# A clause telling the petition's history names where people went or where a
# letter was sent on, not where the matter is.
_HISTORY_CUES = ("曾到", "曾向", "曾去", "曾找", "曾经", "曾给", "曾联名", "曾写信", "曾多次", "反映过",
                 "上访过", "写信给", "去信给", "转给", "转交", "转到", "批转", "转办", "交办给")
_CLAUSE_ENDS = frozenset("，。；！？：,;!?:\n")
_WEIGHTS = {"body": 1.0, "addressee": 0.5, "table": 0.25, "letterhead": 0.25}
_STRONG_KINDS = ("body", "addressee")
_SHORT_FORM_FACTOR = 0.5
# A table row starts with its serial number (OCR often drops the spaces between
# cells: 1郑海燕东城区86) or has several cells; unlike a numbered demand
# (1．请求依法立案处置，……；) it holds no sentence punctuation.
_SERIAL_NUMBER = re.compile(r"^\d{1,3}(?!\d)")
_SENTENCE_PUNCTUATION = re.compile(r"[，。；！？,;!?]")
_LETTERHEAD = re.compile(r"^(地址|住址|通讯地址)\s*[:：]")
_ADDRESSEE_SEARCH_LINES = 6


@dataclass(frozen=True)
class _Spot:
    """One place of the jurisdiction: a county, a township of it, or a village of that."""

    county: str
    township: str | None = None
    village: str | None = None

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(part for part in (self.county, self.township, self.village) if part)

    def within(self, other: _Spot) -> bool:
        return self.path[: len(other.path)] == other.path

    def related(self, other: _Spot) -> bool:
        return self.within(other) or other.within(self)


def _shared(spots: list[_Spot]) -> _Spot | None:
    """The finest place containing all of these; None if they lie in different counties."""
    common: list[str] = []
    for parts in zip(*(s.path for s in spots)):
        if len(set(parts)) > 1:
            break
        common.append(parts[0])
    return _Spot(*common) if common else None


@dataclass(frozen=True)
class _Term:
    spots: tuple[_Spot, ...]  # every place this string may name
    short: bool  # a short form, trusted only in a place-like context


def _short_form(name: str, endings: tuple[str, ...]) -> str | None:
    for ending in sorted(endings, key=len, reverse=True):
        if name.endswith(ending) and len(name) - len(ending) >= _MIN_SHORT_FORM:
            return name[: -len(ending)]
    return None


@functools.lru_cache(maxsize=8)
def _automaton(counties: tuple[County, ...], township_endings: tuple[str, ...]) -> ahocorasick.Automaton:
    # Keyed on the (hashable, frozen) county tree: built once per jurisdiction, not per letter.
    full: dict[str, list[_Spot]] = defaultdict(list)
    short: dict[str, list[_Spot]] = defaultdict(list)

    def add(name: str, endings: tuple[str, ...], spot: _Spot) -> None:
        full[name].append(spot)
        form = _short_form(name, endings)
        if form is not None:
            short[form].append(spot)

    for county in counties:
        add(county.name, _COUNTY_ENDINGS, _Spot(county.name))
        for township in county.townships:
            add(township.name, township_endings, _Spot(county.name, township.name))
            for village in township.villages:
                add(village, _VILLAGE_ENDINGS, _Spot(county.name, township.name, village))
    automaton = ahocorasick.Automaton()
    for form, spots in short.items():
        if form not in full:  # a full name never doubles as someone's short form
            automaton.add_word(form, (form, _Term(tuple(spots), short=True)))
    for name, spots in full.items():
        automaton.add_word(name, (name, _Term(tuple(spots), short=False)))
    automaton.make_automaton()
    return automaton


# --- reading the letter --------------------------------------------------------------


def _line_kinds(lines: list[str]) -> list[str]:
    """body, addressee (the salutation line), table (signatory rows) or letterhead, per line."""
    kinds = []
    addressee_seen = False
    for index, line in enumerate(lines):
        line = line.strip()
        if _LETTERHEAD.match(line):
            kinds.append("letterhead")
        elif ((_SERIAL_NUMBER.match(line) or "序号" in line or len(line.split()) >= 3)
              and not _SENTENCE_PUNCTUATION.search(line)):
            kinds.append("table")
        elif not addressee_seen and index < _ADDRESSEE_SEARCH_LINES and line[-1:] in ("：", ":") and len(line) <= 40:
            addressee_seen = True
            kinds.append("addressee")
        else:
            kinds.append("body")
    return kinds


def _stream(text: str) -> tuple[str, list[str]]:
    """The text without whitespace and each char's line kind.

    Body lines are joined, because they wrap sentences (东城区东湖\\n街道); other
    lines keep a line break, so one table cell never runs into the next row.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    chars: list[str] = []
    kinds: list[str] = []
    for line, kind in zip(lines, _line_kinds(lines)):
        kept = [c for c in unicodedata.normalize("NFKC", line) if not c.isspace()]
        if kind != "body":
            kept = ["\n", *kept, "\n"]
        chars += kept
        kinds += [kind] * len(kept)
    return "".join(chars), kinds


def _clause(stream: str, start: int, end: int) -> tuple[int, int]:
    left, right = start, end
    while left > 0 and stream[left - 1] not in _CLAUSE_ENDS:
        left -= 1
    while right < len(stream) and stream[right] not in _CLAUSE_ENDS:
        right += 1
    return left, right


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    name: str
    term: _Term
    kind: str  # the kind of line it stands on


def _mentions(stream: str, kinds: list[str], automaton: ahocorasick.Automaton,
              blocked: list[tuple[int, int]]) -> list[_Mention]:
    """Leftmost-longest name matches, without history clauses, subject names and bare short forms."""
    found = sorted(((end + 1 - len(name), end + 1, name, term) for end, (name, term) in automaton.iter(stream)),
                   key=lambda m: (m[0], -m[1]))
    longest: list[_Mention] = []
    for start, end, name, term in found:
        if not longest or start >= longest[-1].end:
            longest.append(_Mention(start, end, name, term, kinds[start]))
    return [m for i, m in enumerate(longest)
            if not any(m.start < b_end and b_start < m.end for b_start, b_end in blocked)
            and not any(cue in stream[slice(*_clause(stream, m.start, m.end))] for cue in _HISTORY_CUES)
            and (not m.term.short or _in_place_context(stream, longest, i))]


def _in_place_context(stream: str, mentions: list[_Mention], index: int) -> bool:
    """A short form counts before a place marker, after its own county (青山县柳河) or before a place in it."""
    mention = mentions[index]
    meaning = _shared(list(mention.term.spots))
    if meaning is None or stream.startswith(_ROAD_MARKERS, mention.end):
        return False
    if stream.startswith(_PLACE_MARKERS, mention.end):
        return True
    before = mentions[index - 1] if index > 0 else None
    after = mentions[index + 1] if index + 1 < len(mentions) else None
    if before and before.end == mention.start and not before.term.short:
        if all(meaning.within(s) and meaning != s for s in before.term.spots):
            return True
    if after and after.start == mention.end and not after.term.short:
        return all(s.within(meaning) and s != meaning for s in after.term.spots)
    return False


def _resolve(mention: _Mention, anchors: set[_Spot]) -> _Spot | None:
    """The place a mention names: what its readings consistent with the anchors share."""
    spots = list(mention.term.spots)
    if len(spots) > 1:
        spots = [s for s in spots if any(s.related(a) for a in anchors)] or spots
    return _shared(spots)


# --- choosing ---------------------------------------------------------------------------


@dataclass
class _Tally:
    strong: float = 0.0  # body and addressee
    weak: float = 0.0  # tables and letterheads
    first: int = 1 << 30  # earliest strong mention, the tie-break
    in_body: bool = False  # the body itself names it: the matter touches it


def _pick(tallies: dict[_Spot, _Tally], candidates: list[_Spot]) -> _Spot | None:
    """The strongest candidate; tables and letterheads alone decide only when they name one place."""
    strong = [c for c in candidates if tallies[c].strong > 0]
    if strong:
        return max(strong, key=lambda c: (tallies[c].strong, tallies[c].weak, -tallies[c].first))
    weak = [c for c in candidates if tallies[c].weak > 0]
    return weak[0] if len(weak) == 1 else None


def find_place(text: str, *, policy: Policy) -> Place:
    """The place of the matter a letter raises, read against ``policy``'s jurisdiction."""
    jurisdiction = policy.jurisdiction
    automaton = _automaton(jurisdiction.counties, tuple(jurisdiction.township_government_suffixes))
    stream, kinds = _stream(text)
    subjects = subjects_named(stream, policy=policy)
    # A subject's name is not a place: 北岭工业园扩建 is a city project wherever it is built.
    mentions = _mentions(stream, kinds, automaton, [(start, end) for _, start, end in subjects])
    anchors = {m.term.spots[0] for m in mentions if len(m.term.spots) == 1 and not m.term.short}
    tallies: dict[_Spot, _Tally] = defaultdict(_Tally)
    resolved: list[tuple[_Mention, _Spot]] = []
    for mention in mentions:
        spot = _resolve(mention, anchors)
        if spot is None:
            continue
        resolved.append((mention, spot))
        weight = _WEIGHTS[mention.kind] * (_SHORT_FORM_FACTOR if mention.term.short else 1.0)
        for depth in range(1, len(spot.path) + 1):  # a village mention also speaks for its township and county
            tally = tallies[_Spot(*spot.path[:depth])]
            if mention.kind in _STRONG_KINDS:
                tally.strong += weight
                tally.first = min(tally.first, mention.start)
                tally.in_body = tally.in_body or mention.kind == "body"
            else:
                tally.weak += weight
    county = _pick(tallies, [s for s in tallies if s.township is None])
    township = county and _pick(tallies, [s for s in tallies if s.village is None and s.township
                                          and s.within(county)])
    village = township and _pick(tallies, [s for s in tallies if s.village and s.within(township)])
    chosen = [s for s in (county, township, village) if s]
    touched = [s for s, t in tallies.items() if t.in_body and s.village is None] + chosen
    counties = {s.county for s in touched}
    return Place(
        county=county.county if county else None,
        township=township.township if township else None,
        village=village.village if village else None,
        counties=tuple(sorted(counties)),
        townships=tuple(sorted({s.township for s in touched if s.township})),
        city_level_subjects=tuple(sorted({name for name, _, _ in subjects})),
        evidence=_evidence(stream, resolved, chosen, counties, subjects),
    )


# --- explaining -------------------------------------------------------------------------

_KIND_LABELS = {"body": "正文", "addressee": "收信单位", "table": "名单", "letterhead": "信头"}
_SNIPPETS_PER_NAME = 2  # a reviewer needs to see why, not every repetition
_SNIPPET_REACH = 20  # chars either side of a name, within its clause


def _snippet(stream: str, start: int, end: int) -> str:
    left, right = _clause(stream, start, end)
    return stream[max(left, start - _SNIPPET_REACH):min(right, end + _SNIPPET_REACH)]


def _evidence(stream: str, resolved: list[tuple[_Mention, _Spot]], chosen: list[_Spot],
              counties: set[str], subjects: list[tuple[str, int, int]]) -> tuple[str, ...]:
    """The mentions behind the chosen place and the other counties touched, strongest first.

    Body and addressee mentions show their first snippets; repetitions in
    tables and letterheads are counted rather than listed.
    """
    finest = chosen[-1] if chosen else None
    groups: dict[tuple[str, _Spot, str], list[_Mention]] = defaultdict(list)
    for mention, spot in sorted(resolved, key=lambda r: (r[0].kind not in _STRONG_KINDS, r[0].start)):
        if (finest and spot.related(finest)) or (mention.kind == "body" and spot.county in counties):
            groups[(mention.name, spot, "strong" if mention.kind in _STRONG_KINDS else mention.kind)].append(mention)
    lines = []
    for (name, spot, strength), mentions in groups.items():
        head = f"{'简称' if mentions[0].term.short else '地名'}「{name}」→{'/'.join(spot.path)}"
        if strength == "strong":
            lines += [f"{head}（{_KIND_LABELS[m.kind]}：{_snippet(stream, m.start, m.end)}）"
                      for m in mentions[:_SNIPPETS_PER_NAME]]
        else:
            lines.append(f"{head}（{_KIND_LABELS[strength]}{len(mentions)}处，"
                         f"如：{_snippet(stream, mentions[0].start, mentions[0].end)}）")
    for subject in dict.fromkeys(name for name, _, _ in subjects):
        spans = [(start, end) for name, start, end in subjects if name == subject][:_SNIPPETS_PER_NAME]
        lines += [f"市级事项「{subject}」（{_snippet(stream, start, end)}）" for start, end in spans]
    return tuple(dict.fromkeys(lines))
