"""The JSON API's shapes (they document themselves at /docs and /openapi.json)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class PageOut(BaseModel):
    page_no: int
    text_source: str | None
    confidence: float | None
    strategy_note: str | None


class LetterOut(BaseModel):
    id: str
    received_at: datetime
    station: str | None
    stage: str
    media_type: str
    page_count: int
    text: str | None
    ocr_confidence: float | None
    category: str | None
    category_confidence: float | None
    secondary_categories: list[str]
    model_version: str | None
    county: str | None
    township: str | None
    village: str | None
    signatory_count: int | None
    stated_total: int | None
    representative_name: str | None
    intent: str | None
    letter_date: date | None
    needs_review: bool
    review_reasons: list[str]
    case_id: str | None
    case_status: str | None
    risk_level: str | None
    risk_reasons: list[str]
    join_reason: str | None
    pages: list[PageOut]


class CaseLetterOut(BaseModel):
    id: str
    received_at: datetime
    category: str | None
    county: str | None
    township: str | None
    signatory_count: int | None
    intent: str | None
    needs_review: bool
    join_reason: str | None


class EventOut(BaseModel):
    id: int
    kind: str
    on_date: date | None
    unit: str | None
    actor: str | None
    text: str | None
    document_sha256: str | None
    recorded_at: datetime


class CaseOut(BaseModel):
    id: str
    status: str
    category: str | None
    summary: str | None
    county: str | None
    township: str | None
    signatory_count: int | None
    risk_level: str | None
    risk_reasons: list[str]
    level: str | None
    lead_unit: str | None
    co_units: list[str]
    routing_rule: str | None
    registered_on: date | None
    ack_due: date | None
    result_due: date | None
    extended_to: date | None
    extension_reason: str | None
    closed_on: date | None
    is_open: bool
    letters: list[CaseLetterOut]
    events: list[EventOut]


class CaseRowOut(BaseModel):
    id: str
    status: str
    category: str | None
    summary: str | None
    county: str | None
    township: str | None
    risk_level: str | None
    lead_unit: str | None
    co_units: list[str]
    ack_due: date | None
    result_due: date | None = Field(description="The result deadline, extended if it was.")
    closed_on: date | None
    role: str | None = Field(description="This unit's part: lead or co (unit officers only).")
    overdue: bool


class QueueItemOut(BaseModel):
    letter_id: str
    case_id: str | None
    received_at: datetime
    category: str | None
    category_confidence: float | None
    ocr_confidence: float | None
    place: str
    risk_level: str | None
    reasons: list[str]
    priority: int


class CorrectionIn(BaseModel):
    field: Literal["category", "county", "township", "village", "signatory_count", "intent"]
    value: str | int | None = Field(description="The new value; null clears a place field.")


class CorrectionOut(BaseModel):
    letter: LetterOut
    correction_id: int
    field: str
    old_value: str | None
    new_value: str | None


class StepIn(BaseModel):
    kind: Literal["ack", "result", "reply", "extend", "return"]
    on_date: date | None = Field(default=None, description="Date of the step; default today (office zone).")
    text: str | None = Field(default=None, description="Note, result, reply, extension reason or return reason.")
    new_due: date | None = Field(default=None, description="The new result deadline (extend only).")


class UploadOut(BaseModel):
    outcome: Literal["registered", "duplicate", "quarantined", "quarantined_again"]
    letter_id: str | None = Field(description="The letter these bytes are (new or already registered).")
    sha256: str
    reason_code: str | None = Field(description="Why the file was quarantined (empty, corrupt, encrypted...).")
    reason: str | None
