"""The place parser: county, township and village of a letter's matter, read against the jurisdiction."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from pipeline.config import Policy, load_policy
from pipeline.understand.place import Place, find_place


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def policy_with(change: Callable[[dict[str, Any]], None]) -> Policy:
    """The default policy with its jurisdiction edited by ``change``, validated like a loaded one."""
    data = load_policy().model_dump(mode="json")  # lists, so a test can edit them in place
    change(data["jurisdiction"])
    return Policy.model_validate(data)


def township_entry(jurisdiction: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for c in jurisdiction["counties"] for t in c["townships"] if t["name"] == name)


def where(place: Place) -> tuple[str | None, str | None, str | None]:
    return place.county, place.township, place.village


# --- full and partial addresses ----------------------------------------------------


def test_full_address(policy: Policy) -> None:
    place = find_place("尊敬的领导：\n我们是青山县柳河镇新庄村的村民。2024年10月，征收我村一组集体土地共计412亩。",
                       policy=policy)
    assert where(place) == ("青山县", "柳河镇", "新庄村")
    assert place.counties == ("青山县",) and place.townships == ("柳河镇",)
    assert any("新庄村" in line for line in place.evidence)


@pytest.mark.parametrize(("text", "expected"), [
    ("我们是高桥镇孙家庄村一组、二组的村民。县里建物流园，把耕地全部征收了。", ("河西县", "高桥镇", "孙家庄村")),
    ("我们是北岭县枫林乡的几名参战退役老兵，恳请落实补助。", ("北岭县", "枫林乡", None)),
    ("我们是枫林乡的几名参战退役老兵，恳请落实补助。", ("北岭县", "枫林乡", None)),
    ("石岭村老年人协会\n关于铁路施工震裂房屋的情况反映\n房子裂了缝，晚上睡不着觉。", ("青山县", "龙潭乡", "石岭村")),
    ("我们是河西县原中小学代课教师，在河西县乡村教育中撑起了半边天。", ("河西县", None, None)),
])
def test_partial_addresses_infer_the_levels_above(policy: Policy, text: str, expected: tuple) -> None:
    assert where(find_place(text, policy=policy)) == expected


# --- overlapping names ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("我们是河西县河西镇东关村的8户村民。", ("河西县", "河西镇", "东关村")),
    ("我们是河西县杨庄乡后湾村村民。", ("河西县", "杨庄乡", "后湾村")),
    ("我们是河西村的村民，村里的账目不公开。", ("河西县", "河西镇", "河西村")),
    ("我们是河西社区的居民，小区外墙脱落。", ("河西县", "河西镇", "河西社区")),
    ("我们是北岭县石门镇前进村的村民。", ("北岭县", "石门镇", "前进村")),
    ("我叫杨保国，是北岭镇北岭村的。", ("北岭县", "北岭镇", "北岭村")),
    ("我们是北岭村二组的村民，地被推平了。", ("北岭县", "北岭镇", "北岭村")),
    ("我们是青山县龙潭乡石岭村的村民。", ("青山县", "龙潭乡", "石岭村")),
    ("我们是青山社区的居民。", ("青山县", "青山镇", "青山社区")),
    ("我们是青山县青山镇王家村二组的村民。", ("青山县", "青山镇", "王家村")),
    ("我们是石门村的村民。", ("北岭县", "石门镇", "石门村")),
    ("我们是石门社区的居民。", ("北岭县", "石门镇", "石门社区")),
    ("我们是白水村的村民。", ("青山县", "白水乡", "白水村")),
    ("我们是白水乡上河村三组的村民。", ("青山县", "白水乡", "上河村")),
    ("我们是南湖区新港街道港城社区工地的农民工。", ("南湖区", "新港街道", "港城社区")),
    ("我们是南湖区南湖街道湖滨社区的业主。", ("南湖区", "南湖街道", "湖滨社区")),
    ("我们是南湖社区的居民。", ("南湖区", "南湖街道", "南湖社区")),
    ("我们是柳河村的村民。", ("青山县", "柳河镇", "柳河村")),
    ("我们是柳河镇新庄村的村民。", ("青山县", "柳河镇", "新庄村")),
])
def test_overlapping_names_resolve_to_the_most_specific_consistent_place(
        policy: Policy, text: str, expected: tuple) -> None:
    assert where(find_place(text, policy=policy)) == expected


def test_a_county_name_is_not_read_as_its_namesake_township(policy: Policy) -> None:
    place = find_place("河西县人民政府、县教育局：\n我们是河西县高桥镇的村民。", policy=policy)
    assert where(place) == ("河西县", "高桥镇", None)
    assert place.townships == ("高桥镇",)


# --- short forms ------------------------------------------------------------------


def test_short_form_in_a_place_context(policy: Policy) -> None:
    place = find_place("我们的地被柳河工业园区二期项目征收了，补偿款一直没有兑付。", policy=policy)
    # 柳河 may mean 柳河镇 or 柳河村; both lie in 柳河镇, so the township is sure and the village is not.
    assert where(place) == ("青山县", "柳河镇", None)
    assert any("简称「柳河」" in line for line in place.evidence)


def test_short_form_after_its_county(policy: Policy) -> None:
    assert where(find_place("我们是青山县柳河的村民，地被征了。", policy=policy)) == ("青山县", "柳河镇", None)


def test_short_form_of_a_community_names_its_estate(policy: Policy) -> None:
    place = find_place("南湖区信访局：\n我们是湖滨花园二期的业主，至今办不了房产证。", policy=policy)
    assert where(place) == ("南湖区", "南湖街道", "湖滨社区")


def test_everyday_words_that_are_short_forms_are_not_places(policy: Policy) -> None:
    place = find_place("井水有了怪味，只能喝白水；过去青山绿水，现在河边全是垃圾，我们要前进一步讨说法。",
                       policy=policy)
    assert where(place) == (None, None, None)


def test_a_road_named_like_a_community_is_not_the_community(policy: Policy) -> None:
    place = find_place("鑫源公司注册地址为明州市东城区东湖街道滨江路88号。", policy=policy)
    assert where(place) == ("东城区", "东湖街道", None)


# --- ambiguity and absence ---------------------------------------------------------


def _second_xinzhuang(jurisdiction: dict[str, Any]) -> None:
    township_entry(jurisdiction, "石桥镇")["villages"].append("新庄村")


def test_a_village_in_two_townships_stays_unknown_without_its_township() -> None:
    policy = policy_with(_second_xinzhuang)
    place = find_place("我们是新庄村的村民，征地补偿款没有兑付。", policy=policy)
    assert where(place) == (None, None, None)
    assert place.counties == () and place.townships == ()


def test_a_village_in_two_townships_is_placed_by_its_township() -> None:
    policy = policy_with(_second_xinzhuang)
    assert where(find_place("我们是石桥镇新庄村的村民。", policy=policy)) == ("南湖区", "石桥镇", "新庄村")
    assert where(find_place("我们是柳河镇的村民，新庄村的地被征了。", policy=policy)) == ("青山县", "柳河镇", "新庄村")


def test_a_village_in_two_townships_of_one_county_gives_the_county() -> None:
    policy = policy_with(lambda j: township_entry(j, "白水乡")["villages"].append("新庄村"))
    assert where(find_place("我们是新庄村的村民。", policy=policy)) == ("青山县", None, None)


def test_no_place_gives_nothing(policy: Policy) -> None:
    place = find_place("信访局领导：\n我们是一群退休老人。老年人免费乘车卡每年都要现场年审，"
                       "建议改为社区代办。\n联系人：何振华  13758203316", policy=policy)
    assert place == Place(None, None, None, (), (), (), ())


# --- where a mention stands ---------------------------------------------------------


def test_addressee_township_is_evidence(policy: Policy) -> None:
    place = find_place("反映土地调整不公的问题\n白水乡党委、乡政府：\n我们是三组的村民，村里调地没有开村民大会。",
                       policy=policy)
    assert where(place) == ("青山县", "白水乡", None)


@pytest.mark.parametrize(("text", "expected"), [
    ("青山县人民政府：\n我们是河西县高桥镇孙家庄村的村民，养老保险一直没有办。", ("河西县", "高桥镇", "孙家庄村")),
    # One body mention against one addressee mention: the body wins although the addressee comes first.
    ("青山县人民政府：\n我们是河西县原中小学代课教师，至今没有养老保险。", ("河西县", None, None)),
])
def test_body_outweighs_a_county_office_addressed(policy: Policy, text: str, expected: tuple) -> None:
    place = find_place(text, policy=policy)
    assert where(place) == expected
    assert place.counties == ("河西县",)


def test_history_is_not_the_place(policy: Policy) -> None:
    place = find_place("我们是青山县柳河镇新庄村的村民。去年我们曾到河西县信访局反映，"
                       "后来又写信给北岭县，都没有结果。", policy=policy)
    assert where(place) == ("青山县", "柳河镇", "新庄村")
    assert place.counties == ("青山县",)


def test_signatory_table_does_not_add_counties(policy: Policy) -> None:
    text = ("明州市信访局：\n鑫源公司注册地址为明州市东城区东湖街道滨江路88号，停止兑付已八个月。\n"
            "序号 姓名 居住区 投资本金（万元）\n1 郑海燕 东城区 86\n2 冯建华 南湖区 120\n3 黄国庆 南湖区 30")
    place = find_place(text, policy=policy)
    assert where(place)[:2] == ("东城区", "东湖街道")
    assert place.counties == ("东城区",)


def test_body_mentions_of_two_counties_are_both_touched(policy: Policy) -> None:
    text = ("市委、市政府领导：\n我们是鑫源财富的受害群众，大部分是东城区、南湖区的退休老人。"
            "鑫源公司在东湖街道滨江路的门店开了四年。")
    place = find_place(text, policy=policy)
    assert where(place)[:2] == ("东城区", "东湖街道")
    assert place.counties == ("东城区", "南湖区")


def test_table_alone_decides_only_when_it_agrees(policy: Policy) -> None:
    agreeing = "我们的补偿款没有兑付。\n序号 姓名 住址\n1 赵德明 新庄村一组\n2 赵秀英 新庄村一组"
    assert where(find_place(agreeing, policy=policy)) == ("青山县", "柳河镇", "新庄村")
    disagreeing = ("我们是河西县原代课教师。\n序号 姓名 住址\n1 孙文华 高桥镇高桥村\n2 吴春梅 杨庄乡杨庄村")
    assert where(find_place(disagreeing, policy=policy)) == ("河西县", None, None)


# --- city-level subjects --------------------------------------------------------------


@pytest.mark.parametrize(("text", "subjects"), [
    ("明州铁路二线石岭隧道从2025年11月开始爆破施工。", ("铁路二线",)),
    ("明州至江口高速公路第六标段从今年3月开始在我村施工。", ("明州至江口高速公路",)),
    ("我们是第二机械厂的退休职工，改制遗留问题至今没有解决。", ("明州市第二机械厂",)),
    ("我们是原明州市第二机楲厂的一线职工。", ("明州市第二机械厂",)),  # one char misread by OCR
    ("铁路是市里的重点工程，乡里管不了。", ()),
])
def test_city_level_subjects(policy: Policy, text: str, subjects: tuple) -> None:
    assert find_place(text, policy=policy).city_level_subjects == subjects


def test_city_level_subject_by_its_short_form() -> None:
    policy = policy_with(lambda j: j.update(city_level_projects=["明州铁路二线"]))
    place = find_place("铁路二线在我们村后山打隧道，放炮震得房子裂了缝。", policy=policy)
    assert place.city_level_subjects == ("明州铁路二线",)


# --- OCR noise ---------------------------------------------------------------------------


def test_spaces_and_line_breaks_inside_names(policy: Policy) -> None:
    assert where(find_place("我们是青山县柳 河镇新庄 村的村民。", policy=policy)) == ("青山县", "柳河镇", "新庄村")
    place = find_place("注册地址为明州市东城区东湖\n街道滨江路88号。", policy=policy)
    assert where(place)[:2] == ("东城区", "东湖街道")


@pytest.mark.parametrize("text", [
    "我们是柳河稹的村民，补偿款没有兑付。",
    "我们是柳洞镇的村民，补偿款没有兑付。",
    "我们是白水多的村民，调地不公。",
])
def test_a_misread_name_gives_no_wrong_place(policy: Policy, text: str) -> None:
    place = find_place(text, policy=policy)
    assert place.township is None and place.county is None


def test_a_misread_township_is_still_placed_by_its_village(policy: Policy) -> None:
    assert where(find_place("我们是青山县柳河稹新庄村的村民。", policy=policy)) == ("青山县", "柳河镇", "新庄村")


# --- configuration, not code ---------------------------------------------------------------


def _rename_liuhe(jurisdiction: dict[str, Any]) -> None:
    township_entry(jurisdiction, "柳河镇")["name"] = "柳溪镇"


def test_places_come_from_the_configuration(policy: Policy) -> None:
    renamed = policy_with(_rename_liuhe)
    text = "我们是柳溪镇的村民，补偿款没有兑付。"
    assert where(find_place(text, policy=renamed)) == ("青山县", "柳溪镇", None)
    assert where(find_place(text, policy=policy)) == (None, None, None)
    assert find_place("我们是柳河镇的村民。", policy=renamed).township is None
    assert where(find_place("我们是新庄村的村民。", policy=renamed)) == ("青山县", "柳溪镇", "新庄村")
