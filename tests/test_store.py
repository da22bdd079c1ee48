"""Storage: migrations match the models, times keep their zone, originals never change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pipeline.store.db import Database, current_revision, head_revision
from pipeline.store.documents import DocumentStore
from pipeline.store.models import Base, FlowRun


def _schema_drift(db: Database) -> list:
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)


def test_migrations_create_exactly_the_models_schema(tmp_path):
    db = Database.open(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert current_revision(db.engine) == head_revision()
        assert _schema_drift(db) == []
    finally:
        db.dispose()


@pytest.mark.postgres
def test_migrations_on_postgres_match_models(pg_url):
    db = Database.open(pg_url)
    try:
        assert _schema_drift(db) == []
    finally:
        db.dispose()


def test_timestamps_come_back_zone_aware_in_utc(tmp_path):
    db = Database.open(f"sqlite:///{tmp_path / 'x.db'}")
    beijing = timezone(timedelta(hours=8))
    try:
        with db.session() as s:
            s.add(FlowRun(id="r1", kind="test", started_at=datetime(2026, 3, 5, 9, 30, tzinfo=beijing)))
        with db.session() as s:
            started = s.get(FlowRun, "r1").started_at
        assert started == datetime(2026, 3, 5, 1, 30, tzinfo=UTC)
        with pytest.raises(Exception, match="naive"), db.session() as s:
            s.add(FlowRun(id="r2", kind="test", started_at=datetime(2026, 3, 5, 9, 30)))
    finally:
        db.dispose()


def test_document_store_is_content_addressed_and_idempotent(tmp_path):
    store = DocumentStore(tmp_path / "docs")
    a = store.put_bytes(b"letter one")
    b = store.put_bytes(b"letter one")
    c = store.put_bytes(b"letter two")
    assert a == b and a.sha256 != c.sha256
    assert store.read_bytes(a.sha256) == b"letter one"
    assert not list((tmp_path / "docs").glob(".incoming-*"))  # no temporary left behind
