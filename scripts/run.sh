#!/usr/bin/env bash
# The main job on the embedded default: SQLite and the document store in
# ./.lianming, Prefect's local ephemeral server, the letters in sample_letters/.
# Writes out/ (letters.jsonl, cases.jsonl, quarantine.jsonl, run.json) and
# scores it against sample_letters/truth.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/lianming run sample_letters --out out "$@"
.venv/bin/lianming evaluate out --truth sample_letters/truth.jsonl
