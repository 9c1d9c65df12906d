"""WSGI entry point used by gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigi.settings")
application = get_wsgi_application()

# The instant duplicate check loads Splink, DuckDB and pandas on first use: load them with the
# server, so that the first officer to register a household does not wait for it.
import jigi.dedup.linkage  # noqa: E402, F401
