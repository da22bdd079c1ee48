"""How alike two letters are: pure functions over their text, no database.

Two measures, for the two ways letters of one case resemble each other:

* ``text`` — Jaccard similarity of character shingles of the letter's prose.
  Copies of one form letter (联名信 passed round for more signatures) score
  near 1 even after OCR, because only the signature lists differ, and those
  are left out before shingling. MinHash band keys of the same shingles let
  the database find such copies without comparing against every letter.
* ``topic`` — cosine similarity of the letters' key terms (jieba TF-IDF).
  Another group writing about the same matter words it differently, but
  names the same project, company, defect and demand; the place names both
  letters share are removed first, since place is judged separately and
  would otherwise make every letter from one village look alike.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from datasketch import MinHash

SHINGLE_SIZE = 3
NUM_PERM = 120
# 40 bands of 3 rows: two letters share a band with probability 1-(1-J^3)^40,
# i.e. 99.5% at Jaccard 0.5 (the copy threshold), 50% at 0.26 and 0.5% at 0.05,
# about the most that two different letters of this office share.
BANDS = 40
MINHASH_SEED = 1  # fixed: stored band keys must stay comparable across runs
# Enough terms that a short follow-up and a long first letter still overlap.
TOPIC_TERMS = 80
MIN_PROSE_CHARS = 60

# Lines that carry prose have sentence punctuation; signature lists and
# table rows (name, workshop, phone...) have none, and differ between copies.
_PROSE_PUNCTUATION = re.compile(r"[，。；！？、“”：（）《》,.;!?:()]")
# "签名：石德明 黄福生 ..." — the names after such a label are not prose.
_NAME_LIST_LABEL = re.compile(r"(签名|签字|名单|联名人)\s*[:：].*$")
_NOT_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_FOLLOW_UP = re.compile(r"再次(反映|上访|来信|写信|联名)|第[2-9二三四五六七八九十两]次(反映|写信|来信|联名)|又一次(反映|写信)"
                        r"|多次(反映|写信|来信)|曾(联名|写信|来信|向)|[上前]次(反映|来信|写信)")


@dataclass(frozen=True)
class Fingerprint:
    """What grouping compares: computed once per letter from its text and place."""

    shingles: frozenset[str]
    terms: dict[str, float]
    follow_up: bool


def prose(text: str) -> str:
    """The letter's prose, NFKC-folded: signature lists and table rows left out.

    If that leaves almost nothing — a reading that lost its punctuation — the
    whole text is used: names then add noise, but the matter is still there.
    """
    lines = unicodedata.normalize("NFKC", text).splitlines()
    kept = [line for line in (_NAME_LIST_LABEL.sub("", line) for line in lines) if _PROSE_PUNCTUATION.search(line)]
    body = "\n".join(kept)
    return body if len(comparable_chars(body)) >= MIN_PROSE_CHARS else "\n".join(lines)


def comparable_chars(text: str) -> str:
    """Only the CJK characters: digits (phones, IDs, dates, amounts), Latin and
    punctuation go, since OCR and typists vary them without changing the matter."""
    return _NOT_CJK.sub("", text)


def shingles(text: str, *, size: int = SHINGLE_SIZE) -> frozenset[str]:
    chars = comparable_chars(prose(text))
    if len(chars) < size:
        return frozenset([chars]) if chars else frozenset()
    return frozenset(chars[i:i + size] for i in range(len(chars) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def band_keys(shingle_set: frozenset[str], *, num_perm: int = NUM_PERM, bands: int = BANDS) -> list[tuple[int, str]]:
    """(band number, 16-hex-digit bucket) pairs of the shingles' MinHash signature.

    Letters sharing any pair are LSH candidates. An empty text yields no keys:
    every empty letter would otherwise land in the same buckets.
    """
    if not shingle_set:
        return []
    if num_perm % bands:
        raise ValueError(f"num_perm {num_perm} is not a multiple of bands {bands}")
    signature = MinHash(num_perm=num_perm, seed=MINHASH_SEED)
    signature.update_batch([s.encode("utf-8") for s in sorted(shingle_set)])
    rows = num_perm // bands
    # Little-endian whatever the machine: stored keys must match across hosts.
    values = signature.hashvalues.astype("<u8")
    return [(band, hashlib.blake2b(values[band * rows:(band + 1) * rows].tobytes(), digest_size=8).hexdigest())
            for band in range(bands)]


@lru_cache(maxsize=1)
def _keyword_extractor():
    # jieba loads its dictionary on first use (about a second); do it once,
    # and only when a topic comparison is actually needed.
    import jieba
    import jieba.analyse

    jieba.setLogLevel(60)
    return jieba.analyse.TFIDF()


def topic_terms(text: str, *, place_names: Iterable[str | None] = (), top: int = TOPIC_TERMS) -> dict[str, float]:
    """Key terms of the prose with their TF-IDF weights, place names removed.

    No part-of-speech filter: tagging costs ten times the extraction, and on
    the sample letters it separated matters worse (it tags company names such
    as 鑫源 as person names). Signature lists are already out of the prose.
    """
    body = prose(text)
    for name in sorted({n for n in place_names if n}, key=len, reverse=True):
        body = body.replace(name, " ")
    body = re.sub(r"[0-9A-Za-z]+", " ", body)
    return dict(_keyword_extractor().extract_tags(body, topK=top, withWeight=True))


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(weight * b[term] for term, weight in a.items() if term in b)
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def is_follow_up(text: str) -> bool:
    """Whether the letter says it raises the matter again (再次反映, 第三次写信...)."""
    return bool(_FOLLOW_UP.search("".join(unicodedata.normalize("NFKC", text).split())))


def fingerprint(text: str | None, *, place_names: Iterable[str | None] = (), known_follow_up: bool = False) -> Fingerprint:
    text = text or ""
    return Fingerprint(shingles=shingles(text), terms=topic_terms(text, place_names=place_names),
                       follow_up=known_follow_up or is_follow_up(text))
