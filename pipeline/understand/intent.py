"""Does a letter threaten a visit, and how high: none, collective, province, Beijing.

A threat is a visit phrase from the policy's cues (进京、到省里、集体到…、讨说法)
that the writers say they will make — conditionally counts too ("如果再不解决，
我们只能到省里去讨个说法"). What does not count is read from the clause
around the phrase: a denial right before it (我们不想也不会去上访), a telling
of history (去年曾到省里反映、之前已经去过省信访局), or a report of others
(听说邻村有人要去北京). A province mentioned without a visit (省里的政策规定)
never matches, because the cues are visits, not place names.

The cues and places come from ``rules.yaml`` (``risk.cues``); the grammar
that sets a mention aside (denial, past, hearsay) is Chinese, not a city's
policy, so it lives here. The sentence helpers are shared with
:mod:`pipeline.understand.facts`, which reads its cues the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.config import Policy
from pipeline.text.cjk import remove_cjk_spaces
from pipeline.understand.dates import DAY_EXPRESSION

KINDS = ("none", "collective", "province", "beijing")  # lowest first

# Full-width and ASCII forms both, since engines and typists differ. OCR
# reads a 。 as · now and then, and a ， as ’.
_SENTENCE_END = "。！？；!?;·"
_CLAUSE_END = _SENTENCE_END + "，,：:’"
_GAP = re.compile(r"…|\.\.\.")  # in a cue: a few characters of the same clause
_GAP_PATTERN = rf"[^{re.escape(_CLAUSE_END)}]{{0,15}}?"

# A denial this close before a cue negates it (不会去上访, 绝不会到北京去);
# further off, the 不 belongs to something else (再拿不到钱，我们只能进京).
_DENIALS = ("不想", "不会", "不愿", "不要", "不打算", "不准备", "绝不", "决不", "并不", "从不", "从没", "从未",
            "没有", "没", "无意", "不是", "不去", "不再", "不必")
_DENIAL_REACH = 3
# 还没有答复就集体上访: a consequence marker between the 没有 and the cue
# makes it a condition, not a denial.
_CONSEQUENCE = ("就", "便", "才")
_PAST = ("曾", "已经", "去年", "前年", "上次", "上回", "之前", "以前", "此前", "先前", "早就", "当年", "多次",
         "几次", "两次", "屡次", "去过", "到过", "来过", "反映过", "上访过", "找过", "跑过")
_FUTURE = ("将", "准备", "打算", "定于", "决定", "只能", "只好", "不得不", "一定会")
_HEARSAY = ("听说", "据说", "据了解", "传言")
_OTHERS = ("有人", "他们", "别人", "邻村", "隔壁", "外村", "其他村", "其他人")
_WRITERS = ("我们", "咱们", "我")
_CONDITION = ("如果", "若", "要是", "假如", "万一", "一旦")
# 报到省里 (filed with the province) is not going there: 到 after these verbs
# is where something was sent.
_SENT_BY = "报交送转递拨寄发传汇批提"
# A visit set for a day or decided on is an announcement with its place.
_DECIDED = ("定于", "决定", "商定", "约定", "将于", "准备于", "计划于")
_DEADLINE_AFTER = ("前", "以前", "之前", "为止", "内", "之内", "以内")


@dataclass(frozen=True)
class Intent:
    """The highest visit the letter threatens.

    ``cue`` and ``sentence`` explain the verdict: for ``none`` they name a
    visit mention that was set aside (denied, past, someone else's), if any.
    ``announced_date``/``announced_place`` are set only for a visit announced
    with a day or as decided (定于本月20日集体到市政府); a general threat
    (只能集体到县政府讨个说法) keeps its place in ``sentence`` only, since
    policy §3 counts 到市政府讨说法 as an announcement without date or place.
    """

    kind: str
    announced_date: str | None = None
    announced_place: str | None = None
    cue: str | None = None
    sentence: str | None = None


# --- sentences and cues, shared with facts -------------------------------------


def split_sentences(text: str) -> list[str]:
    """The letter's sentences, with wrapped lines joined (进京反\\n映了 -> 进京反映了) and OCR spaces gone."""
    joined = "".join(remove_cjk_spaces(line).strip() for line in text.splitlines())
    parts = re.split(rf"(?<=[{re.escape(_SENTENCE_END)}])", joined)
    return [part for part in (p.strip() for p in parts) if part]


def clause_bounds(sentence: str, position: int) -> tuple[int, int]:
    """Start and end of the clause (between commas, colons, sentence ends) holding ``position``."""
    start = max(sentence.rfind(ch, 0, position) for ch in _CLAUSE_END) + 1
    ends = [i for ch in _CLAUSE_END if (i := sentence.find(ch, position)) != -1]
    return start, min(ends, default=len(sentence))


@functools.cache
def cue_patterns(cues: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each cue with its pattern; "…" in a cue spans a few characters of one clause."""
    compiled = []
    for cue in cues:
        parts = _GAP.split(cue)
        compiled.append((cue, re.compile(_GAP_PATTERN.join(re.escape(p) for p in parts if p))))
    return tuple(compiled)


def find_cues(sentence: str, cues: tuple[str, ...]) -> Iterator[tuple[str, re.Match[str]]]:
    """Every (cue, match) of ``cues`` in the sentence, in cue order."""
    for cue, pattern in cue_patterns(cues):
        for match in pattern.finditer(sentence):
            yield cue, match


def is_denied(sentence: str, start: int) -> bool:
    """A denial ends within a few characters before ``start``, in the same clause."""
    clause_start, _ = clause_bounds(sentence, start)
    for denial in _DENIALS:
        at = sentence.rfind(denial, clause_start, start)
        if at != -1:
            between = sentence[at + len(denial) : start]
            if len(between) <= _DENIAL_REACH and not any(c in between for c in _CONSEQUENCE):
                return True
    return False


def is_hearsay(sentence: str, start: int) -> bool:
    """Told of others: 听说… earlier in the sentence, or a third party as the clause's subject.

    The subject is whoever is named last before the phrase, so in
    他们再不解决我们就去北京 the writers are the ones going.
    """
    if any(word in sentence[:start] for word in _HEARSAY):
        return True
    clause_start, _ = clause_bounds(sentence, start)
    last_other = max(sentence.rfind(word, clause_start, start) for word in _OTHERS)
    last_writer = max(sentence.rfind(word, clause_start, start) for word in _WRITERS)
    return last_other > last_writer


def is_conditional(sentence: str, start: int) -> bool:
    """The clause is an if-clause (如果县里再推诿)."""
    clause_start, _ = clause_bounds(sentence, start)
    return any(word in sentence[clause_start:start] for word in _CONDITION)


def is_history(sentence: str, start: int) -> bool:
    """The clause tells of the past (去年曾到省里反映过) and announces nothing."""
    clause_start, clause_end = clause_bounds(sentence, start)
    clause = sentence[clause_start:clause_end]
    return any(word in clause for word in _PAST) and not any(word in clause for word in _FUTURE)


# --- visit intent -------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    kind: str
    cue: str
    sentence: str
    start: int
    counts: bool


def _visit_cues(policy: Policy) -> list[tuple[str, tuple[str, ...]]]:
    cues = policy.risk.cues
    beijing = tuple(c for c in cues.province_or_beijing_visit if any(w in c for w in cues.beijing_words))
    province = tuple(c for c in cues.province_or_beijing_visit if c not in beijing)
    return [("beijing", beijing), ("province", province), ("collective", cues.collective_visit)]


def _mentions(text: str, policy: Policy) -> Iterator[_Mention]:
    kinds = _visit_cues(policy)
    for sentence in split_sentences(text):
        for kind, cues in kinds:
            for cue, match in find_cues(sentence, cues):
                start = match.start()
                if match.group(0).startswith("到") and start > 0 and sentence[start - 1] in _SENT_BY:
                    continue
                counts = not (is_denied(sentence, start) or is_history(sentence, start)
                              or is_hearsay(sentence, start))
                yield _Mention(kind, cue, sentence, start, counts)


def _announcement(mention: _Mention, policy: Policy) -> tuple[str | None, str | None]:
    """The day and place of a visit announced in the mention's clause, if it is one."""
    sentence = mention.sentence
    clause_start, clause_end = clause_bounds(sentence, mention.start)
    day = None
    for found in DAY_EXPRESSION.finditer(sentence, clause_start, mention.start):
        if not sentence[found.end() :].startswith(_DEADLINE_AFTER):  # 本月15日前 is a deadline
            day = found.group(0)
    clause = sentence[clause_start:clause_end]
    if day is None and not any(word in clause for word in _DECIDED):
        return None, None
    after_cue = sentence[mention.start : clause_end]
    place = next((p for p in policy.risk.cues.visit_places if p in after_cue), None)
    place = place or next((p for p in policy.risk.cues.visit_places if p in clause), None)
    return day, place


def detect_intent(text: str, *, policy: Policy) -> Intent:
    """The highest visit the letter's writers threaten (see the module docstring for what counts)."""
    mentions = list(_mentions(text, policy))
    threats = [m for m in mentions if m.counts]
    if not threats:
        aside = mentions[0] if mentions else None
        return Intent("none", cue=aside.cue if aside else None, sentence=aside.sentence if aside else None)
    top = max(threats, key=lambda m: KINDS.index(m.kind))  # the first of the highest kind
    # The day and place of any announced visit, the deciding mention's first:
    # 定于本月20日集体到市政府…否则进京 is a Beijing threat with an announced day.
    announcements = (_announcement(m, policy) for m in [top, *(m for m in threats if m is not top)])
    day, place = next((a for a in announcements if a != (None, None)), (None, None))
    return Intent(top.kind, announced_date=day, announced_place=place, cue=top.cue, sentence=top.sentence)
