"""gunicorn's access log without protection addresses (see `jigi.core.logsafe`).

Used by `make run`: ``gunicorn --logger-class jigi.core.gunicorn.RedactingLogger``. Every
value a log format can name (request line, path, query, referrer — a case page's address
arrives as the referrer of the next request —, headers, environ) is redacted, and the query
of a protection address dropped, before the line is written."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from jigi.core.logsafe import redact


class RedactingLogger(Logger):  # type: ignore[misc]
    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        path = str(environ.get("PATH_INFO", ""))
        protected = redact(path) != path
        for name, value in atoms.items():
            if isinstance(value, str):
                atoms[name] = redact(value)
        if protected:
            atoms["q"] = atoms["{query_string}e"] = ""
        return atoms
