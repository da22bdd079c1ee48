"""Prefect's environment for a Lianming deployment, set before Prefect loads.

With no ``PREFECT_API_URL``, Prefect runs flows against a temporary local
server (its ephemeral mode); its state then lives under the deployment's home
folder rather than the user's ``~/.prefect``. The office network is closed, so
Prefect's telemetry is turned off instead of failing on every start.
"""

from __future__ import annotations

import os
from pathlib import Path


def configure_prefect(home: Path, *, verbose: bool = False) -> None:
    prefect_home = Path(os.environ.setdefault("PREFECT_HOME", str((home / "prefect").resolve())))
    # The temporary server cannot create its database in a missing folder and
    # then only reports a start-up time-out; make the folder first.
    prefect_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
