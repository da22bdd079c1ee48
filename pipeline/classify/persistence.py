"""Saving and loading a model folder: ``model.skops`` + ``model_card.json`` + ``MODEL_CARD.md``.

Why skops and not pickle: a pickle runs whatever code its author chose when
it is loaded, so a model folder copied from elsewhere would be a program. A
skops file holds data plus the *names* of the types to rebuild, and refuses
names it does not trust unless told to. We tell it only after checking every
name it reports (:func:`skops.io.get_untrusted_types`) against our own
allow-list: classes of scikit-learn, NumPy and SciPy, and the named pieces of
this package. Anything else (a function of ``os``, ``builtins.eval``, a class
from an unknown module) refuses the load.

The card records the SHA-256 of the model file, so a file swapped or damaged
after saving is caught before it is read, and the library versions, checked
as :func:`pipeline.classify.card.check_library_versions` describes.
"""

from __future__ import annotations

import importlib
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import skops.io

from pipeline.classify.card import (
    CARD_FILE,
    CARD_FORMAT,
    CARD_MARKDOWN,
    MODEL_FILE,
    check_library_versions,
    library_versions,
    model_version,
    now_utc,
    render_markdown,
)
from pipeline.classify.classifier import IssueClassifier
from pipeline.classify.dataset import file_sha256, path_sha256
from pipeline.classify.training import TrainingResult
from pipeline.errors import ConfigError

# Packages whose *classes* a model may be rebuilt from. Functions are not
# covered: a function from these packages could read or write files.
_TRUSTED_PACKAGES = ("sklearn.", "numpy.", "scipy.")
# Our own pieces, by exact name: the tokenizer step, the vectoriser class and
# the two helper functions the vectorisers are configured with.
_TRUSTED_OWN_NAMES = frozenset({
    "pipeline.classify.model.CompactTfidfVectorizer",
    "pipeline.classify.tokenize.ChineseTokenizer",
    "pipeline.classify.tokenize.split_tokens",
    "pipeline.classify.tokenize.strip_spaces",
})


def _is_trusted(type_name: str) -> bool:
    if type_name in _TRUSTED_OWN_NAMES:
        return True
    if not type_name.startswith(_TRUSTED_PACKAGES):
        return False
    module_name, _, attribute = type_name.rpartition(".")
    try:
        resolved = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        return False
    return isinstance(resolved, type)


def trusted_types(model_file: Path) -> list[str]:
    """The type names of ``model_file`` that skops would not load by default, once all are allowed.

    Raises ConfigError naming the types outside the allow-list.
    """
    try:
        untrusted = skops.io.get_untrusted_types(file=model_file)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise ConfigError(f"not a readable skops model file ({exc})", file=str(model_file)) from None
    refused = sorted(name for name in untrusted if not _is_trusted(name))
    if refused:
        raise ConfigError("the model file asks for types outside the allow-list, refusing to load it: "
                          + ", ".join(refused), file=str(model_file))
    return list(untrusted)


def save_model(trained: TrainingResult, out_dir: Path, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``out_dir``/model.skops and the model card; returns the card.

    ``metadata`` must hold ``name``; it may add ``training_file`` (path of the
    file trained on), ``test`` (metrics on a held-out set) and any other
    JSON-serialisable keys, which the card keeps under ``extra``.
    """
    metadata = dict(metadata)
    name = str(metadata.pop("name", "") or "").strip()
    if not name:
        raise ConfigError("a saved model needs a name (metadata['name'])")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_FILE
    # Compressed: the vocabularies are long lists of short strings.
    skops.io.dump(trained.model, model_path, compression=zipfile.ZIP_DEFLATED)

    created = now_utc()
    training_file = metadata.pop("training_file", None)
    training_data = {"samples": trained.samples, "sha256": trained.data_sha256, "label_counts": trained.label_counts}
    if training_file:
        training_data["file"] = str(training_file)
        training_data["file_sha256"] = path_sha256(Path(training_file))
    card: dict[str, Any] = {
        "card_format": CARD_FORMAT,
        "name": name,
        "version": model_version(name, trained.data_sha256, created),
        "created_at": created.isoformat(),
        "model_type": "jieba words 1-2 + characters 1-3 TF-IDF, LinearSVC, sigmoid-calibrated",
        "labels": trained.labels,
        "training_data": training_data,
        "libraries": library_versions(),
        "parameters": trained.params,
        "training_seconds": trained.training_seconds,
        "cross_validation_seconds": trained.cross_validation_seconds,
        "cross_validation": trained.cross_validation,
        "test": metadata.pop("test", None),
        "model_file": MODEL_FILE,
        "model_file_sha256": file_sha256(model_path),
        "model_file_bytes": model_path.stat().st_size,
        "extra": {**trained.extra, **metadata},
    }
    write_card(out_dir, card)
    return card


def write_card(model_dir: Path, card: dict[str, Any]) -> None:
    """(Re)write model_card.json and MODEL_CARD.md, e.g. to add test figures after saving."""
    model_dir = Path(model_dir)
    (model_dir / CARD_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (model_dir / CARD_MARKDOWN).write_text(render_markdown(card), encoding="utf-8")


def read_card(model_dir: Path) -> dict[str, Any]:
    card_path = Path(model_dir) / CARD_FILE
    if not Path(model_dir).is_dir():
        raise ConfigError("the model folder does not exist", file=str(model_dir))
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("the model folder has no model_card.json", file=str(model_dir)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"model_card.json is not valid JSON ({exc})", file=str(card_path)) from None
    if not isinstance(card, dict) or card.get("card_format") != CARD_FORMAT:
        raise ConfigError(f"unknown model card format (expected card_format {CARD_FORMAT})", file=str(card_path))
    return card


def load_model(model_dir: Path, *, strict_versions: bool = True) -> IssueClassifier:
    """Load a model folder written by :func:`save_model`, after checking it.

    Checks, in order: the card reads; the model file's SHA-256 is the one
    recorded; the library versions are compatible (``strict_versions=False``
    turns a scikit-learn/NumPy/SciPy mismatch into a warning); every type
    the file names is allowed; the labels match the card. Any failure is a
    ConfigError: a model folder is part of a deployment's configuration.
    """
    model_dir = Path(model_dir)
    card = read_card(model_dir)
    model_path = model_dir / str(card.get("model_file") or MODEL_FILE)
    if not model_path.is_file():
        raise ConfigError("the model file named by the card is missing", file=str(model_path))
    if file_sha256(model_path) != card.get("model_file_sha256"):
        raise ConfigError("the model file's SHA-256 differs from the card's: it was changed or damaged after saving",
                          file=str(model_path))
    check_library_versions(card.get("libraries") or {}, strict=strict_versions, where=str(model_dir / CARD_FILE))
    pipeline = skops.io.load(model_path, trusted=trusted_types(model_path))
    classifier = IssueClassifier(pipeline, card)
    if classifier.labels != list(card.get("labels") or []):
        raise ConfigError("the model's labels differ from the card's", file=str(model_dir / CARD_FILE))
    return classifier
