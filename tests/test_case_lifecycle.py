"""A case's life on a real (SQLite) database: assessment, then ack → result → reply, extension, return, reroute.

Letters and cases are inserted directly (as grouping would leave them) and
assessed with :func:`pipeline.cases.handling.assess_case`; every refusal of
policy §4–§5 is checked, and every step must leave a case event and an audit row.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from pipeline.cases import lifecycle
from pipeline.cases.deadlines import DeadlineError
from pipeline.cases.handling import MANUAL_ROUTING_PREFIX, assess_case, assess_cases
from pipeline.cases.lifecycle import LifecycleError, Step
from pipeline.store import records
from pipeline.store.models import (
    Assignment,
    AuditEntry,
    Case,
    CaseEvent,
    CaseLetter,
    Document,
    Letter,
    Receipt,
    Signatory,
)

ZONE = ZoneInfo("Asia/Shanghai")
REGISTERED = date(2026, 5, 11)


# --- building a database by hand (shared with test_case_outputs / test_office_flows) -----------------------


def add_letter(session, letter_id: str, *, received: date = REGISTERED, county: str | None = "青山县",
               township: str | None = "柳河镇", category: str | None = "wage_arrears", signatories: int = 3,
               intent: str | None = None, intent_detail: dict | None = None, facts: dict | None = None,
               representative: tuple[str, str] | None = ("王建国", "13812345678"),
               text: str | None = None, receipt: bool = True) -> Letter:
    """A letter as understanding leaves it, with its document and (by default) its receipt."""
    sha = hashlib.sha256(letter_id.encode()).hexdigest()
    at = datetime(received.year, received.month, received.day, 9, 30, tzinfo=ZONE)
    session.add(Document(sha256=sha, size=100, media_type="application/pdf", stored_path=f"{sha[:2]}/{sha}",
                         first_seen_at=at))
    letter = Letter(id=letter_id, sha256=sha, source_file=f"/inbox/{letter_id}.pdf", media_type="application/pdf",
                    received_at=at, registered_at=at, stage="grouped", category=category,
                    text=text or f"关于{township or county or '某地'}拖欠农民工工资的联名信\n我们是{township}的农民工。",
                    signatory_count=signatories, county=county, township=township, intent=intent,
                    intent_detail=intent_detail, facts=facts or {}, secondary_categories=[],
                    representative_name=representative[0] if representative else None,
                    representative_phone=representative[1] if representative else None)
    session.add(letter)
    if receipt:
        session.add(Receipt(sha256=sha, source_file=letter.source_file, station="窗口", received_at=at,
                            outcome="registered", letter_id=letter_id))
    return letter


def add_case(session, case_id: str, letters: list[Letter], **values) -> Case:
    """A case holding these letters, as grouping opens it (status registered, no routing yet)."""
    first = letters[0] if letters else None
    now = records.now()
    defaults = {"category": first.category if first else None, "county": first.county if first else None,
                "township": first.township if first else None,
                "signatory_count": max((lt.signatory_count or 0) for lt in letters) if letters else None,
                "status": "registered", "created_at": now, "updated_at": now}
    case = Case(id=case_id, **{**defaults, **values})
    session.add(case)
    session.flush()
    for lt in letters:
        session.add(CaseLetter(letter_id=lt.id, case_id=case_id, joined_at=now))
    session.flush()
    return case


def add_signatories(session, letter: Letter, *people: tuple[str, str, bool]) -> None:
    """(name, id number, is representative) rows; every ID valid."""
    for seq, (name, id_number, is_rep) in enumerate(people, start=1):
        session.add(Signatory(letter_id=letter.id, seq=seq, name=name, id_number=id_number, id_valid=True,
                              phone=f"1390000{seq:04d}", address="青山县柳河镇", is_representative=is_rep))


def assess(session, case: Case, policy, today: date | None = None):
    return assess_case(session, case, policy=policy, zone=ZONE, today=today)


def counts(session, case_id: str) -> tuple[int, int]:
    """(case events, audit rows) about this case."""
    events = session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
    audits = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity_id == case_id))
    return events, audits


def events_of(session, case_id: str) -> list[CaseEvent]:
    """The case's events, oldest first, read from the database (the relationship is not refreshed)."""
    session.flush()
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def step(on: date, *, today: date | None = None, **kw) -> Step:
    return Step(actor="officer", on_date=on, today=today or date(2026, 7, 1), **kw)


@pytest.fixture
def session(ctx):
    with ctx.db.session() as s:
        yield s


@pytest.fixture
def assigned(session, ctx) -> Case:
    """C1: wage arrears in 青山县柳河镇, 12 signers: medium, county level, assigned."""
    case = add_case(session, "C1", [add_letter(session, "L1", signatories=12)])
    assess(session, case, ctx.policy)
    return case


# --- assessment --------------------------------------------------------------------------------------------


def test_assessment_routes_sets_deadlines_and_records_it_once(session, ctx, assigned):
    case = assigned
    assert case.status == "assigned"
    assert (case.level, case.lead_unit, case.co_units) == ("county", "青山县人力资源和社会保障局", ["柳河镇人民政府"])
    assert case.risk_level == "medium" and any("签名12人" in r for r in case.risk_reasons)
    assert case.registered_on == REGISTERED
    assert (case.ack_due, case.result_due) == (date(2026, 5, 26), date(2026, 7, 10))
    active = session.scalars(select(Assignment).where(Assignment.case_id == "C1", Assignment.status == "active"))
    assert sorted((a.unit, a.role) for a in active) == [("柳河镇人民政府", "co"), ("青山县人力资源和社会保障局", "lead")]
    assert [e.kind for e in events_of(session, "C1")] == ["routed"]
    assert counts(session, "C1") == (1, 1)
    audit = session.scalar(select(AuditEntry).where(AuditEntry.entity_id == "C1"))
    assert audit.action == "case.assessed" and audit.details["lead_unit"] == "青山县人力资源和社会保障局"

    change = assess(session, case, ctx.policy)  # the same facts again: nothing new
    assert not (change.risk_changed or change.routing_changed or change.deadlines_changed)
    assert counts(session, "C1") == (1, 1)


def test_a_joining_letter_raises_risk_and_brings_deadlines_closer(session, ctx, assigned):
    later = add_letter(session, "L2", received=REGISTERED + timedelta(days=3), signatories=60)
    session.add(CaseLetter(letter_id=later.id, case_id="C1", joined_at=records.now()))
    assigned.signatory_count = 60
    session.flush()
    change = assess(session, assigned, ctx.policy)
    assert change.risk_changed and change.deadlines_changed
    assert assigned.risk_level == "high"
    assert (assigned.ack_due, assigned.result_due) == (date(2026, 5, 14), date(2026, 6, 10))  # from registration
    assert [e.kind for e in events_of(session, "C1")] == ["routed", "risk_changed"]


def test_overdue_case_rises_one_level_without_moving_its_deadline(session, ctx, assigned):
    assess(session, assigned, ctx.policy, today=date(2026, 7, 15))  # 5 days past 2026-07-10
    assert assigned.risk_level == "high"
    assert "已超过办结期限未办结，预警升一级" in assigned.risk_reasons
    assert assigned.result_due == date(2026, 7, 10)
    assert events_of(session, "C1")[-1].kind == "risk_changed"


def test_unknown_place_is_held_for_triage(session, ctx):
    case = add_case(session, "C9", [add_letter(session, "L9", county=None, township=None)])
    assess(session, case, ctx.policy)
    assert (case.status, case.level, case.lead_unit, case.co_units) == ("triage", "triage", "明州市信访局", [])


def test_an_assigned_case_whose_place_is_corrected_away_goes_back_to_triage(session, ctx, assigned):
    letter = session.get(Letter, "L1")
    letter.county = letter.township = None
    assigned.county = assigned.township = None
    session.flush()
    assess(session, assigned, ctx.policy)
    assert (assigned.status, assigned.lead_unit) == ("triage", "明州市信访局")
    with pytest.raises(LifecycleError, match="'triage'"):
        lifecycle.acknowledge(session, "C1", step(REGISTERED))


# --- the steps in order ------------------------------------------------------------------------------------


def test_the_full_life_writes_an_event_and_an_audit_row_per_step(session, ctx, assigned):
    before = counts(session, "C1")
    lifecycle.acknowledge(session, "C1", step(date(2026, 5, 12), text="已电话告知代表"))
    assert assigned.status == "acknowledged"
    assert counts(session, "C1") == (before[0] + 1, before[1] + 1)
    lifecycle.extend(session, "C1", step(date(2026, 5, 20), text="需要司法鉴定"), new_due=date(2026, 8, 9),
                     policy=ctx.policy)
    assert (assigned.extended_to, assigned.extension_reason) == (date(2026, 8, 9), "需要司法鉴定")
    assert counts(session, "C1") == (before[0] + 2, before[1] + 2)
    lifecycle.record_result(session, "C1", step(date(2026, 6, 1), text="责令企业补发工资"))
    assert assigned.status == "resulted"
    lifecycle.record_reply(session, "C1", step(date(2026, 6, 3), text="已书面答复代表王建国"))
    assert (assigned.status, assigned.closed_on) == ("closed", date(2026, 6, 3))
    assert counts(session, "C1") == (before[0] + 4, before[1] + 4)
    events = [(e.kind, e.on_date, e.unit, e.actor) for e in events_of(session, "C1")][1:]
    unit = "青山县人力资源和社会保障局"
    assert events == [("ack", date(2026, 5, 12), unit, "officer"), ("extension", date(2026, 5, 20), unit, "officer"),
                      ("result", date(2026, 6, 1), unit, "officer"), ("reply", date(2026, 6, 3), unit, "officer")]
    actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == "C1")
                                   .order_by(AuditEntry.id)))
    assert actions == ["case.assessed", "case.ack", "case.extension", "case.result", "case.reply"]
    # A closed case takes no more steps, and is no longer re-assessed.
    with pytest.raises(LifecycleError, match="'closed'"):
        lifecycle.acknowledge(session, "C1", step(date(2026, 6, 4)))
    assert assess_cases(session, case_ids=None, policy=ctx.policy, zone=ZONE, today=date(2026, 12, 1)) == []


def test_ack_needs_the_case_assigned(session, ctx):
    case = add_case(session, "C2", [add_letter(session, "L2")])  # registered, never assessed
    with pytest.raises(LifecycleError, match="'registered'.*assigned"):
        lifecycle.acknowledge(session, "C2", step(REGISTERED))
    assert counts(session, "C2") == (0, 0) and case.status == "registered"


def test_result_needs_an_acknowledgement(session, assigned):
    with pytest.raises(LifecycleError, match="'assigned'.*acknowledged"):
        lifecycle.record_result(session, "C1", step(date(2026, 5, 20), text="处理意见"))


def test_reply_needs_a_result_so_a_case_cannot_close_without_both(session, assigned):
    with pytest.raises(LifecycleError, match="'assigned'.*resulted"):
        lifecycle.record_reply(session, "C1", step(date(2026, 5, 20), text="答复"))
    lifecycle.acknowledge(session, "C1", step(date(2026, 5, 12)))
    with pytest.raises(LifecycleError, match="'acknowledged'.*resulted"):
        lifecycle.record_reply(session, "C1", step(date(2026, 5, 20), text="答复"))
    assert assigned.status == "acknowledged" and assigned.closed_on is None


def test_a_result_cannot_predate_the_acknowledgement(session, assigned):
    lifecycle.acknowledge(session, "C1", step(date(2026, 5, 15)))
    with pytest.raises(LifecycleError, match="before the acknowledgement"):
        lifecycle.record_result(session, "C1", step(date(2026, 5, 14), text="处理意见"))


def test_result_and_reply_need_their_text(session, assigned):
    lifecycle.acknowledge(session, "C1", step(date(2026, 5, 12)))
    with pytest.raises(LifecycleError, match="text is required"):
        lifecycle.record_result(session, "C1", step(date(2026, 5, 20), text="  "))
    lifecycle.record_result(session, "C1", step(date(2026, 5, 20), text="处理意见"))
    with pytest.raises(LifecycleError, match="text is required"):
        lifecycle.record_reply(session, "C1", step(date(2026, 5, 21)))


def test_dates_must_not_be_in_the_future_nor_before_registration(session, assigned):
    events = counts(session, "C1")
    with pytest.raises(LifecycleError, match="in the future"):
        lifecycle.acknowledge(session, "C1", step(date(2026, 5, 13), today=date(2026, 5, 12)))
    with pytest.raises(LifecycleError, match="before the case was registered"):
        lifecycle.acknowledge(session, "C1", step(REGISTERED - timedelta(days=1)))
    lifecycle.acknowledge(session, "C1", step(REGISTERED, today=REGISTERED))  # the same day is fine
    with pytest.raises(LifecycleError, match="before the case was registered"):
        lifecycle.record_result(session, "C1", step(REGISTERED - timedelta(days=1), text="x"))
    lifecycle.record_result(session, "C1", step(date(2026, 5, 30), text="处理意见"))
    with pytest.raises(LifecycleError, match="before the result"):
        lifecycle.record_reply(session, "C1", step(date(2026, 5, 29), text="答复"))
    with pytest.raises(LifecycleError, match="in the future"):
        lifecycle.record_reply(session, "C1", step(date(2026, 6, 2), today=date(2026, 6, 1), text="答复"))
    assert counts(session, "C1") == (events[0] + 2, events[1] + 2)  # only the two valid steps


@pytest.mark.parametrize("unit", ["柳河镇人民政府", "河西县人力资源和社会保障局"])  # a co-unit, a stranger
def test_only_the_lead_unit_acts(session, ctx, assigned, unit):
    with pytest.raises(LifecycleError, match="only the lead unit"):
        lifecycle.acknowledge(session, "C1", step(date(2026, 5, 12), unit=unit))
    with pytest.raises(LifecycleError, match="only the lead unit"):
        lifecycle.return_case(session, "C1", step(date(2026, 5, 12), unit=unit, text="不归我们管"), policy=ctx.policy)
    with pytest.raises(LifecycleError, match="only the lead unit"):
        lifecycle.extend(session, "C1", step(date(2026, 5, 12), unit=unit, text="x"), new_due=date(2026, 7, 20),
                         policy=ctx.policy)
    lifecycle.acknowledge(session, "C1", step(date(2026, 5, 12), unit="青山县人力资源和社会保障局"))
    assert assigned.status == "acknowledged"


def test_extension_is_once_only_within_the_limit_and_with_a_reason(session, ctx, assigned):
    policy = ctx.policy
    with pytest.raises(DeadlineError, match="reason"):
        lifecycle.extend(session, "C1", step(date(2026, 5, 20)), new_due=date(2026, 7, 20), policy=policy)
    with pytest.raises(DeadlineError, match="at most 30 days"):
        lifecycle.extend(session, "C1", step(date(2026, 5, 20), text="鉴定"), new_due=date(2026, 8, 10), policy=policy)
    with pytest.raises(DeadlineError, match="must be after"):
        lifecycle.extend(session, "C1", step(date(2026, 5, 20), text="鉴定"), new_due=date(2026, 7, 10), policy=policy)
    lifecycle.extend(session, "C1", step(date(2026, 5, 20), text="鉴定"), new_due=date(2026, 8, 9), policy=policy)
    with pytest.raises(DeadlineError, match="only 1 time"):
        lifecycle.extend(session, "C1", step(date(2026, 5, 21), text="再延"), new_due=date(2026, 8, 10), policy=policy)
    assert assigned.extended_to == date(2026, 8, 9)
    # The extension holds on re-assessment, and the case is not overdue within it.
    assess(session, assigned, policy, today=date(2026, 8, 1))
    assert assigned.risk_level == "medium" and assigned.extended_to == date(2026, 8, 9)


def test_extension_refused_for_a_case_without_a_deadline(session, ctx):
    case = add_case(session, "C3", [add_letter(session, "L3")], status="assigned", lead_unit="青山县人力资源和社会保障局")
    with pytest.raises(LifecycleError, match="no result deadline"):
        lifecycle.extend(session, "C3", step(date(2026, 5, 20), text="鉴定"), new_due=date(2026, 6, 1),
                         policy=ctx.policy)
    assert case.extended_to is None


# --- return and reroute ------------------------------------------------------------------------------------


def test_return_needs_a_reason(session, ctx, assigned):
    for reason in (None, "", "  "):
        with pytest.raises(LifecycleError, match="text is required"):
            lifecycle.return_case(session, "C1", step(date(2026, 5, 12), text=reason), policy=ctx.policy)
    assert assigned.status == "assigned" and assigned.lead_unit == "青山县人力资源和社会保障局"


def test_return_sends_the_case_to_triage_and_reroute_is_kept_over_the_rules(session, ctx, assigned):
    events, audits = counts(session, "C1")
    lifecycle.acknowledge(session, "C1", step(date(2026, 5, 12)))
    lifecycle.return_case(session, "C1", step(date(2026, 5, 13), text="属于工程款纠纷，应由住建局办理"),
                          policy=ctx.policy)
    assert (assigned.status, assigned.level, assigned.lead_unit, assigned.co_units) == (
        "triage", "triage", "明州市信访局", [])
    assert assigned.routing_rule.startswith(MANUAL_ROUTING_PREFIX) and "住建局" in assigned.routing_rule
    returned = events_of(session, "C1")[-1]
    assert (returned.kind, returned.unit, returned.text) == ("return", "青山县人力资源和社会保障局",
                                                             "属于工程款纠纷，应由住建局办理")
    assert counts(session, "C1") == (events + 2, audits + 2)
    audit = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == "C1").order_by(AuditEntry.id)).all()[-1]
    assert audit.action == "case.return" and audit.details["reason"] == "属于工程款纠纷，应由住建局办理"
    active = session.scalars(select(Assignment).where(Assignment.case_id == "C1", Assignment.status == "active")).all()
    assert [(a.unit, a.role) for a in active] == [("明州市信访局", "lead")]
    superseded = session.scalars(select(Assignment.unit).where(Assignment.case_id == "C1",
                                                               Assignment.status == "superseded")).all()
    assert set(superseded) == {"青山县人力资源和社会保障局", "柳河镇人民政府"}

    # The rules would send it straight back; re-assessment must hold it for a person.
    change = assess(session, assigned, ctx.policy)
    assert not change.routing_changed
    assert (assigned.status, assigned.lead_unit) == ("triage", "明州市信访局")

    with pytest.raises(LifecycleError, match="needs a reason"):
        lifecycle.reroute(session, "C1", level="county", lead_unit="青山县住房和城乡建设局", co_units=[], reason=" ",
                          actor="reviewer")
    lifecycle.reroute(session, "C1", level="county", lead_unit="青山县住房和城乡建设局",
                      co_units=["青山县住房和城乡建设局", "柳河镇人民政府"], reason="工程款纠纷", actor="reviewer")
    assert (assigned.status, assigned.lead_unit, assigned.co_units) == ("assigned", "青山县住房和城乡建设局",
                                                                        ["柳河镇人民政府"])
    assert events_of(session, "C1")[-1].kind == "rerouted"
    assert counts(session, "C1") == (events + 3, audits + 3)
    rerouted = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == "C1").order_by(AuditEntry.id)).all()[-1]
    assert (rerouted.action, rerouted.actor, rerouted.details["lead_unit"]) == ("case.rerouted", "reviewer",
                                                                                "青山县住房和城乡建设局")
    assert assigned.routing_rule.startswith(MANUAL_ROUTING_PREFIX)

    # A new letter joins: risk may change, the reviewer's routing stays.
    more = add_letter(session, "L1b", received=REGISTERED + timedelta(days=5), signatories=70)
    session.add(CaseLetter(letter_id=more.id, case_id="C1", joined_at=records.now()))
    assigned.signatory_count = 70
    session.flush()
    change = assess(session, assigned, ctx.policy)
    assert change.risk_changed and not change.routing_changed
    assert assigned.risk_level == "high"
    assert (assigned.level, assigned.lead_unit) == ("county", "青山县住房和城乡建设局")
    lifecycle.acknowledge(session, "C1", step(date(2026, 5, 20)))
    assert events_of(session, "C1")[-1].unit == "青山县住房和城乡建设局"


def test_a_closed_case_is_not_rerouted(session, ctx, assigned):
    lifecycle.acknowledge(session, "C1", step(date(2026, 5, 12)))
    lifecycle.record_result(session, "C1", step(date(2026, 5, 13), text="r"))
    lifecycle.record_reply(session, "C1", step(date(2026, 5, 14), text="r"))
    with pytest.raises(LifecycleError, match="closed"):
        lifecycle.reroute(session, "C1", level="county", lead_unit="x", co_units=[], reason="y", actor="reviewer")


def test_a_missing_case_is_an_error(session):
    with pytest.raises(LifecycleError, match="no case C404"):
        lifecycle.acknowledge(session, "C404", step(REGISTERED))


# --- the same steps through `lianming case ...` ------------------------------------------------------------


def test_case_commands_record_steps_and_refuse_with_the_case_rule_exit_code(ctx, settings):
    from typer.testing import CliRunner

    from pipeline.cli.main import app
    from pipeline.errors import ExitCode

    today = datetime.now(ZONE).date()
    with ctx.db.session() as s:
        assess(s, add_case(s, "C1", [add_letter(s, "L1", received=today - timedelta(days=20))]), ctx.policy)
    runner = CliRunner()
    home = ["--home", str(settings.home)]

    def run(*args):
        return runner.invoke(app, [*args, *home])

    ok = run("case", "ack", "C1", "--date", str(today - timedelta(days=19)), "--actor", "officer1")
    assert ok.exit_code == 0, ok.output
    assert "acknowledged" in ok.output
    refused = run("case", "result", "C1", "--text", "处理意见", "--date", str(today - timedelta(days=25)))
    assert refused.exit_code == ExitCode.case_rule and "before the case was registered" in refused.output
    future = run("case", "result", "C1", "--text", "处理意见", "--date", str(today + timedelta(days=1)))
    assert future.exit_code == ExitCode.case_rule and "in the future" in future.output
    bad_date = run("case", "result", "C1", "--text", "x", "--date", "2026-13-01")
    assert bad_date.exit_code == ExitCode.bad_args
    stranger = run("case", "result", "C1", "--text", "x", "--unit", "河西县人力资源和社会保障局")
    assert stranger.exit_code == ExitCode.case_rule and "only the lead unit" in stranger.output
    too_long = run("case", "extend", "C1", "--to", str(today + timedelta(days=200)), "--reason", "鉴定")
    assert too_long.exit_code == ExitCode.case_rule and "at most 30 days" in too_long.output
    assert run("case", "result", "C1", "--text", "已补发").exit_code == 0
    assert run("case", "reply", "C1", "--text", "已答复").exit_code == 0
    shown = run("case", "show", "C1")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["status"] == "closed"
    assert [e["kind"] for e in data["events"]] == ["routed", "ack", "result", "reply"]
    assert data["events"][1]["actor"] == "officer1"
    with ctx.db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == "C1").order_by(AuditEntry.id)))
    assert actions == ["case.assessed", "case.ack", "case.result", "case.reply"]


def test_an_overdue_rise_stands_when_a_letter_joins_without_a_date(ctx):
    """The daily check raised the case; a batch (no date) re-assessing it must not lower it again."""
    with ctx.db.session() as session:
        first = add_letter(session, "L-od1", signatories=3)  # wage arrears, 3 signers: medium
        case = add_case(session, "C-od", [first])
        assess(session, case, ctx.policy)
        assert case.risk_level == "medium"
        assess(session, case, ctx.policy, today=case.result_due + timedelta(days=5))
        assert case.risk_level == "high" and any("已超过办结期限" in r for r in case.risk_reasons)
        second = add_letter(session, "L-od2", received=REGISTERED + timedelta(days=70), signatories=2)
        session.add(CaseLetter(letter_id=second.id, case_id=case.id, joined_at=records.now()))
        session.flush()
        change = assess(session, case, ctx.policy, today=None)
        assert case.risk_level == "high" and not change.risk_changed


def test_an_extension_moves_with_a_deadline_brought_forward(ctx):
    with ctx.db.session() as session:
        letter = add_letter(session, "L-ext", signatories=3)
        case = add_case(session, "C-ext", [letter])
        assess(session, case, ctx.policy)
        lifecycle.acknowledge(session, case.id, step(REGISTERED + timedelta(days=1)))
        lifecycle.extend(session, case.id, step(REGISTERED + timedelta(days=2), text="需要补充调查"),
                         new_due=case.result_due + timedelta(days=20), policy=ctx.policy)
        assert case.extended_to - case.result_due == timedelta(days=20)
        # A follow-up announcing a visit to the province makes the case urgent: 15 days, not 60.
        follow_up = add_letter(session, "L-ext2", received=REGISTERED + timedelta(days=3), intent="province")
        session.add(CaseLetter(letter_id=follow_up.id, case_id=case.id, joined_at=records.now()))
        session.flush()
        assess(session, case, ctx.policy)
        assert case.risk_level == "urgent" and case.result_due == REGISTERED + timedelta(days=15)
        assert case.extended_to == case.result_due + timedelta(days=20)
