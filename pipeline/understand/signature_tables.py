"""Rows of ruled signature tables (序号/姓名/身份证号/联系电话/住址), as text.

OCR writes a table one line per row. Its cells may keep a space between
them (the truth, some engines) or none at all (every line goes through
CJK space removal), so a row may read "1 钱立新 铸造车间 2012 13357128840"
or "1钱立新铸造车间2012 13357128840", and an ID number may run straight
into the phone after it. A row is therefore read by shape, not by cell:
the leading row number, the first run of Chinese characters (the name,
cut from the next column's text), 18-character runs (ID numbers) and
11-digit runs starting with 1 (mobiles).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from statistics import mean

from pipeline.text.numbers import valid_id_number, valid_mobile
from pipeline.understand.names import CJK_RUN, name_score, names_in, split_name_prefix

# A header row: starts with 序号, or names a person column beside a typical other column.
_HEADER_PERSON = re.compile(r"姓名|户主|签名人|联名人")
_HEADER_OTHER = re.compile(r"序号|编号|身份|证号|电话|手机|住址|地址|房号|楼号|签字|车间|工种|组别|学校|居住|人口|面积")
_PAGE_MARKER = re.compile(r"^[-—\s]*(?:第\s*\d+\s*页[，,\s]*)?(?:共\s*\d+\s*页)?[-—\s]*$|^[-—\s]*\d{1,2}[-—\s]*$")
# A line of prose (a total below the table, the next paragraph) ends the table.
_PROSE = re.compile(r"[，。；！？,;!?：:]|^(?:以上|全部|共计|合计|此致|附[:：件])")
_ROW_NUMBER = re.compile(r"(?<!\d)(?:\d{17}[\dX]|1[3-9]\d{9})(?!\d)|\d{17}[\dX]1[3-9]\d{9}")
_ADDRESS_HINT = re.compile(r"村|组|栋|幢|室|号|路|街|区|楼|单元|小区|社区|巷|弄")
_HEADER_HAS_ADDRESS = re.compile(r"住址|地址|房号|楼号|居住")
# Tesseract reads 王 at the start of a table cell as a Latin E (three strokes and a stem).
_LATIN_FOR_SURNAME = {"E": "王"}
REST_WEIGHT = 2.5  # how much a recurring next-column value outweighs the name's own likelihood
QUALITY_WEIGHT = 3.0  # how much the names a value leaves behind count
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,3})(?=\s|[^\d.\-])")
_NUMBER_RUN = re.compile(r"\d[\dX]*")


@dataclass(frozen=True)
class TableRow:
    seq: int | None
    name: str | None
    id_number: str | None
    id_valid: bool | None
    phone: str | None
    address: str | None
    notes: tuple[str, ...]


def is_header(line: str) -> bool:
    compact = re.sub(r"\s", "", line)
    if _PROSE.search(compact) or len(compact) > 40:
        return False
    if compact.startswith(("序号", "编号")):
        return True
    return bool(_HEADER_PERSON.search(compact) and _HEADER_OTHER.search(compact))


def is_page_marker(line: str) -> bool:
    return bool(_PAGE_MARKER.match(line.strip()))


def looks_like_row(line: str) -> bool:
    """A row number, a name, and an ID number or mobile: a table row even without its header."""
    match = re.match(r"\s*\d{1,3}\s*([\u4e00-\u9fff]{2,})", line)
    return bool(match and _ROW_NUMBER.search(line) and name_score(match.group(1)[:3]) is not None)


def ends_table(line: str) -> bool:
    """Prose or a line of several names ends a table; a row with a stray comma in it does not."""
    if _ROW_NUMBER.search(line):
        return False
    names = names_in(line, lenient=False) if not re.search(r"\d", line) else None
    return bool(_PROSE.search(line.strip()) or (names and len(names.names) >= 2))


def _split_seq(line: str, expected: int | None) -> tuple[int | None, str]:
    """The row number and the rest of the row.

    "13-502陈俊杰…" (row 1, flat 3-502) is told from row 13 by the number
    the previous row leads one to expect.
    """
    text = line.strip()
    if expected is not None and text.startswith(str(expected)):
        after = text[len(str(expected)):]
        if not after[:1].isdigit() or re.match(r"\d+-", after):
            return expected, after
    match = _LEADING_NUMBER.match(text)
    if match:
        return int(match.group(1)), text[match.end():]
    return None, text


def _name_run(rest: str) -> tuple[str, int, int, str | None] | None:
    """The first run of Chinese characters, with its span, and a Latin letter read in place of a surname."""
    match = CJK_RUN.search(rest)
    if not match:
        return None
    start, run = match.start(), match.group(0)
    before = rest[start - 1] if start else ""
    if before in _LATIN_FOR_SURNAME and (start < 2 or not rest[start - 2].isalpha()):
        return _LATIN_FOR_SURNAME[before] + run, start - 1, match.end(), before
    # A name split across two cells ("李 凤英") reads as a lone character, a space, then the rest.
    joined = re.match(r"([\u4e00-\u9fff])\s+([\u4e00-\u9fff]{1,3})(?![\u4e00-\u9fff])", rest[start:])
    if joined and name_score(joined.group(1) + joined.group(2)) is not None:
        return joined.group(1) + joined.group(2), start, start + joined.end(), None
    return run, start, match.end(), None


def name_runs(lines: list[str]) -> list[str]:
    runs = []
    for line in lines:
        found = _name_run(_split_seq(line, None)[1])
        if found:
            runs.append(found[0])
    return runs


def rest_support(runs: list[str]) -> dict[str, list[float]]:
    """For each text that could follow the name, the name scores of the rows it could follow.

    Next-column values recur (铸造车间, 安全员, 新庄村三组), so a value many
    rows could end with is likely real. Its shortened form (造车间) recurs
    as often, but only after names that took one character too many, so
    the names a value leaves behind tell the two apart.
    """
    support: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        best: dict[str, float] = {}
        for length in (2, 3, 4):
            score = name_score(run[:length]) if length <= len(run) else None
            if score is not None:
                best[run[length:]] = max(score, best.get(run[length:], score))
        for rest, score in best.items():
            support[rest].append(score)
    return support


def _numbers(text: str) -> tuple[str | None, str | None, list[str]]:
    """(ID number, mobile, notes) from the digit runs of a row, splitting an ID that ran into a phone."""
    id_number = phone = None
    notes = []
    for run in _NUMBER_RUN.findall(text):
        pieces = [run]
        if len(run) == 29:
            id_first = valid_id_number(run[:18]) or not valid_mobile(run[:11])
            pieces = [run[:18], run[18:]] if id_first else [run[:11], run[11:]]
        for piece in pieces:
            if len(piece) == 11 and piece.startswith("1") and phone is None:
                phone = piece
            elif len(piece) == 18 and id_number is None:
                id_number = piece
            elif 15 <= len(piece) <= 20 and id_number is None:
                id_number = piece
                notes.append(f"ID number has {len(piece)} characters")
    return id_number, phone, notes


def _rest_weight(support: dict[str, list[float]]):
    """How well a text fits as the column after the name: how many rows share it, and how name-like they leave them."""
    def weight(value: str) -> float:
        scores = support.get(value, [])
        others = max(0, len(scores) - 1)  # the row being read supports it itself
        return REST_WEIGHT * math.log1p(others) + QUALITY_WEIGHT * (mean(scores) if scores else 0.0)
    return weight


def _read_name(rest: str, support: dict[str, list[float]]) -> tuple[str | None, str, list[str]]:
    """(name, the row with the name cut out, notes)."""
    found = _name_run(rest)
    if not found:
        return None, rest, []
    run, start, end, latin = found
    weight = _rest_weight(support)
    cut = split_name_prefix(run, weight) or split_name_prefix(run, weight, allow_unknown_surname=True)
    if cut is None:
        return None, rest[:start] + " " + rest[end:], [f"name unreadable: {run[:6]}"]
    name = cut[0]
    notes = []
    if latin:
        notes.append(f"name read as {latin}{name[1:]}, taken as {name}")
    elif name_score(name) is None:
        notes.append(f"name doubtful: {name}")
    return name, rest[:start] + " " + run[len(name):] + rest[end:], notes


def parse_row(line: str, expected_seq: int | None, support: dict[str, list[float]], *,
              has_address: bool) -> TableRow | None:
    """One table row, or None when the line holds neither a name nor a row's numbers."""
    seq, rest = _split_seq(line, expected_seq)
    name, rest, notes = _read_name(rest, support)
    id_number, phone, number_notes = _numbers(rest)
    notes += number_notes
    if name is None and id_number is None and phone is None:
        return None
    id_valid = valid_id_number(id_number) if id_number else None
    if id_number and len(id_number) == 18 and not id_valid:
        notes.append("ID checksum fails")
    if phone and not valid_mobile(phone):
        notes.append(f"phone {phone} is not a mobile number")
    for number in (id_number, phone):
        if number:
            rest = rest.replace(number, " ", 1)
    address = next((piece for piece in rest.split() if _ADDRESS_HINT.search(piece)), None) if has_address else None
    if address:
        address = re.sub(r"\d+$", "", address)  # the next column's number, run into it ("东城区86")
    return TableRow(seq, name, id_number, id_valid, phone, address, tuple(notes))


def header_has_address(header: str) -> bool:
    return bool(_HEADER_HAS_ADDRESS.search(header))
