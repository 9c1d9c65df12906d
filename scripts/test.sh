#!/usr/bin/env bash
# Set up, then run lint, type checks, architecture contracts and the test suite.
# Browser tests (marker "browser") need Chromium and run in .ci/run; pass -m browser to run them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/lint.sh
echo "→ tests"
.venv/bin/python -m pytest -m "not browser" -q "$@"
cat <<MSG

  All checks passed. Next: 'make run' starts the demo at http://127.0.0.1:8000/
MSG
