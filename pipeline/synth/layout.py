"""Lay a letter's blocks out on A4 pages.

The result is renderer-neutral: text runs (baseline positions in points from
the page's top-left corner), ruled lines and marks (fingerprints, seals), plus
each page's true text lines in reading order. The PDF and the image renderer
draw the same pages, so the truth is the same whatever the output format.

Block types (YAML): ``title``, ``center``, ``line`` (flush left, wraps),
``para`` (first line indented), ``indent`` (one indented line), ``right``
(lines aligned right, or left-aligned at ``at`` of the text width),
``letterhead``, ``rule``, ``space``, ``pagebreak``, ``seal`` (over the previous
block) and the signature blocks ``names``, ``grid`` and ``table`` (see
``signatures.py``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from pipeline.synth import fonts, signatures

PAGE_W, PAGE_H = 595.28, 841.89
MM = 72 / 25.4
NO_START = set("，。、；：！？）》」』”’…%,.;:!?)]】〕")
NO_END = set("（《「『“‘([【〔")
_TOKEN = re.compile(r"[A-Za-z0-9.\-/%:+@×]+|.", re.S)


@dataclass
class Run:
    x: float
    y: float  # baseline, points from the top
    text: str
    font: str
    size: float
    color: str
    bold: bool = False
    hand: bool = False  # hand-written look: per-character jitter in images


@dataclass
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.6
    color: str = "#222222"


@dataclass
class Mark:
    kind: str  # fingerprint | seal
    cx: float
    cy: float
    w: float
    h: float
    seed: int
    text: str = ""
    angle: float = 0.0


@dataclass
class Page:
    runs: list[Run] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def wrap(text: str, font: str, size: float, width: float, first_indent: float = 0.0) -> list[str]:
    """Break Chinese text into lines: any character may break, except inside ASCII
    runs (numbers, IDs); closing punctuation hangs rather than starting a line."""
    lines, cur, cur_w = [], "", first_indent
    for tok in _TOKEN.findall(text):
        w = fonts.width(font, tok, size)
        if cur and cur_w + w > width + 0.01:
            hang = tok[0] in NO_START and len(tok) == 1 and cur_w + w <= width + size * 1.05
            if not hang:
                carry = ""
                if cur[-1] in NO_END:
                    cur, carry = cur[:-1], cur[-1]
                lines.append(cur)
                cur, cur_w = carry, fonts.width(font, carry, size)
        cur += tok
        cur_w += w
    lines.append(cur)
    return [ln for ln in lines if ln]


class Layouter:
    def __init__(self, style: dict, seed: int):
        self.s = style
        self.seed = seed
        self.font = style.get("font", "noto_serif")
        bold = fonts.spec(self.font).bold
        self.title_font = style.get("title_font", bold or self.font)
        self.title_bold = self.title_font == self.font
        self.sign_font = style.get("sign_font", self.font)
        self.size = float(style.get("size", 12))
        self.lead = float(style.get("leading", 1.75))
        top, right, bottom, left = (m * MM for m in style.get("margins", (25, 22, 22, 25)))
        self.left, self.right, self.top, self.bottom = left, PAGE_W - right, top, PAGE_H - bottom
        self.ink = style.get("ink", "#161616")
        self.sign_ink = style.get("sign_ink", self.ink)
        self.slot = self.size * self.lead if style.get("ruled") else None
        self.pages: list[Page] = []
        self.last_box: tuple[float, float, float, float] | None = None
        self._new_page()

    # -- page and cursor ---------------------------------------------------
    @property
    def width(self) -> float:
        return self.right - self.left

    def _new_page(self) -> None:
        self.page = Page()
        self.pages.append(self.page)
        self.y = self.top

    def _height(self, h: float) -> float:
        return math.ceil(h / self.slot - 0.01) * self.slot if self.slot else h

    def _line(self, runs: list[Run], truth: str, h: float | None = None) -> None:
        """Place one line of runs (x set, y relative to 0) and record its text."""
        size = max((r.size for r in runs), default=self.size)
        h = self._height(h or size * self.lead)
        if self.y + h > self.bottom + 0.01:
            self._new_page()
        base = self.y + h / 2 + 0.36 * size
        for r in runs:
            r.y = base
            self.page.runs.append(r)
        if truth.strip():
            self.page.lines.append(truth)
        if runs:
            x0 = min(r.x for r in runs)
            x1 = max(r.x + fonts.width(r.font, r.text, r.size) for r in runs)
            self.last_box = (x0, self.y, x1, self.y + h)
        self.y += h

    def _run(self, x, text, font=None, size=None, color=None, bold=False, hand=False) -> Run:
        return Run(x, 0.0, text, font or self.font, size or self.size, color or self.ink, bold, hand)

    # -- blocks --------------------------------------------------------------
    def block(self, b: dict) -> None:
        getattr(self, "_b_" + b["type"])(b)

    def _size(self, b, factor=1.0) -> float:
        return float(b.get("size", self.size * factor))

    def _b_title(self, b):
        size = self._size(b, 1.45)
        lines = b.get("lines") or wrap(b["text"], self.title_font, size, self.width * 0.92)
        if len(lines) > 1 and not b.get("lines"):  # balance the lines of a long title
            target = fonts.width(self.title_font, b["text"], size) / len(lines) + size * 1.2
            lines = wrap(b["text"], self.title_font, size, min(target, self.width * 0.92))
        self.y += size * 0.3
        for ln in lines:
            x = self.left + (self.width - fonts.width(self.title_font, ln, size)) / 2
            self._line([self._run(x, ln, self.title_font, size, bold=self.title_bold)], ln, size * 1.6)
        self.y += self.size * float(b.get("after", 0.6))

    def _b_center(self, b):
        size = self._size(b)
        for ln in b.get("lines") or [b["text"]]:
            x = self.left + (self.width - fonts.width(self.font, ln, size)) / 2
            self._line([self._run(x, ln, size=size)], ln)

    def _flow(self, b, indent_em: float):
        size = self._size(b)
        font = self.sign_font if b.get("hand") else self.font
        ind = indent_em * size
        for i, ln in enumerate(wrap(b["text"], font, size, self.width, ind)):
            x = self.left + (ind if i == 0 else 0)
            self._line([self._run(x, ln, font, size, hand=bool(b.get("hand")))], ln)
        self.y += self.size * float(b.get("after", self.s.get("para_gap", 0)))

    def _b_para(self, b):
        self._flow(b, float(b.get("indent", self.s.get("indent", 2))))

    def _b_line(self, b):
        self._flow(b, 0)

    def _b_indent(self, b):
        self._flow(b, float(b.get("indent", 2)))

    def _b_right(self, b):
        size = self._size(b)
        font = self.sign_font if b.get("hand") else self.font
        lines = b.get("lines") or [b["text"]]
        widths = [fonts.width(font, ln, size) for ln in lines]
        if "at" in b:
            x0 = self.left + self.width * float(b["at"])
            xs = [x0] * len(lines)
        else:
            edge = self.right - float(b.get("right_em", 2)) * size
            xs = [edge - w for w in widths]
        for x, ln in zip(xs, lines):
            self._line([self._run(x, ln, font, size, color=self.sign_ink if b.get("hand") else None,
                                  hand=bool(b.get("hand")))], ln)
        top = max(self.top, self.y - len(lines) * self._height(size * self.lead))
        self.last_box = (min(xs), top, max(x + w for x, w in zip(xs, widths)), self.y)

    # signature blocks live in signatures.py
    def _b_names(self, b):
        signatures.layout_names(self, b)

    def _b_grid(self, b):
        signatures.layout_grid(self, b)

    def _b_table(self, b):
        signatures.layout_table(self, b)

    def rule(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.6) -> None:
        self.page.rules.append(Rule(x1, y1, x2, y2, width, self.s.get("rule_color", "#222222")))

    def fingerprint(self, cx: float, cy: float, k: int, size: float) -> None:
        """A fingertip print pressed over the right part of a name (k-th signatory)."""
        rnd = (self.seed * 7919 + k * 104729) % 1000 / 1000
        self.page.marks.append(Mark("fingerprint", cx + size * (0.2 + 0.5 * rnd), cy + size * 0.1 * (rnd - 0.5),
                                    size * 2.0, size * 2.6, self.seed * 1000 + k, angle=-25 + 50 * rnd))

    def _b_letterhead(self, b):
        color = b.get("color", "#b01818")
        size = self._size(b, 1.9)
        x = self.left + (self.width - fonts.width(self.title_font, b["name"], size)) / 2
        self._line([self._run(x, b["name"], self.title_font, size, color, bold=self.title_bold)], b["name"], size * 1.6)
        for ln in b.get("lines", []):
            s = self.size * 0.8
            x = self.left + (self.width - fonts.width(self.font, ln, s)) / 2
            self._line([self._run(x, ln, size=s, color=color)], ln, s * 1.6)
        self.y += 3
        self.page.rules += [Rule(self.left, self.y, self.right, self.y, 1.8, color),
                            Rule(self.left, self.y + 3, self.right, self.y + 3, 0.5, color)]
        self.y += self.size * 1.2

    def _b_rule(self, b):
        self.page.rules.append(Rule(self.left, self.y, self.right, self.y, float(b.get("width", 0.8)),
                                    b.get("color", self.ink)))
        self.y += self.size * 0.5

    def _b_space(self, b):
        self.y += float(b.get("text", b.get("pt", self.size)))

    def _b_pagebreak(self, b):
        self._new_page()

    def _b_seal(self, b):
        x0, y0, x1, y1 = self.last_box or (self.right - 150, self.y - 40, self.right, self.y)
        d = float(b.get("diameter_mm", 40)) * MM
        cx = (x0 + x1) / 2 + float(b.get("dx_mm", 0)) * MM
        cy = (y0 + y1) / 2 + float(b.get("dy_mm", 0)) * MM
        self.page.marks.append(Mark("seal", cx, cy, d, d, self.seed, b.get("text", ""), float(b.get("angle", 0))))

    # -- finishing -------------------------------------------------------------
    def finish(self) -> list[Page]:
        fmt = self.s.get("page_numbers")
        n = len(self.pages)
        for i, p in enumerate(self.pages, start=1):
            if self.slot:
                y = self.top + self.slot
                while y <= self.bottom + 0.01:
                    p.rules.insert(0, Rule(self.left - 6, y, self.right + 6, y, 0.5, self.s["ruled"]))
                    y += self.slot
            if fmt and n > 1:
                t = fmt.format(n=i, N=n)
                s = self.size * 0.85
                x = self.left + (self.width - fonts.width(self.font, t, s)) / 2
                p.runs.append(Run(x, self.bottom + (PAGE_H - self.bottom) * 0.5, t, self.font, s, self.ink))
                p.lines.append(t)
        return self.pages


def layout(blocks: list[dict], style: dict, seed: int) -> list[Page]:
    lay = Layouter(style, seed)
    for b in blocks:
        lay.block(b)
    return lay.finish()
