"""Fictional people for signature lists: names, ID-card numbers, phone numbers.

Everything is derived from a SHA-256 of a key string (letter id, row, purpose),
never from global random state, so a letter renders the same whatever order
letters are generated in. ID-card numbers follow GB 11643-1999: a six-digit
address code, an eight-digit birth date, a three-digit sequence (odd for men,
even for women) and an ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

from pipeline.text.numbers import id_check_character, valid_id_number

# Address codes of the fictional 明州市 (prefix 3325) and of a few home
# regions of migrant workers. Codes are used only for their shape.
REGION_CODES = {
    "东城区": "332502",
    "南湖区": "332503",
    "青山县": "332521",
    "河西县": "332522",
    "北岭县": "332523",
    "明州市": "332501",
}

_PHONE_RE = re.compile(r"^1[3589]\d{9}$")
_PHONE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "157", "158", "159", "180", "181", "186", "187", "188", "189", "191", "193", "199")

# Given names by generation: older people carry names like 德明/秀英, younger ones
# single characters or 浩然-style names. Two lists per sex.
_GIVEN = {
    ("old", "m"): "德明 建国 国庆 福生 长林 永贵 树林 金宝 富贵 有才 振华 志刚 卫东 红军 "
                  "保国 忠义 新民 文华 庆丰 学文 跃进 广田 春生 茂林 万福 立新 天佑 守仁".split(),
    ("old", "f"): "秀英 桂芳 玉兰 凤英 秀兰 淑珍 翠花 春梅 素琴 桂英 月娥 金凤 爱华 "
                  "冬梅 巧云 兰英 美华 秀珍 玉梅 菊香 彩霞 桂兰 银花".split(),
    ("young", "m"): "伟 强 磊 军 涛 斌 鹏 浩 杰 勇 超 刚 建华 海涛 志强 晓东 文斌 俊杰 "
                    "明辉 小龙 永强 振宇 子豪 国栋 立伟 家乐".split(),
    ("young", "f"): "丽 娟 静 敏 燕 艳 霞 芳 婷 洁 晓燕 海燕 丽娟 春燕 小红 雪梅 "
                    "慧敏 佳怡 欣怡 丹丹 雅琴".split(),
}


def _h(*parts: object) -> int:
    data = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def pick(seq, *key):
    return seq[_h(*key) % len(seq)]


# The checks live with the pipeline that relies on them; the generator uses the same ones.
id_check_char = id_check_character
valid_id = valid_id_number


def valid_phone(number: str) -> bool:
    return bool(_PHONE_RE.match(number))


def make_id(region: str, birth_years: tuple[int, int], female: bool, *key) -> str:
    lo, hi = birth_years
    start = date(lo, 1, 1)
    days = (date(hi, 12, 31) - start).days
    born = start + timedelta(days=_h("birth", *key) % (days + 1))
    seq = _h("seq", *key) % 500 * 2 + (0 if female else 1)
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def make_phone(*key) -> str:
    return pick(_PHONE_PREFIXES, "pp", *key) + f"{_h('phone', *key) % 10**8:08d}"


def make_names(count: int, surnames: list[str], generation: str, *key,
               exclude: set[str] = frozenset()) -> list[tuple[str, bool]]:
    """``count`` distinct (name, female) pairs; surnames weighted by their order."""
    out: list[tuple[str, bool]] = []
    seen = set(exclude)
    i = 0
    while len(out) < count:
        i += 1
        if i > count * 50:
            raise ValueError("cannot draw enough distinct names; add surnames")
        # earlier surnames are more frequent (a village's big families)
        weights = [len(surnames) - j for j in range(len(surnames))]
        r = _h("sn", i, *key) % sum(weights)
        for sn, w in zip(surnames, weights):
            if r < w:
                break
            r -= w
        female = _h("sex", i, *key) % 100 < 42
        gen = generation if generation in ("old", "young") else pick(("old", "young"), "gen", i, *key)
        name = sn + pick(_GIVEN[(gen, "f" if female else "m")], "gn", i, *key)
        if name not in seen:
            seen.add(name)
            out.append((name, female))
    return out


def looks_female(name: str) -> bool:
    """Guess from the given name, for the sex digit of explicit names with generated IDs."""
    given = name[1:]
    female_chars = set("秀英芳兰凤珍花梅琴娥云香霞丽娟静敏燕艳婷洁红雪慧怡丹雅玲萍莲菊")
    return any(ch in female_chars for ch in given)
