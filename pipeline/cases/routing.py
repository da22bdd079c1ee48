"""Routing (policy §2): 属地管理、分级负责，谁主管、谁负责.

Level first (city / township / county, or triage when the place is unknown),
then the lead unit (主办) and co-units (协办). The rule that decided is
recorded with the result, so an officer who receives a case — and a reviewer
who re-routes one — can see why it came to them. Unit names are formed from
the policy's jurisdiction (departments by role and level), never written here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.cases.facts import CaseFacts
from pipeline.config import Policy


@dataclass(frozen=True)
class Routing:
    level: str  # city | county | township | triage
    lead_unit: str
    co_units: tuple[str, ...]
    rule: str  # why this level and lead unit, in the office's words
    triage: bool = False


def _known_counties(facts: CaseFacts, policy: Policy) -> tuple[str, ...]:
    """The city's counties the case touches: named ones, then those of the townships it touches.

    Township names are unique across the city, so a township named without its
    county still places the case (policy: unknown place means no place at all).
    """
    named = [facts.county, *facts.counties]
    by_township = [policy.county_of_township(t) for t in (facts.township, *facts.townships) if t]
    return tuple(dict.fromkeys(c for c in (*named, *by_township) if c and c in policy.county_names))


def _city_trigger(facts: CaseFacts, policy: Policy) -> str | None:
    triggers = policy.routing.city_level
    counties = list(_known_counties(facts, policy))
    if len(counties) >= triggers.min_counties:
        return f"§2.1 市级：事项涉及{len(counties)}个县区（{'、'.join(counties)}）"
    if facts.city_level_subjects:
        return f"§2.1 市级：涉及市级项目或企业（{'、'.join(facts.city_level_subjects)}）"
    if facts.county_complaint:
        cue = f"“{facts.county_complaint_cue}”" if facts.county_complaint_cue else "对县区处理不满"
        return f"§2.1 市级：来信反映县区处理不满或推诿（{cue}）"
    return None


def _department_role(policy: Policy, category: str) -> str:
    return policy.category(category).department


def _unit(policy: Policy, role: str, level: str, county: str | None) -> str:
    return policy.unit_name(role, "city" if level == "city" else "county", county=county)


def route_case(facts: CaseFacts, *, policy: Policy) -> Routing:
    """Decide level, lead unit and co-units for a case from its facts."""
    # No category, or one the taxonomy no longer has (a model trained on last
    # year's codes): no department can be named, so a person decides.
    if facts.category not in policy.category_codes:
        return Routing(level="triage", lead_unit=policy.triage_unit, co_units=(), triage=True,
                       rule=f"§2 类别未定（{facts.category or '无'}）：交{policy.triage_unit}分办（待人工核定）")
    category = facts.category
    counties = _known_counties(facts, policy)
    townships = tuple(t for t in dict.fromkeys((facts.township, *facts.townships))
                      if t and policy.county_of_township(t))
    county = facts.county if facts.county in policy.county_names else (counties[0] if counties else None)

    city_rule = _city_trigger(facts, policy)
    if city_rule is None and county is None:
        return Routing(level="triage", lead_unit=policy.triage_unit, co_units=(), triage=True,
                       rule=f"§2 地点无法确定：交{policy.triage_unit}分办（待人工核定）")

    if city_rule is not None:
        level, rule = "city", city_rule
    elif len(townships) == 1 and category in policy.routing.township_level_categories:
        level, rule = "township", f"§2.2 乡镇级：事项在{townships[0]}范围内，属{policy.category(category).name}"
    else:
        level, rule = "county", f"§2.3 县区级：事项在{county}范围内"

    if level == "township":
        lead = policy.township_government(townships[0])
    else:
        lead = _unit(policy, _department_role(policy, category), level, county)
    rule += f"；主办：{lead}"

    co: list[str] = []
    co_role = policy.category(category).co_department
    if co_role and level != "township":
        co.append(_unit(policy, co_role, level, county))
    # Secondary matters go to their department at the case's level; a
    # township has no departments, so its case's go to the county's.
    secondary_level = "county" if level == "township" else level
    secondary_county = policy.county_of_township(townships[0]) if level == "township" else county
    for code in facts.secondary_categories:
        if code != category and code in policy.category_codes:
            co.append(_unit(policy, _department_role(policy, code), secondary_level, secondary_county))
    if level == "county":
        co.extend(policy.township_government(t) for t in townships if policy.county_of_township(t) == county)
    elif level == "city":
        government = policy.jurisdiction.government_role
        touched = counties or ((county,) if county else ())
        co.extend(policy.unit_name(government, "county", county=c) for c in touched)
    co_units = tuple(u for u in dict.fromkeys(co) if u != lead)
    return Routing(level=level, lead_unit=lead, co_units=co_units, rule=rule)
