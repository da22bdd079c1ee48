"""Signature blocks: name lists, name grids and ruled signature tables.

- ``names``: names flowing in lines, joined by "、" (one text) or set apart by
  wide gaps (``sep: " "``; the true line joins them with one space);
- ``grid``: names in ``cols`` columns, one row per line (``boxed`` draws a cell
  around each name);
- ``table``: a ruled table (序号/姓名/身份证号/联系电话/住址 ...). When it reaches
  the bottom margin the segment is closed and the table continues on a new
  page under a repeated header row (drawn, so part of that page's text).
  Columns get their natural width; a table too wide for the page is set
  smaller, a narrower one is stretched to the text width unless ``full: false``.
  ``ruled``: grid (default), rows (horizontal rules only) or none.

``hand: true`` sets names in the letter's signing font and ink, with a
hand-written jitter in images; ``fingerprints`` ("all", a list of 1-based
indexes, or ``{every: n, offset: k}``) presses red prints over names.
"""

from __future__ import annotations

from pipeline.synth import fonts


def fingerprint_set(spec, n: int) -> set[int]:
    if not spec:
        return set()
    if spec == "all":
        return set(range(1, n + 1))
    if isinstance(spec, dict):
        return set(range(int(spec.get("offset", 1)), n + 1, int(spec["every"])))
    return {int(i) for i in spec}


def layout_names(lay, b: dict) -> None:
    size = lay._size(b)
    hand = bool(b.get("hand"))
    font = lay.sign_font if hand else lay.font
    prefix = b.get("prefix", "")
    if b.get("sep", "、") != " ":
        lay._flow({"text": prefix + b.get("sep", "、").join(b["items"]), "size": size, "hand": hand}, 0)
        return
    gap = float(b.get("gap_em", 1.2)) * size
    line, x = [], lay.left
    items = list(b["items"])
    if prefix and items:
        items[0] = prefix + items[0]
    for it in items:
        w = fonts.width(font, it, size)
        if line and x + w > lay.right:
            lay._line(line, " ".join(r.text for r in line))
            line, x = [], lay.left
        line.append(lay._run(x, it, font, size, color=lay.sign_ink if hand else None, hand=hand))
        x += w + gap
    if line:
        lay._line(line, " ".join(r.text for r in line))


def layout_grid(lay, b: dict) -> None:
    cols = int(b.get("cols", 5))
    size = lay._size(b)
    hand = bool(b.get("hand"))
    font = lay.sign_font if hand else lay.font
    cw = lay.width / cols
    h = size * float(b.get("row_em", lay.lead))
    fps = fingerprint_set(b.get("fingerprints"), len(b["items"]))
    for r0 in range(0, len(b["items"]), cols):
        row = b["items"][r0:r0 + cols]
        runs = []
        for j, it in enumerate(row):
            x = lay.left + j * cw + ((cw - fonts.width(font, it, size)) / 2 if b.get("boxed") else 0)
            runs.append(lay._run(x, it, font, size, color=lay.sign_ink if hand else None, hand=hand))
        lay._line(runs, " ".join(row), h)
        top = lay.y - h
        if b.get("boxed"):
            for j in range(cols + 1):
                lay.rule(lay.left + j * cw, top, lay.left + j * cw, lay.y)
            for yy in (top, lay.y):
                lay.rule(lay.left, yy, lay.right, yy)
        for j in range(len(row)):
            if r0 + j + 1 in fps:
                lay.fingerprint(lay.left + j * cw + cw / 2, top + h / 2, r0 + j + 1, size)

_LEFT_ALIGNED = ("住址", "地址", "备注", "工作单位", "单位")


def _natural(lay, b, size: float) -> list[float]:
    pad = size * float(b.get("pad_em", 0.6))
    out = []
    for j, head in enumerate(b["columns"]):
        font = lay.sign_font if (b.get("hand") and j == b.get("name_col")) else lay.font
        w = max([fonts.width(lay.title_font, head, size)] +
                [fonts.width(font, r[j], size) for r in b["rows"]])
        out.append(w + 2 * pad)
    return out


def layout_table(lay, b: dict) -> None:
    cols, rows, name_col = b["columns"], b["rows"], b.get("name_col")
    size = float(b.get("size", lay.size * float(lay.s.get("table_size", 0.9))))
    nat = _natural(lay, b, size)
    if sum(nat) > lay.width:
        size *= lay.width / sum(nat) * 0.995
        nat = _natural(lay, b, size)
    if b.get("widths"):
        rel = [float(w) for w in b["widths"]]
        widths = [lay.width * w / sum(rel) for w in rel]
    else:
        total = lay.width if b.get("full", True) else sum(nat)
        widths = [w * total / sum(nat) for w in nat]
    xs = [lay.left + max(0.0, (lay.width - sum(widths)) / 2)]
    for w in widths:
        xs.append(xs[-1] + w)
    row_h = size * float(b.get("row_em", 2.0))
    pad = size * float(b.get("pad_em", 0.6))
    fps = fingerprint_set(b.get("fingerprints"), len(rows))
    left_cols = {j for j, c in enumerate(cols) if any(k in c for k in _LEFT_ALIGNED)}
    fp_col = cols.index(b["fp_col"]) if b.get("fp_col") in cols else name_col
    ruled = b.get("ruled", "grid")  # grid | rows (horizontal rules only) | none
    if ruled == "rows":
        b["vlines"] = False
    seg_top = None

    def hr(width: float) -> None:
        if ruled != "none":
            lay.rule(xs[0], lay.y, xs[-1], lay.y, width)

    def close_segment():
        if seg_top is None or lay.y <= seg_top or ruled == "none":
            return
        for j, x in enumerate(xs):
            outer = j in (0, len(xs) - 1)
            if outer or b.get("vlines", True):
                lay.rule(x, seg_top, x, lay.y, 1.0 if outer else 0.6)
        hr(1.0)

    def cell_runs(cells, header: bool):
        runs = []
        for j, text in enumerate(cells):
            if not text:
                continue
            hand = bool(b.get("hand")) and j == name_col and not header
            font = lay.title_font if header else (lay.sign_font if hand else lay.font)
            w = fonts.width(font, text, size)
            x = xs[j] + pad if j in left_cols else xs[j] + (widths[j] - w) / 2
            runs.append(lay._run(x, text, font, size, color=lay.sign_ink if hand else None,
                                 bold=header and lay.title_bold, hand=hand))
        return runs

    def header():
        nonlocal seg_top
        seg_top = lay.y
        hr(1.0)
        lay._line(cell_runs(cols, True), " ".join(cols), row_h)
        hr(0.6)

    if lay.y + row_h * 2 > lay.bottom:
        lay._new_page()
    header()
    all_rows = list(rows) + [[""] * len(cols)] * int(b.get("blank_rows", 0))
    for k, r in enumerate(all_rows, start=1):
        if lay.y + row_h > lay.bottom + 0.01:
            close_segment()
            lay._new_page()
            if b.get("repeat_header", lay.s.get("repeat_header", True)):
                header()
            else:
                seg_top = lay.y
                hr(1.0)
        lay._line(cell_runs(r, False), " ".join(c for c in r if c), row_h)
        hr(0.6)
        if k in fps and fp_col is not None and k <= len(rows):
            lay.fingerprint((xs[fp_col] + xs[fp_col + 1]) / 2, lay.y - row_h / 2, k, size)
    close_segment()
    lay.y += lay.size * float(b.get("after", 0.8))
