"""Which classifier model a deployment uses now, and loading it once per process.

The project ships a city model in ``models/city`` (trained on the city's own
corpus in ``training/city``). A deployment may promote a newer one — trained
with reviewers' corrections — into ``$LIANMING_HOME/models/<version>`` and
name it in ``$LIANMING_HOME/models/CURRENT``; an explicit ``model_dir``
setting wins over both. Every letter records the version it was labelled by.
"""

from __future__ import annotations

import threading
from pathlib import Path

from pipeline.classify.classifier import IssueClassifier
from pipeline.classify.persistence import CARD_FILE, load_model
from pipeline.errors import ConfigError
from pipeline.settings import Settings

PACKAGED_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "city"
CURRENT_POINTER = "CURRENT"

_lock = threading.Lock()
_loaded: dict[str, tuple[int, IssueClassifier]] = {}  # model folder -> (card mtime, model)


def home_models_dir(settings: Settings) -> Path:
    return settings.home / "models"


def current_model_dir(settings: Settings) -> Path:
    """The model folder in force: setting, then the home's promoted model, then the shipped one."""
    if settings.model_dir is not None:
        return Path(settings.model_dir)
    pointer = home_models_dir(settings) / CURRENT_POINTER
    if pointer.is_file():
        name = pointer.read_text(encoding="utf-8").strip()
        if not name or "/" in name or name.startswith("."):
            raise ConfigError(f"names no model folder ('{name}')", file=str(pointer))
        return home_models_dir(settings) / name
    return PACKAGED_MODEL_DIR


def current_classifier(settings: Settings) -> IssueClassifier:
    """The current model, loaded (and checked) once per process and card version.

    Keyed by the card's modification time too, so a promotion during a
    long-running worker is picked up by the next letter, not after a restart.
    """
    model_dir = current_model_dir(settings).resolve()
    card = model_dir / CARD_FILE
    if not card.is_file():
        raise ConfigError("no issue classifier model here: train one with `lianming train --data training/city`",
                          file=str(model_dir))
    stamp = card.stat().st_mtime_ns
    with _lock:
        cached = _loaded.get(str(model_dir))
        if cached is None or cached[0] != stamp:
            # One model per folder: a retrained card replaces the old model in memory.
            _loaded[str(model_dir)] = cached = (stamp, load_model(model_dir))
        return cached[1]
