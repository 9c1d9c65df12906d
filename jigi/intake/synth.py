"""A synthetic register that looks like Mali, with known duplicates injected the way they
happen in the field. Used for demos, tests and benchmarks; deterministic for a seed.

Each output row is one individual (record) of one household; the ground truth maps every
record to the person it describes, so a duplicate registration of someone shares their
``person_id``.
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jigi.core.models import AdminArea

# Approximate shares of the population by region (orders of magnitude from census projections;
# enough for a realistic spread, not for statistics).
REGION_WEIGHTS = {
    "ML01": 2.9, "ML02": 3.3, "ML03": 3.5, "ML04": 3.0, "ML05": 2.6,
    "ML06": 0.9, "ML07": 0.7, "ML08": 0.1, "ML09": 2.9, "ML10": 0.1,
}  # fmt: skip
DISPLACEMENT_REGIONS = {"ML05": 0.12, "ML06": 0.15, "ML07": 0.15, "ML10": 0.2}

# Civil-status spellings first, then variants seen in the field (Bambara orthography, dropped
# accents). The first spelling is the one the person is registered under.
FAMILY_NAMES: dict[str, tuple[str, ...]] = {
    "Traoré": ("Traore", "Tarawele"), "Coulibaly": ("Coulibali", "Kulibali"), "Diarra": ("Diara", "Jara"),
    "Keïta": ("Keita", "Keyita"), "Konaté": ("Konate",), "Touré": ("Toure", "Ture"), "Maïga": ("Maiga", "Mayga"),
    "Cissé": ("Cisse", "Sise"), "Diallo": ("Jalo", "Dialo"), "Sidibé": ("Sidibe",), "Sangaré": ("Sangare",),
    "Dembélé": ("Dembele",), "Camara": ("Kamara",), "Doumbia": ("Dumbia",), "Kanté": ("Kante",),
    "Samaké": ("Samake",), "Ballo": ("Balo",), "Sissoko": ("Sisoko",), "Koné": ("Kone",),
    "Bagayoko": ("Bagayogo",), "Sylla": ("Sila",), "Guindo": ("Guindo",), "Dicko": ("Diko",),
    "Ag Mohamed": ("Ag Mohammed",), "Tounkara": ("Tunkara",), "Fofana": ("Fofana",), "Dao": ("Dao",),
    "Haïdara": ("Haidara",), "Kouyaté": ("Kouyate",), "Bah": ("Ba",),
}  # fmt: skip
MALE_NAMES: dict[str, tuple[str, ...]] = {
    "Mamadou": ("Mahamadou", "Mohamed", "Mamadu"), "Moussa": ("Mousa", "Musa"), "Oumar": ("Umar", "Omar"),
    "Boubacar": ("Bakary", "Aboubacar"), "Seydou": ("Seidou",), "Ibrahim": ("Ibrahima", "Brahima"),
    "Adama": ("Adama",), "Souleymane": ("Soulemane", "Sulemani"), "Modibo": ("Modibo",),
    "Youssouf": ("Yousouf",), "Drissa": ("Idrissa",), "Lassana": ("Lasana",), "Issa": ("Isa",),
    "Abdoulaye": ("Abdulaye", "Ablaye"), "Sékou": ("Sekou",), "Amadou": ("Hamadou", "Ahmadou"),
}  # fmt: skip
FEMALE_NAMES: dict[str, tuple[str, ...]] = {
    "Fatoumata": ("Fatimata", "Fanta", "Fatumata"), "Aminata": ("Amina",), "Aïssata": ("Aissata", "Awa"),
    "Mariam": ("Mariama", "Maryam"), "Kadiatou": ("Kadidia", "Kadiatu"), "Awa": ("Awa",), "Oumou": ("Umu",),
    "Hawa": ("Hawa",), "Djénéba": ("Djeneba", "Jeneba"), "Rokia": ("Rokiatou",), "Assétou": ("Assetou",),
    "Salimata": ("Salimata",), "Bintou": ("Bintu",), "Maïmouna": ("Maimouna",), "Ramata": ("Ramatou",),
}  # fmt: skip
# Mobile blocks of Orange Mali and Moov Africa Malitel.
MOBILE_PREFIXES = ("70", "71", "72", "73", "74", "75", "76", "77", "78", "79", "60", "65", "66", "67", "69",
                   "82", "83", "90", "91", "92", "95", "96", "98", "99")  # fmt: skip
VILLAGES = ("Centre", "Médine", "Plateau", "Liberté", "Darsalam", "Sabalibougou", "Banankoro", "Hamdallaye",
            "Kalaban", "Sikoro", "Missira", "Dougoukolo", "Niamana", "Sébénikoro")  # fmt: skip

# Dwelling, livestock and assets (what proxy-means tests use); "assets" lists the household's
# possessions space-separated, as a Kobo select_multiple answer does.
DWELLING = (
    "roof", "wall", "floor", "water_source", "toilet", "lighting", "cooking_fuel", "cattle",
    "goats", "poultry", "assets",
)  # fmt: skip
RURAL = {
    "roof": (("straw", 4), ("mud", 3), ("corrugated_iron", 3)),
    "wall": (("mud", 7), ("cement_block", 2), ("stone", 1)),
    "floor": (("earth", 8), ("cement", 2)),
    "water_source": (("borehole", 4), ("protected_well", 2), ("unprotected_well", 3), ("surface", 1)),
    "toilet": (("latrine", 6), ("improved_latrine", 1), ("none", 3)),
    "lighting": (("solar", 4), ("lamp", 4), ("kerosene", 1), ("none", 1)),
    "cooking_fuel": (("firewood", 9), ("charcoal", 1)),
}  # fmt: skip
URBAN = {
    "roof": (("corrugated_iron", 6), ("concrete", 4)),
    "wall": (("cement_block", 8), ("mud", 2)),
    "floor": (("cement", 7), ("tile", 2), ("earth", 1)),
    "water_source": (("piped", 6), ("borehole", 3), ("protected_well", 1)),
    "toilet": (("improved_latrine", 5), ("flush", 2), ("latrine", 3)),
    "lighting": (("grid", 7), ("solar", 3)),
    "cooking_fuel": (("charcoal", 6), ("gas", 3), ("firewood", 1)),
}  # fmt: skip
ASSETS = {"radio": 0.5, "phone": 0.75, "television": 0.2, "bicycle": 0.3, "motorbike": 0.25,
          "plough": 0.2, "cart": 0.2}  # fmt: skip

COLUMNS = (
    "record_id", "household_id", "commune_pcode", "village", "registered_on", "displacement",
    "displaced_on", "is_child_headed", *DWELLING, "relationship", "given_names", "family_name", "sex", "birth_date",
    "birth_precision", "phone", "nina",
)  # fmt: skip


@dataclass
class Person:
    person_id: int
    given_names: str
    family_name: str
    sex: str
    birth_date: date
    birth_precision: str
    relationship: str
    phone: str = ""
    nina: str = ""
    variants: tuple[str, ...] = ()
    family_variants: tuple[str, ...] = ()
    husband_family: str = ""


@dataclass
class Household:
    household_id: str
    commune: str
    village: str
    registered_on: date
    displacement: str
    displaced_on: date | None
    is_child_headed: bool = False
    dwelling: dict[str, str] = field(default_factory=dict)
    members: list[Person] = field(default_factory=list)


@dataclass(frozen=True)
class Record:
    record_id: str
    person_id: int
    values: dict[str, Any]


def _strip_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


class Generator:
    """Draws households and their members; everything comes from one seeded random source."""

    def __init__(self, *, seed: int, duplicate_rate: float, today: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
        self.duplicate_rate = duplicate_rate
        self.today = today
        communes = list(AdminArea.objects.filter(level=3).values_list("pcode", flat=True))
        if not communes:
            raise RuntimeError("No communes: run `jigi setup` first.")
        by_region: dict[str, list[str]] = {}
        for pcode in communes:
            by_region.setdefault(pcode[:4], []).append(pcode)
        self.communes = by_region
        self.regions = list(REGION_WEIGHTS)
        self.weights = [REGION_WEIGHTS[region] for region in self.regions]
        self.next_person = 0
        self.family = list(FAMILY_NAMES)
        self.male = list(MALE_NAMES)
        self.female = list(FEMALE_NAMES)

    def _person(self, *, family: str, sex: str, age: int, relationship: str) -> Person:
        rng = self.rng
        self.next_person += 1
        estimated = rng.random() < (0.55 if age >= 15 else 0.2)
        if estimated:
            year = self.today.year - age
            late = rng.random() >= 0.8 and year < self.today.year  # 31 Dec, never in the future
            birth = date(year, 12, 31) if late else date(year, 1, 1)
            precision = "estimated"
        else:
            birth = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
            precision = "exact"
        names = MALE_NAMES if sex == "M" else FEMALE_NAMES
        given = rng.choice(self.male if sex == "M" else self.female)
        phone = ""
        if age >= 18 and rng.random() < 0.55:
            phone = f"+223{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 999999):06d}"
        nina = ""
        if age >= 18 and rng.random() < 0.35:
            nina = f"{rng.randint(0, 10**14 - 1):014d}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
        return Person(
            person_id=self.next_person,
            given_names=given,
            family_name=family,
            sex=sex,
            birth_date=birth,
            birth_precision=precision,
            relationship=relationship,
            phone=phone,
            nina=nina,
            variants=names[given],
            family_variants=FAMILY_NAMES.get(family, ()),
        )

    def household(self, number: int) -> Household:
        rng = self.rng
        region = rng.choices(self.regions, self.weights)[0]
        commune = rng.choice(self.communes[region])
        displaced = rng.random() < DISPLACEMENT_REGIONS.get(region, 0.01)
        registered = self.today - timedelta(days=rng.randint(0, 900))
        household = Household(
            household_id=f"HH{number:07d}",
            commune=commune,
            village=rng.choice(VILLAGES),
            registered_on=registered,
            displacement="idp" if displaced else "resident",
            displaced_on=registered - timedelta(days=rng.randint(10, 700)) if displaced else None,
        )
        household.dwelling = self._dwelling(urban=region == "ML09")
        family = rng.choice(self.family)
        if rng.random() < 0.004:  # child-headed: rare
            household.is_child_headed = True
            head = self._person(
                family=family, sex=rng.choice("MF"), age=rng.randint(14, 17), relationship="head"
            )
            household.members.append(head)
            for _sibling in range(rng.randint(1, 3)):
                household.members.append(
                    self._person(
                        family=family,
                        sex=rng.choice("MF"),
                        age=rng.randint(2, 13),
                        relationship="sibling",
                    )
                )
            return household
        head_sex = "M" if rng.random() < 0.85 else "F"
        head_age = rng.randint(22, 75)
        household.members.append(
            self._person(family=family, sex=head_sex, age=head_age, relationship="head")
        )
        wives = 0
        if head_sex == "M":
            wives = (
                2 if rng.random() < 0.22 else (1 if rng.random() < 0.85 else 0)
            )  # polygamy exists
        for _wife in range(wives):
            wife = self._person(
                family=rng.choice(self.family),
                sex="F",
                age=max(16, head_age - rng.randint(3, 20)),
                relationship="spouse",
            )
            wife.husband_family = family
            household.members.append(wife)
        # A young population: children make up most of the household (mean size about 6).
        for _child in range(max(0, round(rng.gauss(4.2, 1.9)))):
            household.members.append(
                self._person(
                    family=family,
                    sex=rng.choice("MF"),
                    age=min(int(rng.expovariate(1 / 7)), 25),
                    relationship="child",
                )
            )
        if rng.random() < 0.15:
            household.members.append(
                self._person(
                    family=family,
                    sex=rng.choice("MF"),
                    age=rng.randint(60, 90),
                    relationship="parent",
                )
            )
        return household

    def _dwelling(self, *, urban: bool) -> dict[str, str]:
        rng = self.rng
        dwelling = {
            name: rng.choices([value for value, _w in options], [w for _v, w in options])[0]
            for name, options in (URBAN if urban else RURAL).items()
        }
        herd = 0.05 if urban else 1.0
        dwelling["cattle"] = str(int(rng.expovariate(1 / 3) * herd) if rng.random() < 0.4 else 0)
        dwelling["goats"] = str(int(rng.expovariate(1 / 5) * herd) if rng.random() < 0.6 else 0)
        dwelling["poultry"] = str(int(rng.expovariate(1 / 8)) if rng.random() < 0.7 else 0)
        dwelling["assets"] = " ".join(
            name for name, share in ASSETS.items() if rng.random() < share * (1.3 if urban else 1)
        )
        return dwelling

    def duplicate_of(self, household: Household, number: int) -> Household:
        """The same household registered again by another team, with the field's usual drift."""
        rng = self.rng
        copy = Household(
            household_id=f"HH{number:07d}",
            commune=household.commune,
            village=household.village if rng.random() < 0.7 else rng.choice(VILLAGES),
            registered_on=min(
                self.today, household.registered_on + timedelta(days=rng.randint(30, 400))
            ),
            displacement=household.displacement,
            displaced_on=household.displaced_on,
            is_child_headed=household.is_child_headed,
            dwelling=dict(household.dwelling),
        )
        for member in household.members:
            if rng.random() < 0.1:
                continue  # not found at home the second time
            copy.members.append(self._mutated(member))
        if not any(m.relationship == "head" for m in copy.members):
            copy.members.insert(0, self._mutated(household.members[0]))
        return copy

    def _mutated(self, person: Person) -> Person:
        rng = self.rng
        given, family, birth, phone = (
            person.given_names,
            person.family_name,
            person.birth_date,
            person.phone,
        )
        for _change in range(rng.choice((1, 1, 2, 3))):
            kind = rng.random()
            if kind < 0.2 and person.variants:
                given = rng.choice(person.variants)
            elif kind < 0.35 and person.family_variants:
                family = rng.choice(person.family_variants)
            elif kind < 0.45:
                given, family = _strip_accents(given), _strip_accents(family)
            elif kind < 0.52:
                given, family = family, given  # swapped by the enumerator
            elif kind < 0.62:
                given = _typo(rng, given)
            elif kind < 0.72 and person.birth_precision != "exact":
                birth = birth.replace(year=birth.year + rng.choice((-1, 1)))
            elif kind < 0.8 and person.relationship == "child":
                birth = birth + timedelta(days=rng.randint(-400, 400))  # age drifts between surveys
            elif kind < 0.88:
                phone = ""
            elif person.husband_family:
                family = person.husband_family  # a woman under her husband's family name
        return Person(
            person_id=person.person_id,
            given_names=given,
            family_name=family,
            sex=person.sex,
            birth_date=min(birth, self.today),
            birth_precision=person.birth_precision,
            relationship=person.relationship,
            phone=phone,
            nina=person.nina if rng.random() < 0.8 else "",
        )


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    position = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    return word[:position] + rng.choice("aeiouy") + word[position + 1 :]


def households(
    count: int, *, seed: int = 1, duplicate_rate: float = 0.05, today: date | None = None
) -> Iterator[Household]:
    """``count`` households, some of them (``duplicate_rate``) second registrations of earlier ones."""
    generator = Generator(
        seed=seed, duplicate_rate=duplicate_rate, today=today or date(2026, 11, 1)
    )
    recent: list[Household] = []
    for number in range(1, count + 1):
        if recent and generator.rng.random() < duplicate_rate:
            yield generator.duplicate_of(generator.rng.choice(recent), number)
            continue
        household = generator.household(number)
        recent.append(household)
        if len(recent) > 5000:
            recent.pop(generator.rng.randrange(len(recent)))
        yield household


def records(stream: Iterator[Household]) -> Iterator[Record]:
    for household in stream:
        for index, person in enumerate(household.members, start=1):
            record_id = f"{household.household_id}-{index:02d}"
            yield Record(
                record_id=record_id,
                person_id=person.person_id,
                values={
                    "record_id": record_id,
                    "household_id": household.household_id,
                    "commune_pcode": household.commune,
                    "village": household.village,
                    "registered_on": household.registered_on.isoformat(),
                    "displacement": household.displacement,
                    "displaced_on": household.displaced_on.isoformat()
                    if household.displaced_on
                    else "",
                    "is_child_headed": "yes" if household.is_child_headed else "",
                    **household.dwelling,
                    "relationship": person.relationship,
                    "given_names": person.given_names,
                    "family_name": person.family_name,
                    "sex": person.sex,
                    "birth_date": person.birth_date.isoformat(),
                    "birth_precision": person.birth_precision,
                    "phone": person.phone,
                    "nina": person.nina,
                },
            )


@dataclass(frozen=True)
class SynthResult:
    households: int
    records: int
    duplicate_records: int
    path: Path
    truth_path: Path


def write(
    out: Path, *, households_count: int, seed: int, duplicate_rate: float, file_format: str = "csv"
) -> SynthResult:
    """Write the register to ``out`` and the ground truth to ``<out>.truth.csv``, streaming."""
    truth_path = out.with_name(out.name + ".truth.csv")
    seen_people: set[int] = set()
    count = duplicates = 0
    stream = households(households_count, seed=seed, duplicate_rate=duplicate_rate)
    with truth_path.open("w", encoding="utf-8", newline="") as truth_file:
        truth = csv.writer(truth_file)
        truth.writerow(["record_id", "person_id"])

        def tracked(rows: Iterator[Record]) -> Iterator[Record]:
            nonlocal count, duplicates
            for row in rows:
                count += 1
                if row.person_id in seen_people:
                    duplicates += 1
                else:
                    seen_people.add(row.person_id)
                truth.writerow([row.record_id, row.person_id])
                yield row

        if file_format == "csv":
            _write_csv(out, tracked(records(stream)))
        elif file_format == "xlsx":
            _write_xlsx(out, tracked(records(stream)))
        elif file_format == "kobo-json":
            _write_kobo(out, stream, tracked)
        else:
            raise ValueError(f"Unknown format {file_format!r} (csv, xlsx, kobo-json).")
    return SynthResult(households_count, count, duplicates, out, truth_path)


def _write_csv(out: Path, rows: Iterator[Record]) -> None:
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row.values)


def _write_xlsx(out: Path, rows: Iterator[Record]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("register")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row.values[column] for column in COLUMNS])
    workbook.save(out)


def _write_kobo(out: Path, stream: Iterator[Household], tracked: Any) -> None:
    """KoboToolbox API JSON: one submission per household, members as a repeat group."""
    with out.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        first = True
        for household in stream:
            members = list(tracked(records(iter([household]))))
            submission = {
                "_uuid": f"uuid-{household.household_id}",
                "_submission_time": f"{household.registered_on.isoformat()}T10:00:00",
                "household/household_id": household.household_id,
                "household/commune": household.commune,
                "household/village": household.village,
                "household/displacement": household.displacement,
                "household/is_child_headed": "yes" if household.is_child_headed else "no",
                **{f"household/{name}": value for name, value in household.dwelling.items()},
                "members": [
                    {
                        f"members/{key}": value
                        for key, value in member.values.items()
                        if key in _MEMBER_KEYS
                    }
                    for member in members
                ],
            }
            handle.write(("" if first else ",\n") + json.dumps(submission, ensure_ascii=False))
            first = False
        handle.write("\n]\n")


_MEMBER_KEYS = {
    "record_id", "relationship", "given_names", "family_name", "sex", "birth_date", "birth_precision", "phone", "nina",
}  # fmt: skip
