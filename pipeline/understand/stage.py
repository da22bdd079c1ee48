"""The understanding stage: a letter's text -> the facts the office acts on.

One call per letter (the flow's task size): classify it with the current
model, parse signatories, place, intent, the letter's date and the other
facts the rules need, and store them on the letter — with the reasons a
person should look at it. Parsers are plain functions in this package, one
module per field family; this module only runs them and writes the result.
"""

from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from pipeline.classify.classifier import Classification
from pipeline.classify.registry import current_classifier
from pipeline.config import Policy
from pipeline.context import PipelineContext
from pipeline.store import records
from pipeline.store.models import Letter, Signatory
from pipeline.text.stage import STAGE_DONE as TEXT_DONE
from pipeline.understand.dates import letter_date, resolve_day
from pipeline.understand.facts import Facts, find_facts
from pipeline.understand.intent import Intent, detect_intent
from pipeline.understand.place import Place, find_place
from pipeline.understand.signatories import SignatoryParse, parse_signatories

log = logging.getLogger(__name__)

STAGE_DONE = "understood"


def review_reasons(*, classification: Classification, ocr_confidence: float | None, place: Place,
                   signatories: SignatoryParse, text: str, policy: Policy) -> list[str]:
    """Why a person should check this letter, as ``code: detail``; empty when the reading can stand.

    The code lets the review queue order and filter; the detail, in the
    office's language, tells the reviewer what to look at.
    """
    rules = policy.review
    reasons = []
    if not text.strip():
        reasons.append("no_text: 未能读出文字")
    if classification.needs_review:
        name = policy.category(classification.label).name if classification.label in policy.category_codes \
            else classification.label
        reasons.append(f"low_category_confidence: 类别「{name}」把握 {classification.probability:.2f}，"
                       f"低于 {rules.classification_confidence_min:.2f}")
    if ocr_confidence is not None and ocr_confidence < rules.ocr_confidence_min:
        reasons.append(f"low_ocr_confidence: 识别置信度 {ocr_confidence:.0f}，低于 {rules.ocr_confidence_min:.0f}")
    if place.township is None:
        reasons.append("unknown_place: 未能确定地点" if place.county is None
                       else f"unknown_place: 未能确定{place.county}内的乡镇（街道）")
    if signatories.count is None:
        reasons.append("no_signatories: 未找到签名人")
    bad_ids = sum(1 for s in signatories.signatories if s.id_valid is False)
    if bad_ids:
        reasons.append(f"bad_id_numbers: {bad_ids} 个身份证号校验不通过")
    return reasons


def _intent_detail(intent: Intent, *, reference: date | None) -> dict | None:
    if intent.kind == "none" and intent.cue is None:
        return None
    announced_on = None
    if intent.announced_date and reference is not None:
        day = resolve_day(intent.announced_date, reference=reference)
        announced_on = day.isoformat() if day else None
    return {"announced_date": intent.announced_date, "announced_on": announced_on,
            "announced_place": intent.announced_place, "cue": intent.cue, "sentence": intent.sentence}


def _facts_record(facts: Facts, place: Place, signatories: SignatoryParse,
                  classification: Classification) -> dict:
    return {
        "repeated": facts.repeated, "repeated_cue": facts.repeated_cue,
        "county_complaint": facts.county_complaint, "county_complaint_cue": facts.county_complaint_cue,
        "city_level_subjects": sorted(set(facts.city_level_subjects) | set(place.city_level_subjects)),
        "counties": list(place.counties), "townships": list(place.townships),
        "place_evidence": list(place.evidence),
        "listed_signatories": signatories.listed_count, "stated_total": signatories.stated_total,
        "signatory_notes": list(signatories.notes),
        "category_runners_up": [{"label": p.label, "probability": round(p.probability, 4)}
                                for p in classification.secondary],
    }


def _store_signatories(session, letter: Letter, parsed: SignatoryParse) -> None:
    # Replaced as a whole: a re-run after a reviewer fixed the text must not
    # leave yesterday's rows beside today's.
    session.execute(delete(Signatory).where(Signatory.letter_id == letter.id))
    for index, s in enumerate(parsed.signatories, start=1):
        session.add(Signatory(letter_id=letter.id, seq=s.seq if s.seq is not None else index, name=s.name,
                              id_number=s.id_number, id_valid=s.id_valid, phone=s.phone, address=s.address,
                              is_representative=s.is_representative))


def understand_letter(ctx: PipelineContext, letter_id: str) -> dict:
    """Classify and parse one letter whose text has been read; store the facts.

    A letter not in the text-read stage is left alone (a rerun, or one whose
    text failed and will be retried by the text stage), so calling this twice
    changes nothing.
    """
    policy = ctx.policy
    classifier = current_classifier(ctx.settings)
    with ctx.db.session() as session:
        letter = session.get(Letter, letter_id)
        if letter is None or letter.stage != TEXT_DONE:
            return {"letter_id": letter_id, "ok": False, "skipped": True}
        text = letter.text or ""
        classification = classifier.classify([text], threshold=policy.review.classification_confidence_min)[0]
        signatories = parse_signatories(text)
        place = find_place(text, policy=policy)
        intent = detect_intent(text, policy=policy)
        written_on = letter_date(text)
        facts = find_facts(text, policy=policy, primary_category=classification.label)

        letter.category = classification.label
        letter.category_confidence = round(classification.probability, 4)
        letter.secondary_categories = [c for c in facts.secondary_categories if c != classification.label]
        letter.model_version = classifier.version
        letter.signatory_count = signatories.count
        letter.stated_total = signatories.stated_total
        letter.representative_name = signatories.representative_name
        letter.representative_phone = signatories.representative_phone
        letter.county, letter.township, letter.village = place.county, place.township, place.village
        letter.intent = intent.kind
        letter.letter_date = written_on
        reference = written_on or letter.received_at.astimezone(ZoneInfo(ctx.settings.timezone)).date()
        letter.intent_detail = _intent_detail(intent, reference=reference)
        letter.facts = _facts_record(facts, place, signatories, classification)
        reasons = review_reasons(classification=classification, ocr_confidence=letter.ocr_confidence,
                                 place=place, signatories=signatories, text=text, policy=policy)
        letter.needs_review = bool(reasons)
        letter.review_reasons = reasons
        _store_signatories(session, letter, signatories)
        letter.stage = STAGE_DONE
        records.audit(session, actor=ctx.actor, action="letter.understood", entity="letter", entity_id=letter.id,
                      details={"category": letter.category, "probability": letter.category_confidence,
                               "model_version": letter.model_version, "review_reasons": reasons},
                      flow_run_id=ctx.run_id)
    return {"letter_id": letter_id, "ok": True, "category": classification.label,
            "needs_review": bool(reasons)}
