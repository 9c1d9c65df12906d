"""Malian names reduced to comparable keys.

The same person is written many ways: French civil-status spellings (Traoré, Coulibaly), Bambara
orthography (Tarawele, Kulibali), dropped accents, doubled letters, Arabic-origin given names in
several transliterations (Mamadou, Mahamadou, Mohamed). Two layers bring them together:

1. ``skeleton``: spelling rules that hold across names (accents and case dropped, ou → u,
   dj/di+vowel → j, y → i, c → k or s, ph → f, qu → k, silent h dropped, double letters single);
2. known equivalence classes for what no rule captures (Mohamed ~ Mamadou, Traoré ~ Tarawele,
   Boubacar ~ Bakary). The classes are public knowledge of Malian naming, not of any data set.

The linkage model compares the keys with Jaro-Winkler as well, so a typo still scores high.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Each tuple lists spellings of one name; the first is the class key's source. Spellings are
# written plainly: they go through ``skeleton`` before use, so accents and doubled letters do
# not need listing.
GIVEN_NAME_CLASSES: tuple[tuple[str, ...], ...] = (
    ("Mamadou", "Mahamadou", "Mohamed", "Mohammed", "Muhammad", "Mouhamed", "Mohamadou",
     "Mahamed", "Mamadu", "Muhamad", "Mahmoud", "Mamoudou"),
    ("Amadou", "Hamadou", "Ahmadou", "Ahmed", "Hamed", "Ahmad"),
    ("Boubacar", "Aboubacar", "Abubakar", "Bakary", "Bakari", "Boubakar", "Aboubakar", "Bouba"),
    ("Ibrahim", "Ibrahima", "Brahima", "Ibrahime", "Brahim", "Ibra"),
    ("Souleymane", "Soulemane", "Sulemani", "Souleimane", "Suleyman", "Sulayman", "Solomane"),
    ("Idrissa", "Drissa", "Driss", "Idris"),
    ("Abdoulaye", "Ablaye", "Abdullahi", "Abdoulahi", "Abdallah"),
    ("Oumar", "Omar", "Umaru", "Oumarou"),
    ("Youssouf", "Youssef", "Yusuf", "Yousouf"),
    ("Moussa", "Musa", "Moise"),
    ("Lassana", "Lassine", "Lasina"),
    ("Sekou", "Seku", "Sekouba"),
    ("Seydou", "Saidou", "Seidu"),
    ("Alassane", "Hassane", "Hassan"),
    ("Fatoumata", "Fatimata", "Fatouma", "Fatima", "Fanta", "Fatim"),
    ("Aminata", "Amina", "Aminatou"),
    ("Aissata", "Assata", "Aichata", "Aisha", "Aicha", "Awa"),
    ("Mariam", "Mariama", "Maryam", "Mariame", "Mariamou"),
    ("Kadiatou", "Kadidia", "Kadidiatou", "Khadija", "Kadija", "Kadi"),
    ("Rokia", "Rokiatou", "Rokiya", "Rokiatu"),
    ("Ramata", "Ramatou", "Ramatoulaye"),
    ("Djeneba", "Jeneba", "Zeinabou", "Zenabou", "Zeynab"),
    ("Oumou", "Oumy", "Umu"),
    ("Assetou", "Asseto", "Hassetou"),
    ("Salimata", "Salimatou", "Sali"),
    ("Bintou", "Binta", "Bintu"),
    ("Maimouna", "Maimounatou", "Mamou"),
)  # fmt: skip
FAMILY_NAME_CLASSES: tuple[tuple[str, ...], ...] = (
    ("Traore", "Tarawele", "Trawele", "Tarawere", "Traoure"),
    ("Coulibaly", "Kulibali", "Koulibaly", "Coulibali"),
    ("Keita", "Keyita", "Kaita"),
    ("Diarra", "Jara", "Dyara"),
    ("Diallo", "Jallo", "Jalo", "Dialo"),
    ("Bagayoko", "Bagayogo", "Bagayoho"),
    ("Toure", "Ture", "Tourey"),
    ("Cisse", "Sise", "Cisset"),
    ("Doumbia", "Dumbia", "Dumbuya"),
    ("Kouyate", "Kuyate", "Kuyateh"),
    ("Haidara", "Aidara", "Hayidara"),
    ("Dembele", "Danbele"),
)  # fmt: skip

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"dj|dy", "j"),
        (r"di(?=[aeiou])", "j"),  # Diarra, Jara
        (r"ph", "f"),
        (r"qu", "k"),
        (r"c(?=[eiy])", "s"),  # Cissé, Sise
        (r"ck|c", "k"),  # Coulibaly, Kulibali; Dicko, Diko
        (r"ou", "u"),
        (r"y", "i"),  # Keyita, Keïta
        (r"(?<=[aeiou])w(?=[aeiou])", "u"),
        (r"h", ""),  # Mahamadou, Mamadou; Bah, Ba
        (r"(.)\1+", r"\1"),  # Sylla, Sila
    )
)
_NOT_LETTER = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def fold(text: str | None) -> str:
    """Lower case, accents dropped, only letters and single spaces left."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = _NOT_LETTER.sub(" ", plain.replace("'", "").replace("’", ""))
    return _SPACES.sub(" ", plain).strip()


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """One folded word with the Malian spelling rules applied."""
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word


def _classes(groups: tuple[tuple[str, ...], ...]) -> dict[str, str]:
    index: dict[str, str] = {}
    for group in groups:
        key = skeleton(fold(group[0]).replace(" ", ""))
        for spelling in group:
            index.setdefault(skeleton(fold(spelling).replace(" ", "")), key)
    return index


_GIVEN = _classes(GIVEN_NAME_CLASSES)
_FAMILY = _classes(FAMILY_NAME_CLASSES)
_ANY = {**_FAMILY, **_GIVEN}


def _spellings_by_key() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for group in (*GIVEN_NAME_CLASSES, *FAMILY_NAME_CLASSES):
        key = _ANY[skeleton(fold(group[0]).replace(" ", ""))]
        found.setdefault(key, set()).update(fold(spelling) for spelling in group)
    return {key: frozenset(words) for key, words in found.items()}


_SPELLINGS = _spellings_by_key()


def spellings(text: str | None) -> set[str]:
    """The folded words a name may be written as: its own and its class's known spellings.

    >>> "traore" in spellings("Tarawele")
    True
    """
    words: set[str] = set()
    for word in fold(text).split():
        words.add(word)
        key = _ANY.get(skeleton(word))
        if key:
            words.update(_SPELLINGS.get(key, ()))
    return words


@lru_cache(maxsize=65536)
def name_key(text: str | None, *, family: bool = False) -> str:
    """The comparable key of a name: each word's skeleton, mapped to its class when known.

    >>> name_key("Mahamadou") == name_key("Mohamed") == name_key("Mamadou")
    True
    >>> name_key("Tarawele", family=True) == name_key("TRAORÉ", family=True)
    True
    """
    classes = _FAMILY if family else _GIVEN
    words = []
    for word in fold(text).split():
        shape = skeleton(word)
        words.append(classes.get(shape) or _ANY.get(shape) or shape)
    return " ".join(words)
