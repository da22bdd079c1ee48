"""The figures of the office's dashboard, as one plain JSON-able dict.

Letters and cases by category (with the office's names), by county and
township, and by ISO week; the risk of the open cases; per lead unit its
open, closed and overdue cases and closure rate; and the overdue list. Who
is closed and who is overdue comes from the closure check
(:func:`pipeline.cases.closure.closure_check`), so the dashboard and the
督办 list never disagree. Cases merged into another are not counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.cases.closure import closure_check
from pipeline.cases.grouping import OFFICE_ZONE
from pipeline.cases.handling import MERGED_STATUS, OPEN_STATUSES
from pipeline.config import Policy
from pipeline.config.schema import RISK_LEVELS
from pipeline.store.models import Case, Letter

UNCLASSIFIED = "未分类"


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _by_category(session: Session, policy: Policy) -> list[dict]:
    letters = dict(session.execute(select(Letter.category, func.count()).group_by(Letter.category)).all())
    cases = dict(session.execute(select(Case.category, func.count()).where(Case.status != MERGED_STATUS)
                                 .group_by(Case.category)).all())
    # Every category of the taxonomy, in its order (a chart keeps its bars), then any code it no longer has.
    codes = list(policy.category_codes) + sorted(c for c in set(letters) | set(cases) if c and c not in
                                                 policy.category_codes)
    if None in letters or None in cases:
        codes.append(None)
    names = {c.code: c.name for c in policy.taxonomy.categories}
    return [{"code": code, "name": names.get(code, code) if code else UNCLASSIFIED,
             "letters": letters.get(code, 0), "cases": cases.get(code, 0)} for code in codes]


def _by_place(session: Session, policy: Policy) -> list[dict]:
    letters = Counter({(c, t): n for c, t, n in session.execute(
        select(Letter.county, Letter.township, func.count()).group_by(Letter.county, Letter.township))})
    cases = Counter({(c, t): n for c, t, n in session.execute(
        select(Case.county, Case.township, func.count()).where(Case.status != MERGED_STATUS)
        .group_by(Case.county, Case.township))})
    townships: dict[str | None, set[str | None]] = defaultdict(set)
    for county, township in set(letters) | set(cases):
        townships[county].add(township)
    order = {name: i for i, name in enumerate(policy.county_names)}
    rows = []
    # The jurisdiction's order, then unknown counties; within a county, unknown township last.
    for county in sorted(townships, key=lambda c: (c is None, order.get(c, len(order)), c or "")):
        within = sorted(townships[county], key=lambda t: (t is None, t or ""))
        rows.append({
            "county": county,
            "letters": sum(letters[(county, t)] for t in within), "cases": sum(cases[(county, t)] for t in within),
            "townships": [{"township": t, "letters": letters[(county, t)], "cases": cases[(county, t)]}
                          for t in within],
        })
    return rows


def _by_week(session: Session, zone: ZoneInfo) -> list[dict]:
    letters = Counter(_iso_week(at.astimezone(zone).date()) for at in session.scalars(select(Letter.received_at)))
    cases = Counter(_iso_week(day) for day in session.scalars(
        select(Case.registered_on).where(Case.status != MERGED_STATUS, Case.registered_on.is_not(None))))
    weeks = sorted(set(letters) | set(cases))
    return [{"week": week, "letters": letters[week], "cases": cases[week]} for week in weeks]


def _open_risk(session: Session, policy: Policy) -> list[dict]:
    counts = dict(session.execute(select(Case.risk_level, func.count()).where(Case.status.in_(OPEN_STATUSES))
                                  .group_by(Case.risk_level)).all())
    rows = [{"level": level, "name": policy.risk.level_names.get(level, level), "cases": counts.get(level, 0)}
            for level in RISK_LEVELS]
    unassessed = sum(n for level, n in counts.items() if level not in RISK_LEVELS)
    return rows + ([{"level": None, "name": "未评估", "cases": unassessed}] if unassessed else [])


def _units(session: Session, overdue: list[dict], not_really_closed: set[str]) -> list[dict]:
    rows: dict[str, dict] = defaultdict(lambda: {"open": 0, "closed": 0, "overdue": 0})
    for case_id, status, unit in session.execute(select(Case.id, Case.status, Case.lead_unit)
                                                 .where(Case.status != MERGED_STATUS, Case.lead_unit.is_not(None))):
        if status in OPEN_STATUSES:
            rows[unit]["open"] += 1
        elif status == "closed" and case_id not in not_really_closed:
            rows[unit]["closed"] += 1
    for row in overdue:
        if row["lead_unit"]:
            rows[row["lead_unit"]]["overdue"] += 1
    return [{"unit": unit, **row,
             # §5 per unit: closed / (closed + past the deadline); None while nothing is due or closed.
             "closure_rate": row["closed"] / (row["closed"] + row["overdue"]) if row["closed"] + row["overdue"]
             else None}
            for unit, row in sorted(rows.items())]


def dashboard_stats(session: Session, *, policy: Policy, today: date, zone: ZoneInfo = OFFICE_ZONE) -> dict:
    """The dashboard's figures as of ``today`` (letters' weeks in the office's ``zone``).

    Per unit, "open" counts every open case it leads, overdue ones included;
    "overdue" and the overdue list are the closure check's.
    """
    report = closure_check(session, today=today, policy=policy)
    statuses = dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
    return {
        "as_of": today.isoformat(),
        "totals": {
            "letters": report.letters,
            "letters_needing_review": session.scalar(select(func.count()).select_from(Letter)
                                                     .where(Letter.needs_review.is_(True))) or 0,
            "cases": report.cases,
            "open_cases": sum(n for status, n in statuses.items() if status in OPEN_STATUSES),
            "closed_cases": report.closed,
            "merged_cases": report.merged,
        },
        "by_category": _by_category(session, policy),
        "by_place": _by_place(session, policy),
        "by_week": _by_week(session, zone),
        "open_risk": _open_risk(session, policy),
        "units": _units(session, report.overdue, set(report.closed_without_result_and_reply)),
        "overdue": report.overdue,
        "closure": {"rate": report.closure_rate, "target": report.target_rate, "ok": report.ok,
                    "problems": report.problems},
    }
