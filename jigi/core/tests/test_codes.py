import pytest

from jigi.core.codes import ALPHABET, is_valid_code, make_code, normalise_code


def test_codes_are_short_and_readable() -> None:
    code = make_code("KY", 12345)
    assert all(symbol in ALPHABET for symbol in code.replace("-", ""))
    assert code.startswith("KY-")
    assert len(code) == 11
    assert not set(code) & set("ILOU")
    assert is_valid_code(code)


@pytest.mark.parametrize("number", [0, 1, 31, 32, 999, 123456, 32**6 - 1])
def test_every_single_character_typo_is_detected(number: int) -> None:
    code = make_code("MP", number)
    for position in range(len(code)):
        if code[position] == "-":
            continue
        for symbol in ALPHABET:
            if symbol != code[position] and not (position < 2 and symbol in "ILOU"):
                typo = code[:position] + symbol + code[position + 1 :]
                assert not is_valid_code(typo), typo


def test_swapping_two_neighbouring_characters_is_detected() -> None:
    code = make_code("GA", 987654).replace("-", "")
    for index in range(len(code) - 1):
        if code[index] != code[index + 1]:
            swapped = code[:index] + code[index + 1] + code[index] + code[index + 2 :]
            assert not is_valid_code(swapped), swapped


def test_codes_read_back_with_spaces_lowercase_and_misread_letters() -> None:
    code = make_code("KY", 1)  # KY-000001-1
    spoken = code.lower().replace("-", " ").replace("0", "o")
    assert normalise_code(spoken) == code
    assert is_valid_code(spoken)


def test_unknown_prefix_is_refused_when_prefixes_are_given() -> None:
    assert not is_valid_code(make_code("ZZ", 5), prefixes=frozenset({"KY", "MP"}))
