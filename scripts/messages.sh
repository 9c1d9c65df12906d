#!/usr/bin/env bash
# Refresh the .po catalogues from the code (needs GNU gettext's xgettext, for developers only).
set -euo pipefail
cd "$(dirname "$0")/../jigi"
DJANGO_SETTINGS_MODULE=jigi.test_settings ../.venv/bin/python ../manage.py makemessages -l en -l fr --no-obsolete --add-location file
cd .. && .venv/bin/python scripts/compilemessages.py
