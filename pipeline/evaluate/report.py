"""``lianming evaluate``: a run's outputs against the sample set's truth.

Truth rows name files relative to the truth file's folder; they are matched to
output letters by the SHA-256 of the file's bytes, so a run started from any
working directory (or with the inbox copied elsewhere) is scored the same.
A field that no stage computed yet is reported as "not computed", never as 0.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipeline.errors import EvaluationError
from pipeline.evaluate import metrics
from pipeline.store.documents import sha256_of


def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        raise EvaluationError(f"{path} does not exist")
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise EvaluationError(f"{path}:{lineno} is not valid JSON ({exc.msg})") from exc
    return rows


def evaluate_run(out_dir: Path, truth_path: Path) -> dict:
    truth = _read_jsonl(truth_path)
    letters = _read_jsonl(out_dir / "letters.jsonl")
    by_sha: dict[str, list[dict]] = {}
    for row in letters:
        by_sha.setdefault(row["sha256"], []).append(row)

    missing, duplicated, pairs = [], [], []
    for t in truth:
        path = truth_path.parent / t["file"]
        if not path.is_file():
            raise EvaluationError(f"truth names {t['file']}, which is not in {truth_path.parent}")
        found = by_sha.get(sha256_of(path), [])
        if not found:
            missing.append(t["file"])
        elif len(found) > 1:
            duplicated.append(t["file"])
        if found:
            pairs.append((t, found[0]))

    result: dict = {
        "intake": {"expected": len(truth), "found_exactly_once": len(truth) - len(missing) - len(duplicated),
                   "missing": missing, "duplicated": duplicated,
                   "completeness": (len(truth) - len(missing) - len(duplicated)) / len(truth) if truth else None},
        "text": _text_metrics(pairs),
    }
    result["fields"] = _field_metrics(pairs)
    cases = {row["case_id"]: row for row in _read_jsonl(out_dir / "cases.jsonl")} if (out_dir / "cases.jsonl").is_file() else {}
    result["cases"] = _case_metrics(pairs, cases)
    result["targets"] = check_targets(result)
    return result


HIGH_FLAG = ("urgent", "high")

# The acceptance targets on the sample set (issues 2, 4 and 5), checked and
# printed with every evaluation so a regression shows at once.
TARGETS: tuple[tuple[str, tuple[str, ...], float], ...] = (
    ("intake completeness", ("intake", "completeness"), 1.0),
    ("category macro-F1", ("fields", "category", "macro_f1"), 0.90),
    ("grouping pairwise F1", ("fields", "grouping", "f1"), 0.90),
    ("signatory count exact", ("fields", "signatory_count", "accuracy"), 0.90),
    ("township accuracy", ("fields", "township", "accuracy"), 0.95),
    ("intent accuracy", ("fields", "intent", "accuracy"), 0.90),
    ("high/urgent flag recall", ("cases", "high_flag", "recall"), 0.95),
    ("high/urgent flag precision", ("cases", "high_flag", "precision"), 0.85),
    ("lead-unit accuracy", ("cases", "lead_unit", "accuracy"), 0.95),
)


def check_targets(result: dict) -> list[dict]:
    rows = []
    for name, path, target in TARGETS:
        value = result
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        rows.append({"metric": name, "value": value, "target": target,
                     "met": None if not isinstance(value, int | float) else value >= target})
    return rows


def _case_metrics(pairs: list[tuple[dict, dict]], cases: dict[str, dict]) -> dict | str:
    """Case fields as each letter's case carries them (a case with 3 letters counts 3 times)."""
    scored = [(t["case"], cases.get(p.get("case_id"))) for t, p in pairs if t.get("case")]
    if not any(c is not None and c.get("risk_level") for _, c in scored):
        return "not computed"
    got = [(t, c or {}) for t, c in scored]
    return {
        "risk_level": {"accuracy": metrics.accuracy([t["risk_level"] for t, _ in got],
                                                    [c.get("risk_level") for _, c in got])},
        "high_flag": metrics.flag_precision_recall([t["risk_level"] in HIGH_FLAG for t, _ in got],
                                                   [c.get("risk_level") in HIGH_FLAG for _, c in got]),
        "level": {"accuracy": metrics.accuracy([t["level"] for t, _ in got], [c.get("level") for _, c in got])},
        "lead_unit": {"accuracy": metrics.accuracy([t["lead_unit"] for t, _ in got],
                                                   [c.get("lead_unit") for _, c in got])},
        "co_units": {"mean_jaccard": metrics.mean_jaccard([t["co_units"] for t, _ in got],
                                                          [c.get("co_units") or [] for _, c in got])},
    }


def _text_metrics(pairs: list[tuple[dict, dict]]) -> dict:
    groups: dict[str, list[float]] = {"scanned": [], "text_layer": []}
    by_format: dict[str, list[float]] = {}
    worst = []
    for t, p in pairs:
        value = metrics.cer(t["text"], p.get("text"))
        groups["scanned" if t.get("scanned") else "text_layer"].append(value)
        by_format.setdefault(t.get("format", "?"), []).append(value)
        worst.append((value, t["file"]))
    return {
        "cer_scanned": metrics.summary_stats(groups["scanned"]),
        "cer_text_layer": metrics.summary_stats(groups["text_layer"]),
        "cer_by_format": {k: metrics.summary_stats(v) for k, v in sorted(by_format.items())},
        "worst": [{"file": f, "cer": v} for v, f in sorted(worst, reverse=True)[:5]],
    }


def _computed(preds: list) -> bool:
    return any(p is not None for p in preds)


def _field_metrics(pairs: list[tuple[dict, dict]]) -> dict:
    out: dict = {}
    def get(p, *keys):
        for k in keys:
            p = (p or {}).get(k) if isinstance(p, dict) else None
        return p

    simple = {
        "category": (lambda t: t.get("category"), lambda p: p.get("category")),
        "signatory_count": (lambda t: t.get("signatory_count"), lambda p: p.get("signatory_count")),
        "county": (lambda t: get(t, "location", "county"), lambda p: get(p, "location", "county")),
        "township": (lambda t: get(t, "location", "township"), lambda p: get(p, "location", "township")),
        "intent": (lambda t: t.get("intent"), lambda p: p.get("intent")),
    }
    for name, (tget, pget) in simple.items():
        truth_vals = [tget(t) for t, _ in pairs]
        pred_vals = [pget(p) for _, p in pairs]
        truth_key = "location" if name in ("county", "township") else name
        if not any(truth_key in t for t, _ in pairs):
            out[name] = "not in the truth"
            continue
        if not _computed(pred_vals):
            out[name] = "not computed"
            continue
        entry = {"accuracy": metrics.accuracy(truth_vals, pred_vals)}
        if name == "category":
            entry["macro_f1"] = metrics.macro_f1(truth_vals, pred_vals)
        out[name] = entry
    case_preds = [p.get("case_id") for _, p in pairs]
    out["grouping"] = (metrics.pairwise_grouping([t["case_id"] for t, _ in pairs], case_preds)
                       if _computed(case_preds) else "not computed")
    return out


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def print_metrics(console: Console, m: dict) -> None:
    intake = m["intake"]
    console.print(f"[bold]Intake completeness[/]: {intake['found_exactly_once']}/{intake['expected']} files "
                  f"in letters.jsonl exactly once ({_fmt(intake['completeness'])})")
    for label in ("missing", "duplicated"):
        if intake[label]:
            console.print(f"  {label}: {', '.join(intake[label])}")
    table = Table(title="Character error rate (NFKC, whitespace removed)")
    for col in ("set", "n", "median", "mean", "max"):
        table.add_column(col, justify="right" if col != "set" else "left")
    text = m["text"]
    rows = [("scanned letters", text["cer_scanned"]), ("text-layer PDFs", text["cer_text_layer"])]
    rows += [(f"  format {k}", v) for k, v in text["cer_by_format"].items()]
    for name, s in rows:
        table.add_row(name, str(s["n"]), _fmt(s["median"]), _fmt(s["mean"]), _fmt(s["max"]))
    console.print(table)
    fields = Table(title="Fields")
    fields.add_column("field")
    fields.add_column("result")
    for name, value in [*m["fields"].items(), *_case_rows(m.get("cases"))]:
        shown = value if isinstance(value, str) else ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
        fields.add_row(name, shown)
    console.print(fields)
    targets = Table(title="Targets on the sample set")
    for col in ("metric", "value", "target", "met"):
        targets.add_column(col, justify="left" if col == "metric" else "right")
    for row in m.get("targets", []):
        met = {True: "[green]yes[/]", False: "[red]NO[/]", None: "—"}[row["met"]]
        targets.add_row(row["metric"], _fmt(row["value"]), f"≥ {row['target']:.2f}", met)
    console.print(targets)


def _case_rows(cases) -> list[tuple[str, object]]:
    if cases is None:
        return []
    if isinstance(cases, str):
        return [("case risk & routing", cases)]
    return [(f"case {name}", value) for name, value in cases.items()]
