"""The public benchmark: 2020 TipDM Cup problem C (citizen messages, 7 first-level labels).

Train on ``train.jsonl`` (pre-tokenised, stop words removed), predict
``test.jsonl`` from title + raw text, report accuracy and macro-F1. The test
set is read once, after training, and nothing is chosen by looking at it:
the model's parameters were fixed by cross-validation on the training set.
Its interest for this project is exactly the gap it spans: a model trained on
one form of text has to classify letters written in another.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.classify.dataset import read_corpus
from pipeline.classify.persistence import load_model, save_model, write_card
from pipeline.classify.training import classification_metrics, train_model
from pipeline.errors import EvaluationError

TIPDM_TRAIN, TIPDM_TEST = "train.jsonl", "test.jsonl"
TIPDM_NAME = "tipdm"


@dataclass(frozen=True)
class BenchmarkResult:
    card: dict[str, Any]
    model_dir: Path

    @property
    def test(self) -> dict[str, Any]:
        return self.card["test"]

    @property
    def cross_validation(self) -> dict[str, Any] | None:
        return self.card.get("cross_validation")

    @property
    def training_seconds(self) -> float:
        return float(self.card["training_seconds"])


def run_tipdm_benchmark(data_dir: Path, out_dir: Path, *, cv_folds: int = 5, n_jobs: int | None = None,
                        name: str = TIPDM_NAME, **params: Any) -> BenchmarkResult:
    """Train on ``data_dir``/train.jsonl, score on test.jsonl, save the model and card in ``out_dir``.

    The test figures are computed with the model *as loaded back from disk*,
    so they describe the saved artefact, not an object that only existed in
    memory.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    train_path, test_path = data_dir / TIPDM_TRAIN, data_dir / TIPDM_TEST
    for path in (train_path, test_path):
        if not path.is_file():
            raise EvaluationError(f"benchmark data missing: {path} (expected {TIPDM_TRAIN} and {TIPDM_TEST})")
    train = read_corpus(train_path)
    test = read_corpus(test_path)
    unknown = sorted(set(test.labels or []) - set(train.labels or []))
    if unknown:
        raise EvaluationError(f"{test_path}: labels never seen in training: {', '.join(unknown)}")

    trained = train_model(train.texts, train.labels or [], cv_folds=cv_folds, n_jobs=n_jobs, **params)
    # Save, load back, score, then add the test figures to the card: the
    # model file is written once and the figures are the saved file's.
    card = save_model(trained, out_dir, {"name": name, "training_file": train_path,
                                         "benchmark": "2020 TipDM Cup problem C, first-level labels"})
    classifier = load_model(out_dir)
    started = time.perf_counter()
    predicted = [p.label for p in classifier.predict(test.texts)]
    predict_seconds = time.perf_counter() - started
    test_metrics = classification_metrics(test.labels or [], predicted, classifier.labels)
    test_metrics.update({
        "source": str(test_path),
        "file_sha256": test.file_sha256,
        "input": "title + text, raw",
        "prediction_seconds": round(predict_seconds, 2),
    })
    card["test"] = test_metrics
    write_card(out_dir, card)
    return BenchmarkResult(card=card, model_dir=out_dir)
