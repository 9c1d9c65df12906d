"""Every French string the UI shows has its English translation (decision 0003)."""

from __future__ import annotations

import re
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def test_english_catalogue_translates_every_string_with_its_placeholders() -> None:
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    guessed = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not missing, f"untranslated: {missing[:5]}"
    assert not guessed, f"fuzzy (check and clear): {guessed[:5]}"
    for entry in catalogue.translated_entries():
        forms = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        expected = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= expected | set(
                PLACEHOLDER.findall(entry.msgid)
            ), entry.msgid
