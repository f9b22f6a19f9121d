#!/usr/bin/env bash
# Create .venv (Python >= 3.11) and install AllianceGraph into it; idempotent and quiet.
#   scripts/setup.sh            runtime only
#   scripts/setup.sh dev        plus test tools (and Debian's chromium for browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "AllianceGraph needs Python >= 3.11")'
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
if [ "${1:-}" = "dev" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,fast]'
  if [ ! -x /usr/bin/chromium ]; then
    echo "installing Debian's chromium for the browser tests (a few minutes, once)..." >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[fast]'
fi
