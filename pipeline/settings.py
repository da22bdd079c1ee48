"""Deployment settings, read from ``LIANMING_*`` environment variables.

One home folder holds a deployment's state: the embedded SQLite database and
the document store of originals. ``LIANMING_DB_URL`` moves the database
elsewhere (PostgreSQL); the document store always lives under the home.
A settings file (``LIANMING_CONFIG_FILE`` or ``--config``) may hold the same
keys in TOML or YAML; environment variables win over it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.errors import ConfigError

# Page preparation before OCR, measured best with the default engine (docs/ocr.md).
DEFAULT_PREPARE_STEPS = ("upscale", "deskew")


_PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIANMING_", extra="forbid")

    home: Path = Field(default=Path(".lianming"), description="Folder holding the database and the document store.")
    db_url: str | None = Field(default=None, description="SQLAlchemy URL; default: SQLite file in the home folder.")
    policy_dir: Path | None = Field(default=None, description="Folder with taxonomy/jurisdiction/rules YAML; default: packaged 明州市 policy.")

    timezone: str = Field(default="Asia/Shanghai", description="The office's zone, for manifest times without one.")
    # Files in an inbox that are not letters: the station's sidecars. They are
    # listed as skipped in the summary, never silently passed over.
    intake_ignore: list[str] = Field(default_factory=lambda: ["manifest.csv", "truth.jsonl", "README*", "*.md", ".*"])

    # Intake limits: a scanning station never sends more than this, so a larger
    # file is a mistake or an attack, not a letter.
    max_file_mb: float = 60.0
    max_pages: int = 200
    max_image_pixels: int = 120_000_000

    # Text extraction.
    # Engines in order of preference. With "fallback" the next is asked only
    # when one fails; with "best" all are asked and the most confident page kept.
    ocr_engines: list[Literal["rapidocr", "tesseract"]] = Field(default_factory=lambda: ["rapidocr", "tesseract"])
    ocr_combine: Literal["fallback", "best"] = "fallback"
    # Page preparation steps before OCR, in order (see pipeline/text/prepare.py).
    ocr_prepare: list[Literal["upscale", "deskew", "flatten", "denoise", "binarize", "remove_rules"]] = Field(
        default_factory=lambda: list(DEFAULT_PREPARE_STEPS))
    ocr_language: str = "chi_sim"
    ocr_dpi: int = 300
    ocr_timeout_s: float = 180.0
    ocr_workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    # Re-read ruled tables (signature lists) cell by cell after the page OCR:
    # on the hard set it raised exact ID/phone numbers from 81% to 89% at a
    # negligible cost in CER (bench/ocr.py, docs/ocr.md).
    ocr_read_tables: bool = True
    # Scanned letters are also kept as searchable PDFs; PDF/A-2b where pikepdf can.
    archive_pdfa: bool = True
    # A text layer counts as real text when it holds at least this many
    # non-space characters per page and most of them are printable CJK/ASCII.
    min_text_layer_chars: int = 20

    # Understanding. The issue classifier's model folder; default: the model
    # promoted under the home (models/CURRENT), else the city model shipped in
    # the project's models/city (see pipeline/classify/registry.py).
    model_dir: Path | None = Field(default=None, description="Issue classifier model folder (written by `lianming train`).")

    # Training data for retraining: the city's corpus (a JSONL file or a folder
    # of them) and a fixed evaluation set a new model must not do worse on.
    training_data: Path = Field(default_factory=lambda: _PROJECT_ROOT / "training" / "city")
    evaluation_data: Path = Field(default_factory=lambda: _PROJECT_ROOT / "training" / "eval")

    # Scheduled runs (`lianming serve-flows`): where scanning stations drop
    # files, where lists and checks are written, and when (cron, office zone).
    inbox_dir: Path | None = Field(default=None, description="Watched inbox; default <home>/inbox.")
    outputs_dir: Path | None = Field(default=None, description="Scheduled outputs; default <home>/outputs.")
    schedule_intake: str = "*/5 * * * *"  # every five minutes
    schedule_assignment_lists: str = "30 22 * * *"  # nightly
    schedule_closure_check: str = "0 8 * * *"  # daily at 08:00
    schedule_retraining: str = "0 3 * * 0"  # Sundays 03:00

    # The web app (`lianming web`, pipeline/web/). The key signs session
    # cookies; it is created on first start (mode 0600) and kept, so a restart
    # does not sign everyone out. Replacing the file signs everyone out.
    web_secret_key_file: Path | None = Field(default=None, description="Session signing key; default <home>/web_secret_key.")
    # A working day: an officer signs in once in the morning.
    web_session_hours: float = Field(default=10.0, gt=0)
    # Secure cookies are only sent over HTTPS. None: Secure unless the request
    # came to localhost (a developer's machine, or a TLS proxy on the same host
    # talking plain HTTP to us is still fine because the browser sees HTTPS).
    web_cookie_secure: bool | None = None
    # Uploads: scanned letters from stations (the same limit as intake by
    # default), and the documents units attach to a result or a reply.
    web_upload_max_mb: float = Field(default=60.0, gt=0)
    web_upload_extensions: list[str] = Field(default_factory=lambda: [".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"])
    web_document_max_mb: float = Field(default=20.0, gt=0)
    web_document_extensions: list[str] = Field(
        default_factory=lambda: [".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".doc", ".docx", ".odt", ".ofd"])
    web_queue_limit: int = Field(default=200, ge=1)

    @property
    def web_secret_key_path(self) -> Path:
        return self.web_secret_key_file or self.home / "web_secret_key"

    @property
    def inbox(self) -> Path:
        return self.inbox_dir or self.home / "inbox"

    @property
    def outputs(self) -> Path:
        return self.outputs_dir or self.home / "outputs"

    @property
    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.home / 'lianming.db').resolve()}"

    @property
    def store_dir(self) -> Path:
        return self.home / "documents"


def _read_settings_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read settings file: {exc.strerror}", file=str(path)) from exc
    try:
        data = tomllib.loads(raw) if path.suffix == ".toml" else yaml.safe_load(raw)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"settings file is not valid: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise ConfigError("settings file must hold a mapping of keys to values", file=str(path))
    return data.get("lianming", data)


def load_settings(*, config_file: Path | None = None, **overrides: Any) -> Settings:
    """Settings from file < environment < explicit overrides (CLI flags)."""
    config_file = config_file or (Path(os.environ["LIANMING_CONFIG_FILE"]) if os.environ.get("LIANMING_CONFIG_FILE") else None)
    file_values = _read_settings_file(config_file) if config_file else {}
    env_keys = {k[len("LIANMING_"):].lower() for k in os.environ if k.startswith("LIANMING_")}
    values = {k: v for k, v in file_values.items() if k not in env_keys}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"invalid setting: {err['msg']}", file=str(config_file) if config_file else "environment", field=field) from exc
