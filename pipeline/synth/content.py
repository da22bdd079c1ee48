"""Load and validate the letter data (``letters/*.yaml``).

One YAML file holds one case: a ``case`` mapping (the hand-authored case
truth: risk, level, units) and a ``letters`` list. Each letter carries its
file name and format, its intake record (received_at, station), its
letter-level truth (category, intent, place, representative, signatory
count) and its content as a list of blocks (see ``layout.py``).

Signature tables may ask for generated rows (``auto``) and generated
ID-card numbers or phones (cell value ``auto``); they are expanded here,
deterministically, so the rest of the generator sees plain rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from pipeline.errors import ConfigError
from pipeline.synth import people

FORMATS = ("pdf_text", "pdf_scan", "png", "jpeg", "tiff")
INTENTS = ("none", "collective", "province", "beijing")
RISKS = ("urgent", "high", "medium", "low")
LEVELS = ("city", "county", "township", "triage")
BLOCK_TYPES = ("title", "center", "line", "para", "indent", "right", "table", "names", "grid",
               "letterhead", "rule", "space", "pagebreak", "seal")
BODY_TYPES = ("title", "center", "line", "para", "indent", "letterhead")
NAME_HEADERS = ("姓名", "签名", "户主", "签字")


@dataclass
class Case:
    id: str
    risk_level: str
    risk_reasons: list[str]
    level: str
    lead_unit: str
    co_units: list[str]
    label: str = ""
    city_scope: str | None = None       # city-level project or enterprise named
    county_complaint: bool = False      # letters complain the county pushed it back
    extra_counties: list[str] = field(default_factory=list)  # touched besides letters' places
    source: str = ""


@dataclass
class Letter:
    id: str
    file: str
    format: str
    case_id: str
    received_at: datetime
    station: str
    category: str
    secondary: list[str]
    intent: str
    representative: dict
    location: dict
    signatory_count: int
    stated_total: int | None
    facts: dict
    style: dict
    render: dict
    blocks: list[dict]
    signatories: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def seed(self) -> int:
        return people._h("letter", self.id) % (2**31)


def _norm_block(raw, where: str) -> dict:
    if raw == "pagebreak":
        return {"type": "pagebreak"}
    if not isinstance(raw, dict) or not raw:
        raise ConfigError("a block must be a mapping like {para: ...}", file=where)
    kind = next(iter(raw))
    if kind not in BLOCK_TYPES:
        raise ConfigError(f"unknown block type {kind!r}", file=where)
    value = raw[kind]
    block = {k: v for k, v in raw.items() if k != kind}
    block["type"] = kind
    if isinstance(value, dict):
        block.update(value)
    elif isinstance(value, list):
        block["lines"] = [str(v) for v in value]
    elif value is not None:
        block["text"] = str(value)
    if kind in _FOLDED and "text" in block:
        block["text"] = _unfold(block["text"])
    return block


_FOLDED = ("title", "line", "para", "indent")
_FOLD_WS = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def _unfold(text: str) -> str:
    """Drop the spaces YAML folding puts between Chinese lines; keep spaces between ASCII words."""
    return _FOLD_WS.sub("", text.strip())


def _col(columns: list[str], *needles: str) -> int | None:
    for i, c in enumerate(columns):
        if any(n in c for n in needles):
            return i
    return None


def _expand_table(block: dict, letter_id: str, county: str | None) -> None:
    cols = [str(c) for c in block["columns"]]
    rows = [[("" if c is None else str(c)) for c in r] for r in block.get("rows", [])]
    auto = block.get("auto") or {}
    i_no, i_name = _col(cols, "序号"), _col(cols, *NAME_HEADERS)
    i_id, i_ph = _col(cols, "身份证"), _col(cols, "电话", "手机", "联系方式")
    i_addr, i_sex = _col(cols, "住址", "地址", "组别", "所在"), _col(cols, "性别")
    region = people.REGION_CODES.get(auto.get("region") or county or "明州市", "332501")
    births = tuple(auto.get("birth", (1955, 1985)))
    if auto:
        names = people.make_names(int(auto["count"]), list(auto["surnames"]), auto.get("generation", "mixed"),
                                  letter_id, "tbl", exclude={r[i_name] for r in rows})
        addrs = auto.get("addr") or [""]
        blank = float(auto.get("phone_blank", 0.0))
        for k, (name, female) in enumerate(names):
            r = [""] * len(cols)
            r[i_name] = name
            if i_id is not None:
                r[i_id] = "auto"
            if i_ph is not None:
                r[i_ph] = "" if people._h("blank", letter_id, name) % 1000 < blank * 1000 else "auto"
            if i_addr is not None:
                r[i_addr] = people.pick(addrs, "addr", letter_id, name)
            if i_sex is not None:
                r[i_sex] = "女" if female else "男"
            for col, choices in (auto.get("fill") or {}).items():
                # a list at least as long as the rows is dealt out in order (unique values, e.g. room numbers)
                v = choices[k] if len(choices) >= len(names) else people.pick(choices, "fill", col, letter_id, name)
                r[cols.index(col)] = str(v)
            rows.append(r)
    for n, r in enumerate(rows, start=1):
        if len(r) != len(cols):
            raise ConfigError(f"{letter_id}: table row {r} has {len(r)} cells for {len(cols)} columns")
        name = r[i_name] if i_name is not None else str(n)
        if i_no is not None and r[i_no] in ("", "auto"):
            r[i_no] = str(n)
        if i_id is not None and r[i_id] == "auto":
            r[i_id] = people.make_id(region, births, people.looks_female(name), letter_id, name)
        if i_ph is not None and r[i_ph] == "auto":
            r[i_ph] = people.make_phone(letter_id, name)
        if i_id is not None and r[i_id] and not people.valid_id(r[i_id]):
            raise ConfigError(f"{letter_id}: invalid ID-card number {r[i_id]} for {name}")
        if i_ph is not None and r[i_ph] and not people.valid_phone(r[i_ph]):
            raise ConfigError(f"{letter_id}: invalid phone {r[i_ph]} for {name}")
    block["columns"], block["rows"], block["name_col"] = cols, rows, i_name
    block.pop("auto", None)


def _expand_names(block: dict, letter_id: str) -> None:
    items = [str(x) for x in block.get("items", [])]
    auto = block.get("auto")
    if auto:
        extra = people.make_names(int(auto["count"]), list(auto["surnames"]), auto.get("generation", "mixed"),
                                  letter_id, block["type"], exclude=set(items))
        items += [n for n, _ in extra]
    block["items"] = items
    block.pop("auto", None)


def _signatories(blocks: list[dict]) -> list[str]:
    seen: dict[str, None] = {}
    for b in blocks:
        if b["type"] == "table" and b.get("name_col") is not None and b.get("signatories", True):
            for r in b["rows"]:
                seen.setdefault(r[b["name_col"]], None)
        elif b["type"] in ("names", "grid") and b.get("signatories", True):
            for n in b["items"]:
                seen.setdefault(n, None)
        for n in b.get("signers", []) or []:
            seen.setdefault(str(n), None)
    return [n for n in seen if n]


def body_chars(letter: Letter) -> int:
    n = 0
    for b in letter.blocks:
        if b["type"] in BODY_TYPES:
            n += sum(len(re.sub(r"\s", "", t)) for t in [b.get("text", ""), *b.get("lines", [])])
    return n


def _load_case(raw: dict, src: str) -> Case:
    try:
        c = Case(id=raw["id"], risk_level=raw["risk_level"], risk_reasons=list(raw["risk_reasons"]),
                 level=raw["level"], lead_unit=raw["lead_unit"], co_units=list(raw.get("co_units") or []),
                 label=raw.get("label", ""), city_scope=raw.get("city_scope"),
                 county_complaint=bool(raw.get("county_complaint", False)),
                 extra_counties=list(raw.get("extra_counties") or []), source=src)
    except KeyError as e:
        raise ConfigError(f"case is missing {e}", file=src) from None
    if c.risk_level not in RISKS or c.level not in LEVELS:
        raise ConfigError(f"bad risk_level/level in case {c.id}", file=src)
    return c


def _splice(raw_blocks: list, shared: dict, where: str) -> list:
    """Replace ``{use: name}`` items by the file's ``shared[name]`` block list (form letters)."""
    out = []
    for b in raw_blocks:
        if isinstance(b, dict) and set(b) == {"use"}:
            if b["use"] not in shared:
                raise ConfigError(f"no shared block list {b['use']!r}", file=where)
            out.extend(shared[b["use"]])
        else:
            out.append(b)
    return out


def _load_letter(raw: dict, case_id: str, src: str, shared: dict) -> Letter:
    lid = raw.get("id", "?")
    try:
        loc = {k: (raw.get("location") or {}).get(k) for k in ("county", "township", "village")}
        rep = {k: (raw.get("representative") or {}).get(k) for k in ("name", "phone")}
        if rep["phone"] is not None:
            rep["phone"] = str(rep["phone"])
        blocks = [_norm_block(b, f"{src}:{lid}") for b in _splice(raw["blocks"], shared, src)]
        letter = Letter(
            id=lid, file=raw["file"], format=raw["format"], case_id=case_id,
            received_at=datetime.fromisoformat(str(raw["received_at"])), station=raw["station"],
            category=raw["category"], secondary=list(raw.get("secondary") or []),
            intent=raw.get("intent", "none"), representative=rep, location=loc,
            signatory_count=int(raw["signatory_count"]), stated_total=raw.get("stated_total"),
            facts=dict(raw.get("facts") or {}), style=dict(raw.get("style") or {}),
            render=dict(raw.get("render") or {}), blocks=blocks, source=src)
    except KeyError as e:
        raise ConfigError(f"letter {lid} is missing {e}", file=src) from None
    if letter.format not in FORMATS or letter.intent not in INTENTS:
        raise ConfigError(f"letter {lid}: bad format or intent", file=src)
    if letter.received_at.utcoffset() is None:
        raise ConfigError(f"letter {lid}: received_at needs a +08:00 offset", file=src)
    for b in letter.blocks:
        if b["type"] == "table":
            _expand_table(b, lid, loc["county"])
        elif b["type"] in ("names", "grid"):
            _expand_names(b, lid)
    letter.signatories = _signatories(letter.blocks)
    expect = max(len(letter.signatories), int(letter.stated_total or 0))
    if expect != letter.signatory_count:
        raise ConfigError(f"letter {lid}: signatory_count {letter.signatory_count} but the letter lists "
                          f"{len(letter.signatories)} (stated total {letter.stated_total})", file=src)
    if rep["name"] and rep["name"] not in letter.signatories:
        raise ConfigError(f"letter {lid}: representative {rep['name']} is not among the signatories", file=src)
    if rep["phone"] and not people.valid_phone(rep["phone"]):
        raise ConfigError(f"letter {lid}: bad representative phone", file=src)
    n = body_chars(letter)
    if not 250 <= n <= 900:
        raise ConfigError(f"letter {lid}: body has {n} characters, want 250-900", file=src)
    return letter


def load(letters_dir: Path) -> tuple[dict[str, Case], list[Letter]]:
    cases: dict[str, Case] = {}
    letters: list[Letter] = []
    files = sorted(Path(letters_dir).glob("*.yaml"))
    if not files:
        raise ConfigError(f"no letter files in {letters_dir}")
    for path in files:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
        case = _load_case(raw["case"], path.name)
        if case.id in cases:
            raise ConfigError(f"case {case.id} defined twice", file=path.name)
        cases[case.id] = case
        shared = raw.get("shared") or {}
        for r in raw["letters"]:
            letters.append(_load_letter(r, case.id, path.name, shared))
    ids, files_seen = set(), set()
    for lt in letters:
        if lt.id in ids or lt.file in files_seen:
            raise ConfigError(f"duplicate letter id or file: {lt.id} {lt.file}")
        ids.add(lt.id)
        files_seen.add(lt.file)
    return cases, sorted(letters, key=lambda x: x.file)
