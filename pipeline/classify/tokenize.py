"""Word segmentation with jieba, the same for raw and pre-tokenised text.

Training corpora come in two forms: raw letters, and text already segmented
by jieba with words joined by spaces (the public tipdm set, whose stop words
and punctuation were removed too). A model trained on one form must work on
the other, so both go through one rule instead of a guessed "mode":

1. NFKC-normalise (full-width Ａ１，→ A1,) and lower-case, so the two forms agree
   on characters;
2. split on whitespace and cut every chunk with jieba. A chunk of
   pre-tokenised text is one jieba word, and jieba cuts its own words back to
   themselves, so this amounts to "split on spaces" there, while a raw
   sentence is segmented as usual. The exception is a two-character word that
   jieba's HMM formed from context (西地 of 西地省 cut alone gives 西/地), so
   chunks of one or two characters are taken as words as they stand; with that
   rule 99.95 % of tipdm's tokens come back unchanged;
3. drop what the pre-tokenised form no longer has: punctuation and symbols,
   bare numbers (dates, amounts, phone numbers: not what a letter is about) and
   the function words of :data:`STOP_WORDS` (below).

The result, words joined by single spaces, is what both feature sets of the
model read (:class:`ChineseTokenizer` is the pipeline's first step).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
import warnings

from sklearn.base import BaseEstimator, TransformerMixin

# --- stop words -------------------------------------------------------------
#
# Why a fixed list: the public training corpus (tipdm) arrives with a standard
# stop-word list already applied, while the letters we classify arrive raw. If
# raw text kept 的/了/我们/但是 the model would see words it never saw in
# training and every document vector would be diluted by them. Removing the same
# list from *both* forms makes a pre-tokenised corpus and raw letters produce
# comparable features; removing it from a raw training corpus costs little,
# since TF-IDF gives such words almost no weight anyway.
#
# The list holds pronouns, particles, conjunctions, prepositions and
# non-topical adverbs and verbs of general Chinese (in the spirit of the common
# HIT/Baidu lists), never a word that names a matter (征地, 工资, 学校...).
# It was completed by segmenting tipdm's *unlabelled* raw messages (never its
# test set) and listing frequent words absent from the training vocabulary:
# with this list, the only ones left are content words such as 人民.
# Numbers and punctuation are dropped by is_content_token, not listed here.

_PRONOUNS = """
我 我们 你 你们 您 他 他们 她 她们 它 它们 咱 咱们 自己 自身 本人 大家 别人 人家 各位
这 那 此 其 这个 那个 这些 那些 这样 那样 这么 那么 这里 那里 这边 那边 这种 那种
哪 哪里 哪个 哪些 什么 谁 怎么 怎样 怎么样 怎么办 如何 为什么 为何 何时 多少 几 几个
"""

_PARTICLES = """
的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 嘛 么 哈 呗 之 所 等 等等 们 的话 而已 罢了
"""

_CONJUNCTIONS = """
和 与 及 以及 及其 并 并且 而 而且 而是 但 但是 可是 然而 不过 因为 所以 因此 由于 如果
若 假如 即使 虽然 虽 既然 既 只要 只有 或 或者 还是 然后 于是 否则 不仅 甚至 同时 另外
此外 而后 接着 总之 况且 何况 以便 以免 从而 进而 乃至 即 则 便
"""

_PREPOSITIONS = """
在 对 对于 关于 从 自 自从 向 往 朝 把 被 给 让 叫 由 于 以 为 为了 按 按照 根据 据
通过 经过 随着 除了 除 至 到 跟 同 比 像 当 离 沿 沿着 依 依照 凭 趁 替
"""

_ADVERBS_AND_VERBS = """
也 都 就 还 又 才 再 更 更加 很 非常 十分 特别 最 太 已 已经 曾 曾经 仍 仍然 一直 总是
一样 不 没 没有 不是 是 有 会 能 可 可以 能够 要 想 将 该 应 应当 只 仅 仅仅 只是 就是 竟然
居然 到底 难道 几乎 其实 如此 极其 经常 常常 马上 立即 尽快 究竟 反而 毕竟 果然 简直
一定 肯定 必须 不要 不会 不能 不得 不了 不再 从未 毫无 正在 刚 刚刚 一 一个 一些 一下
一切 个 各 各种 每 其他 其它 其中 任何 如下 有些 有关 这是 还有 大概 可能 并不 并没有
作为 且 很多 开始 结果 才能 基本 极大 多次 因 均 如 经 第 本 望 用 多 大 打 拿 近 二 三 四 五
看 说 来 去 出 起 起来 出来 进去 下去 上 中 内 后 前 时 时候
"""

STOP_WORDS: frozenset[str] = frozenset(
    word
    for block in (_PRONOUNS, _PARTICLES, _CONJUNCTIONS, _PREPOSITIONS, _ADVERBS_AND_VERBS)
    for word in block.split()
)


# --- segmentation -----------------------------------------------------------

# Excel stores a carriage return inside a cell as the escape _x000D_; corpora
# exported from spreadsheets (tipdm's was) carry it as a "word".
_SPREADSHEET_ESCAPE = re.compile(r"_x[0-9a-fA-F]{4}_")
# A token worth keeping has at least one letter, digit or CJK ideograph...
_WORD_CHARACTER = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# ...and is not just a number (12, 2019, 1.5, 30%, 0000).
_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*%?")
# Whitespace-separated chunks this short are words already (see point 2 above).
_WHOLE_WORD_MAX_CHARS = 2
# Chunks this short are words of pre-tokenised text and repeat endlessly:
# cache their segmentation. Longer chunks are raw sentences and rarely repeat.
_CACHED_CHUNK_MAX_CHARS = 12

_jieba_lock = threading.Lock()
_jieba = None


def _segmenter():
    """jieba's default tokenizer, its dictionary loaded once per process.

    jieba builds (or reads from a cache file) its prefix dictionary on first
    use and logs four lines to stderr while it does; a CLI that prints JSON
    lines must not show them, so its logger is turned down first.
    """
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                with warnings.catch_warnings():
                    # jieba 0.42 imports the deprecated pkg_resources when present.
                    warnings.simplefilter("ignore")
                    import jieba
                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


@functools.lru_cache(maxsize=300_000)
def _cut_short_chunk(chunk: str) -> tuple[str, ...]:
    return tuple(_segmenter().cut(chunk))


def _cut(chunk: str) -> list[str] | tuple[str, ...]:
    if len(chunk) <= _WHOLE_WORD_MAX_CHARS:
        return (chunk,)
    if len(chunk) <= _CACHED_CHUNK_MAX_CHARS:
        return _cut_short_chunk(chunk)
    return _segmenter().lcut(chunk)


def normalise(text: str) -> str:
    """The characters both forms agree on: NFKC, lower case, no spreadsheet escapes."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _SPREADSHEET_ESCAPE.sub(" ", text)


def is_content_token(token: str) -> bool:
    """True for a token that can say what a letter is about."""
    return (
        bool(_WORD_CHARACTER.search(token))
        and _NUMBER.fullmatch(token) is None
        and token not in STOP_WORDS
    )


def tokenize(text: str) -> list[str]:
    """The content words of ``text``, raw or pre-tokenised (see the module doc)."""
    tokens: list[str] = []
    for chunk in normalise(text).split():
        tokens.extend(token for token in _cut(chunk) if is_content_token(token))
    return tokens


def tokens_to_text(text: str) -> str:
    """``tokenize`` joined by single spaces: the form the vectorisers read."""
    return " ".join(tokenize(text))


def split_tokens(text: str) -> list[str]:
    """Tokenizer of the word vectoriser: its input is already segmented.

    A module-level function rather than a lambda so that skops can store a
    reference to it by name.
    """
    return text.split()


def strip_spaces(text: str) -> str:
    """Preprocessor of the character vectoriser: n-grams run across word
    boundaries, so they do not depend on where jieba drew them."""
    return text.replace(" ", "")


class ChineseTokenizer(TransformerMixin, BaseEstimator):
    """sklearn step: texts in, space-joined content words out.

    Stateless (``fit`` learns nothing), so it is safe to apply once before
    cross-validation and to pickle: jieba itself is never stored, only
    looked up in the process that runs ``transform``.
    """

    def fit(self, X, y=None):  # noqa: N803 - sklearn's argument names
        return self

    def transform(self, X):  # noqa: N803
        return [tokens_to_text(str(text)) for text in X]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags
