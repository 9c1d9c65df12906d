from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jigi.registry import rules
from jigi.registry.models import Household, IdentityDocument, Individual

SAMPLES: tuple[Any, ...] = (
    "M", "F", "X", "head", "spouse", "yes", "Awa", "a" * 119, "a" * 120, "a" * 121, "a" * 300,
    "2026-01-05", "2026-02-30", "20260105", "05/01/2026", "2026-1-5", " 2026-01-05",
    "0", "7", "-1", "12.0", "1_000", "²", "99999999999999999999", "4", "5",
    0, 3, -2, True, False, None, 1.5, [], "",
)  # fmt: skip


@pytest.mark.parametrize(
    ("model", "names"),
    [
        (Household, rules.HOUSEHOLD_FIELDS),
        (Individual, rules.MEMBER_FIELDS),
        (IdentityDocument, rules.DOCUMENT_FIELDS),
    ],
)
def test_shortcut_cleans_exactly_what_the_model_field_accepts(
    model: Any, names: tuple[str, ...]
) -> None:
    """The fast path of imports never accepts a value the field refuses, nor changes one."""
    for name in names:
        field = model._meta.get_field(name)
        quick = rules._shortcut(field)
        if quick is None:
            continue
        for value in SAMPLES:
            result = quick(value)
            if result is rules._ASK_FIELD:
                continue
            try:
                expected = field.clean(value, None)
            except ValidationError:
                pytest.fail(f"{name}: the shortcut accepts {value!r}, the field refuses it")
            assert (result, type(result)) == (expected, type(expected)), (name, value)
