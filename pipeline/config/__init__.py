"""The policy configuration: taxonomy, jurisdiction and handling rules.

The packaged defaults in ``default/`` are 明州市's, transcribed from its
petition office's reference. Another city supplies its own folder of the same
three files (``load_policy(Path(...))``); the code never changes.
"""

from __future__ import annotations

from pipeline.config.loader import load_policy
from pipeline.config.schema import Policy

__all__ = ["Policy", "load_policy"]
