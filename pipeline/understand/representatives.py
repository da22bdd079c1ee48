"""Who speaks for the signers: the 代表/联系人 line and the phone to reply to.

Letters write it in many ways: "联系人：郭长林  15157183306", "农民工代表：马国栋
电话：159…", "代表：陈俊杰（188…）  杜丽娟", "…代表：周国庆  吴秀珍" with
"联系电话：138…（周国庆）" on the next line, or, in a letter from a few
people, just "杨保国  电话：138…" above the date. A labelled line wins over
a bare one; the first name on the line is the one the office replies to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.understand.names import CJK_RUN, names_in, split_names

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
REPRESENTATIVE_LABEL = re.compile(r"(?:联系人|代表人|代表|负责人)(?:为|是)?\s*[:：]\s*(?P<rest>.*)"
                                  r"|联系人(?P<bare>[\u4e00-\u9fff]{2,3})(?=$|[\s\d，。,;；（(]|电话|手机)")
_PHONE_LABEL = re.compile(r"(?:联系)?(?:电话|手机|Tel|TEL|tel)\s*[:：]?")
_PHONE_LINE = re.compile(r"^\s*(?:联系)?(?:电话|手机)\s*[:：]")
PHONE_LINES_BELOW = 2  # how far below a 代表 line its 联系电话 line may stand


@dataclass(frozen=True)
class RepresentativeLine:
    line: int                 # index of the line in the letter
    names: tuple[str, ...]    # everyone the line names, the one to reply to first
    phone: str | None
    labelled: bool


def first_mobile(text: str) -> str | None:
    match = MOBILE.search(text)
    return match.group(0) if match else None


def _labelled_names(text: str) -> tuple[str, ...]:
    """Names after a 代表/联系人 label, with phones, their labels and asides (村民组长) cut away."""
    text = _PHONE_LABEL.sub(" ", re.sub(r"\d+", " ", text))
    names: list[str] = []
    for run in CJK_RUN.findall(text):
        split = split_names(run)
        if split and not split.doubtful:
            names += split.names
    return tuple(names)


def _plain_name(text: str) -> tuple[str, ...]:
    split = names_in(text, lenient=False)
    return split.names if split and len(split.names) == 1 else ()


def _phone_below(lines: list[str], index: int) -> str | None:
    for line in lines[index + 1: index + 1 + PHONE_LINES_BELOW]:
        if _PHONE_LINE.match(line):
            return first_mobile(line)
    return None


def representative_lines(lines: list[str], skip: set[int]) -> list[RepresentativeLine]:
    """Every line naming a representative, outside the ``skip`` lines (tables)."""
    found = []
    for index, line in enumerate(lines):
        if index in skip:
            continue
        label = REPRESENTATIVE_LABEL.search(line)
        if label:
            # "联系人王德明" without a colon: only one plain name may follow, or "代表国家…" would be a name.
            rest = label.group("rest") if label.group("rest") is not None else line[label.start("bare"):]
            names = _labelled_names(rest) if label.group("bare") is None else _plain_name(label.group("bare"))
            if names:
                phone = first_mobile(rest) or _phone_below(lines, index)
                found.append(RepresentativeLine(index, names, phone, True))
        elif _PHONE_LINE.match(line) and (phone := first_mobile(line)):
            # "联系电话：138…（周国庆）" with no 代表 line above it: the name in brackets, if any.
            found.append(RepresentativeLine(index, _labelled_names(line[_PHONE_LINE.match(line).end():]), phone,
                                            True))
        elif mobile := MOBILE.search(line):
            split = names_in(_PHONE_LABEL.sub(" ", line[:mobile.start()]), lenient=False)
            if split:
                found.append(RepresentativeLine(index, split.names, mobile.group(0), False))
    return found


def chosen_representative(candidates: list[RepresentativeLine]) -> RepresentativeLine | None:
    """The first labelled line with a name and a phone, else with a name, else a bare "name phone" line.

    A 联系电话 line right below a 代表 line repeats that line's phone, so the
    代表 line, coming first, is the one chosen.
    """
    labelled = [c for c in candidates if c.labelled] or candidates
    for wanted in (lambda c: c.names and c.phone, lambda c: c.names, lambda c: c.phone):
        chosen = next((c for c in labelled if wanted(c)), None)
        if chosen:
            return chosen
    return None
