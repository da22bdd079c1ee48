"""Shared fixtures: a fresh deployment home per test, test files, PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

RESOURCES = Path(__file__).parent / "resources"
REPO = Path(__file__).parent.parent
PG_ADMIN_URL = os.environ.get("LIANMING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    # Tests must not pick up a developer's deployment settings.
    for key in list(os.environ):
        if key.startswith("LIANMING_") and key != "LIANMING_TEST_PG_URL":
            monkeypatch.delenv(key)


@pytest.fixture
def settings(tmp_path):
    from pipeline.settings import load_settings

    return load_settings(home=tmp_path / "home")


@pytest.fixture
def ctx(settings):
    from pipeline.context import PipelineContext

    context = PipelineContext.open(settings)
    yield context
    context.close()


@pytest.fixture
def letters_dir(tmp_path) -> Path:
    """A copy of the good test letters, so tests may add files beside them."""
    target = tmp_path / "inbox"
    shutil.copytree(RESOURCES / "letters", target)
    return target


@pytest.fixture
def broken_dir() -> Path:
    return RESOURCES / "broken"


def truth_text(name: str) -> str:
    return (RESOURCES / "truth" / f"{Path(name).stem}.txt").read_text(encoding="utf-8")


def _pg_reachable() -> str | None:
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not here"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"


@pytest.fixture
def pg_url():
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    import sqlalchemy as sa

    name = f"lianming_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One temporary Prefect server for the whole session (starting one takes seconds)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
