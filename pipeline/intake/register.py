"""Intake: every received file becomes exactly one letter or one quarantine row.

Order of work for one file, chosen so a crash at any point loses nothing and a
rerun duplicates nothing:
1. copy the bytes into the content-addressed store (idempotent);
2. in one transaction: look the hash up, then register the letter, or note the
   duplicate, or quarantine the file; always write a receipt and an audit entry.
A crash between 1 and 2 leaves an unreferenced original that the rerun picks up.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from pipeline.context import PipelineContext
from pipeline.errors import InputFileError
from pipeline.intake.manifest import MANIFEST_NAME, Manifest, read_manifest
from pipeline.intake.validate import check_file
from pipeline.store import records
from pipeline.store.models import Letter, Quarantine


@dataclass(frozen=True)
class IntakeOutcome:
    source_file: str
    sha256: str
    outcome: str  # registered | duplicate | quarantined | quarantined_again
    letter_id: str | None = None
    reason_code: str | None = None
    reason: str | None = None


@dataclass
class IntakeReport:
    outcomes: list[IntakeOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def by_outcome(self, outcome: str) -> list[IntakeOutcome]:
        return [o for o in self.outcomes if o.outcome == outcome]

    @property
    def letter_ids(self) -> list[str]:
        """Letters this intake touched, new or already known, in input order, once each."""
        seen: dict[str, None] = {}
        for o in self.outcomes:
            if o.letter_id:
                seen.setdefault(o.letter_id)
        return list(seen)


def collect_files(paths: list[Path], *, ignore: list[str], zone: ZoneInfo) -> tuple[list[Path], list[str], Manifest]:
    """Expand folders (recursively, sorted), read their manifests, set aside sidecars."""
    files: list[Path] = []
    skipped: list[str] = []
    manifest = Manifest()
    for given in paths:
        if given.is_dir():
            for m in sorted(given.rglob(MANIFEST_NAME)):
                read_manifest(m, zone=zone, into=manifest)
            candidates = sorted(p for p in given.rglob("*") if p.is_file())
        elif given.exists():
            sibling = given.parent / MANIFEST_NAME
            if sibling.is_file() and given.name != MANIFEST_NAME:
                read_manifest(sibling, zone=zone, into=manifest)
            candidates = [given]
        else:
            manifest.problems.append(f"{given}: no such file or folder")
            continue
        for path in candidates:
            rel_parts = path.relative_to(given).parts if given.is_dir() else (path.name,)
            if any(fnmatch.fnmatch(part, pat) for part in rel_parts for pat in ignore):
                skipped.append(str(path))
            else:
                files.append(path)
    return files, skipped, manifest


def intake_file(ctx: PipelineContext, path: Path, *, received_at: datetime, station: str | None) -> IntakeOutcome:
    settings = ctx.settings
    stored = ctx.store.put_file(path)
    source = str(path)
    try:
        check = check_file(path, max_bytes=int(settings.max_file_mb * 2**20), max_pages=settings.max_pages,
                           max_image_pixels=settings.max_image_pixels)
        error = None
    except InputFileError as exc:
        check, error = None, exc

    try:
        return _register(ctx, stored, check, error, source=source, received_at=received_at, station=station)
    except IntegrityError:
        # Another intake registered the same bytes between our look-up and our
        # insert (two stations, one letter). Looking again finds it: a duplicate.
        return _register(ctx, stored, check, error, source=source, received_at=received_at, station=station)


def _register(ctx, stored, check, error, *, source, received_at, station) -> IntakeOutcome:
    with ctx.db.session() as session:
        known = records.find_letter(session, sha256=stored.sha256)
        if known is not None:
            records.add_receipt(session, sha256=stored.sha256, source_file=source, station=station,
                                received_at=received_at, outcome="duplicate", letter_id=known.id,
                                flow_run_id=ctx.run_id)
            return IntakeOutcome(source, stored.sha256, "duplicate", letter_id=known.id,
                                 reason=f"already registered as {known.id} from {known.source_file}")
        if error is not None:
            return _quarantine(ctx, session, source=source, stored=stored, error=error,
                               received_at=received_at, station=station)
        records.ensure_document(session, sha256=stored.sha256, size=stored.size, media_type=check.media_type,
                                stored_path=stored.relative_path)
        letter = Letter(id=records.letter_id_for(stored.sha256), sha256=stored.sha256, source_file=source,
                        media_type=check.media_type, received_at=received_at, registered_at=records.now(),
                        station=station, stage="registered", page_count=check.pages, flow_run_id=ctx.run_id)
        session.add(letter)
        records.add_receipt(session, sha256=stored.sha256, source_file=source, station=station,
                            received_at=received_at, outcome="registered", letter_id=letter.id, flow_run_id=ctx.run_id)
        records.audit(session, actor=ctx.actor, action="letter.registered", entity="letter", entity_id=letter.id,
                      details={"source_file": source, "media_type": check.media_type, "pages": check.pages},
                      flow_run_id=ctx.run_id)
        return IntakeOutcome(source, stored.sha256, "registered", letter_id=letter.id)


def _quarantine(ctx, session, *, source, stored, error: InputFileError, received_at, station) -> IntakeOutcome:
    existing = records.find_quarantine(session, sha256=stored.sha256)
    if existing is None:
        existing = Quarantine(sha256=stored.sha256, source_file=source, stored_path=stored.relative_path,
                              size=stored.size, reason_code=error.reason_code, reason=error.message,
                              station=station, received_at=received_at, quarantined_at=records.now())
        session.add(existing)
        session.flush()
        outcome = "quarantined"
        records.audit(session, actor=ctx.actor, action="file.quarantined", entity="quarantine",
                      entity_id=str(existing.id), details={"source_file": source, "reason_code": error.reason_code,
                                                           "reason": error.message}, flow_run_id=ctx.run_id)
    else:
        outcome = "quarantined_again"
    records.add_receipt(session, sha256=stored.sha256, source_file=source, station=station, received_at=received_at,
                        outcome=outcome, quarantine_id=existing.id, flow_run_id=ctx.run_id)
    return IntakeOutcome(source, stored.sha256, outcome, reason_code=existing.reason_code, reason=existing.reason)


def intake_paths(ctx: PipelineContext, paths: list[Path], *, station: str | None = None,
                 on_file=None) -> IntakeReport:
    """Register every file under ``paths``. ``station`` is the default when no manifest names one."""
    zone = ZoneInfo(ctx.settings.timezone)
    files, skipped, manifest = collect_files(paths, ignore=ctx.settings.intake_ignore, zone=zone)
    report = IntakeReport(skipped=skipped, problems=list(manifest.problems))
    for path in files:
        entry = manifest.lookup(path)
        received_at = (entry.received_at if entry and entry.received_at else None) or records.now().astimezone(zone)
        outcome = intake_file(ctx, path, received_at=received_at,
                              station=(entry.station if entry and entry.station else station))
        report.outcomes.append(outcome)
        if on_file:
            on_file(outcome)
    return report
