"""Chart geometry for the dashboard's inline SVG (no chart library: the office network is closed).

Python computes positions and sizes from the numbers; the templates
(``templates/_charts.html``) draw them, so every label passes through
Jinja's autoescape like any other text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROW = 22  # px per bar row: one line of 13px text with air
BAR_GAP = 2


@dataclass
class Series:
    key: str
    name: str
    css: str  # class of the bars (colours live in app.css)


@dataclass
class Chart:
    width: int
    height: int
    label_width: int
    series: list[Series]
    rows: list[dict] = field(default_factory=list)  # label, y/x, bars: [{x, y, w, h, value, css}]


def _scale(rows: list[dict], keys: list[str]) -> float:
    top = max((float(r.get(k) or 0) for r in rows for k in keys), default=0.0)
    return top or 1.0


def horizontal(rows: list[dict], *, label: str, series: list[Series], width: int = 640,
               label_width: int = 200, top: float | None = None) -> Chart:
    """One row per item, one thin bar per series; the longest bar is ``top`` (default: the largest value)."""
    keys = [s.key for s in series]
    top = top or _scale(rows, keys)
    room = width - label_width - 60  # 60px for the value written after the bar
    per_bar = (ROW - BAR_GAP) / len(series)
    chart = Chart(width=width, height=ROW * len(rows) + 4, label_width=label_width, series=series)
    for i, row in enumerate(rows):
        y = i * ROW + 2
        bars = []
        for j, s in enumerate(series):
            # None (a rate with nothing due or closed yet) stays None: no bar, and the label says "—", not 0%.
            value = row.get(s.key)
            w = round(room * float(value or 0) / top, 1)
            bars.append({"x": label_width, "y": round(y + j * per_bar, 1), "w": w, "h": round(per_bar - 1, 1),
                         "value": value, "css": s.css, "name": s.name})
        chart.rows.append({"label": str(row.get(label) if row.get(label) is not None else "—"),
                           "y": y + ROW / 2 + 4, "bars": bars})
    return chart


def columns(rows: list[dict], *, label: str, series: list[Series], height: int = 200,
            column_width: int = 28) -> Chart:
    """One column group per item (weeks along the bottom), for a series over time."""
    keys = [s.key for s in series]
    top = _scale(rows, keys)
    room = height - 60  # below: the week labels, slanted
    left = 50  # a slanted label reaches left of its column
    per_bar = (column_width - 4) / len(series)
    chart = Chart(width=max(left + column_width * len(rows) + 10, 200), height=height, label_width=0, series=series)
    for i, row in enumerate(rows):
        x = left + i * column_width
        bars = []
        for j, s in enumerate(series):
            value = row.get(s.key) or 0
            h = round(room * float(value) / top, 1)
            bars.append({"x": round(x + j * per_bar, 1), "y": round(room - h + 4, 1), "w": round(per_bar - 1, 1),
                         "h": h, "value": value, "css": s.css, "name": s.name})
        chart.rows.append({"label": str(row.get(label) or ""), "x": x + column_width / 2, "y": room + 18,
                           "bars": bars})
    return chart


LETTERS_AND_CASES = [Series("letters", "来信", "bar-letters"), Series("cases", "事项", "bar-cases")]
OPEN_CASES = [Series("cases", "在办事项", "bar-cases")]
CLOSURE = [Series("rate", "处结率", "bar-rate")]


def dashboard_charts(stats: dict) -> dict[str, Chart]:
    """The dashboard's charts from :func:`pipeline.review.stats.dashboard_stats`."""
    categories = [r for r in stats["by_category"] if r["letters"] or r["cases"]]
    counties = [{**r, "label": r["county"] or "地点不明"} for r in stats["by_place"]]
    risk = [{**r, "label": r["name"]} for r in stats["open_risk"]]
    units = [{"unit": r["unit"], "rate": r["closure_rate"]} for r in stats["units"]]
    return {
        "category": horizontal(categories, label="name", series=LETTERS_AND_CASES),
        "place": horizontal(counties, label="label", series=LETTERS_AND_CASES),
        "week": columns(stats["by_week"], label="week", series=LETTERS_AND_CASES),
        "risk": horizontal(risk, label="label", series=OPEN_CASES, label_width=120),
        "closure": horizontal(units, label="unit", series=CLOSURE, label_width=260, top=1.0),
    }
