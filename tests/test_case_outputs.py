"""What the office gets out: the closure check (处结率, §5) and the assignment lists (交办单, §6).

Built on a real SQLite database with hand-inserted letters and cases, so the
closure check is shown to catch what the pipeline would never produce (a
letter in no case, a case without a lead unit, a case marked closed by hand),
and the lists are opened with openpyxl and pdfplumber as a unit would.
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from openpyxl import load_workbook

from pipeline import runs
from pipeline.cases import lifecycle
from pipeline.cases.closure import closure_check, to_markdown, write_closure_report
from pipeline.cases.jobs import daily_closure_check, produce_assignment_lists
from pipeline.output.assignments import COLUMNS
from pipeline.store import records
from pipeline.store.models import Case
from tests.test_case_lifecycle import add_case, add_letter, add_signatories, assess, step

CHECK_DAY = date(2026, 9, 1)
HEADERS = [header for _, header, _ in COLUMNS]
REP_ID = "410105199001011234"
REP_ID_MASKED = "410***********1234"
OTHER_IDS = ("410105198502023456", "41010519780303345X")
OTHER_NAMES = ("李秀英", "赵铁柱")


# --- closure check -----------------------------------------------------------------------------------------


def _close(session, case_id: str, *, ack: date, result: date, reply: date) -> None:
    lifecycle.acknowledge(session, case_id, step(ack, today=CHECK_DAY))
    lifecycle.record_result(session, case_id, step(result, today=CHECK_DAY, text="已督促企业补发工资"))
    lifecycle.record_reply(session, case_id, step(reply, today=CHECK_DAY, text="已答复代表"))


@pytest.fixture
def closure_db(ctx):
    """A: closed. B: open, in time. C: overdue. D: past its deadline but within an extension.
    E: no lead unit (inserted by hand). L-X: a letter in no case (inserted by hand)."""
    policy = ctx.policy
    with ctx.db.session() as s:
        a = add_case(s, "C-A", [add_letter(s, "L-A", received=date(2026, 5, 11), signatories=12)])
        b = add_case(s, "C-B", [add_letter(s, "L-B", received=date(2026, 8, 20), county="河西县", township="高桥镇")])
        c = add_case(s, "C-C", [add_letter(s, "L-C", received=date(2026, 5, 11), county="北岭县", township="石门镇",
                                           signatories=60)])
        d = add_case(s, "C-D", [add_letter(s, "L-D", received=date(2026, 7, 10), county="南湖区", township="石桥镇",
                                           signatories=60)])
        for case in (a, b, c, d):
            assess(s, case, policy)
        _close(s, "C-A", ack=date(2026, 5, 12), result=date(2026, 6, 1), reply=date(2026, 6, 3))
        lifecycle.extend(s, "C-D", step(date(2026, 8, 1), today=CHECK_DAY, text="需要第三方鉴定"),
                         new_due=date(2026, 9, 8), policy=policy)
        add_case(s, "C-E", [add_letter(s, "L-E", county="东城区", township="东湖街道")], status="assigned",
                 lead_unit=None, registered_on=date(2026, 8, 1), result_due=date(2026, 10, 1))
        add_letter(s, "L-X", received=date(2026, 8, 25))
    return ctx


def test_closure_check_counts_and_catches_what_was_inserted_by_hand(closure_db, tmp_path):
    ctx = closure_db
    with ctx.db.session() as s:
        assert (s.get(Case, "C-C").result_due, s.get(Case, "C-D").result_due) == (date(2026, 6, 10), date(2026, 8, 9))
        report = closure_check(s, today=CHECK_DAY, policy=ctx.policy)

    assert (report.files_received, report.letters, report.quarantined) == (6, 6, 0)
    assert report.letters_without_case == ["L-X"]
    assert report.cases == 5
    assert report.cases_without_lead_unit == ["C-E"]
    assert report.cases_without_letters == []
    assert report.closed == 1
    assert report.open_in_time == 3  # B, D (extended), E
    assert [row["case_id"] for row in report.overdue] == ["C-C"]
    overdue = report.overdue[0]
    assert overdue["lead_unit"] == "北岭县人力资源和社会保障局"
    assert overdue["days_overdue"] == 83  # 2026-06-10 → 2026-09-01
    assert overdue["result_due"] == "2026-06-10"
    assert report.closure_rate == pytest.approx(0.5)  # 1 closed / (1 closed + 1 past its deadline)
    assert not report.ok
    assert any("L-X" in p for p in report.problems) and any("C-E" in p for p in report.problems)

    json_path, md_path = write_closure_report(report, tmp_path / "closure")
    assert (json_path.name, md_path.name) == ("closure.json", "closure.md")
    payload = json.loads(json_path.read_text(encoding="utf-8"))
    assert payload["ok"] is False and payload["closure_rate"] == 0.5
    assert payload["overdue"][0]["case_id"] == "C-C" and payload["letters_without_case"] == ["L-X"]
    markdown = md_path.read_text(encoding="utf-8")
    assert "处结率 50.0%" in markdown and "## 超期督办" in markdown
    assert "| C-C | 北岭县人力资源和社会保障局 |" in markdown and "| 83 |" in markdown
    assert "C-E" in markdown and "L-X" in markdown
    assert not list((tmp_path / "closure").glob(".*"))  # no temporary file left behind


def test_the_extension_is_respected_until_it_runs_out(closure_db):
    ctx = closure_db
    with ctx.db.session() as s:
        late = closure_check(s, today=date(2026, 9, 10), policy=ctx.policy)
    row = next(r for r in late.overdue if r["case_id"] == "C-D")
    assert (row["result_due"], row["days_overdue"]) == ("2026-09-08", 2)
    # The supervision list speaks the office's language: category and risk by name.
    assert row["category_name"] == "拖欠工资" and f"| C-D | {row['lead_unit']} | 拖欠工资 |" in to_markdown(late)


def test_a_case_marked_closed_without_result_and_reply_is_not_closed(ctx):
    with ctx.db.session() as s:
        add_case(s, "C-F", [add_letter(s, "L-F")], status="closed", lead_unit="青山县人力资源和社会保障局",
                 registered_on=date(2026, 5, 11), result_due=date(2026, 7, 10), closed_on=date(2026, 6, 1))
    with ctx.db.session() as s:
        report = closure_check(s, today=CHECK_DAY, policy=ctx.policy)
    assert report.closed == 0 and report.closed_without_result_and_reply == ["C-F"]
    assert [(r["case_id"], r["days_overdue"]) for r in report.overdue] == [("C-F", 53)]
    assert report.closure_rate == 0.0 and not report.ok
    assert any("marked closed without" in p for p in report.problems)


def test_a_clean_database_passes_and_the_rate_is_undefined_before_anything_is_due(ctx):
    with ctx.db.session() as s:
        assess(s, add_case(s, "C1", [add_letter(s, "L1", received=date(2026, 8, 20))]), ctx.policy)
    with ctx.db.session() as s:
        report = closure_check(s, today=CHECK_DAY, policy=ctx.policy)
    assert (report.closed, report.open_in_time, report.overdue, report.problems) == (0, 1, [], [])
    assert report.closure_rate is None and report.ok
    assert "尚无到期或办结的事项" in to_markdown(report)


def test_daily_check_raises_overdue_cases_then_writes_the_report(closure_db, tmp_path):
    ctx = closure_db
    report = daily_closure_check(ctx, tmp_path / "out", today=CHECK_DAY)
    with ctx.db.session() as s:
        overdue = s.get(Case, "C-C")
        assert overdue.risk_level == "urgent"  # high, one level up for being overdue
        assert overdue.result_due == date(2026, 6, 10)  # the missed deadline does not move
        # The re-assessment routes the hand-inserted case without a lead unit.
        assert s.get(Case, "C-E").lead_unit == "东城区人力资源和社会保障局"
    assert report.overdue[0]["risk_level"] == "urgent"
    assert report.cases_without_lead_unit == [] and report.letters_without_case == ["L-X"]
    assert (tmp_path / "out" / "closure.json").is_file() and (tmp_path / "out" / "closure.md").is_file()


# --- assignment lists --------------------------------------------------------------------------------------

TODAY = date(2026, 5, 20)
QINGSHAN_HR = "青山县人力资源和社会保障局"
HEXI_FINANCE = "河西县地方金融监督管理局"


@pytest.fixture
def listed_db(ctx):
    """C1 for 青山县人社局 (with a full signatory list); C2 (urgent) and C3 for 河西县金融局; C4 closed."""
    with ctx.db.session() as s:
        l1 = add_letter(s, "L1", signatories=3)
        add_signatories(s, l1, ("王建国", REP_ID, True), (OTHER_NAMES[0], OTHER_IDS[0], False),
                        (OTHER_NAMES[1], OTHER_IDS[1], False))
        l2 = add_letter(s, "L2", county="河西县", township="高桥镇", category="illegal_fundraising", signatories=120,
                        intent="collective", intent_detail={"cue": "集体上访"}, representative=("陈美兰", "13900001111"))
        l3 = add_letter(s, "L3", county="河西县", township="杨庄乡", category="illegal_fundraising", signatories=4,
                        representative=None, text="=HYPERLINK(\"http://x\",\"点我\") 关于理财平台爆雷的反映\n正文")
        l4 = add_letter(s, "L4", county="北岭县", township="石门镇")
        for case_id, letter in (("C1", l1), ("C2", l2), ("C3", l3), ("C4", l4)):
            assess(s, add_case(s, case_id, [letter]), ctx.policy)
        lifecycle.acknowledge(s, "C4", step(date(2026, 5, 12), today=TODAY))
        lifecycle.record_result(s, "C4", step(date(2026, 5, 13), today=TODAY, text="r"))
        lifecycle.record_reply(s, "C4", step(date(2026, 5, 14), today=TODAY, text="r"))
    return ctx


def run_lists(ctx, out: Path, *, before_finish=None):
    """One listing run, as the flow and `lianming lists` do it: begin, produce, finish."""
    ctx.run_id = None
    runs.begin_run(ctx, kind="lists")
    result = produce_assignment_lists(ctx, out, today=TODAY)
    if before_finish:
        before_finish()
    runs.finish_run(ctx, summary={"rows": result.rows})
    return result


def workbook_text(path: Path) -> str:
    """Every XML part of the workbook, for searching what must not be there."""
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "".join(re.sub(r"\s+", "", page.extract_text() or "") for page in pdf.pages)


def pdf_table(path: Path) -> tuple[list[list[str]], list[dict]]:
    """The table's rows (cell text with line breaks removed), and the page geometry of each page."""
    rows, pages = [], []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            pages.append({"width": page.width, "right": max([c["x1"] for c in page.chars]
                                                             + [r["x1"] for r in page.rects + page.lines])})
            for table in page.extract_tables():
                rows.extend([re.sub(r"\s+", "", cell or "") for cell in row] for row in table)
    return rows, pages


def test_lists_have_a_sheet_and_a_pdf_per_unit_with_masked_ids(listed_db, tmp_path):
    result = run_lists(listed_db, tmp_path / "lists")
    assert result.rows == 3  # the closed case is not listed
    assert result.units == sorted([QINGSHAN_HR, HEXI_FINANCE])
    assert result.per_unit == {HEXI_FINANCE: 2, QINGSHAN_HR: 1}
    assert result.xlsx.name == "交办单-2026-05-20.xlsx"

    book = load_workbook(result.xlsx)
    assert sorted(book.sheetnames) == sorted([QINGSHAN_HR, HEXI_FINANCE])
    for sheet in book.worksheets:
        assert [cell.value for cell in sheet[1]] == HEADERS
        assert sheet.freeze_panes == "A2"
        for index, (_, _, width) in enumerate(COLUMNS, start=1):
            assert sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width == width
        assert all(cell.font.bold for cell in sheet[1])

    def rows(unit):
        sheet = book[unit]
        return [dict(zip(HEADERS, (cell.value for cell in line))) for line in sheet.iter_rows(min_row=2)]

    (c1,) = rows(QINGSHAN_HR)
    assert (c1["事项编号"], c1["交办类型"], c1["类别"]) == ("C1", "新交办", "拖欠工资")
    assert (c1["代表姓名"], c1["代表电话"], c1["代表身份证号（脱敏）"]) == ("王建国", "13812345678", REP_ID_MASKED)
    assert (c1["签名人数"], c1["来信数"], c1["地点"], c1["办理层级"]) == (3, 1, "青山县柳河镇", "县区级")
    assert c1["协办单位"] == "柳河镇人民政府" and c1["办结期限"] == "2026-07-10"
    assert c1["流程运行号"] == listed_db.run_id and c1["分派依据"].startswith("§2.3")

    hexi = rows(HEXI_FINANCE)
    assert [r["事项编号"] for r in hexi] == ["C2", "C3"]  # urgent first
    assert hexi[0]["预警等级"] == "紧急" and "签名120人" in hexi[0]["预警原因"]
    assert hexi[0]["协办单位"] == "河西县公安局、高桥镇人民政府"
    # Text from a letter that looks like a formula stays text.
    summary = book[HEXI_FINANCE].cell(row=3, column=4)
    assert summary.value.startswith("=HYPERLINK") and summary.data_type == "s"

    everything = workbook_text(result.xlsx)
    assert REP_ID not in everything and REP_ID_MASKED in everything
    for secret in (*OTHER_IDS, *OTHER_NAMES):
        assert secret not in everything

    assert sorted(p.name for p in result.pdfs) == sorted(
        [f"交办单-2026-05-20-{QINGSHAN_HR}.pdf", f"交办单-2026-05-20-{HEXI_FINANCE}.pdf"])
    for pdf in result.pdfs:
        unit = QINGSHAN_HR if QINGSHAN_HR in pdf.name else HEXI_FINANCE
        text = pdf_text(pdf)
        assert "交办单" in text and unit in text
        for secret in (REP_ID, *OTHER_IDS, *OTHER_NAMES):
            assert secret not in text
        table, pages = pdf_table(pdf)
        assert table[0] == ["事项编号", "交办类型", "类别", "事项摘要", "地点", "签名人数", "代表姓名", "代表电话",
                            "预警等级", "预警原因", "受理告知期限", "办结期限", "协办单位"]
        # The whole table is on the page (it once ran 18 pt past the right edge, cutting off 协办单位).
        assert all(page["right"] <= page["width"] for page in pages)
    table, _ = pdf_table(next(p for p in result.pdfs if QINGSHAN_HR in p.name))
    assert table[1] == ["C1", "新交办", "拖欠工资", "关于柳河镇拖欠农民工工资的联名信", "青山县柳河镇", "3", "王建国",
                        "13812345678", "中", "拖欠工资类事项易引发集体访", "2026-05-26", "2026-07-10", "柳河镇人民政府"]


def test_listed_cases_are_listed_again_only_when_they_change(listed_db, tmp_path):
    ctx = listed_db
    first = run_lists(ctx, tmp_path / "1")
    assert first.rows == 3

    again = run_lists(ctx, tmp_path / "2")
    assert (again.rows, again.units, again.xlsx, again.pdfs) == (0, [], None, [])
    assert not (tmp_path / "2").exists()

    # C1 changes after the listing run finished: listed again, as a change, alone.
    with ctx.db.session() as s:
        lifecycle.extend(s, "C1", step(date(2026, 5, 19), today=TODAY, text="需要调查"), new_due=date(2026, 8, 9),
                         policy=ctx.policy)
    third = run_lists(ctx, tmp_path / "3")
    assert (third.rows, third.per_unit) == (1, {QINGSHAN_HR: 1})
    sheet = load_workbook(third.xlsx).active
    (row,) = [dict(zip(HEADERS, (c.value for c in line))) for line in sheet.iter_rows(min_row=2)]
    assert (row["事项编号"], row["交办类型"], row["办结期限"]) == ("C1", "变更", "2026-08-09")
    assert run_lists(ctx, tmp_path / "4").rows == 0

    # Re-routed to another unit: new for that unit, nothing for the old one.
    with ctx.db.session() as s:
        lifecycle.reroute(s, "C3", level="county", lead_unit="河西县公安局", co_units=[], reason="涉嫌犯罪",
                          actor="reviewer")
    fifth = run_lists(ctx, tmp_path / "5")
    assert fifth.per_unit == {"河西县公安局": 1}
    assert load_workbook(fifth.xlsx)["河西县公安局"]["B2"].value == "新交办"

    # A re-assessment that changes nothing does not make a case "changed".
    with ctx.db.session() as s:
        for case_id in ("C1", "C2"):
            assess(s, s.get(Case, case_id), ctx.policy)
    assert run_lists(ctx, tmp_path / "6").rows == 0


def test_a_change_made_while_the_list_is_written_is_not_lost(listed_db, tmp_path):
    ctx = listed_db

    def meanwhile():  # e.g. a batch run assessing a new letter while the PDFs are being written
        with ctx.db.session() as s:
            case = s.get(Case, "C2")
            case.summary = "更新后的摘要"
            case.updated_at = records.now()

    assert run_lists(ctx, tmp_path / "1", before_finish=meanwhile).rows == 3
    second = run_lists(ctx, tmp_path / "2")
    assert second.per_unit == {HEXI_FINANCE: 1}
    sheet = load_workbook(second.xlsx)[HEXI_FINANCE]
    assert (sheet["A2"].value, sheet["B2"].value, sheet["D2"].value) == ("C2", "变更", "更新后的摘要")
    assert run_lists(ctx, tmp_path / "3").rows == 0


def test_rows_are_not_marked_listed_without_a_run(listed_db, tmp_path):
    listed_db.run_id = None
    assert produce_assignment_lists(listed_db, tmp_path / "a", today=TODAY).rows == 3
    assert produce_assignment_lists(listed_db, tmp_path / "b", today=TODAY).rows == 3
    assert (tmp_path / "b" / "交办单-2026-05-20.xlsx").is_file()


def test_closure_names_an_open_case_without_a_deadline_as_a_problem_not_overdue(ctx):
    with ctx.db.session() as s:
        case = add_case(s, "C-nodue", [add_letter(s, "L-nodue")], lead_unit="青山县人力资源和社会保障局",
                        status="assigned")
        report = closure_check(s, today=CHECK_DAY, policy=ctx.policy)
    assert report.cases_without_deadline == [case.id]
    assert case.id not in [row["case_id"] for row in report.overdue]
    assert any("without a result deadline" in p for p in report.problems) and not report.ok
