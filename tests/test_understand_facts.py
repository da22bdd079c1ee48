"""Repeated matters, county complaints, city-level subjects and secondary matters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import Policy, load_policy
from pipeline.understand.facts import find_facts

SAMPLES = Path(__file__).parent.parent / "sample_letters" / "truth.jsonl"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def with_category_cues(policy: Policy, code: str, cues: tuple[str, ...]) -> Policy:
    categories = tuple(c.model_copy(update={"secondary_cues": cues}) if c.code == code else c
                       for c in policy.taxonomy.categories)
    return policy.model_copy(update={"taxonomy": policy.taxonomy.model_copy(update={"categories": categories})})


# --- repeated matter -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("自2019年以来，我们多次向县教育局、县人社局反映，至今没有任何结果。", "多次…反映"),
        ("这已经是我们第三次写信了。", "第三次"),
        ("我们前前后后已经向村里、乡里反映了四五次，到现在问题一点没有解决。", "反映…四五次"),
        ("再次反映上河村调地不公问题\n白水乡党委、乡政府：", "再次反映"),
        ("我们多次找执行法官、找法院领导，都没有结果。", "多次…找"),
        ("我们多次打12345热线，也向镇里反映过，这个问题拖了两年多，到现在也没有解决。", "多次…打"),
    ],
)
def test_repeated_matter(policy: Policy, text: str, cue: str) -> None:
    facts = find_facts(text, policy=policy)
    assert (facts.repeated, facts.repeated_cue) == (True, cue)


@pytest.mark.parametrize(
    "text",
    [
        "二期地下车库常年渗水，6号楼外墙瓷砖多次脱落，差点砸到小孩。",
        "这是我们第一次写信反映，恳请领导重视。",
        "听说他们已经多次反映过了。",
    ],
)
def test_not_a_repeated_matter(policy: Policy, text: str) -> None:
    facts = find_facts(text, policy=policy)
    assert (facts.repeated, facts.repeated_cue) == (False, None)


def test_repeated_cues_come_from_the_policy(policy: Policy) -> None:
    text = "这件事我们已经跑了无数趟，每次都让我们回去等。"
    assert not find_facts(text, policy=policy).repeated
    cues = policy.risk.cues.model_copy(update={"repeated_matter": ("跑了无数趟",)})
    changed = policy.model_copy(update={"risk": policy.risk.model_copy(update={"cues": cues})})
    assert find_facts(text, policy=changed).repeated_cue == "跑了无数趟"


# --- county complaint -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我们不明白，一个养猪场为什么就没有人能管？县里互相推诿，我们只能请市里主持公道。",
        "第三次反映三里村养猪场污染问题\n——青山县推诿扯皮，恳请市里主持公道",
        "县生态环境局说归农业部门管，县农业农村局又说归环保管，两个局踢皮球。",
        "我们对县区处理不满，恳请市里重新调查。",
    ],
)
def test_county_complaint(policy: Policy, text: str) -> None:
    assert find_facts(text, policy=policy).county_complaint


@pytest.mark.parametrize(
    "text",
    [
        "找乡里，乡里推诿说铁路是市里的工程，他们管不了。",
        "我们去找村委会，村干部和镇里互相推来推去。",
        "开发商找不到人，物业说动用维修资金需要开发商配合，推来推去没人管。",
        "如果县里再推诿，我们只能到市里反映。",
        "县里没有推诿，只是资金一直没有到位。",
        "省里让我们回县里解决，县里说名单还在审核，审核了一年多还是没有结果。",
    ],
)
def test_not_a_county_complaint(policy: Policy, text: str) -> None:
    facts = find_facts(text, policy=policy)
    assert (facts.county_complaint, facts.county_complaint_cue) == (False, None)


def test_county_complaint_cues_come_from_the_policy(policy: Policy) -> None:
    text = "县里跟我们打太极，一拖就是两年。"
    assert not find_facts(text, policy=policy).county_complaint
    city_level = policy.routing.city_level.model_copy(update={"county_complaint_cues": ("打太极",)})
    changed = policy.model_copy(update={"routing": policy.routing.model_copy(update={"city_level": city_level})})
    assert find_facts(text, policy=changed).county_complaint_cue == "打太极"


# --- city-level subjects ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subjects"),
    [
        ("明州铁路二线石岭隧道从2025年11月开始爆破施工。", ("铁路二线",)),
        ("我们是原明州市第二机械厂的一线职工。", ("明州市第二机械厂",)),
        ("第二机械厂下岗职工的呼声", ("明州市第二机械厂",)),
        ("明州至江口高速\n公路第六标段从今年3月开始在我村施工。", ("明州至江口高速公路",)),
        ("乡里说铁路是县里的重点工程，他们管不了。", ()),
        ("北岭县宏达矿业有限公司拖欠工资。", ()),
    ],
)
def test_city_level_subjects(policy: Policy, text: str, subjects: tuple[str, ...]) -> None:
    assert find_facts(text, policy=policy).city_level_subjects == subjects


# --- secondary categories ---------------------------------------------------------------------


def test_a_demolition_letter_raising_land_compensation(policy: Policy) -> None:
    text = ("一伙不明身份的人员开着挖掘机，把我们8户的房屋强行拆除。另外，我们房子后面的承包地也一并被圈进\n"
            "了工地，既没有征地公告，也没有任何补偿。")
    facts = find_facts(text, policy=policy, primary_category="demolition_resettlement")
    assert facts.secondary_categories == ("land_acquisition",)
    # without the primary excluded, the letter's own matter shows too
    assert find_facts(text, policy=policy).secondary_categories == ("land_acquisition", "demolition_resettlement")


@pytest.mark.parametrize(
    ("text", "primary", "secondary"),
    [
        ("二、夜间施工噪声大、粉尘多。搅拌站离村民住房不到一百米。", "construction_damage", ("environmental_pollution",)),
        ("四、改制前企业拖欠的2016年下半年六个月工资，至今没有补发。", "enterprise_restructuring", ("wage_arrears",)),
        ("三、征地补偿款分配不透明。村里扣留了百分之三十的补偿款。", "rural_collective_affairs", ("land_acquisition",)),
        ("小区南侧的美食街油烟、噪声扰民。", "environmental_pollution", ()),
    ],
)
def test_secondary_categories(policy: Policy, text: str, primary: str, secondary: tuple[str, ...]) -> None:
    assert find_facts(text, policy=policy, primary_category=primary).secondary_categories == secondary


@pytest.mark.parametrize(
    "text",
    [
        "当时征地补偿款分配按标准发了，这个我们没有意见。",  # content, not a grievance
        "我们不是来讨薪的，只求公司给个说法。",  # denied
        "公司老板开着新车在县城里进进出出，我们种不了地。",  # no cue at all
        "1996年全厂职工集资建厂房，这笔集资款一直没有退还。",  # 集资 alone is no illegal fundraising
    ],
)
def test_no_secondary_category(policy: Policy, text: str) -> None:
    assert find_facts(text, policy=policy, primary_category="enterprise_restructuring").secondary_categories == ()


def test_secondary_cues_come_from_the_policy(policy: Policy) -> None:
    text = "夜间施工噪声大、粉尘多。"
    assert find_facts(text, policy=policy).secondary_categories == ("environmental_pollution",)
    silent = with_category_cues(policy, "environmental_pollution", ())
    assert find_facts(text, policy=silent).secondary_categories == ()
    noisy = with_category_cues(policy, "construction_damage", ("夜间施工",))
    assert find_facts(text, policy=noisy).secondary_categories == ("construction_damage", "environmental_pollution")


def test_sample_letters_secondary_categories(policy: Policy) -> None:
    letters = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
    wrong = [d["file"] for d in letters
             if list(find_facts(d["text"], policy=policy, primary_category=d["category"]).secondary_categories)
             != d["secondary_categories"]]
    assert len(wrong) <= 3, wrong
