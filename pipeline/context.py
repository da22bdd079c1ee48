"""The small typed context every stage receives.

It carries what a stage needs to do its work — settings, the database, the
document store, the policy, the current run — and nothing else, so a stage is
a plain function that a flow, the CLI or a test can call alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.config import Policy, load_policy
from pipeline.settings import Settings
from pipeline.store.db import Database
from pipeline.store.documents import DocumentStore


@dataclass
class PipelineContext:
    settings: Settings
    db: Database
    store: DocumentStore
    policy: Policy
    run_id: str | None = None
    actor: str = field(default="pipeline")

    @classmethod
    def open(cls, settings: Settings, *, run_id: str | None = None) -> PipelineContext:
        # The policy is loaded and validated before any work starts: a
        # malformed configuration stops the run up front, naming file and field.
        policy = load_policy(settings.policy_dir)
        settings.home.mkdir(parents=True, exist_ok=True)
        return cls(settings=settings, db=Database.open(settings.database_url),
                   store=DocumentStore(settings.store_dir), run_id=run_id, policy=policy)

    def close(self) -> None:
        self.db.dispose()
