"""A few hundred demo households across several regions (only loaded by `jigi demo`).

The intake issue brings the full synthetic generator (`jigi synth`); this keeps the demo's
pages from being empty in the meantime. Deterministic: the same households every time.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from jigi.core.models import AdminArea
from jigi.registry.models import Household
from jigi.registry.services import NewMember, register_household

FAMILY_NAMES = (
    "Traoré", "Coulibaly", "Diarra", "Keïta", "Konaté", "Touré", "Maïga", "Cissé", "Diallo", "Sidibé",
    "Sangaré", "Dembélé", "Camara", "Doumbia", "Kanté", "Samaké", "Ballo", "Sissoko", "Koné", "Bagayoko",
    "Sylla", "Guindo", "Dicko", "Ag Mohamed", "Tounkara", "Fofana", "Kouyaté", "Bah",
)  # fmt: skip
MALE_NAMES = (
    "Mamadou", "Moussa", "Oumar", "Boubacar", "Seydou", "Ibrahim", "Adama", "Souleymane", "Bakary",
    "Modibo", "Amadou", "Youssouf", "Drissa", "Lassana", "Issa", "Abdoulaye", "Sékou", "Mahamadou",
)  # fmt: skip
FEMALE_NAMES = (
    "Fatoumata", "Aminata", "Aïssata", "Mariam", "Kadiatou", "Awa", "Oumou", "Hawa", "Djénéba",
    "Rokia", "Assétou", "Salimata", "Kadidia", "Fanta", "Nana", "Bintou", "Maimouna", "Ramata",
)  # fmt: skip
# Orange Mali (7x, 82–85, 90–94) and Moov Africa Malitel (6x, 95–99) mobile blocks.
MOBILE_PREFIXES = (
    "76",
    "77",
    "78",
    "79",
    "70",
    "66",
    "65",
    "69",
    "82",
    "83",
    "90",
    "91",
    "95",
    "98",
)
VILLAGES = (
    "Centre",
    "Médine",
    "Plateau",
    "Liberté",
    "Darsalam",
    "Sabalibougou",
    "Banankoro",
    "Hamdallaye",
)
# Region P-code → share of demo households (displaced households mostly in Mopti, Tombouctou, Gao, Ménaka).
REGIONS = {"ML01": 70, "ML05": 70, "ML06": 40, "ML07": 40, "ML10": 20, "ML09": 60}
DISPLACED_REGIONS = {"ML05", "ML06", "ML07", "ML10"}


def _member(
    rng: random.Random, *, family: str, sex: str, age: int, relationship: str, today: date
) -> NewMember:
    estimated = rng.random() < 0.4
    birth = (
        date(today.year - age, 1, 1)
        if estimated
        else today - timedelta(days=age * 365 + rng.randint(0, 364))
    )
    values: dict[str, Any] = {
        "given_names": rng.choice(MALE_NAMES if sex == "M" else FEMALE_NAMES),
        "family_name": family,
        "sex": sex,
        "birth_date": birth.isoformat(),
        "birth_precision": "estimated" if estimated else "exact",
        "relationship": relationship,
    }
    if age >= 18 and rng.random() < 0.6:
        values["phone"] = f"+223{rng.choice(MOBILE_PREFIXES)}{rng.randint(100000, 999999)}"
    if sex == "F" and 18 <= age <= 40 and rng.random() < 0.15:
        values["pregnancy"] = rng.choice(["pregnant", "lactating"])
    documents: tuple[dict[str, str], ...] = ()
    if age >= 18 and rng.random() < 0.3:
        digits = "".join(str(rng.randint(0, 9)) for _digit in range(14))
        documents = ({"kind": "nina", "number": f"{digits}{rng.choice('ABCDEFGHJK')}"},)
    return NewMember(values=values, documents=documents)


@transaction.atomic
def seed() -> dict[str, Any]:
    if Household.objects.exists():
        return {"households": Household.objects.count(), "created": 0}
    rng = random.Random(2026)  # noqa: S311 (demo data, not security)
    today = date.today()  # noqa: DTZ011 (demo ages only)
    created = 0
    for region, count in REGIONS.items():
        communes = list(
            AdminArea.objects.filter(level=3, pcode__startswith=region).values_list(
                "pcode", flat=True
            )
        )
        for _number in range(count):
            family = rng.choice(FAMILY_NAMES)
            head_sex = "M" if rng.random() < 0.8 else "F"
            members = [
                _member(
                    rng,
                    family=family,
                    sex=head_sex,
                    age=rng.randint(25, 70),
                    relationship="head",
                    today=today,
                )
            ]
            if head_sex == "M":
                for _wife in range(1 if rng.random() < 0.8 else 2):
                    wife_family = rng.choice(FAMILY_NAMES)
                    members.append(
                        _member(
                            rng,
                            family=wife_family,
                            sex="F",
                            age=rng.randint(18, 45),
                            relationship="spouse",
                            today=today,
                        )
                    )
            for _child in range(rng.randint(1, 6)):
                sex = rng.choice("MF")
                members.append(
                    _member(
                        rng,
                        family=family,
                        sex=sex,
                        age=rng.randint(0, 17),
                        relationship="child",
                        today=today,
                    )
                )
            household: dict[str, Any] = {
                "village": rng.choice(VILLAGES),
                "registered_on": (today - timedelta(days=rng.randint(10, 700))).isoformat(),
                "source": "survey",
                "roof": rng.choice(["straw", "mud", "corrugated_iron"]),
                "wall": rng.choice(["mud", "mud", "cement_block"]),
                "water_source": rng.choice(
                    ["borehole", "protected_well", "unprotected_well", "surface"]
                ),
                "goats": rng.randint(0, 12),
                "poultry": rng.randint(0, 20),
                "has_phone": rng.random() < 0.6,
                "has_radio": rng.random() < 0.5,
            }
            if region in DISPLACED_REGIONS and rng.random() < 0.35:
                household["displacement"] = "idp"
                household["displaced_on"] = (
                    today - timedelta(days=rng.randint(30, 900))
                ).isoformat()
            register_household(
                actor=None, commune=rng.choice(communes), household=household, members=members
            )
            created += 1
    return {"households": Household.objects.count(), "created": created}
