"""Human review on a real (SQLite) database: corrections, case edits, the queue, access, dashboard figures.

Letters and cases are built by hand as grouping leaves them (helpers shared
with test_case_lifecycle) and assessed; every reviewer action must leave its
Correction and audit rows and have re-routed the cases it touched before it returns.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pipeline.cases import lifecycle
from pipeline.cases.closure import closure_check
from pipeline.cases.handling import MANUAL_ROUTING_PREFIX, assess_cases
from pipeline.errors import CaseRuleError
from pipeline.review import (
    ReviewError,
    can_act_on_case,
    can_view_case,
    can_view_letter,
    confirm_letter,
    correct_letter,
    dashboard_stats,
    merge_cases,
    merged_into,
    move_letter,
    reroute_case,
    review_queue,
    split_case,
    visible_case_ids,
)
from pipeline.store import records
from pipeline.store.models import Assignment, AuditEntry, Case, CaseEvent, CaseLetter, Correction, Letter, User
from tests.test_case_lifecycle import REGISTERED, ZONE, add_case, add_letter, assess, step

LOW_CATEGORY = "low_category_confidence: wage_arrears at 0.41 < 0.60"
UNKNOWN_PLACE = "unknown_place: no township found"
WAGES_BUREAU = "青山县人力资源和社会保障局"


@pytest.fixture
def session(ctx):
    with ctx.db.session() as s:
        yield s


def routed_case(session, policy, case_id: str, *letters: Letter) -> Case:
    case = add_case(session, case_id, list(letters))
    assess(session, case, policy)
    return case


def flagged(letter: Letter, *reasons: str) -> Letter:
    letter.needs_review, letter.review_reasons = True, list(reasons)
    return letter


def active_assignments(session, case_id: str) -> list[tuple[str, str]]:
    return sorted((a.unit, a.role) for a in session.scalars(
        select(Assignment).where(Assignment.case_id == case_id, Assignment.status == "active")))


def corrections_of(session, entity_id: str) -> list[tuple[str, str | None, str | None, str]]:
    return [(c.field, c.old_value, c.new_value, c.reviewer) for c in session.scalars(
        select(Correction).where(Correction.entity_id == entity_id).order_by(Correction.id))]


def audits(session, entity_id: str) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == entity_id)
                                .order_by(AuditEntry.id)))


def correct(session, ctx, letter_id: str, field: str, value):
    return correct_letter(session, letter_id=letter_id, field=field, new_value=value, reviewer="复核员甲",
                          policy=ctx.policy, zone=ZONE)


def membership(session) -> dict[str, str]:
    return dict(session.execute(select(CaseLetter.letter_id, CaseLetter.case_id)).all())


# --- letter corrections ------------------------------------------------------------------------------------


def test_a_category_correction_reroutes_at_once_and_is_recorded(session, ctx):
    letter = flagged(add_letter(session, "L1"), LOW_CATEGORY)
    case = routed_case(session, ctx.policy, "C1", letter)
    assert case.lead_unit == WAGES_BUREAU

    correction = correct(session, ctx, "L1", "category", "environmental_pollution")

    assert (correction.entity, correction.field, correction.old_value, correction.new_value, correction.reviewer) == (
        "letter", "category", "wage_arrears", "environmental_pollution", "复核员甲")
    assert correction.used_in_model is None  # training data until a model is promoted with it
    assert (letter.category, case.category, case.lead_unit) == ("environmental_pollution", "environmental_pollution",
                                                               "青山县生态环境局")
    assert active_assignments(session, "C1") == [("柳河镇人民政府", "co"), ("青山县生态环境局", "lead")]
    superseded = session.scalar(select(Assignment).where(Assignment.case_id == "C1", Assignment.unit == WAGES_BUREAU))
    assert superseded.status == "superseded"
    assert (letter.needs_review, letter.review_reasons) == (False, [])  # the only doubt is answered
    assert "letter.corrected" in audits(session, "L1") and "case.assessed" in audits(session, "C1")
    detail = session.scalar(select(AuditEntry.details).where(AuditEntry.action == "letter.corrected"))
    assert detail["old"] == "wage_arrears" and detail["cleared_reasons"] == [LOW_CATEGORY]


def test_a_township_correction_changes_the_co_unit_and_names_its_county(session, ctx):
    letter = add_letter(session, "L1", facts={"counties": ["青山县"], "townships": ["柳河镇"]})
    case = routed_case(session, ctx.policy, "C1", letter)
    assert case.co_units == ["柳河镇人民政府"]

    correct(session, ctx, "L1", "township", "青山镇")
    assert (case.township, case.lead_unit, case.co_units) == ("青山镇", WAGES_BUREAU, ["青山镇人民政府"])

    # Another county's township: the county follows (its own Correction), and the
    # corrected-away place does not linger to make the case "two counties, city level".
    correct(session, ctx, "L1", "township", "河西镇")
    assert (letter.county, letter.township) == ("河西县", "河西镇")
    assert letter.facts["counties"] == ["河西县"] and letter.facts["townships"] == ["河西镇"]
    assert (case.level, case.lead_unit, case.co_units) == ("county", "河西县人力资源和社会保障局", ["河西镇人民政府"])
    assert corrections_of(session, "L1") == [("township", "柳河镇", "青山镇", "复核员甲"),
                                             ("township", "青山镇", "河西镇", "复核员甲"),
                                             ("county", "青山县", "河西县", "复核员甲")]


def test_correcting_an_unknown_place_takes_the_case_out_of_triage(session, ctx):
    letter = flagged(add_letter(session, "L1", county=None, township=None), LOW_CATEGORY, UNKNOWN_PLACE)
    case = routed_case(session, ctx.policy, "C1", letter)
    assert (case.status, case.lead_unit) == ("triage", "明州市信访局")

    correct(session, ctx, "L1", "category", "wage_arrears")  # a confirmed label: recorded, reason cleared
    assert letter.needs_review and letter.review_reasons == [UNKNOWN_PLACE]  # still in the queue for its place

    correct(session, ctx, "L1", "village", "新庄村")  # a unique village names its township and county
    assert (letter.county, letter.township, letter.village) == ("青山县", "柳河镇", "新庄村")
    assert (case.status, case.level, case.lead_unit, case.co_units) == ("assigned", "county", WAGES_BUREAU,
                                                                        ["柳河镇人民政府"])
    assert not letter.needs_review and review_queue(session) == []


def test_signatory_count_and_intent_corrections_re_rate_the_case(session, ctx):
    letter = add_letter(session, "L1", signatories=312)
    letter.stated_total = 312  # "共312人" misread for 共31人
    case = routed_case(session, ctx.policy, "C1", letter)
    assert (case.signatory_count, case.risk_level) == (312, "high")

    correct(session, ctx, "L1", "signatory_count", "31")
    assert (letter.signatory_count, letter.stated_total) == (31, None)
    assert (case.signatory_count, case.risk_level) == (31, "medium")
    assert corrections_of(session, "L1")[-1] == ("stated_total", "312", None, "复核员甲")

    correct(session, ctx, "L1", "intent", "province")
    assert case.risk_level == "urgent" and any("到省里上访" in r for r in case.risk_reasons)
    assert (case.ack_due, case.result_due) == (REGISTERED + timedelta(days=1), REGISTERED + timedelta(days=15))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("category", "wages", "not a category code"),
    ("category", None, "not a category code"),
    ("county", "东山县", "not a county"),
    ("township", "柳河乡", "not a township"),
    ("village", "石门村", "lies in 石门镇, not in 柳河镇"),
    ("village", "不存在村", "not a village"),
    ("signatory_count", -1, "at least 0"),
    ("signatory_count", "十二", "whole number"),
    ("signatory_count", True, "whole number"),
    ("intent", "maybe", "no intent"),
    ("text", "……", "not a field"),
])
def test_invalid_corrections_are_refused_and_change_nothing(session, ctx, field, value, message):
    letter = add_letter(session, "L1")
    case = routed_case(session, ctx.policy, "C1", letter)
    with pytest.raises(ReviewError, match=message) as raised:
        correct(session, ctx, "L1", field, value)
    assert isinstance(raised.value, CaseRuleError)
    assert (letter.category, letter.township, letter.signatory_count, case.lead_unit) == (
        "wage_arrears", "柳河镇", 3, WAGES_BUREAU)
    assert session.scalar(select(func.count()).select_from(Correction)) == 0


def test_a_county_that_does_not_hold_the_township_drops_it(session, ctx):
    letter = add_letter(session, "L1")
    letter.village = "新庄村"
    case = routed_case(session, ctx.policy, "C1", letter)
    correct(session, ctx, "L1", "county", "北岭县")
    assert (letter.county, letter.township, letter.village) == ("北岭县", None, None)
    assert (case.lead_unit, case.co_units) == ("北岭县人力资源和社会保障局", [])


def test_confirming_a_letter_leaves_its_fields_and_takes_it_off_the_queue(session, ctx):
    letter = flagged(add_letter(session, "L1"), LOW_CATEGORY)
    routed_case(session, ctx.policy, "C1", letter)
    assert [item.letter_id for item in review_queue(session)] == ["L1"]
    confirm_letter(session, letter_id="L1", reviewer="复核员甲")
    assert (letter.needs_review, letter.review_reasons, letter.category) == (False, [LOW_CATEGORY], "wage_arrears")
    assert audits(session, "L1") == ["letter.confirmed"] and review_queue(session) == []


# --- case edits --------------------------------------------------------------------------------------------


def assert_accounted_for(session, ctx) -> None:
    """Every letter in exactly one case (the primary key) and the closure check without problems."""
    session.flush()
    report = closure_check(session, today=date(2026, 5, 20), policy=ctx.policy)
    assert report.problems == []
    assert session.scalar(select(func.count()).select_from(CaseLetter)) == report.letters


def test_moving_a_letter_re_assesses_both_cases(session, ctx):
    l1, l2 = add_letter(session, "L1"), add_letter(session, "L2", received=REGISTERED + timedelta(days=1),
                                                     signatories=60)
    first = routed_case(session, ctx.policy, "C1", l1, l2)
    other = routed_case(session, ctx.policy, "C2", add_letter(session, "L3", township="青山镇"))
    assert (first.signatory_count, first.risk_level) == (60, "high")

    move_letter(session, letter_id="L2", to_case_id="C2", reviewer="复核员甲", policy=ctx.policy, zone=ZONE)

    assert membership(session) == {"L1": "C1", "L2": "C2", "L3": "C2"}
    assert (first.signatory_count, first.risk_level) == (3, "medium")
    assert (other.signatory_count, other.risk_level) == (63, "high")
    assert other.co_units == ["青山镇人民政府", "柳河镇人民政府"]  # L2 is about 柳河镇
    assert corrections_of(session, "L2") == [("case", "C1", "C2", "复核员甲")]
    moves = select(CaseEvent.case_id, CaseEvent.kind).where(CaseEvent.kind.in_(("letter_left", "letter_joined")))
    assert session.execute(moves).all() == [("C1", "letter_left"), ("C2", "letter_joined")]
    assert "letter.moved" in audits(session, "L2")
    assert_accounted_for(session, ctx)
    with pytest.raises(ReviewError, match="already in case C2"):
        move_letter(session, letter_id="L2", to_case_id="C2", reviewer="复核员甲", policy=ctx.policy, zone=ZONE)


def test_moving_a_cases_only_letter_merges_the_case(session, ctx):
    routed_case(session, ctx.policy, "C1", add_letter(session, "L1"))
    lone = routed_case(session, ctx.policy, "C2", add_letter(session, "L2"))
    move_letter(session, letter_id="L2", to_case_id="C1", reviewer="复核员甲", policy=ctx.policy, zone=ZONE)
    assert lone.status == "merged" and merged_into(session, case_id="C2") == "C1"
    assert_accounted_for(session, ctx)


def test_merging_moves_every_letter_and_retires_the_emptied_case(session, ctx):
    keep = routed_case(session, ctx.policy, "C1", add_letter(session, "L1", signatories=30))
    gone = routed_case(session, ctx.policy, "C2", add_letter(session, "L2", signatories=25),
                       add_letter(session, "L3", signatories=4))
    assert active_assignments(session, "C2")

    merge_cases(session, keep_case_id="C1", merge_case_id="C2", reviewer="复核员甲", policy=ctx.policy, zone=ZONE)

    assert membership(session) == {"L1": "C1", "L2": "C1", "L3": "C1"}
    assert (keep.signatory_count, keep.risk_level) == (59, "high")  # 30 + 25 + 4 people: past 50
    assert gone.status == "merged" and active_assignments(session, "C2") == []
    event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == "C2", CaseEvent.kind == "merged_into"))
    assert "C1" in event.text and merged_into(session, case_id="C2") == "C1"
    assert ("merged_into", None, "C1", "复核员甲") in corrections_of(session, "C2")
    assert "case.merged" in audits(session, "C2") and "case.merged_from" in audits(session, "C1")
    report = closure_check(session, today=date(2026, 5, 20), policy=ctx.policy)
    assert (report.cases, report.merged, report.problems) == (1, 1, [])
    assert [c.case_id for c in assess_cases(session, case_ids=None, policy=ctx.policy, zone=ZONE, today=None)] == ["C1"]
    with pytest.raises(ReviewError, match="'merged'"):
        merge_cases(session, keep_case_id="C2", merge_case_id="C1", reviewer="复核员甲", policy=ctx.policy, zone=ZONE)


def test_closure_check_flags_a_merged_case_that_still_holds_letters(session, ctx):
    routed_case(session, ctx.policy, "C1", add_letter(session, "L1")).status = "merged"
    session.flush()
    report = closure_check(session, today=date(2026, 5, 20), policy=ctx.policy)
    assert report.merged_with_letters == ["C1"] and "merged case(s) still holding letters" in report.problems[0]


def test_a_closed_case_is_neither_merged_nor_joined_by_hand(session, ctx):
    closed = routed_case(session, ctx.policy, "C1", add_letter(session, "L1"))
    routed_case(session, ctx.policy, "C2", add_letter(session, "L2"))
    lifecycle.acknowledge(session, "C1", step(REGISTERED))
    lifecycle.record_result(session, "C1", step(REGISTERED, text="已补发"))
    lifecycle.record_reply(session, "C1", step(REGISTERED, text="已答复"))
    assert closed.status == "closed"
    with pytest.raises(ReviewError, match="'closed'"):
        merge_cases(session, keep_case_id="C1", merge_case_id="C2", reviewer="复核员甲", policy=ctx.policy, zone=ZONE)
    with pytest.raises(ReviewError, match="'closed'"):
        move_letter(session, letter_id="L2", to_case_id="C1", reviewer="复核员甲", policy=ctx.policy, zone=ZONE)


def test_splitting_opens_a_new_routed_case_and_refuses_to_empty_one(session, ctx):
    source = routed_case(session, ctx.policy, "C1", add_letter(session, "L1"),
                         add_letter(session, "L2", received=REGISTERED + timedelta(days=2), township="青山镇"),
                         add_letter(session, "L3", received=REGISTERED + timedelta(days=3), township="白水乡"))
    with pytest.raises(ReviewError, match="at least one letter in case C1"):
        split_case(session, case_id="C1", letter_ids=["L1", "L2", "L3"], reviewer="复核员甲", policy=ctx.policy,
                   zone=ZONE)
    with pytest.raises(ReviewError, match="not letters of case C1: L9"):
        split_case(session, case_id="C1", letter_ids=["L3", "L9"], reviewer="复核员甲", policy=ctx.policy, zone=ZONE)

    new_id = split_case(session, case_id="C1", letter_ids=["L3", "L2"], reviewer="复核员甲", policy=ctx.policy,
                        zone=ZONE)

    assert new_id == "C20260513-001"  # grouping's form: the first moved letter's day
    new = session.get(Case, new_id)
    assert membership(session) == {"L1": "C1", "L2": new_id, "L3": new_id}
    assert (new.township, new.status, new.lead_unit, new.registered_on) == (
        "青山镇", "assigned", WAGES_BUREAU, REGISTERED + timedelta(days=2))
    assert new.co_units == ["青山镇人民政府", "白水乡人民政府"]  # its own township first
    assert source.co_units == ["柳河镇人民政府"]
    assert ("split_into", None, new_id, "复核员甲") in corrections_of(session, "C1")
    assert [e.kind for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == new_id))][0] == "opened"
    assert_accounted_for(session, ctx)


def test_rerouting_records_old_and_new_routing(session, ctx):
    case = routed_case(session, ctx.policy, "C1", add_letter(session, "L1"))
    reroute_case(session, case_id="C1", level="city", lead_unit="明州市人力资源和社会保障局",
                 co_units=["青山县人民政府"], reason="涉及市属企业", reviewer="复核员甲")
    assert case.routing_rule.startswith(MANUAL_ROUTING_PREFIX)
    ((field, old, new, reviewer),) = corrections_of(session, "C1")
    assert (field, reviewer) == ("routing", "复核员甲")
    assert json.loads(old) == {"level": "county", "lead_unit": WAGES_BUREAU, "co_units": ["柳河镇人民政府"]}
    assert json.loads(new) == {"level": "city", "lead_unit": "明州市人力资源和社会保障局", "co_units": ["青山县人民政府"]}
    assert "case.rerouted" in audits(session, "C1")
    correct(session, ctx, "L1", "category", "environmental_pollution")  # the person's routing stands
    assert case.lead_unit == "明州市人力资源和社会保障局"
    with pytest.raises(ReviewError, match="no routing level"):
        reroute_case(session, case_id="C1", level="province", lead_unit="x", co_units=[], reason="r", reviewer="r")
    with pytest.raises(CaseRuleError, match="needs a reason"):
        reroute_case(session, case_id="C1", level="city", lead_unit="x", co_units=[], reason=" ", reviewer="r")


# --- the queue ---------------------------------------------------------------------------------------------


def test_the_queue_orders_by_need_then_risk_then_age(session, ctx):
    def queued(letter_id: str, days: int, risk: str, *reasons: str, township: str = "柳河镇") -> None:
        letter = flagged(add_letter(session, letter_id, received=REGISTERED + timedelta(days=days),
                                    township=township), *reasons)
        add_case(session, f"C-{letter_id}", [letter], risk_level=risk)

    ocr = "low_ocr_confidence: 52 < 70"
    queued("QA", 1, "urgent", ocr, township="青山镇")
    queued("QB", 9, "low", LOW_CATEGORY, township="白水乡")
    queued("QC", 2, "high", UNKNOWN_PLACE, township="龙潭乡")
    queued("QD", 0, "urgent", "no_signatories: no signatories found", township="石桥镇")
    queued("QE", 8, "high", LOW_CATEGORY, township="北岭镇")
    queued("QF", 5, "high", LOW_CATEGORY, township="高桥镇")  # as needed as QE, older
    queued("QG", 3, "low", "bad_id_numbers: 1 ID number(s) fail the checksum")  # shares 柳河镇 + category with …
    add_case(session, "C-other", [add_letter(session, "QH", received=REGISTERED)])  # … this case: a possible merge
    add_case(session, "C-done", [add_letter(session, "QI", township="杨庄乡")], risk_level="urgent")  # not queued

    queue = review_queue(session)

    assert [item.letter_id for item in queue] == ["QF", "QE", "QB", "QA", "QC", "QG", "QD"]
    assert [item.priority for item in queue] == sorted((item.priority for item in queue), reverse=True)
    first = queue[0]
    assert (first.case_id, first.place, first.risk_level, first.reasons) == ("C-QF", "青山县高桥镇", "high",
                                                                             (LOW_CATEGORY,))
    assert first.received_at.astimezone(ZONE).date() == REGISTERED + timedelta(days=5)
    assert queue[5].reasons[-1].startswith("possible_merge: open case(s) C-other")
    assert [item.letter_id for item in review_queue(session, limit=2)] == ["QF", "QE"]


# --- access ------------------------------------------------------------------------------------------------


def user(session, name: str, role: str, unit: str | None = None, active: bool = True) -> User:
    account = User(username=name, password_hash="x", role=role, unit=unit, active=active, created_at=records.now())
    session.add(account)
    return account


def test_unit_officers_see_their_units_cases_and_only_the_lead_acts(session, ctx):
    routed_case(session, ctx.policy, "C1", add_letter(session, "L1"))  # lead 人社局, co 柳河镇人民政府
    routed_case(session, ctx.policy, "C2", add_letter(session, "L2", category="environmental_pollution"))
    add_letter(session, "L3")  # not grouped yet
    admin, reviewer = user(session, "admin", "admin"), user(session, "rev", "reviewer")
    lead, co = user(session, "hr", "unit_officer", WAGES_BUREAU), user(session, "town", "unit_officer", "柳河镇人民政府")
    other, gone = user(session, "env", "unit_officer", "青山县生态环境局"), user(session, "old", "unit_officer",
                                                                          WAGES_BUREAU, active=False)

    assert visible_case_ids(session, unit=WAGES_BUREAU) == {"C1"}
    assert visible_case_ids(session, unit="柳河镇人民政府") == {"C1", "C2"}
    assert [can_view_case(session, user=u, case_id="C1") for u in (admin, reviewer, lead, co, other, gone)] == [
        True, True, True, True, False, False]
    assert [can_act_on_case(session, user=u, case_id="C1") for u in (admin, reviewer, lead, co, other, gone)] == [
        False, False, True, False, False, False]
    assert [can_view_letter(session, user=u, letter_id="L1") for u in (reviewer, lead, other)] == [True, True, False]
    assert [can_view_letter(session, user=u, letter_id="L3") for u in (reviewer, lead)] == [True, False]
    assert not can_view_case(session, user=admin, case_id="C404")

    reroute_case(session, case_id="C1", level="county", lead_unit="青山县生态环境局", co_units=[], reason="实为排污",
                 reviewer="rev")
    assert not can_view_case(session, user=lead, case_id="C1") and not can_view_letter(session, user=co, letter_id="L1")
    assert can_act_on_case(session, user=other, case_id="C1")


# --- dashboard ---------------------------------------------------------------------------------------------


def test_dashboard_stats_on_a_small_office(session, ctx):
    routed_case(session, ctx.policy, "C1", add_letter(session, "L1"))  # in time until 07-10
    flagged(add_letter(session, "L3", received=date(2026, 3, 2), township="青山镇", signatories=60), UNKNOWN_PLACE)
    routed_case(session, ctx.policy, "C3", session.get(Letter, "L3"))  # high: due 04-01, overdue
    routed_case(session, ctx.policy, "C2", add_letter(session, "L2", received=date(2026, 5, 18), county="河西县",
                                                      township="河西镇", category="environmental_pollution"))
    for kind, text in (("acknowledge", None), ("record_result", "已整改"), ("record_reply", "已答复")):
        getattr(lifecycle, kind)(session, "C2", step(date(2026, 5, 19), text=text))
    routed_case(session, ctx.policy, "C4", add_letter(session, "L4", received=date(2026, 5, 13)))
    merge_cases(session, keep_case_id="C1", merge_case_id="C4", reviewer="rev", policy=ctx.policy, zone=ZONE)

    stats = dashboard_stats(session, policy=ctx.policy, today=date(2026, 7, 1))

    assert json.loads(json.dumps(stats, ensure_ascii=False)) == stats  # plain JSON
    assert stats["totals"] == {"letters": 4, "letters_needing_review": 1, "cases": 3, "open_cases": 2,
                               "closed_cases": 1, "merged_cases": 1}
    by_category = {row["code"]: row for row in stats["by_category"]}
    assert by_category["wage_arrears"] == {"code": "wage_arrears", "name": "拖欠工资", "letters": 3, "cases": 2}
    assert by_category["environmental_pollution"]["name"] == "环境污染"
    assert (by_category["environmental_pollution"]["cases"], by_category["other"]["cases"]) == (1, 0)
    assert [(row["county"], row["letters"], row["cases"]) for row in stats["by_place"]] == [("青山县", 3, 2),
                                                                                          ("河西县", 1, 1)]
    assert stats["by_place"][0]["townships"] == [{"township": "柳河镇", "letters": 2, "cases": 1},
                                                 {"township": "青山镇", "letters": 1, "cases": 1}]
    assert stats["by_week"] == [{"week": "2026-W10", "letters": 1, "cases": 1},
                                {"week": "2026-W20", "letters": 2, "cases": 1},
                                {"week": "2026-W21", "letters": 1, "cases": 1}]
    assert {row["level"]: row["cases"] for row in stats["open_risk"]} == {"urgent": 0, "high": 1, "medium": 1, "low": 0}
    assert stats["open_risk"][1]["name"] == "高"
    assert sorted(stats["units"], key=lambda row: row["unit"] != WAGES_BUREAU) == [
        {"unit": WAGES_BUREAU, "open": 2, "closed": 0, "overdue": 1, "closure_rate": 0.0},
        {"unit": "河西县生态环境局", "open": 0, "closed": 1, "overdue": 0, "closure_rate": 1.0}]
    assert [(row["case_id"], row["days_overdue"]) for row in stats["overdue"]] == [("C3", 91)]
    assert stats["closure"] == {"rate": 0.5, "target": 1.0, "ok": False, "problems": []}
