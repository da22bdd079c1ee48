"""Digit reading from a CTC recogniser's raw output (RapidOCR's PP-OCR rec model).

PP-OCR has no character whitelist: on a number cell it may read a broken
"4" as "1", a "3" in two fragments as "3" plus a speck, or a digit as a
Chinese character. Its recogniser, though, gives a probability for every
character of its 6,600-character alphabet at every time step, and a digit it
did not pick is often the close second. Here that output is narrowed to the
digits (a whitelist after the fact):

- the probability of a digit's lookalikes ("O", "l", "|", ...) is added to
  the digit's, and every other character counts as nothing (blank);
- ``best_paths`` then lists the most probable digit strings (CTC prefix beam
  search), so a caller can take the first one that passes a check — an ID
  number's checksum and birth date, a mobile's length and prefix — and say
  how much less probable it was than the best reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DIGITS = "0123456789X"
# What the recogniser writes for a digit when it is unsure (index into DIGITS).
LOOKALIKES = {"O": "0", "o": "0", "〇": "0", "D": "0", "l": "1", "I": "1", "|": "1", "丨": "1",
              "Z": "2", "S": "5", "B": "8", "g": "9", "x": "X"}


def digit_columns(alphabet: list[str]) -> list[list[int]]:
    """For each of DIGITS, the alphabet indices whose probability counts for it."""
    index = {ch: i for i, ch in enumerate(alphabet)}
    columns = [[index[d]] if d in index else [] for d in DIGITS]
    for ch, d in LOOKALIKES.items():
        if ch in index:
            columns[DIGITS.index(d)].append(index[ch])
    return columns


def narrow_to_digits(probs: np.ndarray, columns: list[list[int]]) -> np.ndarray:
    """(T, alphabet) softmax output -> (T, 1 + len(DIGITS)): blank first, then the digits.

    Every character that is neither a digit nor a lookalike adds to blank: a
    speck read as "、" is no digit."""
    out = np.zeros((probs.shape[0], 1 + len(DIGITS)), dtype=np.float64)
    for k, cols in enumerate(columns, start=1):
        if cols:
            out[:, k] = probs[:, cols].sum(axis=1)
    out[:, 0] = np.clip(1.0 - out[:, 1:].sum(axis=1), 0.0, 1.0)
    return out


@dataclass(frozen=True)
class DigitReading:
    text: str
    log_prob: float  # of the whole string, summed over CTC paths kept by the beam
    char_probs: tuple[float, ...]  # per character, the best path's probability at its peak


def greedy(narrow: np.ndarray) -> DigitReading:
    """Best path: the most probable symbol per step, repeats merged, blanks dropped."""
    best = narrow.argmax(axis=1)
    text, probs, prev = [], [], 0
    for t, k in enumerate(best):
        if k != 0 and k != prev:
            text.append(DIGITS[k - 1])
            probs.append(float(narrow[t, k]))
        elif k != 0 and k == prev:
            probs[-1] = max(probs[-1], float(narrow[t, k]))
        prev = k
    log_prob = float(np.log(np.maximum(narrow[np.arange(len(best)), best], 1e-12)).sum())
    return DigitReading("".join(text), log_prob, tuple(probs))


def best_paths(narrow: np.ndarray, *, beam: int = 32, keep: int = 24, floor: float = 1e-3) -> list[DigitReading]:
    """The ``keep`` most probable digit strings, best first (CTC prefix beam search).

    Symbols under ``floor`` at a step are not extended (they would not change
    the order of the strings kept, only the time taken)."""
    # prefix -> (P(prefix, ending in blank), P(prefix, ending in its last symbol)); log space
    beams: dict[str, tuple[float, float]] = {"": (0.0, -math.inf)}
    logs = np.log(np.maximum(narrow, 1e-30))
    for t in range(narrow.shape[0]):
        symbols = [k for k in range(1, narrow.shape[1]) if narrow[t, k] >= floor]
        blank = logs[t, 0]
        nxt: dict[str, list[float]] = {}

        def add(prefix: str, which: int, value: float) -> None:
            entry = nxt.setdefault(prefix, [-math.inf, -math.inf])
            entry[which] = np.logaddexp(entry[which], value)

        for prefix, (pb, pnb) in beams.items():
            total = np.logaddexp(pb, pnb)
            add(prefix, 0, total + blank)
            last = prefix[-1] if prefix else None
            for k in symbols:
                ch, lp = DIGITS[k - 1], logs[t, k]
                if ch == last:
                    add(prefix, 1, pnb + lp)  # the same symbol held: no new character
                    add(prefix + ch, 1, pb + lp)  # a blank in between: a second one
                else:
                    add(prefix + ch, 1, total + lp)
        ranked = sorted(nxt.items(), key=lambda item: -np.logaddexp(*item[1]))[:beam]
        beams = {prefix: (pb, pnb) for prefix, (pb, pnb) in ranked}
    ranked = sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))[:keep]
    char_probs = greedy(narrow).char_probs
    return [DigitReading(prefix, float(np.logaddexp(pb, pnb)), char_probs if i == 0 else ())
            for i, (prefix, (pb, pnb)) in enumerate(ranked)]


def log_likelihood(narrow: np.ndarray, text: str) -> float:
    """log P(text | the recogniser's output): the CTC forward sum over all alignments."""
    if not text:
        return float(np.log(np.maximum(narrow[:, 0], 1e-30)).sum())
    logs = np.log(np.maximum(narrow, 1e-30))
    labels = [0]
    for ch in text:
        labels += [1 + DIGITS.index(ch), 0]
    labels = np.array(labels)
    n = len(labels)
    # skipping the blank between two states is allowed unless the symbols repeat
    can_skip = np.zeros(n, dtype=bool)
    can_skip[2:] = (labels[2:] != 0) & (labels[2:] != labels[:-2])
    alpha = np.full(n, -np.inf)
    alpha[0] = logs[0, labels[0]]
    alpha[1] = logs[0, labels[1]]
    for t in range(1, narrow.shape[0]):
        prev1 = np.concatenate(([-np.inf], alpha[:-1]))
        prev2 = np.concatenate(([-np.inf, -np.inf], alpha[:-2]))
        prev2 = np.where(can_skip, prev2, -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, prev1), prev2) + logs[t, labels]
    return float(np.logaddexp(alpha[-1], alpha[-2]))
