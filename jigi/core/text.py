"""Text helpers: names are kept as typed and compared without accents or case."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form used for search and comparison.

    "Ségou" and "SEGOU " fold to the same "segou"; "Keïta" to "keita".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
