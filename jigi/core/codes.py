"""Short codes people read aloud (household, ticket, case): a prefix, a number in Crockford
base 32 and a check character, so any single wrong character and any swap of two neighbours
is detected.

The check is Damm's algorithm over the 32 symbols, with the quasigroup x ∘ y = 2·x + y in
GF(32) (polynomial x⁵ + x² + 1), which is totally anti-symmetric; unlike Crockford's mod-37
check it needs no extra symbols, so the check character is an ordinary letter or digit.
Crockford's alphabet leaves out I, L, O and U; when a code is read back, I and L are taken as 1
and O as 0, the usual misreadings.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_REDUCTION = 0b100101  # x⁵ + x² + 1


def _times_two(value: int) -> int:
    value <<= 1
    return value ^ _REDUCTION if value & 0b100000 else value


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


def check_symbol(text: str) -> str:
    """The Damm check character of ``text`` (prefix and body, without dashes)."""
    interim = 0
    for symbol in text:
        interim = _times_two(interim) ^ _VALUES[symbol]
    return ALPHABET[_times_two(interim)]


def make_code(prefix: str, number: int, width: int = 6) -> str:
    """``KY-0001FQ-7``: prefix, number in base 32, check character over prefix and number."""
    body = encode(number, width)
    return f"{prefix}-{body}-{check_symbol(prefix + body)}"


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
    if not body or any(symbol not in _VALUES for symbol in prefix + body + check):
        return False
    return check_symbol(prefix + body) == check


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
