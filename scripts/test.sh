#!/usr/bin/env bash
# Set up, then run the whole test suite (real Tesseract, SQLite, and the
# PostgreSQL at 127.0.0.1:5432 when it is there).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
