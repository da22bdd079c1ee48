#!/usr/bin/env bash
# The main job on the embedded default: SQLite and the document store in
# ./.lianming, Prefect's local ephemeral server, the letters in sample_letters/.
# Writes out/ (letters.jsonl, cases.jsonl, quarantine.jsonl, run.json),
# scores it against sample_letters/truth.jsonl, then plays the same letters
# over the months they arrived (lianming demo): cases assigned, acknowledged,
# closed, one overdue; assignment lists and the closure check in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/lianming run sample_letters --out out "$@"
.venv/bin/lianming evaluate out --truth sample_letters/truth.jsonl
.venv/bin/lianming demo sample_letters --out out/demo
