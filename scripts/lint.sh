#!/usr/bin/env bash
# Lint, formatting, types, architecture contracts, migrations and the OpenAPI snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=jigi.test_settings
# One command per line: under `set -e` a failure on the left of `&&` would not stop the script.
echo "→ ruff";            .venv/bin/ruff check .
echo "→ ruff format";     .venv/bin/ruff format --check .
echo "→ mypy --strict";   .venv/bin/mypy jigi conftest.py tests scripts
echo "→ import-linter";   .venv/bin/lint-imports
echo "→ djhtml";          .venv/bin/djhtml --check jigi/templates jigi/*/templates/*/
echo "→ migrations";      .venv/bin/python manage.py makemigrations --check --dry-run
