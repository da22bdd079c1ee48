"""The handling rules of policy.md §2–§4 as pure functions over hand-built facts.

Routing (every level and co-unit branch), escalation risk (every tier, each
sensitive window and its boundaries, the overdue rise), deadline arithmetic
across month and year ends, and the extension rule — on the default policy,
plus modified policies to show the rules are configuration, not code.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
import yaml

from pipeline.cases.deadlines import DeadlineError, check_extension, days_overdue, deadlines_for
from pipeline.cases.facts import CaseFacts, LetterFacts
from pipeline.cases.risk import assess_risk, raise_one_level
from pipeline.cases.routing import route_case
from pipeline.config import load_policy
from pipeline.config.loader import DEFAULT_CONFIG_DIR
from pipeline.config.schema import SensitiveWindow

POLICY = load_policy()
QUIET_DAY = date(2026, 5, 10)  # in no sensitive window


def letter(letter_id: str = "L1", received: date = QUIET_DAY, **kw) -> LetterFacts:
    return LetterFacts(letter_id=letter_id, received_on=received, **kw)


def case(category: str | None = "other", *, letters: tuple[LetterFacts, ...] | None = None, **kw) -> CaseFacts:
    letters = letters if letters is not None else (letter(),)
    return CaseFacts(case_id="C1", category=category, registered_on=letters[0].received_on, letters=letters, **kw)


def placed(category: str, county: str | None, *townships: str, **kw) -> CaseFacts:
    """A case in one county (and the given townships), as grouping would gather it."""
    return case(category, county=county, township=townships[0] if len(townships) == 1 else None,
                counties=(county,) if county else (), townships=townships, **kw)


# --- §2 routing ------------------------------------------------------------------------------------------


def test_city_level_when_the_case_spans_two_counties():
    routing = route_case(case("wage_arrears", county="青山县", counties=("青山县", "河西县"),
                              townships=("柳河镇", "高桥镇")), policy=POLICY)
    assert routing.level == "city" and not routing.triage
    assert routing.lead_unit == "明州市人力资源和社会保障局"
    # The lead is a city department: the government of each county touched co-handles; townships do not.
    assert routing.co_units == ("青山县人民政府", "河西县人民政府")
    assert routing.rule.startswith("§2.1") and "2个县区" in routing.rule


def test_city_level_counts_the_counties_of_named_townships():
    # 柳河镇 is in 青山县, 石桥镇 in 南湖区: two counties, though the letters named none.
    routing = route_case(case("wage_arrears", townships=("柳河镇", "石桥镇")), policy=POLICY)
    assert routing.level == "city"
    assert set(routing.co_units) == {"青山县人民政府", "南湖区人民政府"}


def test_city_level_for_a_city_level_project():
    facts = placed("construction_damage", "青山县", "柳河镇", city_level_subjects=("明州至江口高速公路",))
    routing = route_case(facts, policy=POLICY)
    assert routing.level == "city"
    assert routing.lead_unit == "明州市交通运输局"
    assert routing.co_units == ("青山县人民政府",)
    assert "明州至江口高速公路" in routing.rule


def test_city_level_for_a_city_level_enterprise():
    facts = placed("enterprise_restructuring", "东城区", "西园街道", city_level_subjects=("明州纺织集团",))
    routing = route_case(facts, policy=POLICY)
    assert routing.level == "city"
    assert routing.lead_unit == "明州市国有资产监督管理委员会"
    assert routing.co_units == ("东城区人民政府",)
    assert "明州纺织集团" in routing.rule


def test_city_level_when_the_letter_complains_about_the_county():
    facts = placed("substitute_teacher", "北岭县", "石门镇", county_complaint=True, county_complaint_cue="县里不管")
    routing = route_case(facts, policy=POLICY)
    assert routing.level == "city"
    assert routing.lead_unit == "明州市教育局"
    assert routing.co_units == ("北岭县人民政府",)
    assert "县里不管" in routing.rule


def test_township_level_for_rural_collective_affairs_in_one_township():
    routing = route_case(placed("rural_collective_affairs", "青山县", "柳河镇"), policy=POLICY)
    assert routing.level == "township"
    assert routing.lead_unit == "柳河镇人民政府"
    assert routing.co_units == ()
    assert routing.rule.startswith("§2.2")


def test_a_street_office_is_the_township_unit_of_a_street():
    routing = route_case(placed("rural_collective_affairs", "东城区", "东湖街道"), policy=POLICY)
    assert (routing.level, routing.lead_unit) == ("township", "东湖街道办事处")


def test_township_case_with_a_secondary_category_gets_the_county_department_as_co_unit():
    facts = placed("rural_collective_affairs", "河西县", "高桥镇",
                   secondary_categories=("land_acquisition", "rural_collective_affairs"))
    routing = route_case(facts, policy=POLICY)
    assert routing.level == "township"
    assert routing.lead_unit == "高桥镇人民政府"
    # A township has no departments: the secondary matter goes to the county's; its own category is no co-unit.
    assert routing.co_units == ("河西县自然资源和规划局",)


def test_township_named_without_its_county_still_places_the_case():
    routing = route_case(case("rural_collective_affairs", township="龙潭乡"), policy=POLICY)
    assert (routing.level, routing.lead_unit) == ("township", "龙潭乡人民政府")


def test_rural_collective_affairs_across_two_townships_is_county_level():
    routing = route_case(placed("rural_collective_affairs", "青山县", "柳河镇", "白水乡"), policy=POLICY)
    assert routing.level == "county"
    assert routing.lead_unit == "青山县农业农村局"
    assert routing.co_units == ("柳河镇人民政府", "白水乡人民政府")


def test_county_level_lead_is_the_department_and_touched_townships_co_handle():
    routing = route_case(placed("wage_arrears", "青山县", "柳河镇"), policy=POLICY)
    assert routing.level == "county"
    assert routing.lead_unit == "青山县人力资源和社会保障局"
    assert routing.co_units == ("柳河镇人民政府",)
    assert routing.rule.startswith("§2.3") and "青山县" in routing.rule


def test_county_level_with_only_the_county_known():
    routing = route_case(placed("property_housing", "南湖区"), policy=POLICY)
    assert (routing.level, routing.lead_unit, routing.co_units) == ("county", "南湖区住房和城乡建设局", ())


def test_county_level_secondary_categories_add_their_departments():
    facts = placed("demolition_resettlement", "南湖区", "石桥镇",
                   secondary_categories=("land_acquisition", "landless_farmer_security"))
    routing = route_case(facts, policy=POLICY)
    assert routing.lead_unit == "南湖区住房和城乡建设局"
    assert routing.co_units == ("南湖区自然资源和规划局", "南湖区人力资源和社会保障局", "石桥镇人民政府")


@pytest.mark.parametrize(("facts", "level", "lead"), [
    (placed("other", "北岭县", "枫林乡"), "county", "北岭县信访局"),
    (placed("other", "北岭县"), "county", "北岭县信访局"),
    (case("other", counties=("北岭县", "东城区")), "city", "明州市信访局"),
])
def test_other_goes_to_the_petition_bureau_at_its_level(facts, level, lead):
    routing = route_case(facts, policy=POLICY)
    assert (routing.level, routing.lead_unit) == (level, lead)
    assert not routing.triage


@pytest.mark.parametrize("category", [None, "land_aquisition"])  # none yet; a code the taxonomy lacks
def test_a_case_without_a_known_category_goes_to_triage(category):
    routing = route_case(placed(category, "河西县", "高桥镇"), policy=POLICY)
    assert routing.triage and routing.level == "triage" and routing.lead_unit == "明州市信访局"
    assert "类别未定" in routing.rule and routing.co_units == ()
    # Risk still works: no base-risk term, the other conditions as usual.
    assert assess_risk(placed(category, "河西县", "高桥镇"), policy=POLICY).level in ("low", "medium")


def test_category_co_department_at_county_and_city_level():
    county = route_case(placed("illegal_fundraising", "河西县", "高桥镇"), policy=POLICY)
    assert county.lead_unit == "河西县地方金融监督管理局"
    assert county.co_units == ("河西县公安局", "高桥镇人民政府")
    city = route_case(case("illegal_fundraising", counties=("河西县", "南湖区")), policy=POLICY)
    assert city.lead_unit == "明州市地方金融监督管理局"
    assert city.co_units == ("明州市公安局", "河西县人民政府", "南湖区人民政府")


@pytest.mark.parametrize("facts", [
    case("wage_arrears"),  # no place at all
    case("wage_arrears", county="外省某县", counties=("外省某县",)),  # a place outside the city
    case("rural_collective_affairs", townships=("不存在镇",)),  # an unknown township
    case(None),
])
def test_unknown_place_goes_to_triage_never_to_a_guessed_unit(facts):
    routing = route_case(facts, policy=POLICY)
    assert routing.triage is True
    assert routing.level == "triage"
    assert routing.lead_unit == "明州市信访局" == POLICY.triage_unit
    assert routing.co_units == ()
    assert "待人工核定" in routing.rule


@pytest.mark.parametrize("facts", [
    # Same department as the lead, raised as a secondary category.
    placed("wage_arrears", "青山县", "柳河镇", secondary_categories=("landless_farmer_security",)),
    placed("demolition_resettlement", "南湖区", secondary_categories=("property_housing",)),
    case("other", counties=("青山县", "河西县"), secondary_categories=("other",)),
])
def test_the_lead_unit_is_never_also_a_co_unit(facts):
    routing = route_case(facts, policy=POLICY)
    assert routing.lead_unit not in routing.co_units
    assert len(set(routing.co_units)) == len(routing.co_units)


# --- §3 risk ---------------------------------------------------------------------------------------------


def risk(*letters_: LetterFacts, category: str = "other", **kw):
    return assess_risk(case(category, letters=letters_ or (letter(),), **kw), policy=POLICY)


@pytest.mark.parametrize(("intent", "place_word"), [("province", "省里"), ("beijing", "北京")])
def test_urgent_when_threatening_the_province_or_beijing(intent, place_word):
    result = risk(letter(intent=intent, intent_cue="进京" if intent == "beijing" else "到省里", signatory_count=3))
    assert result.level == "urgent"
    assert place_word in result.reasons[0]


@pytest.mark.parametrize(("when", "where"), [("5月20日", None), (None, "市政府"), ("下周一", "县政府")])
def test_urgent_when_announcing_a_collective_visit_with_date_or_place(when, where):
    result = risk(letter(intent="collective", announced_date=when, announced_place=where, intent_cue="集体上访",
                         signatory_count=3))
    assert result.level == "urgent"
    assert "集体上访" in result.reasons[0]
    assert all(part in result.reasons[0] for part in (when, where) if part)


def test_urgent_with_a_hundred_signatories_and_any_visit_intent():
    result = risk(letter(intent="collective", signatory_count=100))
    assert result.level == "urgent"
    assert "签名100人" in result.reasons[0] and "上访" in result.reasons[0]


def test_a_hundred_signatories_without_visit_intent_are_high_not_urgent():
    result = risk(letter(signatory_count=312))
    assert result.level == "high"
    assert result.reasons == ("签名312人（50人以上）",)


@pytest.mark.parametrize(("count", "level"), [(50, "high"), (99, "high"), (49, "medium"), (10, "medium"),
                                              (9, "low"), (2, "low"), (None, "low")])
def test_signatory_tiers(count, level):
    assert risk(letter(signatory_count=count)).level == level


def test_the_case_count_wins_over_the_letters_counts():
    # A stated total (共312人签名) is the case's count, above what any one letter listed.
    assert risk(letter(signatory_count=5), signatory_count=60).level == "high"


def test_high_when_announcing_a_collective_visit_without_date_or_place():
    result = risk(letter(intent="collective", intent_cue="到市政府讨说法", signatory_count=3))
    assert result.level == "high"
    assert result.reasons == ("来信宣布集体上访（“到市政府讨说法”）",)


def test_repeated_by_letter_count_with_ten_signatories_is_high():
    letters_ = tuple(letter(f"L{i}", signatory_count=10) for i in range(3))
    result = risk(*letters_)
    assert result.level == "high"
    assert "本事项第3封来信" in result.reasons[0] and "10人以上" in result.reasons[0]


def test_repeated_by_statement_with_ten_signatories_is_high():
    result = risk(letter(repeated=True, repeated_cue="多次反映", signatory_count=12))
    assert result.level == "high"
    assert "“多次反映”" in result.reasons[0]


@pytest.mark.parametrize("letters_", [
    tuple(letter(f"L{i}", signatory_count=3) for i in range(3)),  # 3 letters
    (letter(repeated=True, repeated_cue="再次反映", signatory_count=4),),  # stated
])
def test_repeated_alone_is_medium(letters_):
    result = risk(*letters_)
    assert result.level == "medium"
    assert "重复反映" in result.reasons[0]


def test_two_letters_are_not_yet_repeated():
    assert risk(letter("L1", signatory_count=3), letter("L2", signatory_count=3)).level == "low"


def test_high_base_risk_category_alone_is_medium():
    result = risk(letter(signatory_count=2), category="wage_arrears")
    assert result.level == "medium"
    assert result.reasons == ("拖欠工资类事项易引发集体访",)
    assert risk(letter(signatory_count=2), category="substitute_teacher").level == "low"  # base_risk medium


@pytest.mark.parametrize(("day", "window"), [
    (date(2027, 1, 1), "两会"), (date(2027, 2, 14), "两会"), (date(2027, 3, 15), "两会"), (date(2027, 3, 16), None),
    (date(2027, 8, 31), None), (date(2027, 9, 1), "国庆"), (date(2027, 10, 7), "国庆"), (date(2027, 10, 8), None),
    (date(2026, 12, 31), None), (date(2028, 2, 29), "两会"),
])
def test_sensitive_windows_and_their_boundaries(day, window):
    result = risk(letter(received=day, signatory_count=3))
    if window:
        assert result.level == "medium"
        assert result.reasons == (f"来信日期{day:%m月%d日}在{window}敏感期内",)
    else:
        assert (result.level, result.reasons) == ("low", ())


def test_low_otherwise_with_no_reasons():
    assert risk(letter(signatory_count=3)) == assess_risk(case("other"), policy=POLICY)
    result = risk(letter(signatory_count=3))
    assert (result.level, result.reasons) == ("low", ())


def test_the_case_takes_its_most_serious_letter_and_keeps_every_reason():
    result = risk(letter("L1", signatory_count=3),
                  letter("L2", received=date(2026, 9, 3), intent="beijing", intent_cue="进京", signatory_count=55),
                  category="wage_arrears")
    assert result.level == "urgent"
    assert result.reasons[0] == "来信扬言到北京上访（“进京”）"
    assert set(result.reasons[1:]) == {"签名55人（50人以上）", "来信日期09月03日在国庆敏感期内",
                                       "拖欠工资类事项易引发集体访"}


@pytest.mark.parametrize(("letters_", "before", "after"), [
    ((letter(signatory_count=3),), "low", "medium"),
    ((letter(signatory_count=20),), "medium", "high"),
    ((letter(signatory_count=60),), "high", "urgent"),
    ((letter(intent="province", signatory_count=3),), "urgent", "urgent"),
])
def test_overdue_raises_one_level_and_urgent_stays_urgent(letters_, before, after):
    assert risk(*letters_).level == before
    raised = risk(*letters_, overdue_days=4)
    assert raised.level == after
    assert "已超过办结期限未办结，预警升一级" in raised.reasons
    # No day count in the reason: it would change every day.
    assert risk(*letters_, overdue_days=40).reasons == raised.reasons


def test_raise_one_level_table():
    assert [raise_one_level(x) for x in ("low", "medium", "high", "urgent")] == ["medium", "high", "urgent", "urgent"]


# --- rules are configuration -----------------------------------------------------------------------------


def test_a_modified_policy_copy_changes_the_rules():
    windows = (*POLICY.risk.sensitive_windows,
               SensitiveWindow(name="市人代会", start="05-08", end="05-12", description="本市人代会"),
               SensitiveWindow(name="跨年", start="12-20", end="01-05"))
    levels = POLICY.risk.condition_levels.model_copy(update={"in_sensitive_window": "high"})
    tiers = POLICY.risk.signatory_tiers.model_copy(update={"high": 30})
    policy = POLICY.model_copy(update={"risk": POLICY.risk.model_copy(update={
        "sensitive_windows": windows, "condition_levels": levels, "signatory_tiers": tiers})})

    def level(day: date, count: int = 3) -> str:
        return assess_risk(case("other", letters=(letter(received=day, signatory_count=count),)), policy=policy).level

    assert level(QUIET_DAY) == "high"  # 05-10 is in the added window, now worth "high"
    assert assess_risk(case("other", letters=(letter(received=QUIET_DAY),)), policy=policy).reasons == (
        "来信日期05月10日在市人代会敏感期内",)
    assert level(date(2026, 5, 13)) == "low"
    assert level(date(2026, 12, 25)) == level(date(2027, 1, 5)) == "high"  # over the new year
    assert level(date(2026, 6, 1), count=30) == "high"  # the high tier moved from 50 to 30
    assert risk(letter(received=QUIET_DAY, signatory_count=30)).level == "medium"  # the default is untouched


def test_rules_loaded_from_a_modified_yaml_folder(tmp_path):
    folder = tmp_path / "policy"
    shutil.copytree(DEFAULT_CONFIG_DIR, folder)
    rules = yaml.safe_load((folder / "rules.yaml").read_text(encoding="utf-8"))
    rules["risk"]["sensitive_windows"].append({"name": "选举", "start": "06-01", "end": "06-10"})
    rules["risk"]["condition_levels"]["high_base_risk_category"] = "low"
    rules["deadlines"]["by_risk"]["low"] = {"acknowledge_days": 7, "result_days": 45}
    rules["deadlines"]["extension"] = {"max_count": 2, "max_days": 10, "reason_required": False}
    rules["routing"]["township_level_categories"] = ["rural_collective_affairs", "environmental_pollution"]
    rules["routing"]["triage_unit"] = "明州市人民政府办公室"
    (folder / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    policy = load_policy(folder)

    assert assess_risk(case("other", letters=(letter(received=date(2026, 6, 5)),)), policy=policy).level == "medium"
    assert assess_risk(case("wage_arrears"), policy=policy).level == "low"
    assert deadlines_for(date(2026, 5, 10), "low", policy=policy).result_due == date(2026, 6, 24)
    assert check_extension(result_due=date(2026, 6, 24), requested_to=date(2026, 7, 4), reason=None,
                           extensions_so_far=1, policy=policy) == 10
    routing = route_case(placed("environmental_pollution", "北岭县", "枫林乡"), policy=policy)
    assert (routing.level, routing.lead_unit) == ("township", "枫林乡人民政府")
    triage = route_case(case("wage_arrears"), policy=policy)
    assert triage.lead_unit == "明州市人民政府办公室" and "交明州市人民政府办公室分办" in triage.rule


# --- §4 deadlines ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "ack", "result"), [
    ("urgent", 1, 15), ("high", 3, 30), ("medium", 15, 60), ("low", 15, 60)])
def test_deadline_table(level, ack, result):
    due = deadlines_for(QUIET_DAY, level, policy=POLICY)
    assert due.ack_due == QUIET_DAY + timedelta(days=ack)
    assert due.result_due == QUIET_DAY + timedelta(days=result)


@pytest.mark.parametrize(("registered", "level", "ack", "result"), [
    (date(2027, 1, 31), "high", date(2027, 2, 3), date(2027, 3, 2)),  # Jan 31 + 30 days, February of 28
    (date(2028, 1, 31), "high", date(2028, 2, 3), date(2028, 3, 1)),  # leap year: February of 29
    (date(2028, 2, 15), "medium", date(2028, 3, 1), date(2028, 4, 15)),
    (date(2027, 2, 15), "medium", date(2027, 3, 2), date(2027, 4, 16)),
    (date(2028, 2, 28), "urgent", date(2028, 2, 29), date(2028, 3, 14)),
    (date(2027, 12, 20), "urgent", date(2027, 12, 21), date(2028, 1, 4)),  # December into the next year
    (date(2027, 12, 20), "low", date(2028, 1, 4), date(2028, 2, 18)),
    (date(2027, 12, 31), "urgent", date(2028, 1, 1), date(2028, 1, 15)),
])
def test_deadlines_across_month_and_year_ends(registered, level, ack, result):
    due = deadlines_for(registered, level, policy=POLICY)
    assert (due.ack_due, due.result_due) == (ack, result)


def test_an_extension_of_up_to_thirty_days_with_a_reason_is_allowed():
    assert check_extension(result_due=date(2028, 2, 15), requested_to=date(2028, 3, 16), reason="需要鉴定",
                           extensions_so_far=0, policy=POLICY) == 30
    assert check_extension(result_due=date(2027, 12, 20), requested_to=date(2028, 1, 3), reason="跨年",
                           extensions_so_far=0, policy=POLICY) == 14


@pytest.mark.parametrize(("requested", "reason", "so_far", "message"), [
    (date(2028, 3, 17), "需要鉴定", 0, "at most 30 days"),  # 31 days (over leap February)
    (date(2028, 3, 1), "需要鉴定", 1, "only 1 time"),  # once only
    (date(2028, 3, 1), None, 0, "reason"),
    (date(2028, 3, 1), "   ", 0, "reason"),
    (date(2028, 2, 15), "需要鉴定", 0, "must be after"),  # not later
    (date(2028, 2, 1), "需要鉴定", 0, "must be after"),  # earlier
])
def test_extensions_the_policy_refuses(requested, reason, so_far, message):
    with pytest.raises(DeadlineError, match=message):
        check_extension(result_due=date(2028, 2, 15), requested_to=requested, reason=reason,
                        extensions_so_far=so_far, policy=POLICY)


def test_days_overdue_respects_an_extension():
    due, extended = date(2027, 1, 31), date(2027, 3, 2)
    assert days_overdue(result_due=due, extended_to=None, today=date(2027, 2, 1)) == 1
    assert days_overdue(result_due=due, extended_to=extended, today=date(2027, 2, 1)) == 0
    assert days_overdue(result_due=due, extended_to=extended, today=date(2027, 3, 2)) == 0
    assert days_overdue(result_due=due, extended_to=extended, today=date(2027, 3, 5)) == 3
    assert days_overdue(result_due=None, extended_to=None, today=date(2027, 3, 5)) == 0
