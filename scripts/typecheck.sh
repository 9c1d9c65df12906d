#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
DJANGO_SETTINGS_MODULE=jigi.test_settings .venv/bin/mypy jigi conftest.py tests scripts
