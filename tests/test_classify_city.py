"""The city's own corpus and the model shipped in models/city.

The shipped model must be the one trained on the corpus in the repository
(same data hash), the corpus must cover every category with enough letters
and stay disjoint from the sample letters it is judged on, and the model
must label the sample letters well.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from pipeline.classify import load_model, read_corpus
from pipeline.classify.dataset import corpus_sha256
from pipeline.classify.registry import PACKAGED_MODEL_DIR, current_classifier
from pipeline.config import load_policy
from pipeline.evaluate.metrics import macro_f1

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "training" / "city"
SAMPLES = ROOT / "sample_letters" / "truth.jsonl"


def _shingles(text: str, n: int = 5) -> set[str]:
    flat = "".join(unicodedata.normalize("NFKC", text).split())
    return {flat[i:i + n] for i in range(max(0, len(flat) - n + 1))}


@pytest.fixture(scope="module")
def corpus():
    return read_corpus(CORPUS)


@pytest.fixture(scope="module")
def samples() -> list[dict]:
    return [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_corpus_covers_every_category_with_forty_letters(corpus):
    counts = corpus.label_counts()
    assert set(counts) == set(load_policy().category_codes)
    assert min(counts.values()) >= 40, counts


def test_corpus_is_disjoint_from_the_sample_letters(corpus, samples):
    sample_sets = [_shingles(s["text"]) for s in samples]
    worst = 0.0
    for text in corpus.texts:
        mine = _shingles(text)
        for theirs in sample_sets:
            worst = max(worst, len(mine & theirs) / len(mine | theirs))
    assert worst < 0.2, f"a training letter is too close to a sample letter (Jaccard {worst:.3f})"


def test_shipped_model_was_trained_on_this_corpus(corpus):
    model = load_model(PACKAGED_MODEL_DIR)
    assert model.card["training_data"]["sha256"] == corpus_sha256(corpus.texts, corpus.labels)
    assert sorted(model.labels) == sorted(load_policy().category_codes)
    assert model.card["cross_validation"]["macro_f1"] >= 0.9


def test_current_model_labels_the_sample_letters(settings, samples):
    classifier = current_classifier(settings)
    predicted = [c.label for c in classifier.classify([s["text"] for s in samples])]
    assert macro_f1([s["category"] for s in samples], predicted) >= 0.9
