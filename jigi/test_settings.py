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
