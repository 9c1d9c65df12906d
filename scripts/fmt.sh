#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff format . && .venv/bin/ruff check --fix .
.venv/bin/djhtml jigi/templates jigi/*/templates/*/
