"""What the pages and the API show of a letter or a case: read-only, keyword-only functions.

Both the HTML pages and the JSON API use these, so a field shown on a page
and the same field in the API cannot drift apart. Personal ID numbers are
never part of a view: the office reads them in the case file, not on screen.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.cases.handling import OPEN_STATUSES
from pipeline.config import Policy
from pipeline.store.models import Assignment, Case, CaseEvent, CaseLetter, Letter, Page
from pipeline.text.numbers import mask_id_numbers


def _membership(session: Session, letter_id: str) -> CaseLetter | None:
    return session.get(CaseLetter, letter_id)


def letter_view(session: Session, *, letter: Letter, policy: Policy) -> dict:
    """What a page or the API shows of a letter: ID-card numbers in its text only masked (policy §6)."""
    membership = _membership(session, letter.id)
    case = session.get(Case, membership.case_id) if membership else None
    pages = list(session.scalars(select(Page).where(Page.letter_id == letter.id).order_by(Page.page_no)))
    return {
        "id": letter.id, "received_at": letter.received_at, "station": letter.station, "stage": letter.stage,
        "media_type": letter.media_type, "page_count": letter.page_count or len(pages) or 1,
        "text": mask_id_numbers(letter.text or "", policy.mask_id_number), "ocr_confidence": letter.ocr_confidence,
        "category": letter.category, "category_confidence": letter.category_confidence,
        "secondary_categories": list(letter.secondary_categories or []), "model_version": letter.model_version,
        "county": letter.county, "township": letter.township, "village": letter.village,
        "signatory_count": letter.signatory_count, "stated_total": letter.stated_total,
        "representative_name": letter.representative_name, "intent": letter.intent,
        "letter_date": letter.letter_date, "needs_review": bool(letter.needs_review),
        "review_reasons": list(letter.review_reasons or []),
        "case_id": case.id if case else None, "case_status": case.status if case else None,
        "risk_level": case.risk_level if case else None,
        "risk_reasons": list(case.risk_reasons or []) if case else [],
        "join_reason": membership.join_reason if membership else None,
        "pages": [{"page_no": p.page_no, "text_source": p.text_source, "confidence": p.confidence,
                   "strategy_note": p.strategy_note} for p in pages],
    }


def case_view(session: Session, *, case: Case) -> dict:
    letters = list(session.execute(
        select(Letter, CaseLetter).join(CaseLetter, CaseLetter.letter_id == Letter.id)
        .where(CaseLetter.case_id == case.id).order_by(Letter.received_at, Letter.id)))
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))
    return {
        "id": case.id, "status": case.status, "category": case.category, "summary": case.summary,
        "county": case.county, "township": case.township, "signatory_count": case.signatory_count,
        "risk_level": case.risk_level, "risk_reasons": list(case.risk_reasons or []), "level": case.level,
        "lead_unit": case.lead_unit, "co_units": list(case.co_units or []), "routing_rule": case.routing_rule,
        "registered_on": case.registered_on, "ack_due": case.ack_due, "result_due": case.result_due,
        "extended_to": case.extended_to, "extension_reason": case.extension_reason, "closed_on": case.closed_on,
        "is_open": case.status in OPEN_STATUSES,
        "letters": [{"id": lt.id, "received_at": lt.received_at, "category": lt.category, "county": lt.county,
                     "township": lt.township, "signatory_count": lt.signatory_count, "intent": lt.intent,
                     "needs_review": bool(lt.needs_review), "join_reason": m.join_reason} for lt, m in letters],
        "events": [{"id": e.id, "kind": e.kind, "on_date": e.on_date, "unit": e.unit, "actor": e.actor,
                    "text": e.text, "document_sha256": e.document_sha256, "recorded_at": e.recorded_at}
                   for e in events],
    }


def case_row(case: Case, *, role: str | None = None, today: date | None = None) -> dict:
    """One line of a case list."""
    due = case.extended_to or case.result_due
    overdue = bool(today and due and case.status in OPEN_STATUSES and due < today)
    return {"id": case.id, "status": case.status, "category": case.category, "summary": case.summary,
            "county": case.county, "township": case.township, "risk_level": case.risk_level,
            "lead_unit": case.lead_unit, "co_units": list(case.co_units or []), "ack_due": case.ack_due,
            "result_due": due, "closed_on": case.closed_on, "role": role, "overdue": overdue}


def unit_cases(session: Session, *, unit: str, today: date) -> list[dict]:
    """A unit's cases (active assignments, lead or co), open ones first, the most urgent deadline first."""
    rows = session.execute(select(Case, Assignment.role).join(Assignment, Assignment.case_id == Case.id)
                           .where(Assignment.unit == unit, Assignment.status == "active"))
    listed = [case_row(case, role=role, today=today) for case, role in rows]
    return sorted(listed, key=lambda r: (r["status"] not in OPEN_STATUSES, r["result_due"] or date.max, r["id"]))


def cases_by_id(session: Session, *, case_ids: list[str] | set[str] | None, today: date, limit: int = 500) -> list[dict]:
    """Case rows for these ids (None: every case), newest first."""
    query = select(Case).order_by(Case.registered_on.desc(), Case.id.desc()).limit(limit)
    if case_ids is not None:
        query = query.where(Case.id.in_(list(case_ids)))
    return [case_row(c, today=today) for c in session.scalars(query)]


def event_document(session: Session, *, case_id: str, sha256: str) -> CaseEvent | None:
    """The case's event that carries this document, if any: a document is served only through its case."""
    return session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.document_sha256 == sha256)
                          .limit(1))
