"""A unit's steps on a case, from a web form or the API, through the lifecycle's own checks.

The web adds who acts (the signed-in officer, for their unit) and today's
date in the office's zone; whether the step is allowed — order, dates, only
the lead unit, one extension within the limit — is decided by
:mod:`pipeline.cases.lifecycle`, the same as for ``lianming case ...``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from pipeline.cases import lifecycle
from pipeline.config import Policy
from pipeline.errors import UsageError
from pipeline.store.models import Case, User

STEP_KINDS = ("ack", "result", "reply", "extend", "return")
# Steps whose date and text are the unit's record: an attached document is allowed there.
DOCUMENT_STEPS = ("ack", "result", "reply")


def record_step(session: Session, *, case_id: str, kind: str, user: User, on_date: date | None, today: date,
                text: str | None, new_due: date | None, document_sha256: str | None, policy: Policy) -> Case:
    if kind not in STEP_KINDS:
        raise UsageError(f"'{kind}' is no step (one of {', '.join(STEP_KINDS)})")
    if document_sha256 and kind not in DOCUMENT_STEPS:
        raise UsageError(f"a document goes with an acknowledgement, a result or a reply, not with '{kind}'")
    step = lifecycle.Step(actor=user.username, on_date=on_date or today, today=today, unit=user.unit,
                          text=(text or "").strip() or None, document_sha256=document_sha256)
    if kind == "ack":
        return lifecycle.acknowledge(session, case_id, step)
    if kind == "result":
        return lifecycle.record_result(session, case_id, step)
    if kind == "reply":
        return lifecycle.record_reply(session, case_id, step)
    if kind == "extend":
        if new_due is None:
            raise UsageError("an extension needs the new deadline")
        return lifecycle.extend(session, case_id, step, new_due=new_due, policy=policy)
    return lifecycle.return_case(session, case_id, step, policy=policy)
