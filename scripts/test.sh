#!/usr/bin/env bash
# One command: install everything the tests need, then lint, type-check and run every test
# (unit, store contract on the embedded store and a real Bolt server, API, browser).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
.venv/bin/ruff check .
.venv/bin/mypy
mkdir -p artifacts
.venv/bin/python -m pytest -q --junitxml=artifacts/junit.xml "$@"
