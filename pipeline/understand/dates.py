"""Dates in a letter: the day it was written, and days it announces.

A letter is dated in its closing block, beside the signature: 2026年3月5日,
2026.3.5, 2026-03-05, or in Chinese numerals 二〇二六年三月五日. Dates in the
body are about events (协议约定2023年6月30日前交付) and are not the letter's
date. OCR reads the 〇 of a Chinese year as O, 0, ○ or even a bracket, so the
year accepts those too.

An announced visit names its day relative to the letter ("本月20日",
"下周一", "20日"); :func:`resolve_day` turns that into a calendar day.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, timedelta

import cn2an

_CN_DIGIT = "〇零一二两三四五六七八九十"
# What OCR makes of the 〇 in 二〇二六: letters O/o, Cyrillic О, zero, circles,
# and (after NFKC) the left bracket of a broken circle.
_OCR_ZERO = "OoО0○◯("
_CN_YEAR = rf"[一二][{_CN_DIGIT}{_OCR_ZERO}]{{3}}"
_CN_NUMBER = rf"[{_CN_DIGIT}]{{1,3}}"
_DAY_END = "[日曰号]"  # 曰 is OCR's usual misreading of 日

_FULL_DATE = re.compile(
    rf"(?<!\d)(?P<y>\d{{4}})\s*年\s*(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*{_DAY_END}"
    rf"|(?<!\d)(?P<y2>\d{{4}})(?P<sep>[./-])(?P<m2>\d{{1,2}})(?P=sep)(?P<d2>\d{{1,2}})(?![\d.])"
    rf"|(?P<y3>{_CN_YEAR})\s*年\s*(?P<m3>{_CN_NUMBER}|\d{{1,2}})\s*月\s*(?P<d3>{_CN_NUMBER}|\d{{1,2}})\s*{_DAY_END}"
)
# Words that may stand beside the date on its closing line.
_DATE_LINE_LABEL = re.compile(r"^(?:日期|时间|落款|写于|于)?[:：\s]*$")
# A date followed by one of these is an event in the body (…30日前交付, …1日起).
_EVENT_AFTER = ("前", "以前", "之前", "起", "以来", "开始", "至", "到", "后", "以后", "之后", "凌晨", "上午",
                "下午", "晚上", "左右")
_EARLIEST_YEAR, _LATEST_YEAR = 1949, 2100

# A day as an announced visit names it. Shared with intent detection, which
# looks for one beside a visit cue.
DAY_EXPRESSION = re.compile(
    rf"(?:(?P<year>\d{{4}}|{_CN_YEAR})年)?(?P<month>本月|这个月|当月|下个?月|(?:\d{{1,2}}|{_CN_NUMBER})月)?"
    rf"(?P<day>\d{{1,2}}|{_CN_NUMBER})[日号]"
    r"|(?:本|这|下个?)?(?:周|星期|礼拜)[一二三四五六日天1-7]"
    r"|大后天|后天|明天|明日|今天|今日"
    r"|(?:本|这个|下个?)?月底"
)
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEK_WORD = re.compile("周|星期|礼拜")
_DAYS_FROM_NOW = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}


def _number(text: str) -> int:
    """Arabic or Chinese numerals (二十三, 三十一) as an int; cn2an does the Chinese."""
    return int(text) if text.isdigit() else int(cn2an.cn2an(text, "smart"))


def _cn_year(text: str) -> int:
    # A year is read digit by digit (二〇二六), after undoing OCR's zeros.
    digits = "".join("〇" if ch in _OCR_ZERO else ch for ch in text)
    return int(cn2an.cn2an(digits.replace("〇", "零"), "smart"))


def _real_date(year: int, month: int, day: int) -> date | None:
    if not _EARLIEST_YEAR <= year <= _LATEST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_of(match: re.Match[str]) -> date | None:
    g = match.groupdict()
    if g["y"]:
        return _real_date(int(g["y"]), int(g["m"]), int(g["d"]))
    if g["y2"]:
        return _real_date(int(g["y2"]), int(g["m2"]), int(g["d2"]))
    try:
        return _real_date(_cn_year(g["y3"]), _number(g["m3"]), _number(g["d3"]))
    except ValueError:  # cn2an rejects malformed numerals such as 十十
        return None


def letter_date(text: str) -> date | None:
    """The date the letter was written, or None if it carries none with a year.

    The closing date stands on its own line (or beside a label such as 日期);
    the last such line wins, since the closing comes after the body. Failing
    that, the last full date that is not an event in the body is taken.
    """
    standalone: list[date] = []
    others: list[date] = []
    for line in unicodedata.normalize("NFKC", text).splitlines():
        for match in _FULL_DATE.finditer(line):
            day = _date_of(match)
            if day is None:
                continue
            rest = line[: match.start()] + line[match.end() :]
            if _DATE_LINE_LABEL.match(rest.strip()):
                standalone.append(day)
            elif not line[match.end() :].lstrip().startswith(_EVENT_AFTER):
                others.append(day)
    if standalone:
        return standalone[-1]
    return others[-1] if others else None


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + count
    return index // 12, index % 12 + 1


def _day_in_month(year: int, month: int, day: int) -> date | None:
    return date(year, month, day) if 1 <= day <= calendar.monthrange(year, month)[1] else None


def _next_with_day(reference: date, day: int) -> date | None:
    """The first date on or after ``reference`` whose day of month is ``day`` (31日 skips short months)."""
    if not 1 <= day <= 31:
        return None
    for ahead in range(13):
        year, month = _add_months(reference.year, reference.month, ahead)
        candidate = _day_in_month(year, month, day)
        if candidate is not None and candidate >= reference:
            return candidate
    return None


def _nearest_month_day(reference: date, month: int, day: int) -> date | None:
    """M月D日 in whichever year puts it nearest the letter (a December letter's 1月5日 is next year's)."""
    candidates = [d for y in (reference.year - 1, reference.year, reference.year + 1)
                  if 1 <= month <= 12 and (d := _day_in_month(y, month, day)) is not None]
    return min(candidates, key=lambda d: abs((d - reference).days), default=None)


def _resolve_weekday(expression: str, reference: date) -> date:
    target = _WEEKDAYS[expression[-1]]
    monday = reference - timedelta(days=reference.weekday())
    if expression.startswith("下"):
        return monday + timedelta(days=7 + target)
    if expression.startswith(("本", "这")):
        return monday + timedelta(days=target)
    return reference + timedelta(days=(target - reference.weekday()) % 7)  # the next such day


def resolve_day(text: str, *, reference: date) -> date | None:
    """The calendar day that ``text`` names, counted from the letter's date ``reference``.

    "本月20日" is this month's 20th, "下月5日" next month's, "3月20日" the
    nearest 20 March, a bare "20日" the next 20th on or after the letter
    (over a month end if need be), "下周一" Monday of next week, "月底" the
    month's last day. None when the text names no day or an impossible one.
    """
    found = DAY_EXPRESSION.search(unicodedata.normalize("NFKC", text))
    if found is None:
        return None
    expression = found.group(0)
    if expression in _DAYS_FROM_NOW:
        return reference + timedelta(days=_DAYS_FROM_NOW[expression])
    if expression.endswith("月底"):
        year, month = _add_months(reference.year, reference.month, 1 if expression.startswith("下") else 0)
        return date(year, month, calendar.monthrange(year, month)[1])
    if _WEEK_WORD.search(expression):
        return _resolve_weekday(expression, reference)
    try:
        return _resolve_month_day(found, reference)
    except ValueError:  # cn2an rejects malformed numerals such as 十十
        return None


def _resolve_month_day(found: re.Match[str], reference: date) -> date | None:
    day, year, month_word = _number(found["day"]), found["year"], found["month"]
    if month_word is None:
        return _next_with_day(reference, day) if year is None else None
    if month_word.startswith("下"):
        return None if year else _day_in_month(*_add_months(reference.year, reference.month, 1), day)
    if month_word[0] in "本这当":
        return None if year else _day_in_month(reference.year, reference.month, day)
    month = _number(month_word[:-1])
    if year:
        return _real_date(int(year) if year.isdigit() else _cn_year(year), month, day)
    return _nearest_month_day(reference, month, day)
