#!/usr/bin/env bash
# Lint, formatting, types, architecture contracts, migrations and the OpenAPI snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=jigi.test_settings
echo "→ ruff";            .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "→ mypy --strict";   .venv/bin/mypy jigi conftest.py tests scripts
echo "→ import-linter";   .venv/bin/lint-imports
echo "→ djhtml";          .venv/bin/djhtml --check jigi/templates jigi/*/templates/*/
echo "→ migrations";      .venv/bin/python manage.py makemigrations --check --dry-run
