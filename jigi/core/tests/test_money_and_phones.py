import phonenumbers
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


def test_a_malian_number_is_valid_or_not_by_its_first_four_digits() -> None:
    """What lets the short path of `normalise_phone` skip the full parse: if a future
    numbering plan looked further than four digits, this test fails."""
    for start in range(1_000, 10_000):
        verdicts = {
            phonenumbers.is_valid_number(phonenumbers.parse(f"{prefix}{start}{end}", "ML"))
            for prefix in ("", "+223", "00223")
            for end in ("0000", "5555", "9999", "1234", "8076")
        }
        assert len(verdicts) == 1, start


@pytest.mark.parametrize("raw", ["76123456", "+22366001122", "0022344123456", "20212345"])
def test_the_short_path_gives_what_the_full_parse_gives(raw: str) -> None:
    number = phonenumbers.parse(raw, "ML")
    assert phonenumbers.is_valid_number(number)
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["11234567", "+22311234567", "30123456", "00123456"])
def test_a_malian_number_that_cannot_exist_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput, match=raw.replace("+", r"\+")):
        normalise_phone(raw)
