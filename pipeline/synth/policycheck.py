"""Cross-check the hand-authored truth against the reference rules.

The case truth (risk, level, lead and co-units) is written by hand in the
letter YAML. This module derives the same values a second way, from the
letter-level facts, and reports every disagreement, so that an authoring
slip cannot reach ``truth.jsonl``. It also checks categories and places
against taxonomy.yaml and jurisdiction.yaml. The reference directory is
``$LIANMING_REFERENCE_DIR`` or the project's own ``pipeline/config/default``;
without it the check is skipped (with a note).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import yaml

from pipeline.synth.content import Case, Letter

ORDER = ["low", "medium", "high", "urgent"]
WINDOWS = [((1, 1), (3, 15)), ((9, 1), (10, 7))]


def reference_dir() -> Path | None:
    here = Path(__file__).resolve().parents[1] / "config" / "default"
    for cand in (os.environ.get("LIANMING_REFERENCE_DIR"), here):
        if cand and (Path(cand) / "taxonomy.yaml").exists() and (Path(cand) / "jurisdiction.yaml").exists():
            return Path(cand)
    return None


def in_window(d: date) -> bool:
    return any((d.month, d.day) >= lo and (d.month, d.day) <= hi for lo, hi in WINDOWS)


def letter_risk(lt: Letter, n_case_letters: int, base_high: bool) -> str:
    n, intent = lt.signatory_count, lt.intent
    repeated = bool(lt.facts.get("repeated")) or n_case_letters >= 3
    if intent in ("province", "beijing") or (intent == "collective" and lt.facts.get("dated_visit")) \
            or (n >= 100 and intent != "none"):
        return "urgent"
    if n >= 50 or intent == "collective" or (repeated and n >= 10):
        return "high"
    if n >= 10 or repeated or base_high or in_window(lt.received_at.date()):
        return "medium"
    return "low"


class _Ref:
    def __init__(self, d: Path):
        tax = yaml.safe_load((d / "taxonomy.yaml").read_text(encoding="utf-8"))
        jur = yaml.safe_load((d / "jurisdiction.yaml").read_text(encoding="utf-8"))
        self.cats = {c["code"]: c for c in tax["categories"]}
        self.depts = jur["departments"]
        self.city = jur["city"]
        self.places = {c["name"]: {t["name"]: set(t.get("villages", [])) for t in c["townships"]}
                       for c in jur["counties"]}
        self.scopes = [str(x) for x in jur.get("city_level_projects", []) + jur.get("city_level_enterprises", [])]

    def dept(self, role: str, level_name: str) -> str:
        return level_name + self.depts[role]

    @staticmethod
    def gov(place: str) -> str:
        return place + ("办事处" if place.endswith("街道") else "人民政府")


def _place_errors(ref: _Ref, lt: Letter) -> list[str]:
    c, t, v = (lt.location[k] for k in ("county", "township", "village"))
    errs = []
    if c and c not in ref.places:
        errs.append(f"unknown county {c}")
    elif t and t not in ref.places.get(c, {}):
        errs.append(f"township {t} is not in {c}")
    elif v and v not in ref.places.get(c, {}).get(t, set()):
        errs.append(f"village {v} is not in {t}")
    if (t and not c) or (v and not t):
        errs.append("a finer place is given without the coarser one")
    return errs


def check(cases: dict[str, Case], letters: list[Letter]) -> list[str]:
    d = reference_dir()
    if d is None:
        return []
    ref = _Ref(d)
    errs: list[str] = []
    by_case: dict[str, list[Letter]] = {}
    for lt in letters:
        by_case.setdefault(lt.case_id, []).append(lt)
        for code in [lt.category, *lt.secondary]:
            if code not in ref.cats:
                errs.append(f"{lt.id}: unknown category {code}")
        errs += [f"{lt.id}: {e}" for e in _place_errors(ref, lt)]
    for cid, case in cases.items():
        lts = by_case.get(cid, [])
        if not lts:
            errs.append(f"{cid}: no letters")
            continue
        cat = lts[0].category
        if any(lt.category != cat for lt in lts):
            errs.append(f"{cid}: letters disagree on the category")
        base_high = ref.cats[cat]["base_risk"] == "high"
        risk = max((letter_risk(lt, len(lts), base_high) for lt in lts), key=ORDER.index)
        if risk != case.risk_level:
            errs.append(f"{cid}: authored risk {case.risk_level}, the rules give {risk}")
        level, lead, co = _route(ref, case, lts, cat)
        if level != case.level:
            errs.append(f"{cid}: authored level {case.level}, the rules give {level}")
        if lead != case.lead_unit:
            errs.append(f"{cid}: authored lead unit {case.lead_unit}, the rules give {lead}")
        if sorted(co) != sorted(case.co_units):
            errs.append(f"{cid}: authored co-units {case.co_units}, the rules give {co}")
        if case.city_scope and not any(s in case.city_scope for s in ref.scopes):
            errs.append(f"{cid}: {case.city_scope} is not a city-level project or enterprise")
    return errs


def _route(ref: _Ref, case: Case, lts: list[Letter], cat: str) -> tuple[str, str, list[str]]:
    counties = {lt.location["county"] for lt in lts if lt.location["county"]} | set(case.extra_counties)
    towns = {(lt.location["county"], lt.location["township"]) for lt in lts if lt.location["township"]}
    if not counties and not case.city_scope:
        return "triage", ref.city + ref.depts["petition_bureau"], []
    if len(counties) >= 2 or case.city_scope or case.county_complaint:
        level, where = "city", ref.city
    elif cat == "rural_collective_affairs" and len(towns) == 1 and all(lt.location["township"] for lt in lts):
        level, where = "township", next(iter(counties))
    else:
        level, where = "county", next(iter(counties))
    role = ref.cats[cat]["department"]
    lead = ref.gov(next(iter(towns))[1]) if level == "township" else ref.dept(role, where)
    co: list[str] = []
    if ref.cats[cat].get("co_department"):
        co.append(ref.dept(ref.cats[cat]["co_department"], where))
    for sec in dict.fromkeys(s for lt in lts for s in lt.secondary):
        co.append(ref.dept(ref.cats[sec]["department"], where))
    if level == "county":
        co += [ref.gov(t) for _, t in sorted(towns)]
    elif level == "city":
        co += [ref.gov(c) for c in sorted(counties)]
    return level, lead, [u for u in dict.fromkeys(co) if u != lead]
