"""The model card: what a saved model is, what it was trained on, how well it does.

``model_card.json`` is for programs (the loader checks library versions and
the model file's hash against it); ``MODEL_CARD.md`` says the same for the
person deciding whether to deploy the model.
"""

from __future__ import annotations

import platform
import warnings
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from typing import Any

from pipeline.errors import ConfigError

CARD_FORMAT = 1
CARD_FILE = "model_card.json"
CARD_MARKDOWN = "MODEL_CARD.md"
MODEL_FILE = "model.skops"

# Distributions whose versions decide whether a saved model loads and behaves
# as it did. Card key -> installed distribution name.
LIBRARIES = {"scikit-learn": "scikit-learn", "numpy": "numpy", "scipy": "scipy", "jieba": "jieba", "skops": "skops"}


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for key, distribution in LIBRARIES.items():
        try:
            versions[key] = importlib_metadata.version(distribution)
        except importlib_metadata.PackageNotFoundError:
            versions[key] = "not installed"
    return versions


def model_version(name: str, data_sha256: str, when: datetime) -> str:
    """``<name>-<YYYYMMDD>-<first 8 hex of the data hash>``: says what and when at a glance."""
    return f"{name}-{when:%Y%m%d}-{data_sha256[:8]}"


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _major_minor(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else -1)
    return tuple(parts)


def check_library_versions(recorded: dict[str, str], *, strict: bool = True, where: str = "") -> list[str]:
    """Compare the card's library versions with the installed ones.

    The choice, per library:

    * scikit-learn, other major.minor → **error** (a warning if ``strict`` is
      False). Fitted estimators are stored as their internal attributes,
      which sklearn changes between minor releases without notice; a model
      may load yet predict differently. Retrain, or install the recorded
      version. A different patch release is fine.
    * numpy, scipy, other major → error (likewise); other minor → warning.
    * jieba, other version → warning: a changed dictionary segments some
      words differently, which shifts features a little but breaks nothing.
    * skops, python → recorded only: skops reads files of older formats, and
      the file holds no Python bytecode.

    Returns the warnings (also issued as ``UserWarning``); raises ConfigError.
    """
    installed = library_versions()
    problems: list[str] = []
    notes: list[str] = []
    for key, depth in (("scikit-learn", 2), ("numpy", 1), ("scipy", 1)):
        saved, have = recorded.get(key), installed.get(key)
        if not saved or not have:
            continue
        if _major_minor(saved)[:depth] != _major_minor(have)[:depth]:
            problems.append(f"{key} {saved} when saved, {have} installed")
        elif _major_minor(saved) != _major_minor(have):
            notes.append(f"{key} {saved} when saved, {have} installed")
    if recorded.get("jieba") and recorded.get("jieba") != installed.get("jieba"):
        notes.append(f"jieba {recorded['jieba']} when saved, {installed.get('jieba')} installed")
    if problems:
        message = ("the model was saved with other library versions (" + "; ".join(problems) +
                   "): retrain it, or install the versions recorded in its model card")
        if strict:
            raise ConfigError(message, file=where or None)
        notes.insert(0, message)
    for note in notes:
        warnings.warn(f"{where}: {note}" if where else note, UserWarning, stacklevel=3)
    return notes


def render_markdown(card: dict[str, Any]) -> str:
    """MODEL_CARD.md: the card for people."""
    data, libs = card["training_data"], card["libraries"]
    lines = [
        f"# Model card: {card['version']}",
        "",
        f"Issue classifier ({card['model_type']}), created {card['created_at']}.",
        "",
        "## Training data",
        "",
        f"- samples: {data['samples']}",
        f"- SHA-256 of the (text, label) pairs: `{data['sha256']}`",
    ]
    if data.get("file"):
        lines.append(f"- file: `{data['file']}` (SHA-256 `{data.get('file_sha256', '')}`)")
    lines += ["", "| label | examples |", "|---|---:|"]
    lines += [f"| {label} | {count} |" for label, count in data["label_counts"].items()]
    lines += ["", "## Libraries", ""]
    lines += [f"- {key} {value}" for key, value in libs.items()]
    lines += ["", f"Training took {card['training_seconds']} s"
              f" (cross-validation {card.get('cross_validation_seconds', 0)} s more)."]
    for title, key in (("Cross-validation on the training data", "cross_validation"), ("Test set", "test")):
        metrics = card.get(key)
        if metrics:
            lines += ["", f"## {title}", ""] + _metrics_markdown(metrics)
    lines += ["", "## Parameters", "", "```", *(f"{k} = {v}" for k, v in card["parameters"].items()), "```", ""]
    return "\n".join(lines)


def _metrics_markdown(metrics: dict[str, Any]) -> list[str]:
    head = (f"- samples: {metrics['samples']}; accuracy **{metrics['accuracy']:.4f}**;"
            f" macro-F1 **{metrics['macro_f1']:.4f}**")
    if "folds" in metrics:
        head += f" ({metrics['folds']} folds, macro-F1 std {metrics['macro_f1_std']:.4f})"
    if metrics.get("source"):
        head += f"; data: `{metrics['source']}`"
    lines = [head, "", "| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label, row in metrics["per_class"].items():
        lines.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |")
    labels = metrics["labels"]
    lines += ["", "Confusion matrix (rows: true label, columns: predicted, same order):", "",
              "| | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for label, row in zip(labels, metrics["confusion_matrix"], strict=True):
        lines.append(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    return lines
