"""Reviewers' category corrections change the next model — and a worse model is never promoted.

A tiny corpus (three categories × eight sentences, shared with
test_office_flows) carries one deliberately mislabelled letter: a flooded
garage labelled wage arrears. The deployment's model, trained on it, labels a
letter in the database about the same garage as wage arrears too; a reviewer
corrects it with :func:`pipeline.review.correct_letter`, and retraining with
corrections must teach the next model the reviewer's label. No
cross-validation anywhere (cv_folds=0), so each training takes about a second.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pipeline.classify import save_model, train_model
from pipeline.classify.registry import CURRENT_POINTER, current_classifier, home_models_dir
from pipeline.classify.retrain import corrected_examples, promote, retrain_with_corrections
from pipeline.review import correct_letter
from pipeline.store.models import Correction
from tests.test_case_lifecycle import ZONE, add_case, add_letter, assess
from tests.test_office_flows import CORPUS, EVAL, write_jsonl

MISLABELLED = "小区地下车库雨天漏水，业主停的车被淹了好几辆"  # property_housing, labelled wage_arrears below
GARAGE_LETTER = "地下车库又漏水了，业主的车被淹，车库积水一直没人管"  # in the database, near the mislabelled one
GARAGE_PROBE = "车库漏水把业主的车淹了"  # unseen wording of the same matter


@pytest.fixture
def office(ctx, settings, tmp_path):
    """The corpus on disk, a model trained on it in force in the home, and the garage letter in a case."""
    corpus = tmp_path / "corpus"
    for label, texts in CORPUS.items():
        rows = [{"id": f"{label}-{i}", "text": t, "label": label} for i, t in enumerate(texts)]
        if label == "wage_arrears":
            rows.append({"id": "mislabelled", "text": MISLABELLED, "label": "wage_arrears"})
        write_jsonl(corpus / f"{label}.jsonl", rows)
    texts = [t for label in CORPUS for t in CORPUS[label]] + [MISLABELLED]
    labels = [label for label in CORPUS for _ in CORPUS[label]] + ["wage_arrears"]
    first = home_models_dir(settings) / "city-v0"
    save_model(train_model(texts, labels, cv_folds=0), first, {"name": "city"})
    promote(settings, first)
    with ctx.db.session() as s:
        letter = add_letter(s, "L1", text=GARAGE_LETTER, category="wage_arrears")
        letter.needs_review, letter.review_reasons = True, ["low_category_confidence: wage_arrears at 0.55 < 0.60"]
        assess(s, add_case(s, "C1", [letter]), ctx.policy)
    return corpus


def tuned(settings, corpus, tmp_path, evaluation: list[tuple[str, str]]):
    path = write_jsonl(tmp_path / "eval.jsonl", [{"text": t, "label": label} for t, label in evaluation])
    return settings.model_copy(update={"training_data": corpus, "evaluation_data": path})


def predicted(settings, text: str) -> str:
    return current_classifier(settings).predict([text])[0].label


def record_the_reviewers_label(ctx) -> None:
    with ctx.db.session() as s:
        correct_letter(s, letter_id="L1", field="category", new_value="property_housing", reviewer="复核员甲",
                       policy=ctx.policy, zone=ZONE)


def test_a_category_correction_teaches_the_next_model(ctx, settings, office, tmp_path):
    settings = tuned(settings, office, tmp_path, EVAL + [(GARAGE_PROBE, "property_housing")])
    assert predicted(settings, GARAGE_LETTER) == "wage_arrears"  # the mislabel misleads the model in force
    record_the_reviewers_label(ctx)
    with ctx.db.session() as s:
        assert corrected_examples(s) == [("L1", GARAGE_LETTER, "property_housing")]

    with ctx.db.session() as s:
        result = retrain_with_corrections(s, settings, cv_folds=0)

    assert result.promoted and result.corrections == 1
    assert result.after["macro_f1"] >= result.before["macro_f1"]
    models = home_models_dir(settings)
    assert (models / CURRENT_POINTER).read_text(encoding="utf-8").strip() == result.model_dir.name
    assert predicted(settings, GARAGE_LETTER) == "property_housing"
    assert predicted(settings, GARAGE_PROBE) == "property_housing"
    card = json.loads((result.model_dir / "model_card.json").read_text(encoding="utf-8"))
    assert card["extra"]["corrections"] == 1 and card["extra"]["corrected_letters"] == ["L1"]
    assert card["evaluation"]["before"]["macro_f1"] == result.before["macro_f1"]
    assert card["promotion"]["promoted"] is True
    assert "corrections trained on: 1" in (result.model_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    with ctx.db.session() as s:
        assert s.scalar(select(Correction.used_in_model).where(Correction.field == "category")) == result.version


def test_a_model_worse_on_the_evaluation_set_is_not_promoted(ctx, settings, office, tmp_path):
    # An evaluation set that agrees with the mislabel: the corrected model scores worse on it.
    settings = tuned(settings, office, tmp_path, EVAL + [(GARAGE_PROBE, "wage_arrears")])
    record_the_reviewers_label(ctx)

    with ctx.db.session() as s:
        result = retrain_with_corrections(s, settings, cv_folds=0)

    assert not result.promoted and "not promoted (worse)" in result.reason
    assert result.after["macro_f1"] < result.before["macro_f1"]
    assert (home_models_dir(settings) / CURRENT_POINTER).read_text(encoding="utf-8").strip() == "city-v0"
    assert predicted(settings, GARAGE_LETTER) == "wage_arrears"  # the model in force is unchanged
    card = json.loads((result.model_dir / "model_card.json").read_text(encoding="utf-8"))
    assert card["promotion"]["promoted"] is False  # kept for the record, not in force
    with ctx.db.session() as s:
        assert s.scalar(select(Correction.used_in_model)) is None  # waits for a model that is promoted


def test_lianming_train_with_corrections(ctx, settings, office, tmp_path, monkeypatch):
    from pipeline.cli.main import app

    evaluation = write_jsonl(tmp_path / "eval.jsonl", [{"text": t, "label": label}
                                                       for t, label in EVAL + [(GARAGE_PROBE, "property_housing")]])
    monkeypatch.setenv("LIANMING_TRAINING_DATA", str(office))
    monkeypatch.setenv("LIANMING_EVALUATION_DATA", str(evaluation))
    record_the_reviewers_label(ctx)
    runner = CliRunner()

    result = runner.invoke(app, ["train", "--with-corrections", "--cv-folds", "0", "--home", str(settings.home)])

    assert result.exit_code == 0, result.output
    assert "1 reviewer correction(s) trained on" in result.output and "promoted" in result.output
    assert predicted(settings, GARAGE_LETTER) == "property_housing"
    refused = runner.invoke(app, ["train", "--with-corrections", "--out", str(tmp_path / "m"),
                                  "--home", str(settings.home)])
    assert refused.exit_code == 2 and "--out cannot be used with --with-corrections" in refused.output
    assert runner.invoke(app, ["train"]).exit_code == 2  # neither --data nor --with-corrections
