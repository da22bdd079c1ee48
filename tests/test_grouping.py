"""Grouping letters into cases (policy §1): what joins, what stays apart, and why."""

from __future__ import annotations

import hashlib
import random
import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from pipeline.cases.candidates import candidates_for, near_duplicate_query
from pipeline.cases.grouping import case_places, group_letters, possible_merges
from pipeline.cases.headcount import LetterHeads, Person, distinct_signatories
from pipeline.cases.similarity import band_keys, shingles
from pipeline.store.db import Database
from pipeline.store.models import Case, CaseEvent, CaseLetter, Document, Letter, LetterLshBand, Signatory

BEIJING = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
XINZHUANG = {"county": "青山县", "township": "柳河镇", "village": "新庄村"}
BEILING = {"county": "北岭县", "township": "北岭镇", "village": "北岭村"}
NOWHERE = {"county": None, "township": None, "village": None}

FORM_LETTER = """关于青山县柳河镇新庄村征地补偿款未足额兑付问题的反映
明州市信访局、青山县人民政府：
我们是青山县柳河镇新庄村的村民。2024年3月，县里为建设柳河工业园，征收了我村一组、
二组的耕地共二百一十亩，当时公布的补偿标准是每亩四万二千元，另有青苗补偿和地上附着物补偿。
可是到现在，大部分农户只拿到了补偿款的一半，剩下的部分镇里说要等县财政拨付。我们多次
到镇政府询问，得到的答复都是“再等等”。土地已经推平了，我们没有地种，也没有拿到钱，
家里老人看病、孩子上学都要花钱，生活非常困难。
我们请求：一、尽快足额兑付拖欠的征地补偿款；二、公开征地补偿款的发放明细；三、落实被
征地农民的养老保险。
新庄村村民
2026年3月5日
"""
FOLLOW_UP = """再次反映新庄村征地补偿款问题
明州市信访局：
3月初，我们新庄村的村民联名向市信访局反映柳河工业园征地补偿款只发了一半的问题。一个多月
过去了，镇里还是说等县财政拨款，剩下的补偿款一分钱也没有到账，发放明细也没有公开。
我们的地已经没了，靠打零工过日子。恳请领导督促县里尽快兑付剩余的补偿款，给我们一个准话。
新庄村村民  联系人：赵长顺 13957120481
2026年4月20日
"""
OTHER_GROUP = """新庄村老党员关于工业园征地问题的意见
青山县人民政府：
我们是新庄村的几名老党员。柳河工业园占了村里两百多亩耕地，补偿款只兑现了一半，群众意见
很大，天天有人到村委会问钱什么时候发。村干部也说不清楚，只说镇里没拨下来。
我们建议县里把剩余的补偿款尽快拨下去，把征地的账目向村民公开，免得矛盾越积越深。
新庄村老党员  孙德厚 孙立本 赵守义
2026年4月2日
"""
ELSEWHERE = """关于北岭镇北岭村工业园扩建征地补偿标准过低的反映
北岭县人民政府：
我们是北岭县北岭镇北岭村的村民。今年6月，镇上说县里要扩建北岭工业园，把我们村三组的
五十多亩地划了进去。给的补偿每亩只有两万八千元，比邻县低了一大截，青苗也不给赔。
村里没有开会，也没有公示，就让我们签字，不签的就说要停发低保。我们请求县里按照新的
区片综合地价重新核定补偿标准，依法公示征地方案，不要强迫村民签字。
北岭村三组村民
2026年7月1日
"""
WAGES = """讨薪信
信访局的领导：
我们几个是外地来明州打工的，在一个工地上做水电安装，从今年五月干到九月，说好一天三百块，
老板只给了生活费，剩下的两万多块钱一直拖着不给，现在电话也不接了。恳请领导帮我们要回工钱。
2026年10月8日
"""
# The same form letter, adapted for another village: one case per village.
TEMPLATE_ELSEWHERE = (FORM_LETTER.replace("青山县", "北岭县").replace("柳河镇", "北岭镇")
                      .replace("新庄村", "北岭村").replace("柳河", "北岭"))

SIGNERS_A = [("赵长顺", "13957120481"), ("钱玉兰", "15857122301"), ("孙德厚", "18767125530")]
SIGNERS_B = [("周秀英", "13757101234"), ("吴永福", "15067124478"), ("郑桂芳", "18857196650"), ("王守仁", "13605712290")]
SIGNERS_C = [("冯金宝", "13367120093"), ("陈翠花", "18957103317")]


def signed(text: str, people: list[tuple[str, str]]) -> str:
    rows = [f"{i} {name} {phone}" for i, (name, phone) in enumerate(people, 1)]
    return text + "签名表\n序号 姓名 联系电话\n" + "\n".join(rows)


def scanned(text: str) -> str:
    """A copy as OCR reads it: a few characters misread, lines broken elsewhere."""
    return text.replace("补偿标准", "补尝标准").replace("推平", "推乎").replace("，也没有", "，\n也没有")


def add_letter(session, letter_id: str, text: str, *, received: str, place: dict, category: str = "land_acquisition",
               people: list[tuple[str, str]] = (), stated_total: int | None = None, facts: dict | None = None) -> Letter:
    sha = hashlib.sha256(letter_id.encode()).hexdigest()
    session.add(Document(sha256=sha, size=len(text), media_type="application/pdf", stored_path=f"{sha}.pdf",
                         first_seen_at=NOW))
    letter = Letter(id=letter_id, sha256=sha, source_file=f"{letter_id}.pdf", media_type="application/pdf",
                    received_at=datetime.fromisoformat(received).replace(tzinfo=BEIJING), registered_at=NOW,
                    stage="understood", text=text, category=category, signatory_count=len(people) or None,
                    stated_total=stated_total, facts=facts, **place)
    letter.signatories = [Signatory(seq=i, name=name, phone=phone) for i, (name, phone) in enumerate(people, 1)]
    session.add(letter)
    session.flush()
    return letter


@pytest.fixture
def db(ctx):
    return ctx.db


def decisions_by_letter(session, **kwargs):
    return {d.letter_id: d for d in group_letters(session, now=NOW, **kwargs)}


def test_copies_of_a_form_letter_with_other_signatures_join_one_case(db):
    with db.session() as s:
        add_letter(s, "L-a", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG)
        add_letter(s, "L-b", scanned(signed(FORM_LETTER, SIGNERS_B)), received="2026-03-16T10:40", place=XINZHUANG)
        # The classifier labelled this copy differently: the text decides.
        add_letter(s, "L-c", signed(FORM_LETTER, SIGNERS_C), received="2026-03-23T15:05", place=XINZHUANG,
                   category="rural_collective_affairs")
        decided = decisions_by_letter(s)
    assert decided["L-a"].opened and decided["L-a"].matched_letter_id is None
    for later in ("L-b", "L-c"):
        d = decided[later]
        assert not d.opened and d.case_id == decided["L-a"].case_id
        assert d.matched_letter_id in {"L-a", "L-b"} and d.similarity > 0.8
        assert d.reason.startswith("near-duplicate text")


def test_follow_up_and_another_groups_letter_join_the_same_place_matter(db):
    with db.session() as s:
        add_letter(s, "L-form", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG)
        add_letter(s, "L-party", OTHER_GROUP, received="2026-04-03T11:00", place=XINZHUANG)
        add_letter(s, "L-again", FOLLOW_UP, received="2026-04-22T16:30", place=XINZHUANG)
        decided = decisions_by_letter(s)
    case_id = decided["L-form"].case_id
    assert decided["L-party"].case_id == case_id and "another group's letter" in decided["L-party"].reason
    assert decided["L-again"].case_id == case_id and decided["L-again"].reason.startswith("follow-up (再次反映)")
    assert "same place 青山县柳河镇新庄村" in decided["L-again"].reason


def test_same_kind_of_matter_in_another_township_is_another_case(db):
    with db.session() as s:
        add_letter(s, "L-xz", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG)
        add_letter(s, "L-bl", ELSEWHERE, received="2026-07-03T10:00", place=BEILING)
        add_letter(s, "L-tpl", signed(TEMPLATE_ELSEWHERE, SIGNERS_B), received="2026-07-05T10:00", place=BEILING)
        decided = decisions_by_letter(s)
        merges = possible_merges(s, letter_id="L-tpl")
    assert decided["L-bl"].opened and decided["L-bl"].case_id != decided["L-xz"].case_id
    # Worded alike (the same template), but about another place: kept apart...
    assert decided["L-tpl"].case_id != decided["L-xz"].case_id
    # ...and shown to a reviewer as a possible merge, with the similarity.
    assert [(m.case_id, m.matched_letter_id) for m in merges] == [(decided["L-xz"].case_id, "L-xz")]
    assert merges[0].similarity > 0.5 and "another county" in merges[0].reason


def test_a_copy_naming_both_places_joins_across_counties(db):
    both = FORM_LETTER.replace("新庄村的村民。", "新庄村和北岭县北岭镇的村民。")
    with db.session() as s:
        add_letter(s, "L-first", signed(both, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG)
        add_letter(s, "L-other-county", signed(both, SIGNERS_B), received="2026-03-12T09:00", place=BEILING)
        decided = decisions_by_letter(s)
        case_id = decided["L-first"].case_id
        counties, townships = case_places(s, case_id=case_id)
    assert decided["L-other-county"].case_id == case_id
    assert "the text names both" in decided["L-other-county"].reason
    assert counties == ("青山县", "北岭县") and townships == ("柳河镇", "北岭镇")


def test_letter_of_unknown_place_joins_only_a_near_duplicate(db):
    with db.session() as s:
        add_letter(s, "L-known", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG)
        add_letter(s, "L-wages", WAGES, received="2026-10-09T09:00", place=BEILING, category="wage_arrears")
        add_letter(s, "L-copy-noplace", signed(FORM_LETTER, SIGNERS_B), received="2026-03-20T09:00", place=NOWHERE)
        add_letter(s, "L-party-noplace", OTHER_GROUP, received="2026-04-03T11:00", place=NOWHERE)
        add_letter(s, "L-wages-noplace", WAGES.replace("两万多块", "三万多块"), received="2026-10-20T09:00",
                   place=NOWHERE, category="wage_arrears")
        decided = decisions_by_letter(s)
        merges = possible_merges(s, letter_id="L-party-noplace")
    assert decided["L-copy-noplace"].case_id == decided["L-known"].case_id
    assert "place unknown on one side" in decided["L-copy-noplace"].reason
    # Same matter in other words, but nothing ties it to the place: its own
    # case, with the likely one shown to a reviewer.
    assert decided["L-party-noplace"].opened
    assert [m.case_id for m in merges] == [decided["L-known"].case_id] and "place unknown" in merges[0].reason
    # A near-duplicate still joins, even across a known and an unknown place.
    assert decided["L-wages-noplace"].case_id == decided["L-wages"].case_id


FACTORY = """关于原明州市第二机械厂改制职工经济补偿的反映
明州市国资委：
我们是原明州市第二机械厂的职工。2025年厂里改制，说好按工龄给经济补偿，可到现在只发了一半，
社保也断了。请求市国资委督促厂方兑现补偿、接续社保。
原第二机械厂职工  2026年2月20日
"""
FACTORY_RETIREES = """原第二机械厂退休职工关于改制补偿的呼吁
各位领导：
我们是明州市第二机械厂退下来的老职工，改制时的经济补偿拖了一年多，厂里说没有钱。
我们年纪大了，请求国资委尽快协调发放改制经济补偿。
2026年3月28日
"""


def test_letters_naming_the_same_city_enterprise_join_even_without_a_place(db):
    subject = {"city_level_subjects": ["明州市第二机械厂"]}
    with db.session() as s:
        add_letter(s, "L-works", FACTORY, received="2026-02-24T09:00", place={**NOWHERE, "county": "东城区",
                                                                                "township": "西园街道"},
                   category="enterprise_restructuring", facts=subject)
        add_letter(s, "L-retirees", FACTORY_RETIREES, received="2026-03-30T09:00", place=NOWHERE,
                   category="enterprise_restructuring", facts=subject)
        # Same kind of matter, no place, but not naming the enterprise: its own case.
        add_letter(s, "L-unnamed", "我们是县里一家老集体企业的下岗职工，改制时说好的经济补偿一直没有兑现，"
                   "社保也断缴多年，请求领导过问。2026年4月1日", received="2026-04-02T09:00", place=NOWHERE,
                   category="enterprise_restructuring")
        decided = decisions_by_letter(s)
    assert decided["L-retirees"].case_id == decided["L-works"].case_id
    assert "both name 明州市第二机械厂" in decided["L-retirees"].reason
    assert decided["L-unnamed"].opened


def test_rerun_changes_nothing(db):
    with db.session() as s:
        add_letter(s, "L-a", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG)
        add_letter(s, "L-b", signed(FORM_LETTER, SIGNERS_B), received="2026-03-16T10:40", place=XINZHUANG)
        add_letter(s, "L-w", WAGES, received="2026-10-09T09:00", place=NOWHERE, category="wage_arrears")
        first = group_letters(s, now=NOW)

    def snapshot(s):
        return (sorted(s.execute(select(CaseLetter.letter_id, CaseLetter.case_id, CaseLetter.join_reason)).all()),
                sorted(s.execute(select(Case.id, Case.signatory_count, Case.updated_at)).all()),
                s.scalar(select(func.count()).select_from(CaseEvent)),
                s.scalar(select(func.count()).select_from(LetterLshBand)))

    with db.session() as s:
        before = snapshot(s)
        again = group_letters(s, now=NOW + timedelta(days=1))
        after = snapshot(s)
        stages = set(s.scalars(select(Letter.stage)))
        # Understanding redone after grouping (a reviewer's correction): still one case per letter.
        s.get(Letter, "L-b").stage = "understood"
        regrouped = group_letters(s, now=NOW + timedelta(days=2))
        after_correction = snapshot(s)
    assert len(first) == 3 and again == [] and after == before
    assert stages == {"grouped"}
    assert regrouped == [] and after_correction == before


def test_second_batch_joins_an_open_case_but_not_a_closed_one(db):
    with db.session() as s:
        add_letter(s, "L-open", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG)
        add_letter(s, "L-done", signed(ELSEWHERE, SIGNERS_C), received="2026-07-03T10:00", place=BEILING)
        first = decisions_by_letter(s)
        s.get(Case, first["L-done"].case_id).status = "closed"
    with db.session() as s:
        add_letter(s, "L-late-copy", signed(FORM_LETTER, SIGNERS_B), received="2026-05-02T09:00", place=XINZHUANG)
        add_letter(s, "L-after-close", signed(ELSEWHERE, SIGNERS_A), received="2026-11-02T09:00", place=BEILING)
        second = decisions_by_letter(s, letter_ids=["L-late-copy", "L-after-close"])
    assert second["L-late-copy"].case_id == first["L-open"].case_id and not second["L-late-copy"].opened
    reopened = second["L-after-close"]
    assert reopened.opened and reopened.case_id != first["L-done"].case_id
    assert f"would have joined closed case {first['L-done'].case_id}" in reopened.reason


def test_case_id_dates_and_explanations_are_recorded(db):
    with db.session() as s:
        add_letter(s, "L-a", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T23:30", place=XINZHUANG)
        add_letter(s, "L-b", signed(FORM_LETTER, SIGNERS_B), received="2026-03-16T10:40", place=XINZHUANG,
                   category="rural_collective_affairs")
        add_letter(s, "L-w", WAGES, received="2026-03-09T10:00", place=NOWHERE, category="wage_arrears")
        decided = decisions_by_letter(s)
        case = s.get(Case, decided["L-a"].case_id)
        member = s.get(CaseLetter, "L-b")
        events = [(e.kind, e.on_date) for e in case.events]
    # Late evening in Beijing is still the 9th; the wage letter came earlier that day.
    assert decided["L-w"].case_id == "C20260309-001" and case.id == "C20260309-002"
    assert (case.category, case.county, case.township, case.registered_on) == (
        "land_acquisition", "青山县", "柳河镇", date(2026, 3, 9))
    assert member.matched_letter_id == "L-a" and member.similarity > 0.9 and "near-duplicate" in member.join_reason
    assert s.get(CaseLetter, "L-a").join_reason.startswith("new matter")
    assert events == [("opened", date(2026, 3, 9)), ("letter_joined", date(2026, 3, 16))]


def test_people_signing_several_letters_of_a_case_count_once(db):
    with db.session() as s:
        a = add_letter(s, "L-a", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG,
                       people=SIGNERS_A)
        a.signatories[0].id_number, a.signatories[0].id_valid = "332521195605215493", True
        # The follow-up lists the same three (one without phone, one by ID only) and one more.
        b = add_letter(s, "L-b", FOLLOW_UP, received="2026-04-22T16:30", place=XINZHUANG,
                       people=[("赵长顺", ""), ("钱玉兰", "15857122301"), ("孙德厚", "18767125530"), ("李凤英", "")])
        b.signatories[0].id_number, b.signatories[0].id_valid = "332521195605215493", True
        case_id = decisions_by_letter(s)["L-b"].case_id
        assert s.get(Case, case_id).signatory_count == 4
        # A letter stating more people than it lists stands for its stated total.
        add_letter(s, "L-c", signed(FORM_LETTER, SIGNERS_C), received="2026-05-01T09:00", place=XINZHUANG,
                   people=SIGNERS_C, stated_total=312)
        group_letters(s, now=NOW)
        assert s.get(Case, case_id).signatory_count == 312


def test_distinct_signatories_rules():
    zhao = Person(name="赵长顺", phone="13957120481")
    assert distinct_signatories([LetterHeads(listed=(zhao, Person(name="钱玉兰"))),
                                 LetterHeads(listed=(Person(name="赵 长顺"), Person(name="钱玉兰", phone="15857122301")))]) == 2
    # Same name, different phones: two people.
    assert distinct_signatories([LetterHeads(listed=(zhao,)),
                                 LetterHeads(listed=(Person(name="赵长顺", phone="18600000001"),))]) == 2
    # Valid ID numbers decide, whatever the names say.
    assert distinct_signatories([LetterHeads(listed=(Person(name="王芳", id_number="33252119900101002X", id_valid=True),)),
                                 LetterHeads(listed=(Person(name="王芳", id_number="332521199001010046", id_valid=True),))]) == 2
    # A letter without a list adds its own count; nothing parsed at all gives None.
    assert distinct_signatories([LetterHeads(listed=(zhao,)), LetterHeads(listed=(), signatory_count=6)]) == 7
    assert distinct_signatories([LetterHeads(listed=())]) is None


CLAUSES = [
    "小区门口的{}占用消防通道", "{}的路灯坏了半年没人修", "学校旁边的{}天天排放黑烟", "医保报销比例比{}低",
    "拆迁时承诺的{}至今没有兑现", "{}的物业费一年涨了两次", "村里的{}被人私自承包出去", "公交车改线以后{}出行困难",
    "菜市场搬迁后{}摊位费太高", "{}的自来水常年发黄", "农村低保评定时{}优亲厚友", "养老院的{}护理人员不够",
]
FILLERS = ["三号楼", "东街", "化工厂", "邻县", "安置补助", "老小区", "鱼塘", "老年人", "商户", "北山片区", "村干部", "失能老人",
           "幼儿园", "停车场", "河道", "卫生院"]


def unrelated_letter(rng: random.Random, n: int) -> str:
    sentences = [rng.choice(CLAUSES).format(rng.choice(FILLERS)) + rng.choice("，。；") for _ in range(12)]
    return f"关于第{n}号问题的反映\n" + "\n".join("".join(sentences[i:i + 3]) for i in range(0, 12, 3))


def test_candidates_come_from_the_lsh_index_not_a_scan(db):
    rng = random.Random(7)
    with db.session() as s:
        add_letter(s, "L-form", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG)
        for n in range(200):
            add_letter(s, f"L-u{n:03d}", unrelated_letter(rng, n), received="2026-05-01T09:00",
                       place={"county": "南湖区", "township": f"第{n % 40}街道", "village": None}, category="other")
        group_letters(s, now=NOW)
        copy = add_letter(s, "L-copy", scanned(signed(FORM_LETTER, SIGNERS_B)), received="2026-06-01T09:00",
                          place=NOWHERE)
        keys = band_keys(shingles(copy.text))
        found = candidates_for(s, letter=copy, keys=keys)
        plan = " ".join(str(row) for row in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(near_duplicate_query(keys=keys, exclude_letter_id="L-copy").compile(
                dialect=s.get_bind().dialect, compile_kwargs={"literal_binds": True}))))
        grouped = s.scalar(select(func.count()).select_from(CaseLetter))
    assert grouped == 201
    assert [c.letter_id for c in found][:1] == ["L-form"] and len(found) <= 3
    assert "ix_letter_lsh_bands_band_bucket" in plan and not re.search(r"SCAN (letter_lsh_bands|letters)\b", plan)


@pytest.mark.postgres
def test_grouping_runs_on_postgres(pg_url):
    db = Database.open(pg_url)
    try:
        with db.session() as s:
            add_letter(s, "L-a", signed(FORM_LETTER, SIGNERS_A), received="2026-03-09T09:12", place=XINZHUANG)
            add_letter(s, "L-b", signed(FORM_LETTER, SIGNERS_B), received="2026-03-16T10:40", place=XINZHUANG)
            add_letter(s, "L-f", FOLLOW_UP, received="2026-04-22T16:30", place=XINZHUANG)
            decided = decisions_by_letter(s)
        assert len({d.case_id for d in decided.values()}) == 1
        assert decided["L-b"].matched_letter_id == "L-a"
    finally:
        db.dispose()
