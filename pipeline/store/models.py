"""The database schema for the whole product.

Designed once for every stage, so later stages fill columns rather than
migrate shapes: letters and their pages, signatories, cases and membership,
assignments to units, case events (acknowledgement, result, reply, extension,
return), reviewer corrections, users, flow runs and an append-only audit
trail. Intake receipts and quarantine make "nothing is lost" checkable: every
file ever handed in has a receipt that points at a letter or a quarantine row.

Personal data (names, ID numbers, phones) lives only here, in full, for the
people handling the case; every export masks it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """A timestamp that always comes back zone-aware, in UTC.

    SQLite keeps no zone with a timestamp; PostgreSQL does. Storing UTC and
    attaching the zone on the way out makes both behave the same, so a letter's
    received_at never silently shifts by the office's eight hours.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; attach a zone first")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime}


class Document(Base):
    """An original file, stored content-addressed and never modified."""

    __tablename__ = "documents"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(String(512), doc="Path relative to the document store.")
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FlowRun(Base):
    """One batch run (CLI or Prefect), for provenance on every record it touched."""

    __tablename__ = "flow_runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    prefect_flow_run_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="running")
    summary: Mapped[dict | None] = mapped_column(JSON)


class Receipt(Base):
    """Each time a file is handed in: where from, and what became of it."""

    __tablename__ = "receipts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_file: Mapped[str] = mapped_column(String(1024))
    station: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(24), doc="registered | duplicate | quarantined | quarantined_again")
    letter_id: Mapped[str | None] = mapped_column(ForeignKey("letters.id"))
    quarantine_id: Mapped[int | None] = mapped_column(ForeignKey("quarantine.id"))
    flow_run_id: Mapped[str | None] = mapped_column(ForeignKey("flow_runs.id"))


class Quarantine(Base):
    """A file that could not become a letter, with the reason. Kept as received."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_file: Mapped[str] = mapped_column(String(1024))
    stored_path: Mapped[str | None] = mapped_column(String(512))
    size: Mapped[int] = mapped_column(Integer)
    reason_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    station: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    quarantined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    released_letter_id: Mapped[str | None] = mapped_column(String(32), doc="Set if a person later resolved it into a letter.")


class Letter(Base):
    __tablename__ = "letters"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("documents.sha256"), unique=True)
    source_file: Mapped[str] = mapped_column(String(1024), doc="Path as first given.")
    media_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    station: Mapped[str | None] = mapped_column(String(128))
    # Processing state: registered -> text_extracted -> understood -> grouped.
    stage: Mapped[str] = mapped_column(String(24), default="registered", index=True)
    stage_error: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    ocr_confidence: Mapped[float | None] = mapped_column(Float, doc="Mean word confidence over OCR'd pages, 0-100.")
    archive_sha256: Mapped[str | None] = mapped_column(String(64), doc="Searchable PDF made from a scan.")
    letter_date: Mapped[date | None] = mapped_column(Date)
    # Understanding (filled by the parsing and classification stages).
    category: Mapped[str | None] = mapped_column(String(48), index=True)
    category_confidence: Mapped[float | None] = mapped_column(Float)
    secondary_categories: Mapped[list | None] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(64))
    signatory_count: Mapped[int | None] = mapped_column(Integer)
    stated_total: Mapped[int | None] = mapped_column(Integer)
    representative_name: Mapped[str | None] = mapped_column(String(64))
    representative_phone: Mapped[str | None] = mapped_column(String(32))
    county: Mapped[str | None] = mapped_column(String(64))
    township: Mapped[str | None] = mapped_column(String(64))
    village: Mapped[str | None] = mapped_column(String(64))
    intent: Mapped[str | None] = mapped_column(String(16))
    intent_detail: Mapped[dict | None] = mapped_column(JSON)
    facts: Mapped[dict | None] = mapped_column(JSON, doc="Other parsed facts: repeated mention, county complaint, named project...")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reasons: Mapped[list | None] = mapped_column(JSON)
    flow_run_id: Mapped[str | None] = mapped_column(ForeignKey("flow_runs.id"))

    pages: Mapped[list[Page]] = relationship(back_populates="letter", order_by="Page.page_no", cascade="all, delete-orphan")
    signatories: Mapped[list[Signatory]] = relationship(back_populates="letter", cascade="all, delete-orphan")
    membership: Mapped[CaseLetter | None] = relationship(back_populates="letter", uselist=False)


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("letter_id", "page_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    letter_id: Mapped[str] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    page_no: Mapped[int] = mapped_column(Integer, doc="1-based.")
    text: Mapped[str] = mapped_column(Text, default="")
    text_source: Mapped[str] = mapped_column(String(32), doc="pdf_text | ocr:<engine>")
    strategy_note: Mapped[str | None] = mapped_column(Text, doc="Why this source was chosen.")
    confidence: Mapped[float | None] = mapped_column(Float)
    width_px: Mapped[int | None] = mapped_column(Integer)
    height_px: Mapped[int | None] = mapped_column(Integer)
    dpi: Mapped[int | None] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float)
    lines: Mapped[list | None] = mapped_column(JSON, doc="Per-line text and confidence, when the engine gives them.")

    letter: Mapped[Letter] = relationship(back_populates="pages")


class Signatory(Base):
    __tablename__ = "signatories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    letter_id: Mapped[str] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(64))
    id_number: Mapped[str | None] = mapped_column(String(18))
    id_valid: Mapped[bool | None] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(256))
    is_representative: Mapped[bool] = mapped_column(Boolean, default=False)

    letter: Mapped[Letter] = relationship(back_populates="signatories")


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str | None] = mapped_column(String(48), index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    county: Mapped[str | None] = mapped_column(String(64))
    township: Mapped[str | None] = mapped_column(String(64))
    signatory_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="registered", index=True,
                                        doc="registered | assigned | acknowledged | resulted | replied | closed"
                                            " | triage | merged (its letters moved into another case by a reviewer)")
    risk_level: Mapped[str | None] = mapped_column(String(8))
    risk_reasons: Mapped[list | None] = mapped_column(JSON)
    level: Mapped[str | None] = mapped_column(String(12))
    lead_unit: Mapped[str | None] = mapped_column(String(64))
    co_units: Mapped[list | None] = mapped_column(JSON)
    routing_rule: Mapped[str | None] = mapped_column(Text)
    registered_on: Mapped[date | None] = mapped_column(Date)
    ack_due: Mapped[date | None] = mapped_column(Date)
    result_due: Mapped[date | None] = mapped_column(Date)
    extended_to: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    letters: Mapped[list[CaseLetter]] = relationship(back_populates="case", cascade="all, delete-orphan")
    assignments: Mapped[list[Assignment]] = relationship(back_populates="case", cascade="all, delete-orphan")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")


class CaseLetter(Base):
    """Membership: a letter belongs to exactly one case (unique letter_id)."""

    __tablename__ = "case_letters"
    letter_id: Mapped[str] = mapped_column(ForeignKey("letters.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    matched_letter_id: Mapped[str | None] = mapped_column(String(32), doc="The letter it was found similar to.")
    similarity: Mapped[float | None] = mapped_column(Float)
    join_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="letters")
    letter: Mapped[Letter] = relationship(back_populates="membership")


class Assignment(Base):
    """A unit's part in a case: lead (主办) or co-unit (协办)."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    unit: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(8), doc="lead | co")
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="active", doc="active | returned | superseded")
    listed_in_run: Mapped[str | None] = mapped_column(String(64), doc="Flow run whose assignment list carried it.")

    case: Mapped[Case] = relationship(back_populates="assignments")


class CaseEvent(Base):
    """What happened to a case: ack, result, reply, extension, return, reroute, merge..."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    on_date: Mapped[date | None] = mapped_column(Date)
    unit: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    case: Mapped[Case] = relationship(back_populates="events")


class Correction(Base):
    """A reviewer's change to a machine result; corrected labels feed retraining.

    Written by :mod:`pipeline.review`. ``field`` of a letter: one of
    ``corrections.LETTER_FIELDS``, ``stated_total`` (dropped by a lower
    count), or ``case`` (moved, merged or split: old and new case id). Of a
    case: ``routing`` (old and new as JSON), ``merged_into`` or
    ``split_into`` (the other case's id). ``used_in_model``: the version of
    the promoted model that learned from a category correction.
    """

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(16), doc="letter | case")
    entity_id: Mapped[str] = mapped_column(String(32), index=True)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_in_model: Mapped[str | None] = mapped_column(String(64))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), doc="admin | reviewer | unit_officer")
    unit: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEntry(Base):
    """Append-only: who did what to which record, and when."""

    __tablename__ = "audit_trail"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict | None] = mapped_column(JSON)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))


class LetterLshBand(Base):
    """MinHash LSH band keys of a letter's text (see pipeline.cases.similarity).

    Two letters sharing any (band, bucket) are near-duplicate candidates, so
    grouping finds copies of a form letter with one indexed lookup instead of
    comparing a new letter with every letter ever received.
    """

    __tablename__ = "letter_lsh_bands"
    __table_args__ = (Index("ix_letter_lsh_bands_band_bucket", "band", "bucket"),)
    letter_id: Mapped[str] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    bucket: Mapped[str] = mapped_column(String(16), doc="Hex digest of the band's MinHash rows.")


# Grouping's second candidate source: letters from the same township. Declared
# here, with the grouping table, rather than inside the Letter class of the
# initial schema; migration 0002 creates it.
Index("ix_letters_place", Letter.township, Letter.county, Letter.category)
