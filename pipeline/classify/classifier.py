"""A loaded classifier: labels with probabilities, top-k alternatives, review flag.

Downstream stages never touch the sklearn pipeline; they ask this object for
a label, how sure it is, and which other categories the letter may also be
about (a letter has one primary category and may mention secondary ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from sklearn.pipeline import Pipeline


class Prediction(NamedTuple):
    """One label and its calibrated probability; unpacks as ``(label, probability)``."""

    label: str
    probability: float


@dataclass(frozen=True)
class Classification:
    """The primary label of one text, whether a person must check it, and the runners-up."""

    label: str
    probability: float
    needs_review: bool
    secondary: list[Prediction] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "probability": round(self.probability, 4),
            "needs_review": self.needs_review,
            "secondary": [{"label": p.label, "probability": round(p.probability, 4)} for p in self.secondary],
        }


def confidence_threshold(threshold: float | None = None) -> float:
    """``threshold`` if given, else the policy's ``review.classification_confidence_min``."""
    if threshold is not None:
        return float(threshold)
    from pipeline.config import load_policy

    return float(load_policy().review.classification_confidence_min)


def needs_review(probability: float, threshold: float | None = None) -> bool:
    """True when the classifier is not sure enough for the label to stand unchecked.

    Below the policy's minimum confidence a letter goes to a person rather
    than being routed on a guess; the threshold lives in rules.yaml so that an
    office can trade review work against misrouted letters.
    """
    return probability < confidence_threshold(threshold)


class IssueClassifier:
    """A fitted pipeline with the model card it was saved with."""

    def __init__(self, pipeline: Pipeline, card: dict[str, Any]) -> None:
        self.pipeline = pipeline
        self.card = card
        self.labels: list[str] = [str(c) for c in pipeline.classes_]

    @property
    def version(self) -> str:
        return str(self.card.get("version", "unversioned"))

    def __repr__(self) -> str:
        return f"IssueClassifier({self.version!r}, labels={self.labels!r})"

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in the order of ``labels``."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self.pipeline.predict_proba(texts)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """The most probable label of every text, with its probability."""
        return [ranked[0] for ranked in self.top_k(texts, k=1)]

    def top_k(self, texts: Sequence[str], k: int = 3) -> list[list[Prediction]]:
        """The ``k`` most probable labels of every text, most probable first."""
        probabilities = self.predict_proba(texts)
        k = max(1, min(k, len(self.labels)))
        # A stable sort on the negated row: ties keep label order, so the
        # same input always yields the same ranking.
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return [
            [Prediction(self.labels[j], float(row[j])) for j in ranks]
            for row, ranks in zip(probabilities, order, strict=True)
        ]

    def classify(self, texts: Sequence[str], *, k: int = 3, threshold: float | None = None) -> list[Classification]:
        """Primary label, review flag and up to ``k - 1`` secondary labels per text."""
        minimum = confidence_threshold(threshold)
        results = []
        for ranked in self.top_k(texts, k=k):
            best = ranked[0]
            results.append(Classification(best.label, best.probability, best.probability < minimum, ranked[1:]))
        return results
