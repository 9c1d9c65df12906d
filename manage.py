#!/usr/bin/env python
"""Django's manage.py, kept for developers' habits; `jigi` is the supported command."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigi.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
