#!/usr/bin/env bash
# One command: install, build the sample portfolio into the embedded store, serve the API.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/alliancegraph demo "$@"
