"""The letter's own date, and announced days resolved against it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipeline.understand.dates import letter_date, resolve_day

SAMPLES = Path(__file__).parent.parent / "sample_letters" / "truth.jsonl"


def closing(date_line: str) -> str:
    """A short letter whose closing block carries ``date_line``."""
    return (
        "尊敬的领导：\n我们是青山县柳河镇新庄村的村民，征地补偿款至今没有足额兑付。\n"
        f"恳请领导重视。\n新庄村三组部分村民\n联系人：李春生  电话：15857120463\n{date_line}\n"
        "李春生 陈长林 赵广田"
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026年3月5日", date(2026, 3, 5)),
        ("2026.3.5", date(2026, 3, 5)),
        ("2026-03-05", date(2026, 3, 5)),
        ("2026/3/5", date(2026, 3, 5)),
        ("2026 年 3 月 5 日", date(2026, 3, 5)),  # OCR's spaces
        ("二〇二六年三月五日", date(2026, 3, 5)),
        ("二零二六年三月五日", date(2026, 3, 5)),
        ("二〇二六年十二月三十一日", date(2026, 12, 31)),
        ("二〇二六年四月二十三日", date(2026, 4, 23)),
        ("日期：2026年6月25日", date(2026, 6, 25)),
    ],
)
def test_closing_date_forms(written: str, expected: date) -> None:
    assert letter_date(closing(written)) == expected


@pytest.mark.parametrize("noisy", ["二O二六年三月五日", "二0二六年三月五日", "二○二六年三月五日", "二（二六年三月五日", "2026年3月5曰"])
def test_ocr_noise_in_the_date(noisy: str) -> None:
    assert letter_date(closing(noisy)) == date(2026, 3, 5)


def test_body_dates_are_not_the_letters_date() -> None:
    text = (
        "我们于2021年9月30日前全部签订了协议。协议明确约定，安置房于2023年6月30日前交\n"
        "付。从2025年7月1日起过渡费就停发了。\n铁路新村社区被征收户代表：周国庆\n2026年4月10日\n"
        "附：签名表（2026年4月8日收集）\n1 周国庆 332502195605215495 铁路新村12栋302室"
    )
    assert letter_date(text) == date(2026, 4, 10)


def test_the_last_closing_date_wins_over_an_earlier_standalone_one() -> None:
    # A follow-up quoting its first letter's date on a line of its own.
    text = "第一封信：\n2026年3月2日\n再次反映：我们仍未收到答复。\n联系人：赵德明\n2026年3月20日"
    assert letter_date(text) == date(2026, 3, 20)


def test_a_date_inside_the_signature_line() -> None:
    assert letter_date("恳请领导重视。\n联系人：何振华 13758203316 2026.6.25") == date(2026, 6, 25)


@pytest.mark.parametrize(
    "text",
    ["我们恳请领导重视。\n联系人：何振华", "今年6月25日我们去了街道。\n6月25日", "2026年2月30日", "电话13857410288"],
)
def test_no_letter_date(text: str) -> None:
    assert letter_date(text) is None


LETTER_DAY = date(2026, 6, 5)


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("本月20日", LETTER_DAY, date(2026, 6, 20)),
        ("本月二十日上午", LETTER_DAY, date(2026, 6, 20)),
        ("20日", LETTER_DAY, date(2026, 6, 20)),
        ("3月20日", LETTER_DAY, date(2026, 3, 20)),
        ("6月20日", LETTER_DAY, date(2026, 6, 20)),
        ("下月5号", LETTER_DAY, date(2026, 7, 5)),
        ("2026年7月1日", LETTER_DAY, date(2026, 7, 1)),
        ("下周一", LETTER_DAY, date(2026, 6, 8)),  # the letter is a Friday
        ("周日", LETTER_DAY, date(2026, 6, 7)),
        ("明天", LETTER_DAY, date(2026, 6, 6)),
        ("月底", LETTER_DAY, date(2026, 6, 30)),
    ],
)
def test_resolve_day(text: str, reference: date, expected: date) -> None:
    assert resolve_day(text, reference=reference) == expected


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("20日", date(2026, 1, 25), date(2026, 2, 20)),  # the 20th already passed: next month's
        ("31日", date(2026, 4, 5), date(2026, 5, 31)),  # April has no 31st
        ("下周一", date(2026, 6, 29), date(2026, 7, 6)),
        ("明天", date(2026, 1, 31), date(2026, 2, 1)),
        ("下月5号", date(2026, 12, 20), date(2027, 1, 5)),
        ("1月5日", date(2026, 12, 28), date(2027, 1, 5)),  # nearest 5 January
        ("本月底", date(2028, 2, 10), date(2028, 2, 29)),
    ],
)
def test_resolve_day_across_month_and_year_ends(text: str, reference: date, expected: date) -> None:
    assert resolve_day(text, reference=reference) == expected


@pytest.mark.parametrize("text", ["尽快", "本月32日", "下月31日", "十月十十日"])
def test_resolve_day_refuses_what_is_no_day(text: str) -> None:
    assert resolve_day(text, reference=date(2026, 1, 10)) is None


def test_sample_letters_are_dated_before_they_arrive() -> None:
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        letter = json.loads(line)
        received = date.fromisoformat(letter["received_at"][:10])
        written = letter_date(letter["text"])
        assert written is not None, letter["file"]
        assert 0 <= (received - written).days <= 31, (letter["file"], written, received)
