"""Retraining with reviewers' corrections, and promoting a model only if it is not worse.

The city corpus (``settings.training_data``) plus every letter whose category
a reviewer corrected (the latest correction wins; a corrected letter that is
also in the corpus simply adds its reviewed text) trains a candidate. The
candidate and the model in force are both scored on the fixed evaluation set
(``settings.evaluation_data``, never trained on); the candidate is promoted —
written under ``$LIANMING_HOME/models/<version>`` and named in
``models/CURRENT`` — only if its macro-F1 there is not lower. The card
(model_card.json, and a section of MODEL_CARD.md) records how many
corrections went in, both scores and whether it was promoted; the
corrections a promoted model learned from are marked with its version
(``Correction.used_in_model``). Run by ``lianming train --with-corrections``
and by the weekly retraining flow.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.classify.classifier import IssueClassifier
from pipeline.classify.dataset import check_labels_in_taxonomy, read_corpus
from pipeline.classify.persistence import CARD_MARKDOWN, load_model, save_model, write_card
from pipeline.classify.registry import CURRENT_POINTER, current_classifier, home_models_dir
from pipeline.classify.training import classification_metrics, train_model
from pipeline.config import load_policy
from pipeline.settings import Settings
from pipeline.store.models import Correction, Letter


@dataclass(frozen=True)
class RetrainResult:
    version: str
    model_dir: Path
    corrections: int
    before: dict  # metrics of the model in force on the evaluation set
    after: dict  # metrics of the candidate
    promoted: bool
    reason: str


def corrected_examples(session: Session) -> list[tuple[str, str, str]]:
    """(letter id, text, corrected category) for every letter a reviewer re-labelled."""
    latest: dict[str, str] = {}
    for correction in session.scalars(select(Correction).where(Correction.entity == "letter",
                                                               Correction.field == "category")
                                      .order_by(Correction.at, Correction.id)):
        if correction.new_value:
            latest[correction.entity_id] = correction.new_value
    if not latest:
        return []
    texts = dict(session.execute(select(Letter.id, Letter.text).where(Letter.id.in_(list(latest)))).all())
    return [(letter_id, texts[letter_id], label) for letter_id, label in sorted(latest.items())
            if texts.get(letter_id)]


def evaluate_on(classifier: IssueClassifier, texts: list[str], labels: list[str]) -> dict:
    predicted = [p.label for p in classifier.predict(texts)]
    return classification_metrics(labels, predicted, sorted(set(labels)))


def promote(settings: Settings, model_dir: Path) -> None:
    """Name ``model_dir`` (under the home's models folder) as the current model, atomically."""
    models = home_models_dir(settings)
    pointer = models / CURRENT_POINTER
    tmp = pointer.with_name(f".{CURRENT_POINTER}.tmp")
    tmp.write_text(model_dir.name + "\n", encoding="utf-8")
    os.replace(tmp, pointer)


def _retraining_markdown(card: dict) -> str:
    evaluation, extra = card["evaluation"], card.get("extra", {})
    before, after = evaluation["before"], evaluation["after"]
    return "\n".join([
        "", "## Retraining with reviewers' corrections", "",
        f"- corrections trained on: {extra.get('corrections', 0)}",
        f"- evaluation set: `{evaluation['set']}` ({evaluation['samples']} letters, never trained on)",
        f"- model in force before: accuracy {before['accuracy']:.4f}, macro-F1 {before['macro_f1']:.4f}",
        f"- this model: accuracy {after['accuracy']:.4f}, macro-F1 {after['macro_f1']:.4f}",
        f"- {card['promotion']['reason']}", "",
    ])


def retrain_with_corrections(session: Session, settings: Settings, *, cv_folds: int = 0, n_jobs: int | None = None,
                             promote_if_not_worse: bool = True) -> RetrainResult:
    corpus = read_corpus(settings.training_data)
    corrections = corrected_examples(session)
    texts = list(corpus.texts) + [text for _, text, _ in corrections]
    labels = list(corpus.labels or []) + [label for _, _, label in corrections]
    # As `lianming train` does: a label that is no category code (a typo in a
    # correction, last year's codes) would train a model whose predictions
    # routing cannot look up. Refuse before anything is trained or promoted.
    check_labels_in_taxonomy(labels, load_policy(settings.policy_dir).category_codes,
                             source=f"{settings.training_data} + reviewers' corrections")
    evaluation = read_corpus(settings.evaluation_data)
    eval_labels = list(evaluation.labels or [])

    before = evaluate_on(current_classifier(settings), evaluation.texts, eval_labels)
    trained = train_model(texts, labels, cv_folds=cv_folds, n_jobs=n_jobs)
    staging = home_models_dir(settings) / f".staging-{os.getpid()}"
    card = save_model(trained, staging, {
        "name": "city", "training_file": settings.training_data,
        "corrections": len(corrections), "corrected_letters": [letter_id for letter_id, _, _ in corrections],
    })
    model_dir = home_models_dir(settings) / card["version"]
    if model_dir.exists():  # the same data trained again in the same second: keep the first
        model_dir = model_dir.with_name(f"{card['version']}-{os.getpid()}")
    staging.rename(model_dir)
    after = evaluate_on(load_model(model_dir), evaluation.texts, eval_labels)
    card["evaluation"] = {"set": str(settings.evaluation_data), "samples": len(evaluation),
                          "before": before, "after": after}
    not_worse = after["macro_f1"] >= before["macro_f1"]
    promoted = promote_if_not_worse and not_worse
    reason = (f"macro-F1 on the evaluation set {before['macro_f1']:.4f} → {after['macro_f1']:.4f}: "
              + ("promoted" if promoted else "not promoted (worse)" if not not_worse else "not promoted (asked not to)"))
    card["promotion"] = {"promoted": promoted, "reason": reason}
    write_card(model_dir, card)
    with open(model_dir / CARD_MARKDOWN, "a", encoding="utf-8") as markdown:
        markdown.write(_retraining_markdown(card))
    if promoted:
        promote(settings, model_dir)
        _mark_used(session, [letter_id for letter_id, _, _ in corrections], card["version"])
    return RetrainResult(version=card["version"], model_dir=model_dir, corrections=len(corrections),
                         before=before, after=after, promoted=promoted, reason=reason)


def _mark_used(session: Session, letter_ids: list[str], version: str) -> None:
    if not letter_ids:
        return
    for correction in session.scalars(select(Correction).where(Correction.entity == "letter",
                                                               Correction.field == "category",
                                                               Correction.entity_id.in_(letter_ids),
                                                               Correction.used_in_model.is_(None))):
        correction.used_in_model = version
