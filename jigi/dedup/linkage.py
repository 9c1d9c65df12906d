"""The linkage model: how two person records are compared, blocked and trained (Splink).

Everything here works on a *person frame*: one row per individual with the columns Splink
compares (keys from ``names``, birth as day numbers, documents, place, household context). The
frame is built from the register (``selectors.person_frame``) or from any other source with the
same columns (FEBRL, the synthetic generator's files), so the model can be measured anywhere.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import math
import threading
import zlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import splink.blocking_rule_library as brl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect
from splink.internals.exceptions import EMTrainingException

from jigi.dedup.names import fold, name_key
from jigi.dedup.records import PersonRecord

EPOCH = date(1900, 1, 1)
COLUMNS = (
    "unique_id", "household_id", "given_fold", "family_fold", "given_key", "family_key", "sex",
    "birth_day", "birth_year", "birth_estimated", "phone", "nina", "commune", "cercle", "region",
    "co_members",
)  # fmt: skip


def _estimated(birth: date | None, flagged: bool) -> bool:
    # Field teams estimate births as 1 January (or 31 December) of a year, even when the form
    # does not say so: such a date is treated as a year only.
    return flagged or (birth is not None and (birth.month, birth.day) in ((1, 1), (12, 31)))


def person_frame(records: Iterable[PersonRecord]) -> pd.DataFrame:
    """The frame Splink compares; household context is the other members' name keys.

    Built column by column (a million records fit in a few hundred megabytes), with the
    garbage collector paused: these millions of small objects all live on, and its passes
    over them cost more than building them.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _person_frame(records)
    finally:
        if collecting:
            gc.enable()


def _person_frame(records: Iterable[PersonRecord]) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    members: list[int] = []
    households: dict[Any, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        given, family = name_key(record.given_names), name_key(record.family_name, family=True)
        birth = record.birth_date
        commune = record.commune or None
        for name, value in (
            ("unique_id", record.unique_id),
            # as text: ids of new households ("new") sit beside the register's numbers
            ("household_id", None if record.household_id is None else str(record.household_id)),
            ("given_fold", fold(record.given_names) or None),
            ("family_fold", fold(record.family_name) or None),
            ("given_key", given or None),
            ("family_key", family or None),
            ("sex", record.sex or None),
            ("birth_day", (birth - EPOCH).days if birth else None),
            ("birth_year", birth.year if birth else None),
            ("birth_estimated", _estimated(birth, record.birth_estimated)),
            ("phone", record.phone or None),
            ("nina", record.nina or None),
            ("commune", commune),
            ("cercle", record.cercle or (commune[:6] if commune else None)),
            ("region", record.region or (commune[:4] if commune else None)),
            ("co_members", None),
        ):
            columns[name].append(value)
        # Family names are shared by whole lineages: a member is their given name and birth
        # year, so households of one family do not look alike by chance. Held as a number
        # (a stable hash: the instant check builds its two frames apart), which the engine
        # compares several times faster than text.
        members.append(zlib.crc32(f"{given}|{birth.year if birth else ''}".encode()))
        if record.household_id is not None:
            households[record.household_id].append(index)
    co_members = columns["co_members"]
    for positions in households.values():
        for position in positions:
            others = sorted({members[other] for other in positions if other != position})
            co_members[position] = others or None
    frame = pd.DataFrame(columns, columns=list(COLUMNS))
    frame["birth_day"] = frame["birth_day"].astype("Int64")
    frame["birth_year"] = frame["birth_year"].astype("Int64")
    return frame


def _names() -> Any:
    exact_both = cll.And(cll.ExactMatchLevel("given_fold"), cll.ExactMatchLevel("family_fold"))
    keys_both = cll.And(cll.ExactMatchLevel("given_key"), cll.ExactMatchLevel("family_key"))
    swapped = cll.CustomLevel(
        "given_key_l = family_key_r AND family_key_l = given_key_r",
        label_for_charts="Prénom et nom inversés",
    )
    one_close = cll.Or(
        cll.And(cll.ExactMatchLevel("given_key"), cll.JaroWinklerLevel("family_key", 0.88)),
        cll.And(cll.ExactMatchLevel("family_key"), cll.JaroWinklerLevel("given_key", 0.88)),
    )
    both_close = cll.And(
        cll.JaroWinklerLevel("given_key", 0.8), cll.JaroWinklerLevel("family_key", 0.8)
    )
    return cl.CustomComparison(
        output_column_name="names",
        comparison_description="Prénoms et nom",
        comparison_levels=[
            cll.CustomLevel(
                "(given_key_l IS NULL AND family_key_l IS NULL)"
                " OR (given_key_r IS NULL AND family_key_r IS NULL)",
                label_for_charts="Noms absents",
            ).configure(is_null_level=True),
            exact_both.configure(label_for_charts="Même orthographe"),
            keys_both.configure(label_for_charts="Mêmes noms, variantes d'orthographe"),
            swapped,
            one_close.configure(label_for_charts="Un nom identique, l'autre proche"),
            cll.ExactMatchLevel("given_key").configure(
                label_for_charts="Même prénom, autre nom (p. ex. nom d'épouse)"
            ),
            both_close.configure(label_for_charts="Noms proches"),
            cll.ExactMatchLevel("family_key").configure(label_for_charts="Même nom, autre prénom"),
            cll.ElseLevel(),
        ],
    )


def _birth() -> Any:
    def level(sql: str, label: str) -> Any:
        return cll.CustomLevel(sql, label_for_charts=label)

    either_estimated = "(birth_estimated_l OR birth_estimated_r)"
    return cl.CustomComparison(
        output_column_name="birth",
        comparison_description="Date de naissance",
        comparison_levels=[
            cll.NullLevel("birth_day"),
            level(f"birth_day_l = birth_day_r AND NOT {either_estimated}", "Même date (exacte)"),
            level(f"birth_year_l = birth_year_r AND {either_estimated}", "Même année (estimée)"),
            level("abs(birth_day_l - birth_day_r) <= 31", "À un mois près"),
            level(
                f"abs(birth_year_l - birth_year_r) <= 1 AND {either_estimated}",
                "À un an près (estimée)",
            ),
            level("abs(birth_day_l - birth_day_r) <= 400", "À 13 mois près (âge d'enfant)"),
            level("abs(birth_year_l - birth_year_r) <= 3", "À 3 ans près"),
            cll.ElseLevel(),
        ],
    )


def _place() -> Any:
    return cl.CustomComparison(
        output_column_name="place",
        comparison_description="Lieu",
        comparison_levels=[
            cll.NullLevel("commune"),
            cll.ExactMatchLevel("commune").configure(label_for_charts="Même commune"),
            cll.ExactMatchLevel("cercle").configure(label_for_charts="Même cercle"),
            cll.ExactMatchLevel("region").configure(label_for_charts="Même région"),
            cll.ElseLevel(),
        ],
    )


class SharedMembersLevel(ComparisonLevelCreator):
    """At least ``count`` members in common between two records' ``co_members``.

    The same test as Splink's ``ArrayIntersectLevel``, written as a filter of one list by the
    other: DuckDB builds no intersection list per pair, which made this comparison most of
    the scoring time (members are unique within a list, so the count is the same).
    """

    def __init__(self, count: int) -> None:
        self.count = count

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        if sql_dialect.sql_dialect_str == "spark":
            shared = "size(filter(co_members_l, x -> array_contains(co_members_r, x)))"
        else:
            shared = "len(list_filter(co_members_l, lambda x: list_contains(co_members_r, x)))"
        return f"{shared} >= {self.count}"

    def create_label_for_charts(self) -> str:
        return f"{self.count} members or more in common"


class SmallHouseholdsLevel(ComparisonLevelCreator):
    """One of the two records lists at most ``others`` other members.

    Combined with one member in common: when a household is registered twice most of its
    members are in both copies, so two large households sharing a single relative of the
    same given name and birth year are more likely two families of namesakes than one.
    """

    def __init__(self, others: int) -> None:
        self.others = others

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        size = "size" if sql_dialect.sql_dialect_str == "spark" else "len"
        return f"least({size}(co_members_l), {size}(co_members_r)) <= {self.others}"

    def create_label_for_charts(self) -> str:
        return f"a household of at most {self.others} others"


# Other members listed, at most, for one member in common to weigh as a small household's.
SMALL_HOUSEHOLD = 3


def _household() -> Any:
    return cl.CustomComparison(
        output_column_name="household",
        comparison_description="Ménage (membres en commun)",
        comparison_levels=[
            cll.NullLevel("co_members"),
            # Not learnt (training leaves pairs inside a household out): listing one person
            # twice in one household is rare.
            cll.ExactMatchLevel("household_id").configure(
                label_for_charts="Même ménage", m_probability=1e-6
            ),
            SharedMembersLevel(3).configure(label_for_charts="3 membres ou plus en commun"),
            # One member in common happens by chance far more often than two (a common given
            # name and a birth year): at a million records most false pairs had exactly one.
            SharedMembersLevel(2).configure(label_for_charts="2 membres en commun"),
            cll.And(SharedMembersLevel(1), SmallHouseholdsLevel(SMALL_HOUSEHOLD)).configure(
                label_for_charts="1 membre en commun (petit ménage)"
            ),
            SharedMembersLevel(1).configure(label_for_charts="1 membre en commun"),
            cll.ElseLevel(),
        ],
    )


def _exact(column: str, description: str, *, typo: bool = False) -> Any:
    levels = [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column).configure(label_for_charts="Identique"),
    ]
    if typo:  # one digit mistyped or two swapped
        levels.append(
            cll.DamerauLevenshteinLevel(column, 1).configure(
                label_for_charts="Un chiffre de différence"
            )
        )
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=description,
        comparison_levels=[*levels, cll.ElseLevel()],
    )


class _SameBirthCloseName(BlockingRuleCreator):
    """The same exact birth date in a region, and one name close to one of the other's
    (Jaro-Winkler, written for each engine): both names mistyped, or swapped and one
    mistyped. Without a close name such a pair cannot reach a match weight worth reviewing.
    """

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        jw = sql_dialect.jaro_winkler_function_name
        close = " OR ".join(
            f"{jw}(l.{left}, r.{right}) >= 0.8"
            for left, right in (
                ("given_key", "given_key"),
                ("family_key", "family_key"),
                ("given_key", "family_key"),
                ("family_key", "given_key"),
            )
        )
        return f"l.birth_day = r.birth_day AND l.region = r.region AND {_EXACT_BOTH} AND ({close})"


# Blocks stay within a commune, except for an exact birth date with a name, a phone or a NINA,
# which pair people across communes (a displaced family re-registered elsewhere, a commune
# mistyped): names alone are too common to block a cercle or the country on (decision 0006 has
# the pair counts). An estimated birth (1 January of a year) is a year, not a day: it never
# stands in for an exact date, whose day is what keeps a block small.
_EXACT_BOTH = "NOT l.birth_estimated AND NOT r.birth_estimated"
BLOCKING_RULES = (
    # Namesakes of all ages share a commune's few common names; a duplicate's birth year moves
    # by a year or two at most (estimates, children's ages), so a wider gap is not compared.
    brl.CustomRule(
        "l.given_key = r.given_key AND l.family_key = r.family_key AND l.commune = r.commune"
        " AND (abs(l.birth_year - r.birth_year) <= 3"
        " OR l.birth_year IS NULL OR r.birth_year IS NULL)"
    ),
    brl.CustomRule(
        "l.given_key = r.family_key AND l.family_key = r.given_key AND l.commune = r.commune"
    ),
    # Another family name (a woman under her husband's, a spelling no rule covers), born
    # within a month when both dates are exact.
    brl.CustomRule(
        "l.given_key = r.given_key AND l.birth_year = r.birth_year AND l.commune = r.commune"
        " AND (abs(l.birth_day - r.birth_day) <= 31 OR l.birth_estimated OR r.birth_estimated)"
    ),
    # Another given name (a typo, a variant no class lists): the sex, when known, stays.
    brl.CustomRule(
        "l.family_key = r.family_key AND l.birth_year = r.birth_year AND l.commune = r.commune"
        " AND (l.sex = r.sex OR l.sex IS NULL OR r.sex IS NULL)"
    ),
    brl.CustomRule(f"l.birth_day = r.birth_day AND l.commune = r.commune AND {_EXACT_BOTH}"),
    brl.CustomRule(
        "l.given_key = r.given_key AND l.family_key = r.family_key AND l.birth_day = r.birth_day"
        " AND l.region = r.region"
    ),
    brl.CustomRule(f"l.birth_day = r.birth_day AND l.given_key = r.given_key AND {_EXACT_BOTH}"),
    brl.CustomRule(f"l.birth_day = r.birth_day AND l.family_key = r.family_key AND {_EXACT_BOTH}"),
    brl.CustomRule(f"l.birth_day = r.birth_day AND l.given_key = r.family_key AND {_EXACT_BOTH}"),
    _SameBirthCloseName(),
    block_on("nina"),
    block_on("phone"),
)
# Rules that almost only pair the same person, to estimate how often two records match.
DETERMINISTIC_RULES = (
    block_on("nina"),
    block_on("given_key", "family_key", "birth_day", "commune"),
)


def settings(probability_two_random_records_match: float = 0.0001) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=probability_two_random_records_match,
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        comparisons=[
            _names(),
            _birth(),
            _exact("sex", "Sexe"),
            _exact("phone", "Téléphone", typo=True),
            _exact("nina", "NINA / pièce d'identité", typo=True),
            _place(),
            _household(),
        ],
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
    )


# The least m a level gets, whatever the labels say (they may never show it): what a duplicate
# looks like in the field, as prudent defaults a reviewer can read. A level never learnt
# and not listed here gets 0.001.
PRIOR_M = {
    ("birth", "All other comparisons"): 0.01,
    ("sex", "All other comparisons"): 0.01,
    ("phone", "All other comparisons"): 0.3,  # people change numbers
    ("nina", "All other comparisons"): 0.02,  # typing errors
    ("place", "Même cercle"): 0.02,
    ("place", "Même région"): 0.01,
    ("place", "All other comparisons"): 0.01,  # displaced people register elsewhere
}


BASELINE = Path(__file__).with_name("data") / "baseline_model.json"


def baseline() -> dict[str, Any]:
    """The shipped model: m values learnt where labels exist (see ``data/README.md``)."""
    model: dict[str, Any] = json.loads(BASELINE.read_text(encoding="utf-8"))
    return model


def train(
    frame: pd.DataFrame,
    *,
    labels: pd.Series | None = None,
    seed: int = 1,
    max_pairs: float = 1e6,
) -> dict[str, Any]:
    """Train the model on ``frame``: u by random sampling, m from labelled pairs and EM.

    Labels are pairs known to be one person: records sharing a national ID (NINA), and
    (``labels``) pairs reviewers said were one person; how their fields differ is how a
    duplicate's fields drift. Without any, m starts from the shipped baseline model. Only
    adults hold a NINA, so the birth comparison (children's ages drift between surveys) is
    then re-estimated by EM on pairs from two households with several members in common.
    """
    if labels is None:
        labels = frame["nina"].fillna(frame["unique_id"].astype(str))
    labelled = _numbered(frame).assign(label=labels.to_numpy())
    has_labels = bool(labels.duplicated().any())
    start: Any = settings() if has_labels else baseline()
    linker = Linker(labelled, start, db_api=DuckDBAPI())
    training = linker.training
    training.estimate_probability_two_random_records_match(list(DETERMINISTIC_RULES), recall=0.6)
    training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    if has_labels:
        training.estimate_m_from_label_column("label")
    if frame["co_members"].notna().any():
        _estimate_birth_from_households(training, sample=min(1.0, EM_RECORDS / len(frame)))
    model: dict[str, Any] = json.loads(json.dumps(linker.misc.save_model_to_json()))
    _complete(model, frame)
    return model


EM_RECORDS = 200_000  # EM on birth dates learns as well from a sample of households


def _estimate_birth_from_households(training: Any, *, sample: float) -> None:
    # Without households registered twice yet, the labels' estimates stand. Training runs on
    # DuckDB (``hash``); a share of households, drawn by their id, keeps it fast at scale.
    drawn = f" AND hash(l.household_id) % 1000 < {max(1, round(sample * 1000))}"
    with contextlib.suppress(EMTrainingException):
        training.estimate_parameters_using_expectation_maximisation(
            brl.CustomRule(
                "l.family_key = r.family_key AND l.given_key = r.given_key"
                " AND l.commune = r.commune"
                " AND l.household_id <> r.household_id"
                " AND len(list_filter(l.co_members, lambda x: list_contains(r.co_members, x))) >= 3"
                + drawn
            ),
            fix_u_probabilities=True,
            estimate_without_term_frequencies=True,
        )


def _complete(model: dict[str, Any], frame: pd.DataFrame) -> None:
    """Fill what training could not observe: prior m values, u of rare exact matches."""
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            prior = PRIOR_M.get((name, level.get("label_for_charts", "")))
            learnt = level.get("m_probability") or 0.0
            level["m_probability"] = max(learnt, prior) if prior else (learnt or 0.001)
            if level.get("u_probability") is None and name in frame.columns:
                level["u_probability"] = _chance_agreement(frame[name])


def _chance_agreement(column: pd.Series) -> float:
    """How often two records drawn at random share a value of ``column`` (both filled)."""
    counts = column.dropna().value_counts()
    filled = int(counts.sum())
    if filled < 2:
        return 1e-9
    same = float((counts * (counts - 1)).sum())
    return max(same / (filled * (filled - 1)), 1e-9)


def for_dialect(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The trained model with its SQL written for another engine (``"spark"``).

    Stored models hold DuckDB SQL; the comparisons are rebuilt for ``dialect`` from the same
    definitions and the trained m and u values copied over, level by level.
    """
    rebuilt = settings(model["probability_two_random_records_match"]).create_settings_dict(dialect)
    trained = {c["output_column_name"]: c["comparison_levels"] for c in model["comparisons"]}
    for comparison in rebuilt["comparisons"]:
        levels = trained[comparison["output_column_name"]]
        for level, learnt in zip(comparison["comparison_levels"], levels, strict=True):
            for key in ("m_probability", "u_probability"):
                if learnt.get(key) is not None:
                    level[key] = learnt[key]
    return rebuilt


def linker_for(frame: pd.DataFrame, model: dict[str, Any]) -> Linker:
    return Linker(frame, model, db_api=DuckDBAPI())


def _numbered(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its records numbered 0, 1, 2… as ``unique_id``.

    Splink joins and orders pairs by ``unique_id`` many times over; integers make its blocking
    about a third faster than text ids (a file's record codes).
    """
    return frame.assign(unique_id=np.arange(len(frame), dtype="int64"))


def _scored(
    frame: pd.DataFrame,
    model: dict[str, Any],
    *,
    threshold: float,
    connection: Any,
    rules: Any = None,
) -> pd.DataFrame:
    """Splink's pairs of ``frame`` (records numbered for it, ids mapped back); the tables
    it made are dropped from ``connection`` afterwards."""
    settings_ = {**model, "retain_intermediate_calculation_columns": True}
    if rules is not None:
        settings_["blocking_rules_to_generate_predictions"] = rules
    linker = Linker(_numbered(frame), settings_, db_api=DuckDBAPI(connection=connection))
    try:
        found = linker.inference.predict(threshold_match_probability=threshold)
        pairs = found.as_pandas_dataframe()
    finally:
        linker.table_management.delete_tables_created_by_splink_from_db()
    ids = frame["unique_id"].to_numpy()
    pairs["unique_id_l"] = ids[pairs["unique_id_l"].to_numpy()]
    pairs["unique_id_r"] = ids[pairs["unique_id_r"].to_numpy()]
    return pairs


def predict(frame: pd.DataFrame, model: dict[str, Any], *, threshold: float) -> pd.DataFrame:
    """Pairs above ``threshold`` with per-comparison weights, one match per household pair,
    then the members two copies of a household still leave unmatched
    (``within_linked_households``)."""
    # One database for both passes: a second in-memory one would hold its own buffers
    # beside the first's (about 800 MB more at a million records).
    connection = duckdb.connect()
    try:
        pairs = _scored(frame, model, threshold=threshold, connection=connection)
        return within_linked_households(
            frame,
            model,
            one_person_per_household(pairs),
            threshold=threshold,
            connection=connection,
        )
    finally:
        connection.close()


# Between two copies of one household, the place and the members in common are what made
# them copies: the second pass leaves these comparisons out rather than count them twice.
CONTEXT_COMPARISONS = ("place", "household")
STRONG_HOUSEHOLD_LEVEL = "3 membres ou plus en commun"


def within_linked_households(
    frame: pd.DataFrame,
    model: dict[str, Any],
    pairs: pd.DataFrame,
    *,
    threshold: float,
    connection: Any = None,
) -> pd.DataFrame:
    """``pairs`` with matches between the remaining members of households known to be copies.

    Two households are copies when a pair between them shares three or more members, or two
    pairs link them. Their members the first pass left without a match in the other copy
    (mostly children: their age drifted, so they lost the household tokens and the birth
    agreement that carried their parents) are compared again, all with all, on DuckDB
    whatever engine scored the first pass. The prior is then no longer one pair of the whole
    register but the share of these households' cross pairs already matched, and place and
    household are left out (``CONTEXT_COMPARISONS``, shown with a weight of 0). Each member
    still matches at most one of the other copy (``one_person_per_household``).
    """
    strong = _level_value(model, "household", STRONG_HOUSEHOLD_LEVEL)
    if pairs.empty or strong is None:
        return pairs
    between = pairs[
        pairs["household_id_l"].notna()
        & pairs["household_id_r"].notna()
        & (pairs["household_id_l"] != pairs["household_id_r"])
    ]
    links = between.groupby(["household_id_l", "household_id_r"])["gamma_household"].agg(
        ["size", "max"]
    )
    links = links[(links["size"] >= 2) | (links["max"] == strong)]
    if links.empty:
        return pairs
    group = _groups(links.index)
    members = frame[frame["household_id"].isin(group.keys())]
    members = members.assign(link_group=members["household_id"].map(group))
    # The prior: how many of these households' cross pairs the first pass already matched.
    sizes = members.groupby(["link_group", "household_id"]).size()
    total = sizes.groupby(level=0).sum()
    cross = float(((total**2 - (sizes**2).groupby(level=0).sum()) / 2).sum())
    already = between[between["household_id_l"].map(group).notna()]
    share = min(0.5, max(0.01, len(already) / cross)) if cross else 0.01
    context = {**model, "probability_two_random_records_match": share}
    context["comparisons"] = [
        {**item, "comparison_levels": [_neutral(level) for level in item["comparison_levels"]]}
        if item["output_column_name"] in CONTEXT_COMPARISONS
        else item
        for item in model["comparisons"]
    ]
    rule = {"blocking_rule": "l.link_group = r.link_group AND l.household_id <> r.household_id"}
    candidates = _scored(
        members,
        context,
        threshold=threshold,
        rules=[rule],
        connection=connection or duckdb.connect(),
    )
    if candidates.empty:
        return pairs
    matched = set(zip(between["unique_id_l"], between["household_id_r"], strict=True))
    matched |= set(zip(between["unique_id_r"], between["household_id_l"], strict=True))
    left = [
        (a, h) not in matched and (b, g) not in matched
        for a, h, b, g in zip(
            candidates["unique_id_l"],
            candidates["household_id_r"],
            candidates["unique_id_r"],
            candidates["household_id_l"],
            strict=True,
        )
    ]
    found = one_person_per_household(candidates[left])
    return pd.concat([pairs, found], ignore_index=True) if not found.empty else pairs


def _neutral(level: dict[str, Any]) -> dict[str, Any]:
    """A level that weighs nothing (m = u): shown, not counted."""
    if level.get("is_null_level"):
        return level
    return {**level, "m_probability": 0.5, "u_probability": 0.5}


def _level_value(model: dict[str, Any], comparison: str, label: str) -> int | None:
    """The value Splink gives a level in ``gamma_<comparison>`` (levels count down to 0)."""
    for item in model["comparisons"]:
        if item["output_column_name"] == comparison:
            levels = [lvl for lvl in item["comparison_levels"] if not lvl.get("is_null_level")]
            for index, level in enumerate(levels):
                if level.get("label_for_charts") == label:
                    return len(levels) - 1 - index
    return None


def _groups(links: Iterable[tuple[Any, Any]]) -> dict[Any, int]:
    """Household → number of its group of linked households (connected components)."""
    parent: dict[Any, Any] = {}

    def find(item: Any) -> Any:
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for left, right in links:
        parent[find(left)] = find(right)
    roots: dict[Any, int] = {}
    return {item: roots.setdefault(find(item), len(roots)) for item in list(parent)}


def clusters(pairs: pd.DataFrame, *, threshold: float) -> dict[str, int]:
    """Connected groups of records linked by pairs at or above ``threshold`` (Splink's
    clustering): record id (as text) → cluster number, for records in a pair only."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    if pairs.empty:
        return {}
    edges = pd.DataFrame(
        {
            "unique_id_l": pairs["unique_id_l"].astype(str),
            "unique_id_r": pairs["unique_id_r"].astype(str),
            "match_probability": pairs["match_probability"],
        }
    )
    nodes = pd.DataFrame(
        {"unique_id": pd.unique(pd.concat([edges["unique_id_l"], edges["unique_id_r"]]))}
    )
    found = cluster_pairwise_predictions_at_threshold(
        nodes, edges, DuckDBAPI(), "unique_id", threshold_match_probability=threshold
    ).as_pandas_dataframe()
    numbers = {name: number for number, name in enumerate(sorted(set(found["cluster_id"])), 1)}
    return {
        str(record): numbers[cluster]
        for record, cluster in zip(found["unique_id"], found["cluster_id"], strict=True)
    }


class InstantMatcher:
    """Scores new records against a few register records (the instant check).

    Building a Splink linker parses the whole model (a fifth of a second); one linker per
    model is kept in the process and only its input table is swapped for each check, under a
    lock since the web server answers in threads.
    """

    TABLE = "jigi_register_candidates"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key = ""
        self._linker: Linker | None = None
        self._connection: Any = None

    def match(
        self, register: pd.DataFrame, new: pd.DataFrame, model: dict[str, Any], *, threshold: float
    ) -> pd.DataFrame:
        """Pairs between ``new`` records and ``register`` records only: every new record is
        scored against every register record given, none of those among themselves."""
        key = hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()
        weight = math.log2(threshold / (1 - threshold)) if 0 < threshold < 1 else -40.0
        with self._lock:
            if self._linker is None or key != self._key:
                self._connection = duckdb.connect()
                self._connection.register(self.TABLE, register)
                settings_ = {**model, "retain_intermediate_calculation_columns": True}
                self._linker = Linker(
                    self.TABLE, settings_, db_api=DuckDBAPI(connection=self._connection)
                )
                self._key = key
            else:
                self._connection.register(self.TABLE, register)
                self._linker.table_management.invalidate_cache()
            found = self._linker.inference.find_matches_to_new_records(
                new, blocking_rules=[], match_weight_threshold=weight
            )
            pairs = found.as_pandas_dataframe()
            found.drop_table_from_database_and_remove_from_cache()
        return one_person_per_household(pairs[pairs["match_probability"] >= threshold])


INSTANT = InstantMatcher()


def predict_on_spark(
    frame: pd.DataFrame, model: dict[str, Any], spark: Any, *, threshold: float
) -> pd.DataFrame:
    """The same prediction on Splink's Spark backend (a national register on a cluster).

    ``spark`` is a session whose ``spark.jars`` include Splink's similarity functions
    (``splink.backends.spark.similarity_jar_location()``); see docs/scale-out.md.
    """
    from splink import SparkAPI

    settings_ = {**for_dialect(model, "spark"), "retain_intermediate_calculation_columns": True}
    table = spark.createDataFrame(frame.astype({"birth_day": "float64", "birth_year": "float64"}))
    linker = Linker(table, settings_, db_api=SparkAPI(spark_session=spark))
    pairs = linker.inference.predict(threshold_match_probability=threshold)
    first = one_person_per_household(pairs.as_pandas_dataframe())
    return within_linked_households(frame, model, first, threshold=threshold)


def one_person_per_household(pairs: pd.DataFrame) -> pd.DataFrame:
    """Between two households, one record matches at most one record of the other.

    When a household was registered twice, its members' names, place and relatives agree, so
    siblings of the two copies look alike too; only each record's best match in the other
    household is kept, and only when the choice is mutual.
    """
    if pairs.empty:
        return pairs
    # Ties go to the lower ids, whatever order the engine returned the pairs in.
    pairs = pairs.assign(_l=pairs["unique_id_l"].astype(str), _r=pairs["unique_id_r"].astype(str))
    pairs = pairs.sort_values(["match_weight", "_l", "_r"], ascending=[False, True, True])
    pairs = pairs.drop(columns=["_l", "_r"]).reset_index(drop=True)
    ranked = pairs.assign(
        _left=pairs.groupby(["unique_id_l", "household_id_r"])["match_weight"].rank(
            ascending=False, method="first"
        ),
        _right=pairs.groupby(["unique_id_r", "household_id_l"])["match_weight"].rank(
            ascending=False, method="first"
        ),
    )
    keep = (ranked["_left"] == 1) & (ranked["_right"] == 1)
    keep |= ranked["household_id_l"] == ranked["household_id_r"]
    keep |= ranked["household_id_l"].isna() | ranked["household_id_r"].isna()
    return pairs[keep.to_numpy()]
