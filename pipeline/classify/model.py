"""The classifier itself: an sklearn Pipeline from text to calibrated label probabilities.

    text ─ ChineseTokenizer ─┬─ TF-IDF over words, 1–2 grams ──────┬─ LinearSVC, sigmoid-calibrated
                             └─ TF-IDF over characters, 1–3 grams ─┘

Why these pieces:

* Words (jieba) carry the topic (拆迁, 工资, 学位); word bigrams catch the
  phrases that single words leave ambiguous (物业 费 vs 物业 管理).
* Character n-grams over the same words, spaces removed, do not care where
  jieba drew a boundary, and still match a name or term jieba never saw whole
  (区华庭, a village name): they make the model robust to segmentation and to
  out-of-vocabulary words, which raw letters have plenty of.
* Sublinear TF (1 + log tf) so that a letter repeating 拆迁 twenty times does
  not outweigh everything else it says.
* A linear SVM is the strongest simple model for sparse text features and
  trains in half a minute on the 7,843 tipdm messages; it gives margins, not probabilities, so it is wrapped in
  ``CalibratedClassifierCV`` (Platt sigmoid). ``ensemble=False`` keeps ONE
  SVM fitted on all data (the calibration is learnt from internal
  cross-validated predictions), so the saved model holds one weight matrix,
  not one per fold.
* ``CompactTfidfVectorizer`` is TfidfVectorizer saving its vocabulary compactly,
  so a model file loads in about a second, not ten.

The probability matters downstream: a letter whose top probability is below
the policy's ``review.classification_confidence_min`` goes to a person.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from pipeline.classify.tokenize import ChineseTokenizer, split_tokens, strip_spaces


class CompactTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose saved state holds its vocabulary as one string.

    skops writes a dict as one JSON node per entry, each key and value with its
    type: for the 200,000 terms of the tipdm model that was a 166 MB schema that takes seconds to parse,
    twice per load (listing its types, then loading). The terms in column
    order, joined by newlines, are one string and rebuild the same mapping.
    A term never holds a newline: tokens are split on whitespace and character
    n-grams are taken from tokens. ``stop_words_`` (every n-gram cut by
    min_df/max_features, kept by sklearn for introspection only and documented
    as safe to delete) is not saved at all.
    """

    _TERMS_KEY = "_vocabulary_terms"

    def __getstate__(self):
        # A copy: on Python 3.11+ the base returns the live __dict__ itself.
        state = dict(super().__getstate__())
        state.pop("stop_words_", None)
        vocabulary = state.get("vocabulary_")
        if vocabulary is not None:
            terms = sorted(vocabulary, key=vocabulary.__getitem__)
            contiguous = [vocabulary[t] for t in terms] == list(range(len(terms)))
            if contiguous and not any("\n" in t for t in terms):
                del state["vocabulary_"]
                state[self._TERMS_KEY] = "\n".join(terms)
        return state

    def __setstate__(self, state):
        terms = state.pop(self._TERMS_KEY, None)
        if terms is not None:
            state["vocabulary_"] = {term: index for index, term in enumerate(terms.split("\n"))}
        super().__setstate__(state)


# Chosen by 5-fold cross-validation on the tipdm training set only (see
# docs/classifier.md); a small city corpus may override them through
# ``build_pipeline(**overrides)``.
DEFAULT_PARAMS: dict[str, Any] = {
    "word_ngram_max": 2,
    "char_ngram_max": 3,
    "min_df": 2,
    "max_word_features": 100_000,
    "max_char_features": 100_000,
    "C": 2.0,
    "calibration_folds": 3,
    "random_state": 0,
}


def build_pipeline(**overrides: Any) -> Pipeline:
    """An unfitted pipeline; ``overrides`` replace entries of :data:`DEFAULT_PARAMS`."""
    unknown = set(overrides) - set(DEFAULT_PARAMS)
    if unknown:
        raise TypeError(f"unknown classifier parameter(s): {', '.join(sorted(unknown))}")
    p = {**DEFAULT_PARAMS, **overrides}
    words = CompactTfidfVectorizer(
        tokenizer=split_tokens, token_pattern=None, lowercase=False,
        ngram_range=(1, p["word_ngram_max"]), min_df=p["min_df"],
        max_features=p["max_word_features"], sublinear_tf=True,
        dtype=np.float32,  # half the memory of float64; the SVM converts as it needs
    )
    chars = CompactTfidfVectorizer(
        analyzer="char", preprocessor=strip_spaces, lowercase=False,
        ngram_range=(1, p["char_ngram_max"]), min_df=p["min_df"],
        max_features=p["max_char_features"], sublinear_tf=True, dtype=np.float32,
    )
    classifier = CalibratedClassifierCV(
        LinearSVC(C=p["C"], random_state=p["random_state"]),
        method="sigmoid", cv=p["calibration_folds"], ensemble=False,
    )
    return Pipeline([
        ("tokens", ChineseTokenizer()),
        ("features", FeatureUnion([("words", words), ("chars", chars)])),
        ("classifier", classifier),
    ])


def discard_introspection(pipeline: Pipeline) -> None:
    """Free ``stop_words_`` of the fitted vectorisers (millions of strings, never used)."""
    for _, vectoriser in pipeline.named_steps["features"].transformer_list:
        if hasattr(vectoriser, "stop_words_"):
            delattr(vectoriser, "stop_words_")
