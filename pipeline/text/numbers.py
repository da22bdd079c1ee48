"""Checks on the numbers a signature table holds: ID-card numbers and mobiles.

An ID-card number (GB 11643) carries its own check character, so a reading
that validates is almost surely right; OCR uses this to choose between
readings of a number cell, and parsing uses it to trust a number.
"""

from __future__ import annotations

import re
from datetime import date

_ID = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def id_check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def valid_id_number(number: str) -> bool:
    """18 characters, a real birth date, and the right check character."""
    if not _ID.match(number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return id_check_character(number[:17]) == number[17]


def valid_mobile(number: str) -> bool:
    return bool(_MOBILE.match(number))


# An ID-card number inside running text: 18 characters, not part of a longer number.
_ID_IN_TEXT = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


def mask_id_numbers(text: str, mask) -> str:
    """``text`` with every ID-card number in it replaced by ``mask(number)`` (policy §6)."""
    return _ID_IN_TEXT.sub(lambda m: mask(m.group(0)), text)
