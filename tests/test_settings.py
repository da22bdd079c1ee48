"""Settings: file < environment < flags; bad values name the field; policy checked at start."""

from __future__ import annotations

import shutil

import pytest

from pipeline.config.loader import DEFAULT_CONFIG_DIR
from pipeline.context import PipelineContext
from pipeline.errors import ConfigError
from pipeline.settings import load_settings


def test_precedence_file_then_environment_then_flags(tmp_path, monkeypatch):
    cfg = tmp_path / "lianming.toml"
    cfg.write_text("max_pages = 5\nocr_dpi = 200\n", encoding="utf-8")
    monkeypatch.setenv("LIANMING_OCR_DPI", "250")
    s = load_settings(config_file=cfg)
    assert (s.max_pages, s.ocr_dpi) == (5, 250)
    assert load_settings(config_file=cfg, ocr_dpi=320).ocr_dpi == 320


def test_default_database_is_sqlite_in_home(tmp_path):
    s = load_settings(home=tmp_path / "h")
    assert s.database_url == f"sqlite:///{(tmp_path / 'h' / 'lianming.db').resolve()}"
    assert load_settings(db_url="postgresql+psycopg://u@h/db").database_url == "postgresql+psycopg://u@h/db"


def test_bad_setting_names_file_and_field(tmp_path):
    cfg = tmp_path / "lianming.yaml"
    cfg.write_text("lianming:\n  ocr_dpi: lots\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=cfg)
    assert "ocr_dpi" in str(info.value) and "lianming.yaml" in str(info.value)
    cfg.write_text("no_such_setting: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no_such_setting"):
        load_settings(config_file=cfg)


def test_malformed_policy_stops_before_any_work(tmp_path):
    policy = tmp_path / "policy"
    shutil.copytree(DEFAULT_CONFIG_DIR, policy)
    rules = policy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("min_letters: 3", "min_letters: three"), encoding="utf-8")
    settings = load_settings(home=tmp_path / "h", policy_dir=policy)
    with pytest.raises(ConfigError) as info:
        PipelineContext.open(settings)
    assert "rules.yaml" in str(info.value) and "min_letters" in str(info.value)
    assert not (tmp_path / "h").exists()  # nothing was created
