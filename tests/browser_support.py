"""A small office for the browser tests: a seeded home and the real app served by uvicorn.

``seed_office`` hands twelve letters in through intake (so the originals are
in the document store and their pages render), fills in what the text and
understanding stages would have found from the sample letters' truth (no OCR,
no classifier), groups them into cases with the pipeline's own grouping and
assesses them (risk, routing, deadlines); two cases are closed by their units
as in a normal week. ``LiveServer`` serves ``create_app`` on a free
127.0.0.1 port in a background thread.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from pipeline.cases import lifecycle
from pipeline.cases.grouping import group_letters
from pipeline.cases.handling import assess_cases
from pipeline.classify.classifier import Classification
from pipeline.context import PipelineContext
from pipeline.intake.register import intake_file
from pipeline.store import records
from pipeline.store.models import Case, CaseLetter, Letter, Page
from pipeline.understand.dates import letter_date
from pipeline.understand.facts import find_facts
from pipeline.understand.place import find_place
from pipeline.understand.signatories import parse_signatories
from pipeline.understand.stage import review_reasons
from pipeline.web.accounts import add_user

CHROMIUM = Path("/usr/bin/chromium")


def require_browser():
    """Playwright's sync API, or skip the calling test module saying what is missing."""
    import pytest

    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package 'chromium'); the browser tests need it",
                    allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")


REPO = Path(__file__).parent.parent
SAMPLES = REPO / "sample_letters"
RESOURCES = Path(__file__).parent / "resources"
MODEL_VERSION = "city-20261125-e5a19db3"
# The sample letters arrived from January to November 2026. On a machine whose
# clock is earlier than this day they are moved back, so that no letter is
# received in the future (a unit's step may not be dated before registration
# nor after today).
SAMPLES_AS_OF = date(2026, 11, 25)

PASSWORD = "browser-pass-1"
# Sample file -> (category probability, mean OCR confidence of a scan or None for the truth's default).
# Below 0.6 / 70 the letter waits in the review queue, as understanding would have put it.
SEED = {
    "letter_02.jpg": (0.88, 64.0),   # wage arrears, 南湖区新港街道, threatens Beijing; a phone photo, poorly read
    "letter_04.pdf": (0.93, None),   # demolition, 河西县河西镇 -> 河西县住房和城乡建设局 (the officer's case)
    "letter_06.pdf": (0.81, None),   # law & litigation, 青山县青山镇 (closed this spring)
    "letter_07.pdf": (0.95, None),   # land acquisition, 青山县柳河镇 ...
    "letter_16.pdf": (0.91, 88.0),   # ... and its follow-up a week later: one case
    "letter_12.pdf": (0.86, None),   # rural collective affairs, 南湖区石桥镇 (closed)
    "letter_13.pdf": (0.97, 90.0),   # illegal fundraising, 东城区东湖街道, 236 signatures
    "letter_14.jpg": (0.57, 86.0),   # environmental pollution, 北岭县石门镇: category in doubt
    "letter_15.png": (0.41, 91.0),   # no place, no clear category: triage
    "letter_17.png": (0.52, 89.0),   # wage arrears, 北岭县北岭镇: category in doubt (the reviewer's letter)
    "letter_24.pdf": (0.84, None),   # substitute teachers, 河西县, township unknown
    "letter_30.png": (0.79, 84.0),   # veterans' benefits, 北岭县枫林乡
}
CLOSED_BY_UNITS = ("letter_06.pdf", "letter_12.pdf")
EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_IMG = '<img src=x onerror="alert(2)">'
EVIL_TEXT = ("关于北站街道铁路新村小区电梯长期停运的联名信\n"
             "东城区住房和城乡建设局、北站街道办事处：\n"
             "我们是东城区北站街道铁路新村社区12号楼的住户。楼里的电梯自今年八月停运至今，\n"
             "物业在楼道里贴了一张告示，原文照抄如下：\n"
             f"{EVIL_SCRIPT}\n"
             f"{EVIL_IMG}\n"
             "我们看不懂，打电话也没人接。楼里有十几位老人，上下楼非常困难，恳请尽快督促维修。\n"
             "联系人：周玉珍 13905557788\n"
             "2026年11月2日\n"
             "周玉珍 陈国强 李秀兰 赵德明 孙桂芝 吴建华 郑美玲")

OFFICER_UNIT = "河西县住房和城乡建设局"  # letter_04's lead unit
# Two accounts are enough for the scenarios (each argon2 hash costs ~0.3 s on the test machine).
USERS = (("rev", "reviewer", None), ("hx_zjj", "unit_officer", OFFICER_UNIT))


@dataclass
class Seed:
    """What the tests need to find again: letter and case ids by sample file."""

    letters: dict[str, str] = field(default_factory=dict)  # sample file (or "evil") -> letter id
    cases: dict[str, str] = field(default_factory=dict)  # sample file (or "evil") -> case id
    today: date | None = None


def truth_records() -> dict[str, dict]:
    with open(SAMPLES / "truth.jsonl", encoding="utf-8") as fh:
        return {rec["file"]: rec for rec in map(json.loads, fh)}


def _pages_text(text: str, pages: int) -> list[str]:
    """The letter's lines shared out over its pages (the truth holds one text per letter)."""
    lines = text.split("\n")
    per = -(-len(lines) // pages)
    return ["\n".join(lines[i * per:(i + 1) * per]) for i in range(pages)]


def _understood(ctx: PipelineContext, session, letter: Letter, rec: dict, *, probability: float,
                ocr: float | None) -> None:
    """What the text and understanding stages would have stored (from the truth, not from OCR)."""
    policy, rules = ctx.policy, ctx.policy.review
    text, place = rec["text"], rec["location"]
    scanned = bool(rec.get("scanned"))
    pages = letter.page_count or rec["pages"]
    for n, page_text in enumerate(_pages_text(text, pages), start=1):
        session.add(Page(letter_id=letter.id, page_no=n, text=page_text,
                         text_source="ocr:rapidocr" if scanned else "pdf_text",
                         confidence=(ocr or 90.0) if scanned else None,
                         strategy_note="scan: OCR" if scanned else "PDF text layer"))
    letter.text = text
    letter.ocr_confidence = (ocr or 90.0) if scanned else None
    letter.category = rec["category"]
    letter.category_confidence = probability
    letter.secondary_categories = list(rec.get("secondary_categories") or [])
    letter.model_version = MODEL_VERSION
    letter.signatory_count = rec["signatory_count"]
    rep = rec.get("representative") or {}
    letter.representative_name, letter.representative_phone = rep.get("name"), rep.get("phone")
    letter.county, letter.township, letter.village = place["county"], place["township"], place["village"]
    letter.intent = rec["intent"]
    letter.letter_date = letter_date(text)
    found = find_place(text, policy=policy)
    facts = find_facts(text, policy=policy, primary_category=rec["category"])
    letter.facts = {"repeated": facts.repeated, "repeated_cue": facts.repeated_cue,
                    "county_complaint": facts.county_complaint, "county_complaint_cue": facts.county_complaint_cue,
                    "city_level_subjects": sorted(set(facts.city_level_subjects) | set(found.city_level_subjects)),
                    "counties": list(found.counties), "townships": list(found.townships)}
    # The stage's own review rules, on the truth's place (a Place with the
    # truth's township) and the classifier's stand-in probability.
    classified = Classification(rec["category"], probability, probability < rules.classification_confidence_min)
    reasons = review_reasons(classification=classified, ocr_confidence=letter.ocr_confidence,
                             place=replace(found, county=place["county"], township=place["township"]),
                             signatories=parse_signatories(text), text=text, policy=policy)
    letter.needs_review, letter.review_reasons = bool(reasons), reasons
    letter.stage = "understood"


def _close(session, case_id: str, unit: str, today: date) -> None:
    """The unit's week: acknowledged, answered, replied to (dates from the registration)."""
    case = session.get(Case, case_id)
    start = case.registered_on
    for fn, days, text in ((lifecycle.acknowledge, 2, "已电话告知代表人"),
                           (lifecycle.record_result, 16, "经调查核实，已责成相关部门依法处理"),
                           (lifecycle.record_reply, 19, "已书面答复代表人，代表人表示认可")):
        fn(session, case_id, lifecycle.Step(actor="unit-clerk", on_date=min(start + timedelta(days=days), today),
                                            today=today, unit=unit, text=text))
        session.flush()


def seed_office(ctx: PipelineContext, *, today: date) -> Seed:
    """Users, twelve letters through intake, their cases grouped, assessed, two closed."""
    zone = ZoneInfo(ctx.settings.timezone)
    shift = min(timedelta(0), today - SAMPLES_AS_OF)
    truth = truth_records()
    seed = Seed(today=today)
    with ctx.db.session() as session:
        for name, role, unit in USERS:
            add_user(session, username=name, password=PASSWORD, role=role, unit=unit, policy=ctx.policy,
                     actor="test")

    received: dict[str, datetime] = {}
    for name in SEED:
        at = datetime.fromisoformat(truth[name]["received_at"]) + shift
        outcome = intake_file(ctx, SAMPLES / name, received_at=at, station=truth[name]["station"])
        assert outcome.outcome == "registered", outcome
        seed.letters[name] = outcome.letter_id
        received[name] = at
    evil_at = datetime(2026, 11, 3, 10, 5, tzinfo=zone) + shift
    evil = intake_file(ctx, RESOURCES / "letters" / "text_layer.pdf", received_at=evil_at, station="东城区信访局")
    assert evil.outcome == "registered", evil
    seed.letters["evil"] = evil.letter_id

    with ctx.db.session() as session:
        for name, (probability, ocr) in SEED.items():
            _understood(ctx, session, session.get(Letter, seed.letters[name]), truth[name],
                        probability=probability, ocr=ocr)
        evil_rec = {"text": EVIL_TEXT, "pages": 1, "scanned": False, "category": "property_housing",
                    "signatory_count": 7, "representative": {"name": "周玉珍", "phone": "13905557788"},
                    "location": {"county": "东城区", "township": "北站街道", "village": "铁路新村社区"},
                    "intent": "none"}
        _understood(ctx, session, session.get(Letter, seed.letters["evil"]), evil_rec, probability=0.55, ocr=None)
        session.flush()
        group_letters(session, now=records.now(), zone=zone)
        assess_cases(session, case_ids=None, policy=ctx.policy, zone=zone, today=None)
        session.flush()
        for key, letter_id in seed.letters.items():
            seed.cases[key] = session.scalar(select(CaseLetter.case_id).where(CaseLetter.letter_id == letter_id))
        for name in CLOSED_BY_UNITS:
            case = session.get(Case, seed.cases[name])
            _close(session, case.id, case.lead_unit, today)
    return seed


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class LiveServer:
    """``app`` served by uvicorn on a free 127.0.0.1 port, in a daemon thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self._sock = free_socket()
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="lianming-live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
