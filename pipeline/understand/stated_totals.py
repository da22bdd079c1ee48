"""Totals a letter states for its signers: "共312人签名", "以上共86户", "我们是…的十二户村民".

Only a number of people or households counts (人/户/名/位/个人), and only
where the sentence ties it to the signers: it speaks of signatures or the
list (签名、联名、名单、另附、委托), or the number follows a totalling word
(共、一共、全体…), or it says who "we" are (我们是…的N户村民, 我们三个).
A number of people the letter merely mentions (全村已有27户房屋开裂,
三位老人已经去世) is not a signer total, and money (欠款一百二十多万),
land (412亩) or flats (326套) never match at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cn2an

_CN_DIGITS = "零〇一二两三四五六七八九十百千万"
_NUMBER = rf"(?P<number>\d+|[{_CN_DIGITS}]+)"
# 多/余/来 after a number ("一百二十多户") make it approximate; the office counts what is written.
_APPROX = r"(?:多|余|来)?"
_UNIT = r"(?P<unit>个人|人|户|名|位)(?!民|次|份|口)"
_TOTAL_WORD = r"(?:总共|一共|共计|合计|总计|累计|共|全体|全部)"  # not 共有: "全村共有300户" is no signer count
_NOT_AFTER = r"(?<![\d{digits}第])".format(digits=_CN_DIGITS)

_COUNT = re.compile(_NOT_AFTER + _NUMBER + _APPROX + _UNIT)
_AFTER_TOTAL_WORD = re.compile(_TOTAL_WORD + r"[:：]?" + _NUMBER + _APPROX + _UNIT)
# "我们是东关村的8户村民", "我们三个", "我们七个人中…".
_WE_ARE = re.compile(r"我们(?:是[^，。；！？,;]{0,30}?的?)?" + _NUMBER + _APPROX + r"(?P<unit>个人|个|人|户|名|位)(?!民)")
# Words that tie a sentence's numbers to the signers.
_SIGNER_CUES = re.compile(r"签名|签字|联名|名单|署名|手印|另附|委托人|委托书|名册")
WRAPPED_LINE_MIN = 20  # characters; a body line shorter than this was not wrapped by the page edge
_DIGIT_FOR = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")


@dataclass(frozen=True)
class StatedTotal:
    value: int
    evidence: str  # the words that stated it


def parse_number(text: str) -> int | None:
    """An Arabic or Chinese numeral as an int ("三十二" → 32, "一百二十" → 120)."""
    if text.isdigit():
        return int(text)
    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return int(value) if value == int(value) else None


def _joined_sentences(text: str) -> list[str]:
    """Sentences, with a wrapped body line joined to the next: "一共三十二个\\n人" is one number of people.

    Only long lines are taken as wrapped; a short line (a heading, a
    closing line, "孙家庄村失地农民（共64人）") ends where it ends.
    """
    # A number of people broken from its unit by the line's end ("三十二个\\n人") is one count.
    text = re.sub(rf"([\d{_CN_DIGITS}](?:多|余)?个?)\n(?=个人|人|户|名|位)", r"\1", text)
    joined = ""
    for line in text.split("\n"):
        line = line.strip()
        if joined[-1:].isdigit() and line[:1].isdigit():
            joined += " "  # a table row's phone must not run into the next row's number
        joined += line
        if len(line) < WRAPPED_LINE_MIN or re.search(r"[。；;！!？?]$", line):
            joined += "\n"
    return [s for s in _SENTENCE_END.split(joined) if s.strip()]


def _fix_digit_slips(text: str) -> str:
    """OCR's O for 0 and l for 1 inside a number of people ("共3l2人")."""
    def fix(match: re.Match) -> str:
        return match.group(0).translate(_DIGIT_FOR) if re.search(r"\d", match.group(0)) else match.group(0)

    return re.sub(r"(?<![A-Za-z])[\dOoIl]+(?=(?:多|余)?(?:个人|人|户|名|位))", fix, text)


def stated_totals(text: str) -> list[StatedTotal]:
    """Every signer total the letter states, in reading order."""
    text = _fix_digit_slips(text)
    found = []
    for sentence in _joined_sentences(text):
        matches = []
        if _SIGNER_CUES.search(sentence):
            matches += list(_COUNT.finditer(sentence))
        matches += list(_AFTER_TOTAL_WORD.finditer(sentence))
        matches += [m for clause in re.split(r"[，,]", sentence)
                    for m in _WE_ARE.finditer(clause) if clause.lstrip().startswith("我们")]
        for match in matches:
            value = parse_number(match.group("number"))
            if value and value >= 2:
                found.append(StatedTotal(value, match.group(0)))
    return found


def largest_stated_total(text: str) -> StatedTotal | None:
    totals = stated_totals(text)
    return max(totals, key=lambda t: t.value) if totals else None
