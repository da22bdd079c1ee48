"""Text clean-up that every engine's output goes through.

Tesseract's chi_sim model emits a space between most Chinese characters;
people and the later parsers expect none. Spaces between two Latin words or
numbers carry meaning and stay; line breaks stay.
"""

from __future__ import annotations

import re
import unicodedata

# CJK ideographs, CJK punctuation and full-width forms.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_AFTER_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+")
_SPACE_BEFORE_CJK = re.compile(rf"[ \t\u00a0]+(?=[{_CJK}])")
_BLANK_LINES = re.compile(r"\n{3,}")


def remove_cjk_spaces(text: str) -> str:
    text = _SPACE_AFTER_CJK.sub("", text)
    return _SPACE_BEFORE_CJK.sub("", text)


def tidy_lines(text: str) -> str:
    """Strip each line, drop runs of blank lines, keep line breaks."""
    lines = [remove_cjk_spaces(line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def comparable(text: str) -> str:
    """The form used to score text: NFKC, no whitespace at all.

    NFKC folds full-width and half-width punctuation, where engines and
    typists differ without either being wrong.
    """
    return "".join(unicodedata.normalize("NFKC", text).split())
