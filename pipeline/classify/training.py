"""Training with cross-validated metrics.

The figures a model card reports come from stratified k-fold
cross-validation on the training data: every example is predicted once by a
model that never saw it. They estimate how the model does on letters like
the training ones; a separate test set (the benchmark's) says how it does on
letters written differently.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from pipeline.classify.dataset import corpus_sha256
from pipeline.classify.model import DEFAULT_PARAMS, build_pipeline, discard_introspection
from pipeline.errors import EvaluationError

# Platt calibration fits on internal folds; more than this buys nothing.
_MAX_CALIBRATION_FOLDS = int(DEFAULT_PARAMS["calibration_folds"])


def classification_metrics(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    Rows of ``confusion_matrix`` are true labels, columns predicted ones, both
    in the order of ``labels``.
    """
    labels = list(labels)
    report = classification_report(truth, predicted, labels=labels, output_dict=True, zero_division=0)
    per_class = {
        label: {
            "precision": round(report[label]["precision"], 4),
            "recall": round(report[label]["recall"], 4),
            "f1": round(report[label]["f1-score"], 4),
            "support": int(report[label]["support"]),
        }
        for label in labels
    }
    return {
        "samples": len(truth),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "per_class": per_class,
        "labels": labels,
        "confusion_matrix": confusion_matrix(truth, predicted, labels=labels).tolist(),
    }


@dataclass
class TrainingResult:
    """A fitted pipeline and what is known about it."""

    model: Pipeline
    labels: list[str]
    samples: int
    label_counts: dict[str, int]
    data_sha256: str
    params: dict[str, Any]
    training_seconds: float
    cross_validation: dict[str, Any] | None = None
    cross_validation_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def train_model(texts: Sequence[str], labels: Sequence[str], *, cv_folds: int = 5, random_state: int = 0,
                n_jobs: int | None = None, **params: Any) -> TrainingResult:
    """Fit the classifier on all examples, after ``cv_folds``-fold cross-validation.

    ``cv_folds`` < 2 skips cross-validation (the card then has no CV figures).
    ``params`` override :data:`pipeline.classify.model.DEFAULT_PARAMS`.
    ``n_jobs`` runs the folds in parallel (None: one process).
    """
    texts = [str(t) for t in texts]
    labels = [str(label) for label in labels]
    if len(texts) != len(labels):
        raise EvaluationError(f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    if len(counts) < 2:
        raise EvaluationError(f"training needs at least two labels; the data has {len(counts)}")
    smallest = min(counts.values())
    if smallest < 2:
        rare = ", ".join(sorted(label for label, n in counts.items() if n < 2))
        raise EvaluationError(f"every label needs at least two examples; these have one: {rare}")
    if cv_folds >= 2 and smallest < cv_folds:
        raise EvaluationError(
            f"{cv_folds}-fold cross-validation needs at least {cv_folds} examples of every label;"
            f" the rarest has {smallest} (lower the number of folds or add examples)"
        )
    params = {"random_state": random_state, **params}
    # Each calibration fold must hold every label; in cross-validation the
    # rarest label has only (k-1)/k of its examples in the training part.
    in_fold = smallest if cv_folds < 2 else smallest * (cv_folds - 1) // cv_folds
    params.setdefault("calibration_folds", max(2, min(_MAX_CALIBRATION_FOLDS, in_fold)))
    if in_fold < params["calibration_folds"]:
        raise EvaluationError(
            f"probability calibration needs {params['calibration_folds']} examples of every label in each"
            f" training fold; the rarest label has {in_fold}"
        )

    model = build_pipeline(**params)
    tokenizer, rest = model.named_steps["tokens"], model[1:]
    # The tokenizer is stateless and jieba is the slow part: segment once and
    # run the folds and the final fit on the segmented text. Slicing a
    # Pipeline shares its steps, so fitting ``rest`` fits ``model``.
    started = time.perf_counter()
    segmented = tokenizer.transform(texts)
    tokenizing_seconds = time.perf_counter() - started

    cv_metrics, cv_seconds = None, 0.0
    if cv_folds >= 2:
        started = time.perf_counter()
        cv_metrics = _cross_validate(rest, segmented, labels, cv_folds, random_state, n_jobs)
        cv_seconds = time.perf_counter() - started

    started = time.perf_counter()
    rest.fit(segmented, labels)
    discard_introspection(model)
    training_seconds = tokenizing_seconds + time.perf_counter() - started

    return TrainingResult(
        model=model,
        labels=[str(c) for c in model.classes_],
        samples=len(texts),
        label_counts=dict(sorted(counts.items())),
        data_sha256=corpus_sha256(texts, labels),
        params={**DEFAULT_PARAMS, **params},
        training_seconds=round(training_seconds, 2),
        cross_validation=cv_metrics,
        cross_validation_seconds=round(cv_seconds, 2),
    )


def _cross_validate(estimator: Pipeline, segmented: list[str], labels: list[str], folds: int,
                    random_state: int, n_jobs: int | None) -> dict[str, Any]:
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    predicted = cross_val_predict(estimator, segmented, labels, cv=splitter, n_jobs=n_jobs)
    label_order = sorted(set(labels))
    metrics = classification_metrics(labels, list(predicted), label_order)
    # The pooled figures above hide how much folds differ; the spread says
    # whether a 0.005 difference between two models means anything.
    truth = np.asarray(labels)
    fold_f1 = [
        float(f1_score(truth[test], predicted[test], labels=label_order, average="macro", zero_division=0))
        for _, test in splitter.split(segmented, labels)
    ]
    metrics["folds"] = folds
    metrics["fold_macro_f1"] = [round(v, 4) for v in fold_f1]
    metrics["macro_f1_std"] = round(float(np.std(fold_f1)), 4)
    return metrics
