"""Who signed a joint letter, how many they are, and who speaks for them (policy §1).

Signatures come as ruled tables, as lines of names (spaced, 、-separated,
or run together once OCR has dropped the spaces), after a "签名：" label or
simply below the date, and as stated totals ("共312人签名，名单另附").
The count is the number of distinct signatories listed, or the stated total
when it is larger. Representatives (代表、联系人) are signatories too.

Personal data stays as read; masking for output is the caller's job (§6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.understand.names import NAME_SEPARATORS, NameSplit, names_in
from pipeline.understand.representatives import (REPRESENTATIVE_LABEL, RepresentativeLine, chosen_representative,
                                                 representative_lines)
from pipeline.understand.signature_tables import (TableRow, ends_table, header_has_address, is_header,
                                                  is_page_marker, looks_like_row, name_runs, parse_row,
                                                  rest_support)
from pipeline.understand.stated_totals import largest_stated_total


@dataclass(frozen=True)
class Signatory:
    seq: int | None          # row number as written, if any
    name: str | None
    id_number: str | None    # as read (normalised: digits + X)
    id_valid: bool | None    # checksum result, None when no id
    phone: str | None
    address: str | None
    is_representative: bool


@dataclass(frozen=True)
class SignatoryParse:
    signatories: tuple[Signatory, ...]   # distinct, in order
    listed_count: int                    # distinct signatories actually listed
    stated_total: int | None             # largest total the letter states for its signers
    count: int | None                    # stated total wins when larger; None when neither listed nor stated
    representative_name: str | None
    representative_phone: str | None
    notes: tuple[str, ...]               # doubtful parses, for a reviewer


_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                             **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
                             **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
                             "\u3000": " ", "｜": " ", "|": " ", "丨": " "})
# A long number with OCR's letter-for-digit slips in it (O for 0, l for 1).
_NUMBERISH = re.compile(r"(?<![A-Za-z])[0-9OoIl]{10,}[0-9OoIlXx×]?(?![A-Za-z])")
# A fingerprint's smudge between two characters of a name ("李凤@英").
_MARK_IN_NAME = re.compile(r"(?<=[\u4e00-\u9fff])[@#*^~_=+<>`°•¦](?=[\u4e00-\u9fff])")
_DIGIT_FOR = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "x": "X", "×": "X"})
# "签名：", "村民签名：", "联名人：", "被征收户签名", "失地农民签名(按手印)"; not "以上共312人签名，…".
_CUE = re.compile(r"^(?P<label>[^：:，。,\d]{0,16}?(?:签名|签字|联名人|联名|具名|署名|名单)"
                  r"(?:[(（][^)）]*[)）])?)\s*(?:[:：]\s*(?P<rest>.*)|$)")
MIN_NAMES_FOR_LENIENT_LINE = 3  # an unlabelled line below the date may hold one garbled name among this many
_LIST_LINE = re.compile(r"[\u4e00-\u9fff]+(?:[、，,][\u4e00-\u9fff]+)+")  # 、-separated names, nothing else
_DATE_LINE = re.compile(r"^\s*(?:[\d〇零一二三四五六七八九（(OoIl]{4}\s*年.{1,6}月.{1,4}日|\d{4}[./-]\d{1,2}[./-]\d{1,2})\s*$")


def _normalise(text: str) -> list[str]:
    """Lines with full-width digits and letters made ASCII, stray rules gone, long numbers' letter slips fixed."""
    text = text.translate(_FULL_WIDTH).replace("\r\n", "\n")

    def digits(match: re.Match) -> str:
        run = match.group(0)
        return run.translate(_DIGIT_FOR) if sum(ch.isdigit() for ch in run) >= 0.6 * len(run) else run

    return [_MARK_IN_NAME.sub("", _NUMBERISH.sub(digits, line)) for line in text.split("\n")]


@dataclass(frozen=True)
class _Entry:
    """A signatory as first read, before people listed twice are merged."""
    line: int
    signatory: Signatory
    source: str  # "table", "list" or "representative"


def _read_tables(lines: list[str]) -> tuple[list[_Entry], set[int], list[str]]:
    """Table rows as entries, the line numbers the tables take, and notes."""
    table_lines: list[tuple[int, str, bool]] = []
    in_table, has_address = False, False
    for index, line in enumerate(lines):
        if is_header(line):
            in_table, has_address = True, header_has_address(line)
            table_lines.append((index, "", has_address))  # marks the line as the table's, not a row
        elif not in_table and looks_like_row(line):
            # A table whose header OCR lost, or a row whose stray comma ended the table too early.
            in_table = True
            table_lines.append((index, line, has_address or bool(re.search(r"[村栋幢室]", line))))
        elif in_table and (is_page_marker(line) or not line.strip()):
            table_lines.append((index, "", has_address))
        elif in_table and ends_table(line):
            in_table = False
        elif in_table:
            table_lines.append((index, line, has_address))
    support = rest_support(name_runs([line for _, line, _ in table_lines if line]))
    entries, notes, expected = [], [], None
    for index, line, address in table_lines:
        if not line:
            continue
        row: TableRow | None = parse_row(line, expected, support, has_address=address)
        if row is None:
            continue
        label = f"row {row.seq}" if row.seq is not None else f"row after {expected - 1}" if expected else "a row"
        if row.seq is None:
            notes.append(f"{label}: no row number")
        notes += [f"{label}: {note}" for note in row.notes]
        expected = (row.seq if row.seq is not None else expected or 0) + 1
        entries.append(_Entry(index, Signatory(row.seq, row.name, row.id_number, row.id_valid, row.phone,
                                               row.address, False), "table"))
    return entries, {index for index, _, _ in table_lines}, notes


def _read_name_lists(lines: list[str], skip: set[int], closing_start: int) -> tuple[list[_Entry], list[str]]:
    """Names after a 签名/联名人 label and on the lines after it, and unlabelled lines of names.

    Unlabelled, a line must be names only and read as ordinary names; a
    single name counts only in the letter's closing (a co-writer under the
    first one's name and phone). A line of 、-separated names that does not
    end on a separator was wrapped by the page edge, perhaps inside a name
    ("宋\\n福生"): it is read together with the next line.
    """
    entries, notes = [], []
    in_block, carry, carry_line = False, "", 0

    def take(index: int, split: NameSplit) -> None:
        notes.extend(f"line {index + 1}: name doubtful: {name}" for name in split.doubtful)
        entries.extend(_Entry(index, Signatory(None, name, None, None, None, None, False), "list")
                       for name in split.names)

    def read(text: str, index: int, in_block: bool) -> NameSplit | None:
        split = names_in(text, lenient=in_block)
        if split is None and not in_block and index >= closing_start:
            # Below the date a fingerprint may garble one name of a long unlabelled line.
            split = names_in(text, lenient=True)
            split = split if split and len(split.names) >= MIN_NAMES_FOR_LENIENT_LINE else None
        return split

    for index, line in enumerate(lines):
        cue = _CUE.match(line.strip()) if index not in skip else None
        if cue and not names_in(line, lenient=False):
            text, in_block = cue.group("rest") or "", True
        elif index in skip or not line.strip():
            text, in_block = "", False
        else:
            text = line
        wrapped = _LIST_LINE.fullmatch(text.strip()) and not re.search(r"[、，,]$", text.strip())
        if in_block and wrapped and index + 1 < len(lines):
            carry, carry_line = carry + NAME_SEPARATORS.sub("、", text.strip()), index
            continue
        split = read(carry + text, index, in_block) if text.strip() else None
        if carry and split is None:
            if alone := names_in(carry, lenient=True):
                take(carry_line, alone)  # the wrapped line stood alone after all
            split = read(text, index, in_block) if text.strip() else None
        carry = ""
        if split is None:
            in_block = in_block and not text.strip()
            continue
        if not in_block and len(split.names) == 1 and index < closing_start:
            continue
        in_block = in_block or len(split.names) >= 2
        take(index, split)
    if carry and (alone := names_in(carry, lenient=True)):
        take(carry_line, alone)
    return entries, notes


def _closing_start(lines: list[str], rep_lines: set[int]) -> int:
    """Where the letter's closing begins: the first date line, label of signatures or representative's line."""
    for index, line in enumerate(lines):
        if (index in rep_lines or _DATE_LINE.match(line) or REPRESENTATIVE_LABEL.search(line) or is_header(line)
                or _CUE.match(line.strip())):
            return index
    return len(lines)


def _same_person(a: _Entry, b: _Entry) -> bool:
    x, y = a.signatory, b.signatory
    if x.id_valid and y.id_valid:
        return x.id_number == y.id_number
    if "representative" in (a.source, b.source):
        # The closing names the representative once more: by name, or by phone when the row's name is misread.
        return bool((x.name and x.name == y.name) or (x.phone and x.phone == y.phone))
    if x.name and y.name:
        return x.name == y.name and not (x.phone and y.phone and x.phone != y.phone)
    return bool((x.phone and x.phone == y.phone) or (x.id_number and x.id_number == y.id_number))


def _merge(kept: Signatory, new: Signatory) -> Signatory:
    fields = {f: getattr(kept, f) if getattr(kept, f) is not None else getattr(new, f)
              for f in ("seq", "name", "id_number", "id_valid", "phone", "address")}
    return replace(kept, **fields, is_representative=kept.is_representative or new.is_representative)


def _distinct(entries: list[_Entry]) -> tuple[list[Signatory], list[str]]:
    kept: list[_Entry] = []
    notes = []
    for entry in sorted(entries, key=lambda e: (e.line, e.source != "representative")):
        same = next((i for i, k in enumerate(kept) if _same_person(k, entry)), None)
        if same is None:
            kept.append(entry)
            continue
        if kept[same].source == entry.source:
            notes.append(f"{entry.signatory.name or 'a signatory'} listed twice, counted once")
        kept[same] = replace(kept[same], signatory=_merge(kept[same].signatory, entry.signatory))
    return [k.signatory for k in kept], notes


def _representative_entries(lines: list[str], skip: set[int]) -> tuple[list[_Entry], RepresentativeLine | None]:
    """Entries for everyone named on representative lines, and the line the office replies to."""
    candidates = representative_lines(lines, skip)
    chosen = chosen_representative(candidates)
    entries = [_Entry(c.line, Signatory(None, name, None, None, c.phone if i == 0 else None, None,
                                        c.labelled or c is chosen), "representative")
               for c in candidates for i, name in enumerate(c.names)]
    return entries, chosen


def parse_signatories(text: str) -> SignatoryParse:
    lines = _normalise(text)
    table_entries, table_lines, notes = _read_tables(lines)
    rep_entries, representative = _representative_entries(lines, table_lines)
    rep_lines = {entry.line for entry in rep_entries}
    list_entries, list_notes = _read_name_lists(lines, table_lines | rep_lines, _closing_start(lines, rep_lines))
    signatories, duplicate_notes = _distinct(table_entries + rep_entries + list_entries)
    notes += list_notes + duplicate_notes
    stated = largest_stated_total("\n".join(lines))
    listed = len(signatories)
    stated_total = stated.value if stated else None
    count = max(listed, stated_total) if stated_total else (listed or None)
    if stated_total and stated_total < listed:
        notes.append(f"letter states {stated_total} ({stated.evidence}) but lists {listed}")
    name = representative.names[0] if representative and representative.names else None
    phone = representative.phone if representative else None
    if name and not phone:
        # "联系人王德明" with no number: the signature table may give his.
        phone = next((s.phone for s in signatories if s.name == name and s.phone), None)
    return SignatoryParse(
        signatories=tuple(signatories), listed_count=listed, stated_total=stated_total, count=count,
        representative_name=name, representative_phone=phone, notes=tuple(notes))
