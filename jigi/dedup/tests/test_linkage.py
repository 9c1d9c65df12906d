"""The model on hand-made records: Malian spellings, missing values, records too thin to check."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from jigi.dedup import linkage, names
from jigi.dedup.records import PersonRecord
from jigi.dedup.services import checkable


def test_malian_spellings_share_a_key() -> None:
    assert names.name_key("Mahamadou") == names.name_key("Mohamed") == names.name_key("MAMADOU")
    assert names.name_key("Tarawele", family=True) == names.name_key("Traoré", family=True)
    assert names.name_key("Kulibali", family=True) == names.name_key("Coulibaly", family=True)
    assert names.name_key("Keyita", family=True) == names.name_key("Keïta", family=True)
    assert names.name_key("Aissata") == names.name_key("Aïssata")
    assert names.name_key("Djénéba") == names.name_key("Jeneba")
    assert names.name_key("Sylla", family=True) == names.name_key("Sila", family=True)
    assert names.name_key("Moussa") != names.name_key("Mamadou")
    assert names.name_key("Diallo", family=True) != names.name_key("Diarra", family=True)


def _pair(**changes: object) -> list[PersonRecord]:
    first = PersonRecord(
        unique_id="a", household_id="h1", given_names="Aminata", family_name="Coulibaly", sex="F",
        birth_date=date(1988, 4, 2), phone="+22376000001", commune="ML010312",
    )  # fmt: skip
    second = PersonRecord(
        **{**first.__dict__, "unique_id": "b", "household_id": "h2", "given_names": "Amina",
           "family_name": "Kulibali", **changes}
    )  # fmt: skip
    return [first, second]


def _probability(records: list[PersonRecord]) -> float:
    frame = linkage.person_frame(records)
    pairs = linkage.predict(frame, linkage.baseline(), threshold=0.0)
    return float(pairs["match_probability"].max()) if len(pairs) else 0.0


def test_missing_values_lower_confidence_without_failing() -> None:
    full = _probability(_pair())
    no_birth = _probability(_pair(birth_date=None))
    no_birth_no_phone = _probability(_pair(birth_date=None, phone=""))
    assert full > 0.99
    assert full > no_birth > no_birth_no_phone


def test_different_sex_and_birth_make_different_people() -> None:
    assert _probability(_pair(sex="M", birth_date=date(1961, 1, 1), phone="")) < 0.05


def test_records_with_almost_nothing_are_not_checked() -> None:
    records = [
        *_pair(),
        PersonRecord("c", "h3", "Awa", "", birth_date=None),  # a name and nothing else
        PersonRecord("d", "h4", "", "", birth_date=date(1990, 1, 1), phone="+22370000000"),
    ]
    kept, refused = checkable(records)
    assert [person.unique_id for person in kept] == ["a", "b"]
    assert refused == 2


def test_a_new_household_beside_many_registered_ones_is_scored() -> None:
    # Numeric household ids of the register beside the new household's "new": the frame holds
    # them as text, or DuckDB may type the column from a sample of numbers and fail on "new".
    registered = [
        PersonRecord(
            str(index), index, "Awa", "Traoré", "F",
            date(1930, 3, 2) + timedelta(days=3 * index), commune=f"ML{index % 400:06d}",
        )
        for index in range(20_000)
    ]  # fmt: skip
    new = PersonRecord("new-0", "new", "Awa", "Traore", "F", date(1930, 3, 23), commune="ML000007")
    frame = linkage.person_frame([*registered, new])
    assert set(map(type, frame["household_id"])) == {str}
    pairs = linkage.predict(frame, linkage.baseline(), threshold=0.5)
    found = {(str(a), str(b)) for a, b in zip(pairs.unique_id_l, pairs.unique_id_r, strict=True)}
    assert found == {("7", "new-0")}  # the same person; her namesakes born other days are not


def _family(household: str, *, last_child: tuple[str, date]) -> list[PersonRecord]:
    commune = "ML010312"
    given, born = last_child
    return [
        PersonRecord(f"{household}-1", household, "Moussa", "Traoré", "M", date(1970, 1, 1), True,
                     commune=commune),
        PersonRecord(f"{household}-2", household, "Aminata", "Coulibaly", "F", date(1981, 1, 1),
                     True, commune=commune),
        PersonRecord(f"{household}-3", household, "Seydou", "Traoré", "M", date(2012, 5, 3),
                     commune=commune),
        PersonRecord(f"{household}-4", household, "Fanta", "Traoré", "F", date(2015, 8, 10),
                     commune=commune),
        PersonRecord(f"{household}-5", household, given, "Traoré", "M", born, commune=commune),
        PersonRecord(f"{household}-6", household, "Awa", "Traoré", "F", date(2020, 6, 1),
                     commune=commune),
    ]  # fmt: skip


def test_a_child_left_out_by_blocking_is_matched_between_copies_of_a_household() -> None:
    # Registered again: the youngest son's name mistyped and his age drifted by 19 months, so
    # no blocking rule pairs him; his parents and siblings link the two households.
    first = _family("h1", last_child=("Oumar", date(2018, 2, 11)))
    again = _family("h2", last_child=("Oumra", date(2019, 9, 20)))
    frame = linkage.person_frame([*first, *again])
    model = linkage.baseline()
    first_pass: Any = linkage.linker_for(frame, model).inference.predict(0.5)
    alone = first_pass.as_pandas_dataframe()
    assert "h1-5" not in set(alone.unique_id_l) | set(alone.unique_id_r)
    pairs = linkage.predict(frame, model, threshold=0.5)
    found = {(a, b) for a, b in zip(pairs.unique_id_l, pairs.unique_id_r, strict=True)}
    assert found == {(f"h1-{n}", f"h2-{n}") for n in range(1, 7)}  # each with their own copy
    son = pairs[pairs.unique_id_l == "h1-5"].iloc[0]
    assert son.bf_place == son.bf_household == 1.0  # the context counts instead
