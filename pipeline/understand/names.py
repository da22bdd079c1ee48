"""Chinese personal names in signature blocks: telling them apart and from other words.

OCR and text-layer extraction drop the spaces between Chinese characters, so
a signature line reaches us as one run ("郭长林郭秀英郭建国") and a table row
as "1钱立新铸造车间2012". Names are recovered by segmenting such runs: each
name is 2–4 characters and starts with a surname, and the given name is
drawn from a fairly small set of characters. Scores are log-odds-like
numbers; the segmentation with the best total wins, so a run is cut where
the cut makes every piece look like a name.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# Surnames, most frequent first (the first block covers ~85% of people).
_COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦"
    "俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房"
)
_LESS_COMMON_SURNAMES = (
    "滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应"
    "臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁"
    "胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰"
    "支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜"
    "印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "夏侯", "皇甫", "尉迟", "公孙", "慕容",
                      "长孙", "宇文", "司徒", "令狐", "端木", "轩辕", "独孤", "南宫", "西门", "呼延")

# Characters common in given names (both sexes, the generations who sign petitions
# and their children). A character outside the set is allowed, only less likely.
_GIVEN_NAME_CHARS = frozenset(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力永林梅春海波宁东云凤金珍雪琴燕"
    "晓小志德新民福生有才长树万学立振宇子豪浩鹏斌丹婷慧佳怡欣雅俊家乐天佑守仁忠义富贵宝庆丰茂银花彩翠"
    "菊香素月娥巧淑冬跃进广田卫保美秋荣成兵飞鑫鸿博宏光亮晨阳峰龙彬帅凯健瑞琳倩颖璐蕾婧薇莉洁晶娇露莹"
    "馨悦思雨涵梓轩睿泽诗昊然嘉奕航胜利顺祥发财喜山水清正安和泰康达兴旺武毅虎鹤雁鸣琪瑶璇琦蓉芬芝菲萱"
    "蓓蕊芸莲荷竹松柏桃杏柳娣妹妮嫣婉娴妍媛姗根柱锁少中世士双元全仲先克其兆勤卿友同启君吉善坤培基增大"
    "太奇如妙孝孟宗宜寿尚岩峻崇川州巍帆希常年应庭开廷彦彪心念恒恩捷敬旭昌星昭晋晖景智曦朝栋森楠欢江汉"
    "泉洪润涌渊源溪滨潮灿炎炳焕照熙爱琛璋珊理男畅登皓盛盈真礼祖禄秉科程章端笑策纯绍维群羽翔耀聪育舒良"
    "艺苗茜莎菁蒙虹衡诚谊贤赛越路远运连迪通道邦郁钢铭锋锦闯隆雄霖青靖韵风驰骏高麟黎鼎菡琼瑾瑜玲珠丫钧"
    "铮锐锴沛湘沁岚岗峥嵘崎屹彤影徽惠慈怀恺愉慕懿承方望朗杨枫柯桐梁毓汝池泓浚淳添"
)

# Characters that do not occur in personal names but do in the words around
# them (places, units, table columns, roles): a run holding one is not a name.
_NEVER_IN_NAMES = frozenset("村镇乡县市省局厂室幢号街间站店场馆签址码证序职员户籍务电话身份的了与及等")
# A name never ends like a place or a unit does ("石岭村", "东城区", "厂办", "采煤工").
_NON_NAME_ENDINGS = ("区", "道", "组", "园", "楼", "院", "校", "科", "部", "委", "府", "办", "所", "队",
                     "处", "工", "员", "机", "会", "社区", "街道", "学", "团", "网")
# Words that look like names to the segmenter but are labels or roles.
NON_NAME_WORDS = frozenset({
    "代表", "群众", "业主", "工人", "农民", "姓名", "名单", "联名", "联系人", "敬礼", "此致", "领导", "同志",
    "谢谢", "附件", "附表", "全体", "以上", "合计", "共计", "总计", "律师", "老人", "老师", "师傅", "公司",
    "单位", "政府", "信访", "申请人", "反映人", "具名人", "委托人", "手机", "编号",
})

LENGTH_PRIOR = {2: -0.6, 3: 0.0, 4: -2.5}
UNKNOWN_SURNAME = -6.0  # a piece not starting with a surname: only to cover an OCR-garbled name
UNCOMMON_GIVEN = -1.8
LESS_COMMON_SURNAME = -1.2
COMPOUND_SURNAME = -1.0

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def is_cjk(text: str) -> bool:
    return bool(text) and all(_CJK.match(ch) for ch in text)


def surname_score(name: str) -> tuple[float, int] | None:
    """(score, surname length) of the best surname reading of ``name``, None if it has none."""
    if name[:2] in _COMPOUND_SURNAMES and len(name) >= 3:
        return COMPOUND_SURNAME, 2
    if name[0] in _COMMON_SURNAMES:
        return 0.0, 1
    if name[0] in _LESS_COMMON_SURNAMES:
        return LESS_COMMON_SURNAME, 1
    return None


def _looks_like_other_word(piece: str) -> bool:
    return (piece in NON_NAME_WORDS or any(ch in _NEVER_IN_NAMES for ch in piece)
            or piece.endswith(_NON_NAME_ENDINGS))


def name_score(piece: str, *, allow_unknown_surname: bool = False) -> float | None:
    """How name-like a 2–4 character run is; None when it cannot be a name."""
    if not 2 <= len(piece) <= 4 or not is_cjk(piece) or _looks_like_other_word(piece):
        return None
    surname = surname_score(piece)
    if surname is None:
        if not allow_unknown_surname:
            return None
        surname = (UNKNOWN_SURNAME, 1)
    score, surname_length = surname
    given = piece[surname_length:]
    if not given:
        return None
    if surname_length == 2:
        score += LENGTH_PRIOR[len(given) + 1]  # a compound surname with a one- or two-character given name
    else:
        score += LENGTH_PRIOR[len(piece)]
    return score + sum(0.0 if ch in _GIVEN_NAME_CHARS else UNCOMMON_GIVEN for ch in given)


def is_plausible_name(piece: str) -> bool:
    return name_score(piece) is not None


@dataclass(frozen=True)
class NameSplit:
    names: tuple[str, ...]
    doubtful: tuple[str, ...]  # pieces kept only to cover the run: an OCR-garbled name, likely
    score: float


@functools.lru_cache(maxsize=4096)
def split_names(run: str) -> NameSplit | None:
    """The best cut of a run of characters into names, or None if no cut covers it.

    A piece with no surname is allowed (so one fingerprint-garbled name does
    not lose the whole line) but costs so much that any reading with real
    surnames wins.
    """
    if not is_cjk(run):
        return None
    best: list[tuple[float, tuple[str, ...]] | None] = [None] * (len(run) + 1)
    best[0] = (0.0, ())
    for end in range(2, len(run) + 1):
        for length in (2, 3, 4):
            start = end - length
            if start < 0 or best[start] is None:
                continue
            piece = run[start:end]
            score = name_score(piece, allow_unknown_surname=True)
            if score is None:
                continue
            total = best[start][0] + score
            if best[end] is None or total > best[end][0]:
                best[end] = (total, best[start][1] + (piece,))
    if best[-1] is None:
        return None
    score, names = best[-1]
    doubtful = tuple(name for name in names if surname_score(name) is None)
    return NameSplit(names, doubtful, score)


def split_name_prefix(run: str, remainder_weight, *, allow_unknown_surname: bool = False) -> tuple[str, str] | None:
    """Cut a table cell run into (name, rest of the row's text), e.g. 钱立新|铸造车间.

    ``remainder_weight(rest)`` says how well ``rest`` fits as the next
    column's value (how often other rows show it); it outweighs the name's
    own likelihood. On a tie the longer rest wins: the real value also
    appears shortened by one character wherever a name could take one more.
    """
    candidates = []
    for length in (2, 3, 4):
        if length > len(run):
            break
        score = name_score(run[:length], allow_unknown_surname=allow_unknown_surname)
        if score is None:
            continue
        rest = run[length:]
        candidates.append((score + remainder_weight(rest), len(rest), run[:length], rest))
    if not candidates:
        return None
    _, _, name, rest = max(candidates)
    return name, rest


NAME_SEPARATORS = re.compile(r"[\s、，,;；/]+")
# What a fingerprint or a table rule leaves in a line of names: marks, never digits or sentence punctuation.
_STRAY_MARKS = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\s\d。，、；：？！,.;:?!()（）《》“”]")
MIN_UNLABELLED_NAME_SCORE = -4.0  # names standing alone, with no 签名 label, must read as ordinary names


def names_in(text: str, *, lenient: bool) -> NameSplit | None:
    """The names ``text`` consists of, or None when it holds anything else.

    ``lenient`` (inside a signature block): stray marks are dropped and a
    few pieces without a surname are kept, since a fingerprint pressed over
    a name garbles it; a digit or sentence punctuation still means the line
    is not names.
    """
    body = NAME_SEPARATORS.sub(" ", text).strip()
    if lenient:
        body = _STRAY_MARKS.sub("", body)
    if not body or any(not is_cjk(chunk) for chunk in body.split()):
        return None
    names, doubtful, score = [], [], 0.0
    for chunk in body.split():
        split = split_names(chunk)
        if split is None:
            return None
        names += split.names
        doubtful += split.doubtful
        score += split.score
    if lenient and len(doubtful) > 1 + len(names) // 5:
        return None
    if not lenient and (doubtful or any(name_score(n) < MIN_UNLABELLED_NAME_SCORE for n in names)):
        return None
    return NameSplit(tuple(names), tuple(doubtful), score)
