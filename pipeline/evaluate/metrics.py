"""Metric functions, each over aligned lists of truth and prediction."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence
from itertools import combinations

from rapidfuzz.distance import Levenshtein

from pipeline.text.cjk import comparable


def cer(reference: str, hypothesis: str | None) -> float:
    """Character error rate: edit distance / reference length, whitespace removed, NFKC."""
    ref = comparable(reference)
    hyp = comparable(hypothesis or "")
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def summary_stats(values: Sequence[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "median": None, "mean": None, "max": None}
    return {"n": len(values), "median": statistics.median(values), "mean": statistics.fmean(values),
            "max": max(values)}


def accuracy(truth: Sequence, predicted: Sequence) -> float | None:
    if not truth:
        return None
    return sum(1 for t, p in zip(truth, predicted, strict=True) if t == p) / len(truth)


def macro_f1(truth: Sequence[str], predicted: Sequence[str | None]) -> float | None:
    labels = sorted(set(truth))
    if not labels:
        return None
    scores = []
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p == label)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != label and p == label)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def pairwise_grouping(truth_groups: Sequence[str], predicted_groups: Sequence[str | None]) -> dict[str, float | None]:
    """Pairwise precision/recall/F1: a pair of letters is positive when in the same case."""
    idx = range(len(truth_groups))
    true_pairs = {(i, j) for i, j in combinations(idx, 2) if truth_groups[i] == truth_groups[j]}
    pred_pairs = {(i, j) for i, j in combinations(idx, 2)
                  if predicted_groups[i] is not None and predicted_groups[i] == predicted_groups[j]}
    tp = len(true_pairs & pred_pairs)
    precision = tp / len(pred_pairs) if pred_pairs else None
    recall = tp / len(true_pairs) if true_pairs else None
    f1 = (2 * precision * recall / (precision + recall)) if precision and recall else (0.0 if tp == 0 and pred_pairs else None)
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": len(true_pairs), "predicted_pairs": len(pred_pairs)}


_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def numbers_in(text: str) -> tuple[list[str], list[str]]:
    """18-digit ID-card numbers and 11-digit mobile numbers, in reading order.

    Whitespace is kept as a boundary here: in a table a phone number is
    followed by the next row's number, and joining them would hide both.
    """
    text = unicodedata.normalize("NFKC", text)
    return _ID_NUMBER.findall(text), _MOBILE.findall(text)


def numbers_exact(reference: str, hypothesis: str | None) -> tuple[int, int]:
    """(found exactly, expected): how many of the reference's IDs and phones the
    hypothesis holds digit for digit (whitespace ignored)."""
    ids, phones = numbers_in(reference)
    flat = comparable(hypothesis or "")
    expected = ids + phones
    return sum(1 for n in expected if n in flat), len(expected)


def flag_precision_recall(truth: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float | int | None]:
    """Precision and recall of a yes/no flag (e.g. risk high or urgent)."""
    tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t and p)
    fp = sum(1 for t, p in zip(truth, predicted, strict=True) if p and not t)
    fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t and not p)
    return {"precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None,
            "flagged_truth": tp + fn, "flagged_predicted": tp + fp}


def mean_jaccard(truth_sets: Sequence[Sequence[str]], predicted_sets: Sequence[Sequence[str]]) -> float | None:
    """Mean Jaccard similarity of paired sets; two empty sets agree fully."""
    scores = []
    for t, p in zip(truth_sets, predicted_sets, strict=True):
        a, b = set(t), set(p)
        scores.append(1.0 if not a and not b else len(a & b) / len(a | b))
    return sum(scores) / len(scores) if scores else None
