"""The issue classifier: tokenising, training, saving/loading, review flag, CLI, benchmark.

Everything trains on small corpora written here (seconds), never on the real
benchmark data.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from pipeline.classify import (
    check_labels_in_taxonomy,
    load_model,
    needs_review,
    read_corpus,
    save_model,
    tokenize,
    train_model,
    trusted_types,
)
from pipeline.classify.card import CARD_FILE, MODEL_FILE
from pipeline.errors import ConfigError, EvaluationError, ExitCode, InputFileError

# Three matters a petition office sees every day, eight letters each.
CORPUS = {
    "property": [
        "小区物业公司乱收停车费，业主意见很大",
        "物业管理混乱，电梯经常坏了没人修",
        "小区物业不作为，垃圾堆放在楼道无人清理",
        "开发商交房后物业费上涨，业主委员会无法成立",
        "物业公司擅自占用小区公共绿地建停车位",
        "小区二次供水水箱长年不清洗，物业不管",
        "业主反映物业公司公共维修基金使用不公开",
        "物业服务太差，小区门禁和路灯坏了很久",
    ],
    "wages": [
        "老板拖欠农民工工资三个月，至今不发",
        "公司拖欠员工工资和加班费，劳动监察不处理",
        "建筑工地包工头欠薪跑路，工人讨薪无门",
        "单位不给缴纳社保，辞退员工不给经济补偿",
        "工厂拖欠工资半年，工人生活困难",
        "用人单位不签劳动合同，克扣工资",
        "项目部拖欠农民工工资，请劳动部门督促支付",
        "企业破产后职工工资和社保欠缴无人负责",
    ],
    "school": [
        "学校违规收取补课费，家长负担很重",
        "孩子上小学学位不足，入学难",
        "中学老师在校外有偿补课，教育局不管",
        "幼儿园收费过高，教育部门应当规范",
        "学校食堂饭菜质量差，学生家长担心",
        "小学划片招生不公平，孩子无法就近入学",
        "学校强制学生购买教辅资料",
        "高中违规提前招生，扰乱教育秩序",
    ],
}
HELD_OUT = [
    ("物业公司把小区公共车位卖给外人，业主不同意", "property"),
    ("包工头拖欠我们的工资，年底了还不发", "wages"),
    ("学校老师要求学生参加收费补课", "school"),
]


def corpus_lists() -> tuple[list[str], list[str]]:
    texts = [text for label in CORPUS for text in CORPUS[label]]
    labels = [label for label in CORPUS for _ in CORPUS[label]]
    return texts, labels


@pytest.fixture(scope="module")
def trained():
    texts, labels = corpus_lists()
    return train_model(texts, labels, cv_folds=3)


@pytest.fixture(scope="module")
def model_dir(trained, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("model")
    save_model(trained, out, {"name": "tiny"})
    return out


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


# --- tokenising ---------------------------------------------------------------


def test_pretokenised_and_raw_text_give_the_same_tokens():
    raw = "我们小区的物业公司乱收停车费！"
    # What the tipdm corpus looks like: jieba words joined by spaces, some
    # stop words and all punctuation already gone.
    pretokenised = "我们 小区 物业公司 乱收 停车费"
    assert tokenize(raw) == tokenize(pretokenised) == ["小区", "物业公司", "乱收", "停车费"]


def test_tokenize_is_idempotent_on_its_own_output():
    raw = "老板拖欠我们三个月的工资，劳动监察大队不管。"
    tokens = tokenize(raw)
    assert tokens and tokenize(" ".join(tokens)) == tokens


def test_tokenize_drops_numbers_punctuation_and_spreadsheet_escapes_and_folds_width():
    tokens = tokenize("Ａ１区华庭小区2019年3月停水了，_x000D_请尽快处理。")
    assert tokens[0] == "a1"  # full-width folded, lower-cased
    assert "2019" not in tokens and "3" not in tokens
    assert not any(t in {"，", "。", "了", "_x000D_", "_x000d_"} for t in tokens)
    assert "停水" in tokens


def test_jieba_loads_silently(tmp_path):
    # A fresh process with an empty temp dir: jieba builds its dictionary
    # cache there, which it normally announces on stderr.
    import subprocess
    import sys

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    code = "from pipeline.classify import tokenize; print(tokenize('物业公司乱收费'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['物业公司', '乱收费']"
    assert done.stderr == ""
    assert list(tmp_path.glob("jieba*.cache")), "jieba did not build its cache in the fresh temp dir"


# --- training and predicting --------------------------------------------------


def test_training_reports_cross_validated_metrics(trained):
    cv = trained.cross_validation
    assert trained.labels == ["property", "school", "wages"]
    assert cv["folds"] == 3 and cv["samples"] == 24
    assert 0 <= cv["macro_f1"] <= 1 and len(cv["fold_macro_f1"]) == 3
    assert np.asarray(cv["confusion_matrix"]).sum() == 24
    assert set(cv["per_class"]) == set(trained.labels)


def test_held_out_letters_get_their_labels(model_dir):
    classifier = load_model(model_dir)
    predictions = classifier.predict([text for text, _ in HELD_OUT])
    assert [label for label, _ in predictions] == [label for _, label in HELD_OUT]
    for _, probability in predictions:
        assert 1 / 3 < probability <= 1


def test_top_k_is_ranked_and_probabilities_sum_to_one(model_dir):
    classifier = load_model(model_dir)
    ranked = classifier.top_k([HELD_OUT[0][0]], k=3)[0]
    assert [p.label for p in ranked[:1]] == ["property"]
    assert sorted({p.label for p in ranked}) == classifier.labels
    assert [p.probability for p in ranked] == sorted((p.probability for p in ranked), reverse=True)
    assert sum(p.probability for p in ranked) == pytest.approx(1.0)


def test_training_refuses_data_it_cannot_learn_from():
    with pytest.raises(EvaluationError, match="two labels"):
        train_model(["甲", "乙", "丙"], ["a", "a", "a"])
    with pytest.raises(EvaluationError, match="5-fold"):
        train_model(["物业", "工资", "物业", "工资"], ["a", "b", "a", "b"], cv_folds=5)


# --- review flag --------------------------------------------------------------


def test_low_confidence_needs_review_at_the_policy_threshold(model_dir):
    from pipeline.config import load_policy

    minimum = load_policy().review.classification_confidence_min
    assert needs_review(minimum - 0.01) and not needs_review(minimum)
    classifier = load_model(model_dir)
    assert all(c.needs_review for c in classifier.classify([t for t, _ in HELD_OUT], threshold=1.01))
    assert not any(c.needs_review for c in classifier.classify([t for t, _ in HELD_OUT], threshold=0.0))


# --- saving and loading -------------------------------------------------------


def test_save_load_round_trip_gives_identical_probabilities(trained, model_dir):
    texts = [text for text, _ in HELD_OUT]
    loaded = load_model(model_dir)
    assert np.array_equal(loaded.predict_proba(texts), trained.model.predict_proba(texts))
    # The vocabularies are saved as one string each and rebuilt on load.
    for (_, original), (_, restored) in zip(trained.model.named_steps["features"].transformer_list,
                                            loaded.pipeline.named_steps["features"].transformer_list, strict=True):
        assert restored.vocabulary_ == original.vocabulary_ and len(restored.vocabulary_) > 10
    card = json.loads((model_dir / CARD_FILE).read_text(encoding="utf-8"))
    assert loaded.version == card["version"] and card["version"].startswith("tiny-")
    assert card["version"].endswith(trained.data_sha256[:8])
    assert {"python", "scikit-learn", "jieba", "numpy", "skops"} <= set(card["libraries"])
    assert (model_dir / "MODEL_CARD.md").read_text(encoding="utf-8").startswith(f"# Model card: {card['version']}")


def copy_model(model_dir: Path, target: Path) -> Path:
    target.mkdir()
    for name in (MODEL_FILE, CARD_FILE):
        (target / name).write_bytes((model_dir / name).read_bytes())
    return target


def edit_card(model_dir: Path, **libraries: str) -> None:
    card = json.loads((model_dir / CARD_FILE).read_text(encoding="utf-8"))
    card["libraries"].update(libraries)
    (model_dir / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")


def test_other_sklearn_minor_version_is_refused_unless_told(model_dir, tmp_path):
    copy = copy_model(model_dir, tmp_path / "copy")
    edit_card(copy, **{"scikit-learn": "1.0.2"})
    with pytest.raises(ConfigError, match="scikit-learn 1.0.2"):
        load_model(copy)
    with pytest.warns(UserWarning, match="scikit-learn 1.0.2"):
        assert load_model(copy, strict_versions=False).labels


def test_other_jieba_version_only_warns(model_dir, tmp_path):
    copy = copy_model(model_dir, tmp_path / "copy")
    edit_card(copy, jieba="0.39")
    with pytest.warns(UserWarning, match="jieba 0.39"):
        load_model(copy)


def test_a_changed_model_file_is_refused(model_dir, tmp_path):
    copy = copy_model(model_dir, tmp_path / "copy")
    data = bytearray((copy / MODEL_FILE).read_bytes())
    data[-10] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="SHA-256"):
        load_model(copy)


def test_types_outside_the_allow_list_are_refused(tmp_path):
    import skops.io
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "evil.skops"
    skops.io.dump(FunctionTransformer(func=os.getcwd), path)
    with pytest.raises(ConfigError, match="getcwd"):
        trusted_types(path)


def test_load_model_reports_a_missing_folder(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_model(tmp_path / "nowhere")


# --- input files --------------------------------------------------------------


def test_read_corpus_prepends_title_and_rejects_bad_lines(tmp_path):
    rows = [{"id": 7, "title": "标题", "body": "正文", "cat": "a"}, {"body": "二", "cat": "b"}]
    good = write_jsonl(tmp_path / "good.jsonl", rows)
    corpus = read_corpus(good, text_field="body", label_field="cat")
    assert corpus.texts == ["标题\n正文", "二"] and corpus.labels == ["a", "b"] and corpus.ids == ["7", "2"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "好", "label": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="bad.jsonl:2"):
        read_corpus(bad)
    with pytest.raises(InputFileError, match="'label'"):
        read_corpus(write_jsonl(tmp_path / "nolabel.jsonl", [{"text": "好"}]))


def test_labels_must_be_taxonomy_codes_when_asked():
    from pipeline.config import load_policy

    codes = load_policy().category_codes
    check_labels_in_taxonomy([codes[0], codes[1]], codes)
    with pytest.raises(EvaluationError, match="land_aquisition"):
        check_labels_in_taxonomy([codes[0], "land_aquisition"], codes)


# --- command line -------------------------------------------------------------


@pytest.fixture
def cli():
    from pipeline.cli.model_commands import register

    app = typer.Typer()
    register(app)
    return app


def test_cli_train_then_classify(cli, tmp_path):
    texts, labels = corpus_lists()
    rows = [{"text": t, "label": lab} for t, lab in zip(texts, labels, strict=True)]
    data = write_jsonl(tmp_path / "letters.jsonl", rows)
    runner = CliRunner()
    result = runner.invoke(cli, ["train", "--data", str(data), "--out", str(tmp_path / "m"),
                                 "--name", "city", "--cv-folds", "3"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "m" / CARD_FILE).read_text(encoding="utf-8"))["name"] == "city"

    inputs = write_jsonl(tmp_path / "new.jsonl", [{"id": f"L{i}", "text": t} for i, (t, _) in enumerate(HELD_OUT)])
    result = runner.invoke(cli, ["classify", "--model", str(tmp_path / "m"), str(inputs)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    expected = [(f"L{i}", label) for i, (_, label) in enumerate(HELD_OUT)]
    assert [(line["id"], line["label"]) for line in lines] == expected
    assert all(0 < line["probability"] <= 1 and isinstance(line["needs_review"], bool) for line in lines)

    result = runner.invoke(cli, ["classify", "--model", str(tmp_path / "m"), str(inputs),
                                 "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()) == len(HELD_OUT)


def test_cli_errors_become_exit_codes(cli, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["classify", "--model", str(tmp_path / "none"), str(tmp_path / "x.jsonl")])
    assert result.exit_code == ExitCode.config
    data = write_jsonl(tmp_path / "city.jsonl", [{"text": "物业", "label": "not_a_code"}, {"text": "工资", "label": "x"}])
    result = runner.invoke(cli, ["train", "--data", str(data), "--check-labels", "--out", str(tmp_path / "m")])
    assert result.exit_code == ExitCode.evaluation
    assert "not_a_code" in result.output


def test_cli_benchmark_tipdm_on_a_tiny_tipdm_like_folder(cli, tmp_path):
    import jieba

    data_dir = tmp_path / "tipdm"
    data_dir.mkdir()
    texts, labels = corpus_lists()
    # train.jsonl as tipdm ships it: jieba words, spaces, no punctuation.
    pretokenised = [" ".join(w for w in jieba.lcut(t) if w not in "，。") for t in texts]
    write_jsonl(data_dir / "train.jsonl", [{"id": f"row{i}", "text": t, "label": lab}
                                           for i, (t, lab) in enumerate(zip(pretokenised, labels, strict=True))])
    write_jsonl(data_dir / "test.jsonl", [{"id": i, "title": t[:6], "text": t, "label": lab}
                                          for i, (t, lab) in enumerate(HELD_OUT)])
    out = tmp_path / "models" / "tipdm"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean run warns about nothing
        result = CliRunner().invoke(cli, ["benchmark", "tipdm", "--data-dir", str(data_dir), "--out", str(out),
                                          "--cv-folds", "3"])
    assert result.exit_code == 0, result.output
    assert "accuracy 1.0000" in result.output and "macro-F1 1.0000" in result.output
    card = json.loads((out / CARD_FILE).read_text(encoding="utf-8"))
    assert card["test"]["samples"] == 3 and card["test"]["accuracy"] == 1.0
    assert card["cross_validation"]["folds"] == 3
    assert "## Test set" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert load_model(out).labels == ["property", "school", "wages"]


def test_cli_benchmark_without_data_fails_cleanly(cli, tmp_path):
    result = CliRunner().invoke(cli, ["benchmark", "tipdm", "--data-dir", str(tmp_path), "--out", str(tmp_path / "m")])
    assert result.exit_code == ExitCode.evaluation
