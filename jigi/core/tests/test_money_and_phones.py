import pytest

from jigi.core.errors import InvalidInput
from jigi.core.money import format_xof
from jigi.core.phones import normalise_phone
from jigi.core.text import fold


def test_amounts_show_with_grouped_thousands_and_fcfa() -> None:
    assert format_xof(15000) == "15\u202f000\u202fFCFA"
    assert format_xof(2_500_000) == "2\u202f500\u202f000\u202fFCFA"
    assert format_xof(-500) == "-500\u202fFCFA"


def test_amounts_refuse_floats() -> None:
    with pytest.raises(TypeError):
        format_xof(15000.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("76 12 34 56", "+22376123456"),
        ("+223 66 00 11 22", "+22366001122"),
        ("0022390123456", "+22390123456"),
    ],
)
def test_malian_numbers_are_stored_in_e164(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


def test_an_impossible_number_is_refused_with_the_value_named() -> None:
    with pytest.raises(InvalidInput, match="1234"):
        normalise_phone("1234")


def test_fold_removes_accents_case_and_extra_spaces() -> None:
    assert fold("  Keïta   TRAORÉ ") == "keita traore"
