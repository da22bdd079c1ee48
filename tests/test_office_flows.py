"""The office's scheduled flows under Prefect's test harness, each run once, and their deployments.

No OCR anywhere: the databases are built by hand, the classifier is trained
on a few dozen sentences written here, and the batch flow runs on an empty inbox.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from pipeline.cases import lifecycle
from pipeline.settings import load_settings
from pipeline.store import records
from pipeline.store.models import Correction, FlowRun
from tests.test_case_lifecycle import add_case, add_letter, assess, step

CORPUS = {
    "property_housing": [
        "小区物业公司乱收停车费，业主意见很大", "物业管理混乱，电梯经常坏了没人修",
        "小区物业不作为，垃圾堆放在楼道无人清理", "开发商交房后物业费上涨，业主委员会无法成立",
        "物业公司擅自占用小区公共绿地建停车位", "小区二次供水水箱长年不清洗，物业不管",
        "业主反映物业公司公共维修基金使用不公开", "物业服务太差，小区门禁和路灯坏了很久",
    ],
    "wage_arrears": [
        "老板拖欠农民工工资三个月，至今不发", "公司拖欠员工工资和加班费，劳动监察不处理",
        "建筑工地包工头欠薪跑路，工人讨薪无门", "单位不给缴纳社保，辞退员工不给经济补偿",
        "工厂拖欠工资半年，工人生活困难", "用人单位不签劳动合同，克扣工资",
        "项目部拖欠农民工工资，请劳动部门督促支付", "企业破产后职工工资和社保欠缴无人负责",
    ],
    "substitute_teacher": [
        "我们是被清退的代课教师，要求解决养老保险", "民办教师教龄补助一直没有落实",
        "代课教师工龄补偿标准太低", "原民办教师退休后待遇无人过问",
        "清退代课教师时承诺的补偿至今未兑现", "代课老师在村小教书二十年，如今生活无着",
        "要求为原代课教师补缴养老统筹", "民办教师转正遗留问题请教育局解决",
    ],
}
EVAL = [("物业公司把小区公共车位卖给外人，业主不同意", "property_housing"),
        ("包工头拖欠我们的工资，年底了还不发", "wage_arrears"),
        ("原代课教师要求落实养老待遇", "substitute_teacher"),
        ("物业费乱涨价，维修基金去向不明", "property_housing")]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def flow_runs(ctx, kind: str) -> list[FlowRun]:
    with ctx.db.session() as s:
        return list(s.scalars(select(FlowRun).where(FlowRun.kind == kind).order_by(FlowRun.started_at)))


def artifact_data(key: str):
    from prefect.artifacts import Artifact

    artifact = Artifact.get(key)
    assert artifact is not None, f"no artifact {key}"
    return json.loads(artifact.data) if isinstance(artifact.data, str) and artifact.type == "table" else artifact.data


# --- deployments ------------------------------------------------------------------------------------------


def test_deployments_are_four_with_the_settings_cron_strings(tmp_path, monkeypatch):
    from flows.office import deployments

    config = tmp_path / "lianming.toml"
    config.write_text('schedule_intake = "*/10 * * * *"\nschedule_closure_check = "15 7 * * 1-5"\n'
                      'timezone = "Asia/Urumqi"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # a relative home must become absolute in the deployments
    settings = load_settings(config_file=config, home="rel-home", schedule_retraining="0 4 * * 6")
    result = deployments(settings, config_file="lianming.toml")

    by_name = {d.name: d for d in result}
    assert list(by_name) == ["inbox-intake", "nightly-assignment-lists", "daily-closure-check", "weekly-retraining"]
    assert [d.flow_name for d in result] == ["lianming-batch", "lianming-assignment-lists", "lianming-closure-check",
                                             "lianming-retraining"]
    crons = {name: [(s.schedule.cron, s.schedule.timezone) for s in d.schedules] for name, d in by_name.items()}
    assert crons == {"inbox-intake": [("*/10 * * * *", "Asia/Urumqi")],
                     "nightly-assignment-lists": [("30 22 * * *", "Asia/Urumqi")],  # the default
                     "daily-closure-check": [("15 7 * * 1-5", "Asia/Urumqi")],
                     "weekly-retraining": [("0 4 * * 6", "Asia/Urumqi")]}

    home = str(tmp_path / "rel-home")
    common = {"home": home, "db_url": None, "config_file": str(config)}
    assert by_name["inbox-intake"].parameters == {"inputs": [f"{home}/inbox"], "out_dir": f"{home}/outputs/latest-run",
                                                  **common}
    assert (tmp_path / "rel-home" / "inbox").is_dir()
    for name in ("nightly-assignment-lists", "daily-closure-check", "weekly-retraining"):
        assert by_name[name].parameters == common


def test_deployments_carry_a_database_url_and_custom_folders(tmp_path):
    from flows.office import deployments

    settings = load_settings(home=tmp_path / "h", db_url="postgresql+psycopg://u@db/lianming",
                             inbox_dir=tmp_path / "scans", outputs_dir=tmp_path / "share")
    intake, *others = deployments(settings)
    assert intake.parameters["inputs"] == [str(tmp_path / "scans")]
    assert intake.parameters["out_dir"] == str(tmp_path / "share" / "latest-run")
    assert all(d.parameters["db_url"] == "postgresql+psycopg://u@db/lianming" for d in (intake, *others))
    assert intake.parameters["config_file"] is None


def test_batch_flow_runs_with_its_deployment_parameters(prefect_harness, tmp_path):
    from flows.batch import batch_flow
    from flows.office import deployments

    settings = load_settings(home=tmp_path / "home")
    intake = deployments(settings)[0]
    summary = batch_flow(**intake.parameters)  # an empty inbox: nothing to read, nothing lost
    assert (summary["files_seen"], summary["registered"], summary["quarantined"]) == (0, 0, [])
    assert Path(intake.parameters["out_dir"], "run.json").is_file()


# --- the scheduled flows, once each -----------------------------------------------------------------------


def test_assignment_lists_flow(prefect_harness, ctx, settings, tmp_path):
    from flows.office import assignment_lists_flow

    with ctx.db.session() as s:
        cases = [("C1", add_letter(s, "L1")),
                 ("C2", add_letter(s, "L2", county="河西县", township="高桥镇")),
                 ("C3", add_letter(s, "L3", county="河西县", township="马坊乡"))]
        for case_id, letter in cases:
            assess(s, add_case(s, case_id, [letter]), ctx.policy)

    out = tmp_path / "lists"
    summary = assignment_lists_flow(out_dir=str(out), home=str(settings.home), as_of="2026-05-20")
    assert summary["rows"] == 3
    assert summary["per_unit"] == {"河西县人力资源和社会保障局": 2, "青山县人力资源和社会保障局": 1}
    assert Path(summary["xlsx"]) == out / "交办单-2026-05-20.xlsx"
    assert sorted(load_workbook(summary["xlsx"]).sheetnames) == sorted(summary["per_unit"])
    assert len(summary["pdfs"]) == 2 and all(Path(p).is_file() for p in summary["pdfs"])
    # The artifact counts the cases of each unit (it once said 1 for every unit).
    assert artifact_data("assignment-lists") == [{"unit": "河西县人力资源和社会保障局", "cases": 2},
                                                 {"unit": "青山县人力资源和社会保障局", "cases": 1}]
    (run,) = flow_runs(ctx, "lists")
    assert run.status == "completed" and run.prefect_flow_run_id and run.finished_at
    assert run.summary["per_unit"] == summary["per_unit"]

    again = assignment_lists_flow(out_dir=str(tmp_path / "again"), home=str(settings.home), as_of="2026-05-21")
    assert (again["rows"], again["xlsx"], again["pdfs"]) == (0, "", [])
    assert artifact_data("assignment-lists") == [{"unit": "（无）", "cases": 0}]


def test_closure_check_flow(prefect_harness, ctx, settings, tmp_path):
    from flows.office import closure_check_flow

    with ctx.db.session() as s:
        for case_id, letter in (("C1", add_letter(s, "L1", signatories=12)),
                                ("C2", add_letter(s, "L2", county="北岭县", township="石门镇", signatories=60))):
            assess(s, add_case(s, case_id, [letter]), ctx.policy)
        lifecycle.acknowledge(s, "C1", step(date(2026, 5, 12)))
        lifecycle.record_result(s, "C1", step(date(2026, 6, 1), text="已补发"))
        lifecycle.record_reply(s, "C1", step(date(2026, 6, 2), text="已答复"))

    out = tmp_path / "closure"
    result = closure_check_flow(out_dir=str(out), home=str(settings.home), as_of="2026-06-20")
    assert (result["closed"], result["open_in_time"], result["closure_rate"]) == (1, 0, 0.5)
    assert [(r["case_id"], r["days_overdue"], r["risk_level"]) for r in result["overdue"]] == [("C2", 10, "urgent")]
    assert result["problems"] == [] and result["ok"] is False  # below the 100% target
    assert json.loads((out / "closure.json").read_text(encoding="utf-8"))["closure_rate"] == 0.5
    assert "超期督办" in (out / "closure.md").read_text(encoding="utf-8")
    assert "处结率 50.0%" in artifact_data("closure-check")
    assert [row["case_id"] for row in artifact_data("overdue-cases")] == ["C2"]
    (run,) = flow_runs(ctx, "closure")
    assert run.status == "completed" and run.summary["overdue"] == 1


def test_retraining_flow(prefect_harness, ctx, settings, tmp_path, monkeypatch):
    from flows.office import retraining_flow
    from pipeline.classify import save_model, train_model

    corpus = tmp_path / "corpus"
    for label, texts in CORPUS.items():
        write_jsonl(corpus / f"{label}.jsonl", [{"id": f"{label}-{i}", "text": t, "label": label}
                                                 for i, t in enumerate(texts)])
    evaluation = write_jsonl(tmp_path / "eval.jsonl", [{"text": t, "label": label} for t, label in EVAL])
    texts = [t for label in CORPUS for t in CORPUS[label]]
    labels = [label for label in CORPUS for _ in CORPUS[label]]
    first_model = tmp_path / "model-v0"
    save_model(train_model(texts, labels, cv_folds=0), first_model, {"name": "tiny"})
    monkeypatch.setenv("LIANMING_TRAINING_DATA", str(corpus))
    monkeypatch.setenv("LIANMING_EVALUATION_DATA", str(evaluation))
    monkeypatch.setenv("LIANMING_MODEL_DIR", str(first_model))

    with ctx.db.session() as s:
        add_letter(s, "L1", text="小区物业把公共绿地改成停车场收费，业主多次反映无果", category="wage_arrears")
        s.add(Correction(entity="letter", entity_id="L1", field="category", old_value="wage_arrears",
                         new_value="property_housing", reviewer="reviewer1", at=records.now()))

    summary = retraining_flow(home=str(settings.home))
    assert summary["corrections"] == 1
    assert summary["promoted"] is True and "promoted" in summary["reason"]
    models = settings.home / "models"
    assert (models / "CURRENT").read_text(encoding="utf-8").strip() == summary["version"]
    card = json.loads((models / summary["version"] / "model_card.json").read_text(encoding="utf-8"))
    assert card["promotion"]["promoted"] is True and card["evaluation"]["samples"] == len(EVAL)
    with ctx.db.session() as s:
        assert s.scalar(select(Correction.used_in_model)) == summary["version"]
    assert "corrections used: 1" in artifact_data("retraining")
    (run,) = flow_runs(ctx, "retraining")
    assert run.status == "completed" and run.summary["version"] == summary["version"]


def test_a_failing_flow_marks_its_run_failed(prefect_harness, ctx, settings, tmp_path, monkeypatch):
    from flows.office import retraining_flow

    monkeypatch.setenv("LIANMING_TRAINING_DATA", str(tmp_path / "missing"))
    with pytest.raises(Exception, match="missing"):
        retraining_flow(home=str(settings.home))
    (run,) = flow_runs(ctx, "retraining")
    assert run.status == "failed" and "missing" in run.summary["error"]


def test_retraining_refuses_a_correction_that_is_no_category_code(ctx, settings, tmp_path):
    from pipeline.classify.retrain import retrain_with_corrections
    from pipeline.errors import EvaluationError

    corpus = write_jsonl(tmp_path / "city.jsonl", [{"text": t, "label": label}
                                                   for label, texts in CORPUS.items() for t in texts])
    tuned = settings.model_copy(update={"training_data": corpus, "evaluation_data": corpus})
    with ctx.db.session() as s:
        add_letter(s, "L1", text="小区物业乱收费")
        s.add(Correction(entity="letter", entity_id="L1", field="category", old_value="wage_arrears",
                         new_value="property_housnig", reviewer="reviewer1", at=records.now()))
    with ctx.db.session() as s, pytest.raises(EvaluationError, match="property_housnig"):
        retrain_with_corrections(s, tuned)
    assert not (settings.home / "models").exists()  # nothing trained, nothing promoted
