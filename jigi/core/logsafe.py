"""Logs never carry what a protection address says: which case, which referral, which month.

A GBV case code in a request log ("Not Found: /protection/cases/VBG-…/") ties a survivor's
file to a time and an address. Every log line Jigi writes (Django's, and gunicorn's access
log through `jigi.core.gunicorn.RedactingLogger`) goes through `redact`: an address under
``/protection/`` or ``/api/v1/protection/`` keeps its first segment and loses the rest and
its query (``/protection/cases/…``). Other addresses are left as they are.
"""

from __future__ import annotations

import logging
import re

HIDDEN = "…"
_PROTECTED = re.compile(r"(/(?:api/v\d+/)?protection/(?:[\w-]+/?)?)[^\s\"']*")


def redact(text: str) -> str:
    """``text`` with the detail of every protection address replaced by ``…``."""
    if "protection" not in text:
        return text
    return _PROTECTED.sub(
        lambda match: match.group(1) + (HIDDEN if match.group(0) != match.group(1) else ""), text
    )


class RedactFilter(logging.Filter):
    """A handler filter: the record's message, arguments merged in, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = redact(message)
        if safe != message:
            record.msg, record.args = safe, None
        return True
