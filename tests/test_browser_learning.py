"""A reviewer's category correction in the browser teaches the next model.

The issue's acceptance, end to end: the deployment's model in force
(``<home>/models/CURRENT``) was trained on a tiny corpus (the three-category
corpus of test_office_flows) that carries one deliberately mislabelled letter
— a flooded underground garage labelled wage arrears. A letter about the same
garage is handed in (a text-layer PDF through intake, the text stage and the
understanding stage — no OCR), and the model in force labels it wage arrears
too. A reviewer opens it in Debian's Chromium, corrects the category with the
letter page's form, and the operator runs ``lianming train --with-corrections``.
The retrained model must be promoted, must label that letter (and the next
letter about the garage) property/housing, its card must record the one
correction and both models' scores on the evaluation set, and the correction
must be marked with the new model's version.

No cross-validation (``--cv-folds 0``): each training takes about a second.
Skipped, with the reason, where /usr/bin/chromium is missing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser_support import CHROMIUM, require_browser

sync_api = require_browser()
expect = sync_api.expect

from sqlalchemy import select  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from pipeline.cases.grouping import group_letters  # noqa: E402
from pipeline.cases.handling import assess_cases  # noqa: E402
from pipeline.classify import save_model, train_model  # noqa: E402
from pipeline.classify.registry import CURRENT_POINTER, current_classifier, home_models_dir  # noqa: E402
from pipeline.classify.retrain import promote  # noqa: E402
from pipeline.intake.register import intake_file  # noqa: E402
from pipeline.store import records  # noqa: E402
from pipeline.store.models import CaseLetter, Correction, Letter  # noqa: E402
from pipeline.text.stage import extract_letter_text  # noqa: E402
from pipeline.understand.stage import understand_letter  # noqa: E402
from pipeline.web.accounts import add_user  # noqa: E402
from tests.browser_support import PASSWORD, LiveServer  # noqa: E402
from tests.test_retrain_corrections import (  # noqa: E402 - its corpus, evaluation set and garage letters
    CORPUS,
    EVAL,
    GARAGE_LETTER,
    GARAGE_PROBE,
    MISLABELLED,
    write_jsonl,
)

WRONG, RIGHT = "wage_arrears", "property_housing"
REVIEWER = "rev"
# The garage letter: the matter and the place. (The corpus is tiny: every extra word of a letter
# weighs on what one correction can teach, so the letter says no more than it needs to.)
LETTER_LINES = [GARAGE_LETTER, "东城区东湖街道"]
NEXT_LETTER_LINES = ["东湖街道小区业主反映", GARAGE_PROBE]  # a week later, other words, the same matter


def text_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF with a Chinese text layer (reportlab's built-in CID font: no font file needed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.setFont("STSong-Light", 13)
    for i, line in enumerate(lines):
        sheet.drawString(60, 780 - 22 * i, line)
    sheet.save()
    return path


def hand_in(ctx, pdf: Path, *, days_ago: int) -> str:
    """Intake, the text stage (the PDF's text layer) and understanding, as the pipeline runs them."""
    at = records.now().astimezone(ZoneInfo(ctx.settings.timezone)) - timedelta(days=days_ago)
    outcome = intake_file(ctx, pdf, received_at=at, station="东城区信访局")
    assert outcome.outcome == "registered", outcome
    read = extract_letter_text(ctx, outcome.letter_id)
    assert read["ok"] and read["sources"] == ["pdf_text"], read  # the text layer, not OCR
    assert understand_letter(ctx, outcome.letter_id)["ok"]
    return outcome.letter_id


@pytest.fixture
def deployment(tmp_path, monkeypatch):
    """The settings of a home whose model in force (models/CURRENT) learned the mislabel."""
    from pipeline.settings import load_settings

    corpus = tmp_path / "corpus"
    for label, texts in CORPUS.items():
        rows = [{"id": f"{label}-{i}", "text": t, "label": label} for i, t in enumerate(texts)]
        if label == WRONG:
            rows.append({"id": "mislabelled", "text": MISLABELLED, "label": WRONG})  # really property_housing
        write_jsonl(corpus / f"{label}.jsonl", rows)
    evaluation = write_jsonl(tmp_path / "eval.jsonl", [{"text": t, "label": label}
                                                       for t, label in EVAL + [(GARAGE_PROBE, RIGHT)]])
    # The environment, so that the web app and `lianming train` read the same deployment.
    monkeypatch.setenv("LIANMING_TRAINING_DATA", str(corpus))
    monkeypatch.setenv("LIANMING_EVALUATION_DATA", str(evaluation))
    settings = load_settings(home=tmp_path / "home", web_cookie_secure=False)

    texts = [t for label in CORPUS for t in CORPUS[label]] + [MISLABELLED]
    labels = [label for label in CORPUS for _ in CORPUS[label]] + [WRONG]
    first = home_models_dir(settings) / "city-v0"
    save_model(train_model(texts, labels, cv_folds=0), first, {"name": "city", "training_file": corpus})
    promote(settings, first)
    return settings


def correct_category_in_the_browser(url: str, letter_id: str, *, wrong: str, right: str, model: str) -> None:
    """Chromium: the reviewer signs in, opens the letter from the queue and corrects its category."""
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
            context.set_default_timeout(15_000)
            page = context.new_page()
            script_errors: list[str] = []
            page.on("pageerror", lambda error: script_errors.append(str(error)))
            page.on("console", lambda message: script_errors.append(message.text) if message.type == "error"
                    and not message.text.startswith("Failed to load resource") else None)

            page.goto(f"{url}/login")
            page.fill("#username", REVIEWER)
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            expect(page).to_have_url(f"{url}/queue")
            # In the queue for its missing signatures, not for its category: the model was sure of it.
            row = page.locator(f"#queue-row-{letter_id}")
            expect(row).to_contain_text("未找到签名人")  # the no_signatories reason, as shown
            expect(row).not_to_contain_text("把握")  # no low_category_confidence reason
            row.locator("a.queue-letter").click()

            expect(page).to_have_url(f"{url}/letters/{letter_id}")
            expect(page.locator("#letter-text")).to_contain_text(GARAGE_LETTER)
            expect(page.locator("#fact-category")).to_have_attribute("data-code", wrong)
            expect(page.locator("#fact-probability")).to_contain_text(model)
            page.select_option("#category-value", right)
            page.click("#correct-category-submit")
            expect(page).to_have_url(f"{url}/letters/{letter_id}?done=corrected")
            expect(page.locator("#flash")).to_have_text("已更正")
            expect(page.locator("#fact-category")).to_have_attribute("data-code", right)
            assert script_errors == []
            context.close()
        finally:
            browser.close()


def test_a_category_corrected_in_the_browser_teaches_the_next_model(deployment, tmp_path):
    from pipeline.cli.main import app as cli
    from pipeline.web.app import create_app

    settings, zone = deployment, ZoneInfo(deployment.timezone)
    first_version = current_classifier(settings).version
    app = create_app(settings)
    ctx = app.state.ctx
    with LiveServer(app) as server:  # its shutdown closes the app's context: every step below runs inside
        with ctx.db.session() as session:
            add_user(session, username=REVIEWER, password=PASSWORD, role="reviewer", unit=None,
                     policy=ctx.policy, actor="test")

        # The garage letter arrives; the model in force repeats the mislabel it was trained on.
        letter_id = hand_in(ctx, text_pdf(tmp_path / "garage.pdf", LETTER_LINES), days_ago=7)
        with ctx.db.session() as session:
            group_letters(session, now=records.now(), zone=zone)
            assess_cases(session, case_ids=None, policy=ctx.policy, zone=zone, today=None)
        with ctx.db.session() as session:
            letter = session.get(Letter, letter_id)
            letter_text, category, labelled_by = letter.text, letter.category, letter.model_version
            assert session.scalar(select(CaseLetter.case_id).where(CaseLetter.letter_id == letter_id))
        assert GARAGE_LETTER in letter_text
        assert (category, labelled_by) == (WRONG, first_version)  # wrong, by the model in force

        correct_category_in_the_browser(server.url, letter_id, wrong=WRONG, right=RIGHT, model=first_version)
        with ctx.db.session() as session:
            corrections = [(c.entity_id, c.old_value, c.new_value, c.reviewer, c.used_in_model)
                           for c in session.scalars(select(Correction).where(Correction.field == "category"))]
        assert corrections == [(letter_id, WRONG, RIGHT, REVIEWER, None)]

        # The operator retrains the deployment's model while the workspace stays up.
        result = CliRunner().invoke(cli, ["train", "--with-corrections", "--cv-folds", "0",
                                          "--home", str(settings.home)])
        assert result.exit_code == 0, result.output
        assert "1 reviewer correction(s) trained on" in result.output and "promoted" in result.output

        models = home_models_dir(settings)
        current = (models / CURRENT_POINTER).read_text(encoding="utf-8").strip()
        assert current != "city-v0"  # the retrained model was promoted
        card = json.loads((models / current / "model_card.json").read_text(encoding="utf-8"))
        new_version = card["version"]
        classifier = current_classifier(settings)
        assert new_version != first_version and classifier.version == new_version

        # It labels the corrected letter as the reviewer did, and the garage in other words too.
        assert [p.label for p in classifier.predict([letter_text, GARAGE_PROBE])] == [RIGHT, RIGHT]

        # Its card: this one correction, both models scored on the evaluation set, promoted.
        assert card["extra"]["corrections"] == 1 and card["extra"]["corrected_letters"] == [letter_id]
        evaluation = card["evaluation"]
        assert evaluation["samples"] == len(EVAL) + 1
        before, after = evaluation["before"], evaluation["after"]
        assert {"accuracy", "macro_f1"} <= before.keys() and {"accuracy", "macro_f1"} <= after.keys()
        assert after["macro_f1"] > before["macro_f1"]  # the mislabel cost the old model the garage probe
        assert card["promotion"]["promoted"] is True
        assert "corrections trained on: 1" in (models / current / "MODEL_CARD.md").read_text(encoding="utf-8")
        with ctx.db.session() as session:
            used = session.scalar(select(Correction.used_in_model).where(Correction.field == "category"))
        assert used == new_version

        # The next letter about the garage is understood with the new model, and labelled right.
        next_id = hand_in(ctx, text_pdf(tmp_path / "garage-again.pdf", NEXT_LETTER_LINES), days_ago=0)
        with ctx.db.session() as session:
            again = session.get(Letter, next_id)
            assert (again.category, again.model_version) == (RIGHT, new_version)
