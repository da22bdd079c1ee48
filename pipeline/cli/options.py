"""Options shared by every command that opens a deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

HomeOpt = Annotated[Path | None, typer.Option("--home", help="Deployment folder (database + document store). Env: LIANMING_HOME.")]
DbOpt = Annotated[str | None, typer.Option("--db-url", help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db. Env: LIANMING_DB_URL.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Settings file (TOML or YAML). Env: LIANMING_CONFIG_FILE.")]
