"""Alembic environment: runs on the engine handed in by pipeline.store.db."""

from alembic import context

from pipeline.store.models import Base

config = context.config


def render_item(type_, obj, autogen_context):
    # Migrations must not import application code: render the zone-aware
    # timestamp decorator as the plain column type it stores.
    if type_ == "type" and obj.__class__.__name__ == "UtcDateTime":
        return "sa.DateTime(timezone=True)"
    return False

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
