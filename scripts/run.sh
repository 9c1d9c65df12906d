#!/usr/bin/env bash
# Set up, load the demo dataset, then run the web server (gunicorn) and the task worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

export JIGI_MODE=demo
export DJANGO_SETTINGS_MODULE=jigi.settings
PORT=${PORT:-8000}
BIND=${BIND:-127.0.0.1}

.venv/bin/jigi demo
.venv/bin/python manage.py collectstatic --noinput --verbosity 0

.venv/bin/jigi worker &
worker=$!
trap 'kill $worker 2>/dev/null || true; wait $worker 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Jigi is running: http://$BIND:$PORT/
  Sign in with one of the demo logins above (password: jigi-demo-2026).
  GBV roles are asked to set up a second factor (TOTP) at first sign-in.
  API docs: http://$BIND:$PORT/api/v1/docs — background jobs: http://$BIND:$PORT/jobs/
  Stop with Ctrl+C. Run the tests with: make test

MSG
.venv/bin/gunicorn jigi.wsgi:application --bind "$BIND:$PORT" --workers 2 --threads 4 \
  --access-logfile - --error-logfile - --log-level warning \
  --logger-class jigi.core.gunicorn.RedactingLogger
