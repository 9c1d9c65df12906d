"""Settings for the test suite: the production settings in test mode, with a fast hasher."""

import os

os.environ["JIGI_MODE"] = "test"

from jigi.settings import *  # noqa: E402, F403
from jigi.settings import PASSWORD_HASHERS  # noqa: E402

# Argon2 stays the production hasher (tested separately); tests hash thousands of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# Tests serve static files from the app folders, as runserver would; no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# SQLite test database in a file rather than in memory: jobs run in a thread beside the test
# (as the CLI runs them), and an in-memory database shared between threads locks whole tables
# instead of waiting. The file is per process, created and removed by the test run.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile
    from pathlib import Path

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"jigi-test-{os.getpid()}.sqlite3")
    }

# A fixed key for the tests only (sealed test data is thrown away with the test database).
JIGI_PROTECTION_KEY = "dGVzdC1vbmx5LXByb3RlY3Rpb24ta2V5LTMyYnl0ZXM="  # noqa: S105 (test mode only)
JIGI_PROTECTION_KEY_FILE = ""
