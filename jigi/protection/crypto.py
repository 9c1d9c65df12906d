"""Encryption at rest of the survivor's name, contact and narratives (decision 0008).

AES-256-GCM with a random 96-bit nonce per value. A stored value reads
``v2.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``; the key id (the first 8 hex digits of
the key's SHA-256) says which key sealed it, so values sealed under a retired key still open
while `jigi protection rotate-key` re-seals them. The field's name and the case's code are
bound in as associated data: a value copied into another field, or into the same field of
another survivor's case, fails to open instead of showing up there. Values of the first
format (``v1``: the field only, before 2026-12-01) still open; migration 0004 and
`rotate-key` re-seal them in the second.

Keys are 32 random bytes in base64url, from ``JIGI_PROTECTION_KEY`` (comma-separated: the first
seals, the others only open) or else one per line in ``JIGI_PROTECTION_KEY_FILE`` (same order).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "v1"  # the first format: the field's name only as associated data
BOUND = "v2"  # the field's name and the case's code
NONCE_BYTES = 12


class SealError(Exception):
    """A sealed value cannot be opened: unknown key, altered bytes or the wrong field."""


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes


def generate_key() -> str:
    """A new random key, as text for the environment variable or the key file."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def _parse(text: str) -> Key:
    try:
        secret = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured("A protection key is not valid base64url.") from exc
    if len(secret) != 32:
        raise ImproperlyConfigured("A protection key must be 32 bytes (256 bits) in base64url.")
    return Key(id=hashlib.sha256(secret).hexdigest()[:8], secret=secret)


def key_file() -> Path | None:
    name: str = getattr(settings, "JIGI_PROTECTION_KEY_FILE", "")
    return Path(name) if name else None


def configured_keys_from_env() -> list[str]:
    return [part for part in str(settings.JIGI_PROTECTION_KEY).split(",") if part.strip()]


def configured_keys() -> list[Key]:
    """The keys in order, the sealing key first; refuses to run without one."""
    texts = configured_keys_from_env()
    path = key_file()
    if not texts and path is not None:
        if not path.exists() and settings.JIGI_MODE == "demo":
            write_key_file(path, [generate_key()])
        if path.exists():
            texts = [line for line in path.read_text().splitlines() if line.strip()]
    if not texts:
        raise ImproperlyConfigured(
            "Protection needs an encryption key: set JIGI_PROTECTION_KEY or JIGI_PROTECTION_KEY_FILE "
            "(`jigi protection new-key` prints one)."
        )
    return [_parse(text) for text in texts]


def write_key_file(path: Path, keys: list[str]) -> None:
    """Write the keys (sealing key first), readable by the owner only.

    Written to a new file beside it, flushed to disk, then renamed over the old one: a crash
    or a full disk leaves the previous keys whole, never a truncated file (which would lose
    every sealed value)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write("\n".join(keys) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if temporary.exists():
            temporary.unlink()
        raise


def _associated(field: str, case: str) -> bytes:
    return f"{field}\x1f{case}".encode() if case else field.encode()


def seal(text: str, *, field: str, case: str = "") -> str:
    """The text encrypted under the sealing key, bound to ``field`` and to the case whose
    code is ``case``; an empty text stays empty (nothing to hide). Without ``case`` the first
    format is written: only the migrations that sealed rows of that time do so."""
    if not text:
        return ""
    key = configured_keys()[0]
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(key.secret).encrypt(nonce, text.encode("utf-8"), _associated(field, case))
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{BOUND if case else VERSION}.{key.id}.{body}"


def key_id_of(value: str) -> str:
    return value.split(".", 2)[1] if value.count(".") >= 2 else ""


def unseal(value: str, *, field: str, case: str = "") -> str:
    """The clear text of a sealed value (empty for empty): ``field`` and ``case`` must be
    those it was sealed for."""
    if not value:
        return ""
    version, key_id, body = (value.split(".", 2) + ["", ""])[:3]
    if version == VERSION:
        associated = _associated(field, "")
    elif version == BOUND and case:
        associated = _associated(field, case)
    elif version == BOUND:
        raise SealError("this value is bound to a case: give its code")
    else:
        raise SealError(f"unknown format {version!r}")
    key = next((key for key in configured_keys() if key.id == key_id), None)
    if key is None:
        raise SealError(f"no configured key has id {key_id}")
    raw = base64.urlsafe_b64decode(body.encode("ascii"))
    try:
        clear = AESGCM(key.secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated)
    except InvalidTag as exc:
        raise SealError("the value was altered or belongs to another field or case") from exc
    return clear.decode("utf-8")


def needs_reseal(value: str) -> bool:
    """Whether a stored value is of the first format or sealed under a key other than the
    sealing key."""
    return bool(value) and (
        not value.startswith(f"{BOUND}.") or key_id_of(value) != configured_keys()[0].id
    )
