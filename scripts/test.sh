#!/usr/bin/env bash
# The README's test command: make a virtualenv, install heapsight with its dev tools, lint
# (ruff, mypy), test.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[dev]'
.venv/bin/ruff check .
.venv/bin/mypy src/heapsight
.venv/bin/python -m pytest -q "$@"
