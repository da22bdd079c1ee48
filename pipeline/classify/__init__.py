"""The issue classifier: which category of the taxonomy a letter is about.

jieba words and character n-grams, TF-IDF, a calibrated linear SVM
(:mod:`pipeline.classify.model`); trained with cross-validated figures
(:mod:`~pipeline.classify.training`), saved with skops and a model card
(:mod:`~pipeline.classify.persistence`), loaded as an
:class:`~pipeline.classify.classifier.IssueClassifier`. See docs/classifier.md.

Importing this package is cheap; jieba loads its dictionary on first use.
"""

from __future__ import annotations

from pipeline.classify.classifier import Classification, IssueClassifier, Prediction, needs_review
from pipeline.classify.dataset import Corpus, check_labels_in_taxonomy, read_corpus
from pipeline.classify.model import DEFAULT_PARAMS, build_pipeline
from pipeline.classify.persistence import load_model, read_card, save_model, trusted_types, write_card
from pipeline.classify.tokenize import ChineseTokenizer, tokenize
from pipeline.classify.training import TrainingResult, classification_metrics, train_model

__all__ = [
    "DEFAULT_PARAMS", "ChineseTokenizer", "Classification", "Corpus", "IssueClassifier", "Prediction",
    "TrainingResult", "build_pipeline", "check_labels_in_taxonomy", "classification_metrics", "load_model",
    "needs_review", "read_card", "read_corpus", "save_model", "tokenize", "train_model", "trusted_types",
    "write_card",
]
