"""Data access for intake and text: plain keyword-only functions over a Session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.models import AuditEntry, Document, FlowRun, Letter, Page, Quarantine, Receipt


def now() -> datetime:
    return datetime.now(UTC)


def letter_id_for(sha256: str) -> str:
    # Derived from the content: the same bytes can never become two letters,
    # even when two intakes race, because the id collides in the primary key.
    return f"L-{sha256[:12]}"


def find_letter(session: Session, *, sha256: str) -> Letter | None:
    return session.scalar(select(Letter).where(Letter.sha256 == sha256))


def find_quarantine(session: Session, *, sha256: str) -> Quarantine | None:
    return session.scalar(select(Quarantine).where(Quarantine.sha256 == sha256))


def ensure_document(session: Session, *, sha256: str, size: int, media_type: str | None, stored_path: str) -> Document:
    doc = session.get(Document, sha256)
    if doc is None:
        doc = Document(sha256=sha256, size=size, media_type=media_type, stored_path=stored_path, first_seen_at=now())
        session.add(doc)
    return doc


def audit(session: Session, *, actor: str, action: str, entity: str, entity_id: str,
          details: dict[str, Any] | None = None, flow_run_id: str | None = None) -> None:
    session.add(AuditEntry(at=now(), actor=actor, action=action, entity=entity, entity_id=entity_id,
                           details=details, flow_run_id=flow_run_id))


def add_receipt(session: Session, *, sha256: str, source_file: str, station: str | None, received_at: datetime,
                outcome: str, letter_id: str | None = None, quarantine_id: int | None = None,
                flow_run_id: str | None = None) -> Receipt:
    receipt = Receipt(sha256=sha256, source_file=source_file, station=station, received_at=received_at,
                      outcome=outcome, letter_id=letter_id, quarantine_id=quarantine_id, flow_run_id=flow_run_id)
    session.add(receipt)
    return receipt


def start_flow_run(session: Session, *, run_id: str, kind: str, prefect_flow_run_id: str | None = None) -> FlowRun:
    run = FlowRun(id=run_id, kind=kind, prefect_flow_run_id=prefect_flow_run_id, started_at=now(), status="running")
    session.add(run)
    return run


def finish_flow_run(session: Session, *, run_id: str, status: str, summary: dict[str, Any]) -> None:
    run = session.get(FlowRun, run_id)
    if run is not None:
        run.finished_at = now()
        run.status = status
        run.summary = summary


def letters_in_stage(session: Session, *, stage: str, letter_ids: list[str] | None = None) -> list[str]:
    query = select(Letter.id).where(Letter.stage == stage).order_by(Letter.id)
    if letter_ids is not None:
        query = query.where(Letter.id.in_(letter_ids))
    return list(session.scalars(query))


def replace_pages(session: Session, *, letter: Letter, pages: list[Page]) -> None:
    """Swap a letter's pages in one transaction, so a rerun never doubles them."""
    letter.pages.clear()
    session.flush()
    letter.pages.extend(pages)
