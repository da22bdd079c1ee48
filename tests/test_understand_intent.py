"""Visit intent: which threats count, how high, and what an announced visit names."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import Policy, load_policy
from pipeline.understand.dates import letter_date, resolve_day
from pipeline.understand.intent import detect_intent

SAMPLES = Path(__file__).parent.parent / "sample_letters" / "truth.jsonl"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def with_cues(policy: Policy, **changes: tuple[str, ...]) -> Policy:
    """A copy of the policy whose ``risk.cues`` differ as given."""
    cues = policy.risk.cues.model_copy(update=changes)
    return policy.model_copy(update={"risk": policy.risk.model_copy(update={"cues": cues})})


@pytest.mark.parametrize(
    ("text", "kind", "cue"),
    [
        # conditional threats count
        ("修铁路是好事，但不能让老百姓的房子白白被震坏。如果再不解决，我们只能到省里去讨个说法。", "province", "到省里"),
        ("我们将赴省反映，请领导重视。", "province", "赴省"),
        ("过年前再拿不到钱，我们只能进京反映了。求求领导帮帮我们！", "beijing", "进京"),
        ("如果一个月内还没有说法，我们就一起去北京上访，到国家信访局去反映。", "beijing", "去北京上访"),
        ("如果还是得不到解决，全体业主将到市政府讨说法。", "collective", "到市政府讨说法"),
        ("如果县里再不管，我们全村人只能集体去县里讨个说法。", "collective", "集体去县里"),
        ("经全体被征收户商量决定，我们定于本月20日上午集体到市政府反映。", "collective", "集体到"),
    ],
)
def test_threats_by_family(policy: Policy, text: str, kind: str, cue: str) -> None:
    intent = detect_intent(text, policy=policy)
    assert (intent.kind, intent.cue) == (kind, cue)
    assert intent.sentence is not None and cue in intent.sentence


def test_a_threat_broken_over_two_lines_is_read_whole(policy: Policy) -> None:
    text = "我们不想闹事，只想拿回自己的血汗钱回家过年。过年前再拿不到钱，我们只能进京反\n映了。求求领导帮帮我们！"
    intent = detect_intent(text, policy=policy)
    assert intent.kind == "beijing"
    assert intent.sentence == "过年前再拿不到钱，我们只能进京反映了。"


@pytest.mark.parametrize(
    "text",
    [
        "我们不想也不会去上访，只求政府依法办事。",
        "我们绝不会到北京去给政府添麻烦，只求早日补发过渡费。",
        "我们不想去北京上访，也不愿意把事情闹大。",
    ],
)
def test_denied_threats_do_not_count(policy: Policy, text: str) -> None:
    intent = detect_intent(text, policy=policy)
    assert intent.kind == "none"
    assert intent.cue is not None  # the mention set aside is named, for the reviewer


@pytest.mark.parametrize(
    "text",
    [
        "去年我们曾到省里反映过，省里让我们回县里解决，县里说名单还在审核。",
        "之前我们已经到省信访局反映过，省里批转回了县里。",
        "之前已经去过省信访局，至今没有答复。",
        "上次我们到市政府反映，接待的同志说会转给区里。",
    ],
)
def test_history_is_not_a_threat(policy: Policy, text: str) -> None:
    assert detect_intent(text, policy=policy).kind == "none"


def test_reports_of_others_are_not_the_writers_threat(policy: Policy) -> None:
    assert detect_intent("听说邻村有人准备去北京上访，我们不赞成这种做法。", policy=policy).kind == "none"
    assert detect_intent("他们说要到省里去告我们。", policy=policy).kind == "none"


def test_the_province_named_without_a_visit(policy: Policy) -> None:
    intent = detect_intent("国家和省里早有政策，省里的政策规定要妥善解决代课教师的养老保障问题。", policy=policy)
    assert intent == detect_intent("", policy=policy)
    assert (intent.kind, intent.cue) == ("none", None)


def test_papers_sent_to_the_province_are_not_a_visit(policy: Policy) -> None:
    assert detect_intent("村里说要把我们的材料报到省里审批。", policy=policy).kind == "none"


def test_the_highest_threat_wins(policy: Policy) -> None:
    text = "我们定于本月20日集体到市政府反映。如果市里也不管，我们就进京上访。"
    intent = detect_intent(text, policy=policy)
    assert intent.kind == "beijing"
    # the announced visit's day and place are kept beside the higher threat
    assert (intent.announced_date, intent.announced_place) == ("本月20日", "市政府")


def test_announced_date_and_place(policy: Policy) -> None:
    text = (
        "经全体被征收户商量决定，如果在本月15日前仍没有明确的答复，我们定于本\n"
        "月20日上午集体到市政府反映，请市领导出面解决。\n铁路新村社区被征收户\n二〇二六年六月五日"
    )
    intent = detect_intent(text, policy=policy)
    assert intent.kind == "collective"
    assert intent.announced_date == "本月20日"  # not 本月15日前, the deadline
    assert intent.announced_place == "市政府"
    assert resolve_day(intent.announced_date, reference=letter_date(text)) == date(2026, 6, 20)


def test_a_decided_visit_without_date_has_its_place(policy: Policy) -> None:
    intent = detect_intent("经全体业主商定，我们决定集体到省信访局上访。", policy=policy)
    assert (intent.kind, intent.announced_date, intent.announced_place) == ("province", None, "省信访局")


def test_a_general_threat_announces_no_place(policy: Policy) -> None:
    intent = detect_intent("如果县里再不管，我们全村人只能集体到县政府讨个说法。", policy=policy)
    assert intent.kind == "collective"
    assert (intent.announced_date, intent.announced_place) == (None, None)


def test_visit_cues_come_from_the_policy(policy: Policy) -> None:
    text = "过年前再拿不到钱，我们只能进京反映了。"
    without = with_cues(policy, province_or_beijing_visit=tuple(c for c in policy.risk.cues.province_or_beijing_visit
                                                                   if c != "进京"))
    assert detect_intent(text, policy=policy).kind == "beijing"
    assert detect_intent(text, policy=without).kind == "none"

    rally = "如果再不解决，我们只能到人民广场集会。"
    assert detect_intent(rally, policy=policy).kind == "none"
    assert detect_intent(rally, policy=with_cues(policy, collective_visit=("到人民广场集会",))).kind == "collective"


def test_beijing_words_decide_beijing_over_province(policy: Policy) -> None:
    text = "如果再不解决，我们只能去北京上访。"
    assert detect_intent(text, policy=policy).kind == "beijing"
    assert detect_intent(text, policy=with_cues(policy, beijing_words=())).kind == "province"


def test_sample_letters_intent(policy: Policy) -> None:
    letters = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
    right = [d["file"] for d in letters if detect_intent(d["text"], policy=policy).kind == d["intent"]]
    assert len(right) >= len(letters) - 1, sorted({d["file"] for d in letters} - set(right))


def test_a_third_party_in_the_condition_is_not_the_subject(policy: Policy) -> None:
    assert detect_intent("他们再不解决我们就去北京上访。", policy=policy).kind == "beijing"


def test_a_deadline_is_not_the_announced_day(policy: Policy) -> None:
    intent = detect_intent("政府如果不在三日内答复我们决定集体到市政府反映。", policy=policy)
    assert (intent.kind, intent.announced_date, intent.announced_place) == ("collective", None, "市政府")
