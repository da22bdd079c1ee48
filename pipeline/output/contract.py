"""The output contract: ``letters.jsonl``, ``cases.jsonl``, ``quarantine.jsonl``.

Fields that a stage not yet run would fill are written as null — never guessed
— and ``run.json`` says which stages ran, so a reader can tell "unknown" from
"not computed". Files are written to a temporary name and renamed, so a crash
never leaves half a file where a complete one was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pipeline.store.models import Case, Letter, Quarantine

CONTRACT_VERSION = "1"


def _iso(value, zone: tzinfo | None = None) -> str | None:
    if value is None:
        return None
    if zone is not None and isinstance(value, datetime):
        value = value.astimezone(zone)
    return value.isoformat()


def letter_record(letter: Letter, *, source_file: str | None = None, zone: tzinfo | None = None) -> dict[str, Any]:
    membership = letter.membership
    representative = None
    if letter.representative_name or letter.representative_phone:
        representative = {"name": letter.representative_name, "phone": letter.representative_phone}
    location = None
    if letter.county or letter.township or letter.village:
        location = {"county": letter.county, "township": letter.township, "village": letter.village}
    return {
        "letter_id": letter.id,
        "source_file": source_file or letter.source_file,
        "sha256": letter.sha256,
        "received_at": _iso(letter.received_at, zone),
        "station": letter.station,
        "pages": letter.page_count,
        "text": letter.text,
        "text_source": [p.text_source for p in letter.pages],
        "ocr_confidence": None if letter.ocr_confidence is None else round(letter.ocr_confidence, 2),
        "archive_sha256": letter.archive_sha256,
        "stage": letter.stage,
        "stage_error": letter.stage_error,
        "category": letter.category,
        "category_confidence": letter.category_confidence,
        "secondary_categories": letter.secondary_categories,
        "model_version": letter.model_version,
        "case_id": membership.case_id if membership else None,
        "signatory_count": letter.signatory_count,
        "representative": representative,
        "location": location,
        "intent": letter.intent,
        "needs_review": letter.needs_review,
        "review_reasons": letter.review_reasons or [],
    }


def case_record(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "letters": sorted(m.letter_id for m in case.letters),
        "category": case.category,
        "risk_level": case.risk_level,
        "risk_reasons": case.risk_reasons or [],
        "level": case.level,
        "lead_unit": case.lead_unit,
        "co_units": case.co_units or [],
        "ack_due": _iso(case.ack_due),
        "result_due": _iso(case.result_due),
        "status": case.status,
    }


def quarantine_record(q: Quarantine, *, source_file: str | None = None, zone: tzinfo | None = None) -> dict[str, Any]:
    return {
        "source_file": source_file or q.source_file,
        "sha256": q.sha256,
        "size": q.size,
        "reason_code": q.reason_code,
        "reason": q.reason,
        "received_at": _iso(q.received_at, zone),
        "station": q.station,
        "quarantined_at": _iso(q.quarantined_at, zone),
    }


def write_text_atomic(path: Path, text: str) -> None:
    """Write a whole file under a temporary name, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return n


def export_outputs(session: Session, out_dir: Path, *, letter_sources: dict[str, str] | None,
                   quarantine_sources: dict[str, str] | None, run_info: dict[str, Any],
                   zone: tzinfo | None = None) -> dict[str, int]:
    """Write the contract for the letters and quarantined files a run saw.

    Times are written in ``zone`` (the office's), with their offset.
    ``letter_sources`` maps letter id to the path given in this run (None:
    every letter in the database, with the path it was first registered
    from), so rerunning over an inbox reproduces the same files.
    """
    query = select(Letter).options(selectinload(Letter.pages), selectinload(Letter.membership)).order_by(Letter.id)
    if letter_sources is not None:
        query = query.where(Letter.id.in_(list(letter_sources)))
    letters = list(session.scalars(query))
    case_ids = sorted({lt.membership.case_id for lt in letters if lt.membership})
    cases = list(session.scalars(select(Case).options(selectinload(Case.letters))
                                 .where(Case.id.in_(case_ids)).order_by(Case.id))) if case_ids else []
    q_query = select(Quarantine).order_by(Quarantine.id)
    if quarantine_sources is not None:
        q_query = q_query.where(Quarantine.sha256.in_(list(quarantine_sources)))
    quarantined = list(session.scalars(q_query))

    counts = {
        "letters": write_jsonl(out_dir / "letters.jsonl", (
            letter_record(lt, source_file=(letter_sources or {}).get(lt.id), zone=zone) for lt in letters)),
        "cases": write_jsonl(out_dir / "cases.jsonl", (case_record(c) for c in cases)),
        "quarantine": write_jsonl(out_dir / "quarantine.jsonl", (
            quarantine_record(q, source_file=(quarantine_sources or {}).get(q.sha256), zone=zone) for q in quarantined)),
    }
    run_info = {"contract_version": CONTRACT_VERSION, **run_info, "counts": counts}
    write_text_atomic(out_dir / "run.json", json.dumps(run_info, ensure_ascii=False, indent=2, default=str))
    return counts
