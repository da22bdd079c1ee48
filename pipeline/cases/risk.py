"""Escalation risk (预警, policy §3): how fast and how high a case must be handled.

The level is about the case — its size, what its letters announce, how often
it has come back, when it arrived — never about the people who signed. Every
condition that holds is kept as a reason, so the reviewer and the unit see
why, and every threshold comes from the policy (rules.yaml ``risk``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.cases.facts import CaseFacts, LetterFacts
from pipeline.config import Policy
from pipeline.config.sections import RISK_LEVELS

VISIT_ABOVE_CITY = ("province", "beijing")
OVERDUE_REASON = "已超过办结期限未办结，预警升一级"
_PLACE_WORDS = {"province": "省里", "beijing": "北京"}


@dataclass(frozen=True)
class RiskAssessment:
    level: str  # urgent | high | medium | low
    reasons: tuple[str, ...]  # one per condition that holds, the deciding ones first


def rank(level: str) -> int:
    """0 for urgent ... 3 for low: lower is more serious."""
    return RISK_LEVELS.index(level)


def raise_one_level(level: str) -> str:
    return RISK_LEVELS[max(0, rank(level) - 1)]


def _letter_conditions(letter: LetterFacts, policy: Policy) -> list[tuple[str, str]]:
    """(level, reason) for each condition one letter meets on its own."""
    levels = policy.risk.condition_levels
    found = []
    cue = f"（“{letter.intent_cue}”）" if letter.intent_cue else ""
    if letter.intent in VISIT_ABOVE_CITY:
        found.append((levels.threatens_province_or_beijing_visit,
                      f"来信扬言到{_PLACE_WORDS[letter.intent]}上访{cue}"))
    elif letter.intent == "collective":
        announced = "、".join(x for x in (letter.announced_date, letter.announced_place) if x)
        if announced:
            found.append((levels.announces_collective_visit_with_date_or_place,
                          f"来信宣布集体上访并说明时间或地点（{announced}）{cue}"))
        else:
            found.append((levels.announces_collective_visit, f"来信宣布集体上访{cue}"))
    for window in policy.in_sensitive_window(letter.received_on):
        found.append((policy.risk.condition_levels.in_sensitive_window,
                      f"来信日期{letter.received_on:%m月%d日}在{window}敏感期内"))
    return found


def assess_risk(facts: CaseFacts, *, policy: Policy) -> RiskAssessment:
    """The case's level: the highest any condition gives, raised one level when overdue."""
    rules = policy.risk
    tiers = rules.signatory_tiers
    conditions: list[tuple[str, str]] = []
    for letter in facts.letters:
        conditions.extend(_letter_conditions(letter, policy))

    signers = facts.signatory_count or max((lt.signatory_count or 0 for lt in facts.letters), default=0)
    visit_intent = any(lt.intent != "none" for lt in facts.letters)
    if signers >= tiers.urgent_with_visit_intent and visit_intent:
        conditions.append(("urgent", f"签名{signers}人（{tiers.urgent_with_visit_intent}人以上）且表示要上访"))
    elif signers >= tiers.high:
        conditions.append(("high", f"签名{signers}人（{tiers.high}人以上）"))
    elif signers >= tiers.medium:
        conditions.append(("medium", f"签名{signers}人（{tiers.medium}人以上）"))

    repeated_reason = _repeated_reason(facts, min_letters=rules.repeated_matter.min_letters)
    if repeated_reason:
        if signers >= rules.repeated_matter.high_min_signatories:
            conditions.append(("high", f"{repeated_reason}，签名{signers}人"
                                       f"（{rules.repeated_matter.high_min_signatories}人以上）"))
        else:
            conditions.append((rules.condition_levels.repeated_matter, repeated_reason))

    if facts.category in policy.category_codes and policy.category(facts.category).base_risk == "high":
        conditions.append((rules.condition_levels.high_base_risk_category,
                           f"{policy.category(facts.category).name}类事项易引发集体访"))

    level = min((lvl for lvl, _ in conditions), key=rank, default="low")
    if facts.overdue_days > 0:
        raised = raise_one_level(level)
        # No day count in the reason: it would change every day and make the
        # case look "changed" on every nightly assignment list.
        conditions.append((raised, OVERDUE_REASON))
        level = raised
    ordered = [reason for _, reason in sorted(conditions, key=lambda c: rank(c[0]))]
    return RiskAssessment(level=level, reasons=tuple(dict.fromkeys(ordered)))


def _repeated_reason(facts: CaseFacts, *, min_letters: int) -> str | None:
    if len(facts.letters) >= min_letters:
        return f"本事项第{len(facts.letters)}封来信（重复反映）"
    said = next((lt for lt in facts.letters if lt.repeated), None)
    if said is not None:
        cue = f"“{said.repeated_cue}”" if said.repeated_cue else "多次反映"
        return f"来信称{cue}（重复反映）"
    return None
