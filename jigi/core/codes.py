"""Short codes people read aloud (household, ticket, case): Crockford base 32 plus a check
symbol (mod 37), so any single wrong character and any swap of two neighbours is detected.

Crockford's alphabet leaves out I, L, O and U; when reading a code back, I and L are taken as 1
and O as 0, which are the usual misreadings.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"  # 37 symbols: the check value ranges over 0..36
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})


def encode(number: int, width: int) -> str:
    """``number`` in Crockford base 32, left-padded with zeros to ``width`` symbols."""
    if number < 0:
        raise ValueError("Codes encode non-negative numbers.")
    symbols = []
    while number:
        number, remainder = divmod(number, 32)
        symbols.append(ALPHABET[remainder])
    body = "".join(reversed(symbols)) or "0"
    if len(body) > width:
        raise ValueError(f"{number} does not fit in {width} symbols.")
    return body.rjust(width, "0")


def decode(body: str) -> int:
    value = 0
    for symbol in body:
        value = value * 32 + _VALUES[symbol]
    return value


def check_symbol(body: str) -> str:
    """The check symbol of a code body (its value mod 37, in the extended alphabet)."""
    return CHECK_ALPHABET[decode(body) % 37]


def make_code(prefix: str, number: int, width: int = 6) -> str:
    """``KY-0001F-Q``: prefix, number in base 32, check symbol."""
    body = encode(number, width)
    return f"{prefix}-{body}-{check_symbol(body)}"


def normalise_code(raw: str) -> str:
    """Upper-case, no spaces, common misreadings corrected; dashes put back where they belong."""
    text = "".join(raw.split()).upper().translate(_READ_AS).replace("-", "")
    if len(text) < 4:
        return text
    return f"{text[:2]}-{text[2:-1]}-{text[-1]}"


def is_valid_code(raw: str, prefixes: frozenset[str] | None = None) -> bool:
    """Whether ``raw`` is a well-formed code whose check symbol matches (after normalising)."""
    code = normalise_code(raw)
    parts = code.split("-")
    if len(parts) != 3:
        return False
    prefix, body, check = parts
    if prefixes is not None and prefix not in prefixes:
        return False
    if not body or any(symbol not in _VALUES for symbol in body):
        return False
    return check_symbol(body) == check


def allocate_numbers(name: str, count: int = 1) -> range:
    """Reserve ``count`` consecutive numbers of the sequence ``name`` (never handed out twice).

    The sequence row stays locked until the caller's transaction ends, so concurrent
    allocations queue instead of colliding.
    """
    from django.db import transaction

    from jigi.core.models import CodeSequence

    if count < 1:
        raise ValueError("count must be at least 1")
    with transaction.atomic():
        sequence, _created = CodeSequence.objects.select_for_update().get_or_create(name=name)
        first = sequence.last_value + 1
        sequence.last_value += count
        sequence.save(update_fields=["last_value"])
    return range(first, first + count)
