"""Deadlines (限期报结, policy §4): calendar days from the day of registration.

Pure date arithmetic over the policy's table, plus the one rule for extending
a result deadline (once, by at most N days, with a reason). A case whose risk
rises keeps its registration day, so its deadlines can only come closer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.config import Policy
from pipeline.errors import CaseRuleError


class DeadlineError(CaseRuleError):
    """An extension the policy does not allow."""


@dataclass(frozen=True)
class Deadlines:
    ack_due: date  # 受理告知
    result_due: date  # 办结


def deadlines_for(registered_on: date, risk_level: str, *, policy: Policy) -> Deadlines:
    """Acknowledgement and result deadlines for a case registered on ``registered_on``."""
    ack_days, result_days = policy.deadlines_for(risk_level)
    return Deadlines(ack_due=registered_on + timedelta(days=ack_days),
                     result_due=registered_on + timedelta(days=result_days))


def check_extension(*, result_due: date, requested_to: date, reason: str | None, extensions_so_far: int,
                    policy: Policy) -> int:
    """Validate an extension of the result deadline; returns the days added.

    Raises DeadlineError naming the rule broken: too many extensions, too
    long, not later than the current deadline, or no reason given.
    """
    rule = policy.deadlines.extension
    if extensions_so_far >= rule.max_count:
        raise DeadlineError(f"the result deadline may be extended only {rule.max_count} time(s); it already was")
    if rule.reason_required and not (reason or "").strip():
        raise DeadlineError("an extension needs a recorded reason")
    days = (requested_to - result_due).days
    if days <= 0:
        raise DeadlineError(f"the new deadline {requested_to} must be after the current one {result_due}")
    if days > rule.max_days:
        raise DeadlineError(f"an extension may add at most {rule.max_days} days; {requested_to} adds {days}")
    return days


def effective_result_due(result_due: date | None, extended_to: date | None) -> date | None:
    return extended_to or result_due


def days_overdue(*, result_due: date | None, extended_to: date | None, today: date) -> int:
    """Days past the (possibly extended) result deadline; 0 when not yet due."""
    due = effective_result_due(result_due, extended_to)
    if due is None or today <= due:
        return 0
    return (today - due).days
