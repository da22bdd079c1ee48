"""The signatory parser (policy §1): tables, name lists, stated totals, representatives."""

from __future__ import annotations

import pytest

from pipeline.text.cjk import tidy_lines
from pipeline.understand.signatories import parse_signatories

BODY = """关于东湾村征地补偿款未兑付的反映
青山县人民政府：
我们是柳河镇东湾村的村民。2024年征地时说好每亩补偿4.6万元，至今只拿到一半，
村里和镇里互相推诿，恳请政府督促兑付剩余补偿款。
东湾村村民
"""

# A ruled table as OCR writes it: one line per row, cells joined by a space.
# Row 3's name has a fingerprint's smudge in it, the fourth row lost its row
# number, row 5 has a name split across two cells and an ID whose check
# character is wrong.
TABLE_LETTER = BODY + """联系人：陈国强  电话：13905761234
2026年3月2日
序号 姓名 身份证号 联系电话 住址
1 陈国强 332521196503124019 13905761234 东湾村一组
2 赵秀英 332521197208051325 15153197502 东湾村一组
3 赵建@华 332521195811207727 18615376886 东湾村二组
王振华 332521199001010031 13345099429 东湾村二组
5 孙 立新 332521196503124015 19957107057 东湾村三组
"""


def names(parse) -> list[str | None]:
    return [s.name for s in parse.signatories]


def test_ruled_table_rows_with_ocr_damage():
    parse = parse_signatories(TABLE_LETTER)
    assert names(parse) == ["陈国强", "赵秀英", "赵建华", "王振华", "孙立新"]
    assert parse.count == parse.listed_count == 5
    assert [s.seq for s in parse.signatories] == [1, 2, 3, None, 5]
    first = parse.signatories[0]
    assert (first.id_number, first.phone, first.address) == ("332521196503124019", "13905761234", "东湾村一组")
    assert first.is_representative and not parse.signatories[1].is_representative
    assert any("no row number" in note for note in parse.notes)


def test_id_checksum_is_flagged():
    parse = parse_signatories(TABLE_LETTER)
    assert [s.id_valid for s in parse.signatories] == [True, True, True, True, False]
    assert "row 5: ID checksum fails" in parse.notes


def test_table_without_spaces_reads_the_same():
    # The pipeline removes spaces between Chinese characters, so cells run together.
    parse = parse_signatories(tidy_lines(TABLE_LETTER))
    assert names(parse) == ["陈国强", "赵秀英", "赵建华", "王振华", "孙立新"]
    assert parse.signatories[3].phone == "13345099429"


def test_table_spanning_pages_with_a_text_column_run_into_the_name():
    letter = BODY + """职工代表：吴海涛  13947205518
附：欠薪职工名单
序号姓名工种联系电话
1吴海涛掘进工13947205518
2田明辉安全员18141757157
3吴丽采煤工13507534467
4王春燕安全员18067464274
第1页共2页
序号姓名工种联系电话
5王涛采煤工19191706883
6吴娟安全员19178751126
7王晓东采煤工15332056684
8高慧敏掘进工
第2页共2页
"""
    parse = parse_signatories(letter)
    assert names(parse) == ["吴海涛", "田明辉", "吴丽", "王春燕", "王涛", "吴娟", "王晓东", "高慧敏"]
    assert parse.count == 8
    assert parse.signatories[-1].phone is None


def test_space_separated_names_below_the_date():
    letter = BODY + """联系人：郭长林  15157183306
2026年9月16日
郭长林 郭秀英 郭建国 梁桂芳 郭福生
梁振华 郭玉兰 彭有才
"""
    parse = parse_signatories(letter)
    assert names(parse) == ["郭长林", "郭秀英", "郭建国", "梁桂芳", "郭福生", "梁振华", "郭玉兰", "彭有才"]
    assert parse.count == 8 and parse.stated_total is None


def test_names_run_together_by_ocr_are_split():
    letter = BODY + "2026年8月5日\n业主签名：\n林晓东方丽娟叶文斌林振宇陈慧敏陈伟\n方鹏林小红王磊\n"
    parse = parse_signatories(letter)
    assert names(parse) == ["林晓东", "方丽娟", "叶文斌", "林振宇", "陈慧敏", "陈伟", "方鹏", "林小红", "王磊"]


def test_enumeration_comma_list_wrapped_inside_a_name():
    letter = BODY + "2026年10月22日\n签名：陈德明、陈秀兰、胡长林、陈建国、宋\n福生、胡春梅、陈立新\n"
    parse = parse_signatories(letter)
    assert names(parse) == ["陈德明", "陈秀兰", "胡长林", "陈建国", "宋福生", "胡春梅", "陈立新"]


def test_fingerprint_garbled_name_in_a_signature_block_still_counts():
    letter = BODY + "2026年5月15日\n签名：石德明 黄福生 罗秀英 ※有才 黄玉兰 邓长林\n"
    parse = parse_signatories(letter)
    assert parse.count == 6
    assert any("name doubtful" in note for note in parse.notes)


def test_stated_total_larger_than_the_list_wins():
    letter = BODY + """联系人：钱立新  13357128840
2026年2月20日
签名：钱立新、冯长林、陈卫东、孙春梅
以上共312人签名，名单另附。
"""
    parse = parse_signatories(letter)
    assert (parse.listed_count, parse.stated_total, parse.count) == (4, 312, 312)


def test_stated_total_smaller_than_the_list_loses():
    letter = BODY.replace("东湾村的村民", "东湾村的3户村民") + """2026年10月15日
签名：郭长林 郭秀英 郭建国 梁桂芳 郭福生
"""
    parse = parse_signatories(letter)
    assert (parse.listed_count, parse.stated_total, parse.count) == (5, 3, 5)
    assert any("states 3" in note for note in parse.notes)


@pytest.mark.parametrize("sentence, total", [
    ("我们是新港街道的农民工，一共三十二个\n人，都是外地来的。", 32),
    ("全体三百一十二名业主强烈要求尽快办证。", 312),
    ("我们是石门镇前进村一百二十多户村民。", 120),
    ("以上共８６户，本表为部分户主签名，其余签名表另附。", 86),
    ("明州市第二机械厂退休职工（共112人签名）", 112),
])
def test_totals_in_chinese_and_arabic_numerals(sentence, total):
    letter = BODY + sentence + "\n2026年1月15日\n签名：马国栋 马小龙\n"
    assert parse_signatories(letter).stated_total == total


def test_numbers_that_are_not_signer_totals():
    letter = BODY + """一期共326套住房，征地共计412亩，总共欠我们一百二十多万，全村已经有27户的房屋开裂，
有三位老人已经去世。
2026年1月15日
签名：马国栋 马小龙 刘永强
"""
    parse = parse_signatories(letter)
    assert parse.stated_total is None
    assert parse.count == 3


def test_same_person_listed_twice_counts_once():
    letter = BODY + """2026年3月2日
序号 姓名 身份证号 联系电话
1 陈国强 332521196503124019 13905761234
2 赵秀英 332521197208051325 15153197502
3 陈国强 332521196503124019 13905761234
4 赵秀英 332521199001010031 18615376886
签名：刘永强 张海涛 刘永强
"""
    parse = parse_signatories(letter)
    # Two 赵秀英 with different valid ID numbers are two people; the repeated 陈国强 and 刘永强 are not.
    assert names(parse) == ["陈国强", "赵秀英", "赵秀英", "刘永强", "张海涛"]
    assert parse.count == 5
    assert sum("listed twice" in note for note in parse.notes) == 2


@pytest.mark.parametrize("closing, name, phone", [
    ("联系人：郭长林  15157183306", "郭长林", "15157183306"),
    ("联系人：郭长林l5l57l833O6", "郭长林", "15157183306"),  # OCR's l for 1 and O for 0
    ("代表：张建国（电话13812345678）", "张建国", "13812345678"),
    ("农民工代表：马国栋  电话：15937862154", "马国栋", "15937862154"),
    ("被征收户代表：周国庆  吴秀珍\n联系电话：13857410288（周国庆）", "周国庆", "13857410288"),
    ("委托人推选的代表为：郑海燕（电话：13516847702）、冯建华（电话：18957136625）。", "郑海燕", "13516847702"),
])
def test_representative_line_variants(closing, name, phone):
    letter = BODY + closing + "\n2026年4月10日\n签名：李学文 李茂林 李春生\n"
    parse = parse_signatories(letter)
    assert (parse.representative_name, parse.representative_phone) == (name, phone)
    assert name in names(parse)  # a representative is a signatory too
    assert next(s for s in parse.signatories if s.name == name).is_representative


def test_few_writers_named_above_the_date_without_labels():
    letter = BODY + "杨保国  电话：13806572246\n杨桂兰\n2026年10月16日\n"
    parse = parse_signatories(letter)
    assert names(parse) == ["杨保国", "杨桂兰"]
    assert (parse.representative_name, parse.representative_phone, parse.count) == ("杨保国", "13806572246", 2)


def test_letter_without_signatures_has_no_count():
    parse = parse_signatories(BODY + "2026年6月1日\n")
    assert parse.signatories == () and parse.listed_count == 0
    assert parse.count is None and parse.stated_total is None
    assert parse.representative_name is None and parse.representative_phone is None
