"""Link a beneficiary list to the registry's persons: exact NIK first, then Fellegi-Sunter.

Both sides are first standardised (:mod:`rpkd.linkage.standardise`). A list row whose NIK is
trusted and held by exactly one registry person links to that person (``nik``), unless the
model scores the pair below the lower threshold (a typo can produce another real NIK). Every
row is also scored by a Fellegi-Sunter model run by Splink on the engine's own connection:
comparisons of name, birth date, sex, desa, KK and NIK digits; m probabilities estimated by EM
on list x registry pairs, u by random sampling; the name's term frequencies come from the whole
registry, not from the list (a programme list over-represents its own beneficiaries). The best
candidate of each row is a link (``probabilistic``) at or above the upper threshold, goes to
clerical review (``review``) from the lower threshold, and is no link (``none``) below it; a
row whose second candidate is also plausible goes to review.

References
----------
Fellegi, I. P. & Sunter, A. B. (1969). A theory for record linkage. *JASA* 64(328), 1183-1210.
Winkler, W. E. (1988). Using the EM algorithm for weight computation in the Fellegi-Sunter model
of record linkage. *Proc. Section on Survey Research Methods*, ASA. Splink 5 (Ministry of
Justice, UK), https://moj-analytical-services.github.io/splink ; issues #2502/#2035 (term
frequencies from the population) and #2732 (capping skewed blocks).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING, Any, Literal

import ibis
import pyarrow as pa
import pyarrow.compute as pc
from ibis import _

from rpkd import engine as eng
from rpkd.errors import UsageError
from rpkd.findings import Finding
from rpkd.linkage.comparisons import BLOCKING_KEYS, blocking_rules, comparisons, training_rules

if TYPE_CHECKING:
    from ibis.expr.types import Table

Method = Literal["nik", "probabilistic", "review", "none"]
METHODS: tuple[Method, ...] = ("nik", "probabilistic", "review", "none")
LIST_SOURCE = "a_list"
REGISTRY_SOURCE = "b_registry"
_names = count(1)


@dataclass(frozen=True)
class Thresholds:
    """Posterior match probabilities that separate links, review and non-links."""

    upper: float = 0.95
    lower: float = 0.50

    def __post_init__(self) -> None:
        if not 0.0 < self.lower <= self.upper < 1.0:
            raise UsageError(
                "link_thresholds_order", param="upper", lower=self.lower, upper=self.upper
            )


@dataclass(frozen=True)
class ModelSettings:
    """Training and blocking settings (defaults in ``params/indonesia/linkage.toml``)."""

    expected_match_share: float = 0.97
    u_max_pairs: float = 1e6
    u_seed: int = 1
    em_max_pairs: float = 2.5e5
    em_max_iterations: int = 10
    max_block_size: int = 400
    ambiguity: float = 0.50
    report_floor: float = 0.01
    review_candidates: int = 3

    @classmethod
    def from_params(cls, document: Mapping[str, Any]) -> ModelSettings:
        """Return settings from the ``[model]`` table of ``params/linkage.toml``."""
        model = document.get("model", {})
        known = {k: model[k] for k in cls.__dataclass_fields__ if k in model}
        return cls(**known)


@dataclass(frozen=True)
class LinkResult:
    """One row per list record (``links``), review candidates and the fitted model."""

    links: pa.Table
    candidates: pa.Table
    thresholds: Thresholds
    settings: ModelSettings
    model: dict[str, Any] = field(repr=False, compare=False)
    findings: tuple[Finding, ...] = ()

    def to_arrow(self) -> pa.Table:
        """Return the links: record, person_id, match_probability, method and flags."""
        return self.links

    def counts(self) -> dict[str, int]:
        """Return the number of list rows by method, and of flagged rows."""
        methods = self.links.column("method").to_pylist()
        out: dict[str, int] = {m: methods.count(m) for m in METHODS}
        out["deceased"] = sum(bool(v) for v in self.links.column("deceased").to_pylist())
        out["shared"] = sum(bool(v) for v in self.links.column("shared").to_pylist())
        return out


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence Splink's logging and warnings: they must never reach a terminal with data."""
    logger = logging.getLogger("splink")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


def _capped_keys(registry: Table, listed: Table, cap: int) -> tuple[Table, Table]:
    """Add blocking keys to both sides; a key held by more than ``cap`` registry persons is null."""
    keyed: list[Table] = []
    for side in (registry, listed):
        keyed.append(side.mutate(**{name: build(side) for name, build in BLOCKING_KEYS.items()}))
    reg, lst = keyed
    for name in BLOCKING_KEYS:
        skewed = (
            reg.filter(reg[name].notnull())
            .group_by(name)
            .aggregate(_n=_.count())
            .filter(_._n > cap)
            .select(_skewed=name)
        )
        reg = _null_where(reg, skewed, name)
        lst = _null_where(lst, skewed, name)
    return reg, lst


def _null_where(side: Table, skewed: Table, name: str) -> Table:
    joined = side.left_join(skewed, side[name] == skewed._skewed)
    return joined.mutate(
        **{name: ibis.ifelse(joined._skewed.isnull(), joined[name], ibis.null("string"))}
    ).drop("_skewed")


def _term_frequencies(registry: Table) -> Table:
    """Return the share of registry persons bearing each normalised name (Splink's TF table)."""
    named = registry.filter(registry.name_std.notnull())
    counts = named.group_by("name_std").aggregate(_n=_.count())
    return counts.select(
        "name_std", tf_name_std=counts._n.cast("float64") / counts._n.sum().over().cast("float64")
    )


def _settings(n_registry: int, share: float) -> dict[str, Any]:
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": min(share / max(n_registry, 1), 0.5),
        "comparisons": comparisons(),
        "blocking_rules_to_generate_predictions": blocking_rules(),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "max_iterations": 10,
        "em_convergence": 0.001,
    }


def _fit(
    engine: eng.Engine, lst: Table, reg: Table, settings: ModelSettings
) -> tuple[dict[str, Any], str, tuple[Finding, ...]]:
    """Train the model and score blocked pairs; return the model, the scores table, findings.

    Each EM session runs on its own linker built from the model so far, so that a session that
    fails leaves the model untouched. Splink 5 refuses an m that underflows (a level that EM
    drives to zero, e.g. day typos where a list has none); such a session is retried with fewer
    iterations (one EM step from the current model cannot underflow) and skipped if it still fails.
    A session whose rule forms no pairs (no list row has the fields it blocks on) is skipped.
    """
    from splink import Linker
    from splink.internals.exceptions import SplinkException

    run = next(_names)
    tf_name = eng.materialise(engine, _term_frequencies(reg), f"rpkd_link_tf_{run}").get_name()
    n_registry = int(reg.count().execute())
    api = eng.linkage_api(engine)
    left = api.register(lst.get_name(), dataset_display_name=LIST_SOURCE)
    right = api.register(reg.get_name(), dataset_display_name=REGISTRY_SOURCE)
    frequencies = api.register(tf_name, table_name=f"rpkd_link_tf_input_{run}")

    def linker_for(model: dict[str, Any]) -> Any:
        linker = Linker([left, right], model, log_level=None)
        linker.table_management.register_term_frequency_lookup(frequencies, "name_std")
        return linker

    linker = linker_for(_settings(n_registry, settings.expected_match_share))
    # One chunk, no early stop: Splink's chunks and its early stop pick rows by the engine's
    # own hash function, so u would depend on the engine; the whole sample does not.
    linker.training.estimate_u_using_random_sampling(
        max_pairs=settings.u_max_pairs,
        seed=settings.u_seed,
        min_count_per_level=None,
        num_chunks=1,
    )
    model: dict[str, Any] = linker.misc.save_model_to_json()
    findings: list[Finding] = []
    for number, rule in enumerate(training_rules(), start=1):
        outcome = "skipped"
        for iterations in (settings.em_max_iterations, 3, 1):
            trial = linker_for({**model, "max_iterations": iterations})
            try:
                trial.training.estimate_parameters_using_expectation_maximisation(
                    rule, max_pairs=settings.em_max_pairs
                )
            except SplinkException:
                outcome = "no_pairs"  # no list row has the fields this rule blocks on
                break
            except ValueError:
                continue
            model = trial.misc.save_model_to_json()
            outcome = "done" if iterations == settings.em_max_iterations else "shortened"
            break
        if outcome != "done":
            findings.append(Finding(f"em_session_{outcome}", "warning", {"session": number}))
    scores = linker_for(model).inference.predict(threshold_match_probability=settings.report_floor)
    return model, scores.physical_name, tuple(findings)


def _oriented(scores: Table) -> Table:
    """Return scored pairs as (record, person_id, match_probability), list always on the left."""
    left_is_list = scores.source_dataset_l == LIST_SOURCE
    return scores.select(
        record=ibis.ifelse(left_is_list, scores.unique_id_l, scores.unique_id_r),
        person_id=ibis.ifelse(left_is_list, scores.unique_id_r, scores.unique_id_l),
        match_probability=scores.match_probability.cast("float64"),
        match_weight=scores.match_weight.cast("float64"),
    )


def _ranked(pairs: Table) -> Table:
    window = ibis.window(
        group_by="record",
        order_by=[ibis.desc("match_weight"), ibis.asc("person_id")],
    )
    return pairs.mutate(rank=ibis.row_number().over(window) + 1)


def _nik_links(lst: Table, reg: Table) -> Table:
    """Return (record, nik_person) for trusted NIKs held by exactly one registry person."""
    unique = (
        reg.filter(reg.nik.notnull())
        .group_by("nik")
        .aggregate(nik_person=_.unique_id.max(), holders=_.count())
        .filter(_.holders == 1)
    )
    trusted = lst.filter(lst.nik_trusted)
    joined = trusted.join(unique, trusted.nik == unique.nik)
    return joined.select(record=joined.unique_id, nik_person=joined.nik_person)


def _decide(
    lst: Table, reg: Table, ranked: Table, thresholds: Thresholds, settings: ModelSettings
) -> Table:
    """Return one decision per list row (see the module docstring for the rules)."""
    best = ranked.filter(ranked.rank == 1).select(
        "record", best_person="person_id", best_p="match_probability"
    )
    second = ranked.filter(ranked.rank == 2).select("record", second_p="match_probability")
    by_nik = _nik_links(lst, reg)
    nik_scored = by_nik.left_join(
        ranked,
        (by_nik.record == ranked.record) & (by_nik.nik_person == ranked.person_id),
    ).select("record", "nik_person", nik_p=ranked.match_probability)
    rows = lst.select(record=lst.unique_id)
    for part in (best, second, nik_scored):
        rows = rows.left_join(part, rows.record == part.record).drop("record_right")
    nik_ok = rows.nik_person.notnull() & (rows.nik_p.fill_null(0.0) >= thresholds.lower)
    clear = rows.second_p.fill_null(0.0) < settings.ambiguity
    method = ibis.cases(
        (nik_ok, "nik"),
        ((rows.best_p >= thresholds.upper) & clear, "probabilistic"),
        (rows.best_p >= thresholds.lower, "review"),
        else_="none",
    )
    decided = rows.mutate(method=method)
    linked = decided.method.isin(["nik", "probabilistic"])
    decided = decided.mutate(
        person_id=ibis.cases(
            (decided.method == "nik", decided.nik_person),
            (linked, decided.best_person),
            else_=ibis.null("string"),
        ),
        match_probability=ibis.ifelse(decided.method == "nik", decided.nik_p, decided.best_p),
    )
    dead = reg.select(dead_person=reg.unique_id, deceased=reg.deceased)
    decided = decided.left_join(dead, decided.person_id == dead.dead_person)
    claims = (
        decided.filter(decided.person_id.notnull())
        .group_by("person_id")
        .aggregate(claims=_.count())
        .rename(claimed="person_id")
    )
    decided = decided.left_join(claims, decided.person_id == claims.claimed)
    return decided.select(
        "record",
        person_id=decided.person_id,
        match_probability=decided.match_probability,
        method=decided.method,
        deceased=decided.deceased.fill_null(False),
        shared=(decided.claims.fill_null(0) > 1),
    ).order_by("record")


def link(
    engine: eng.Engine,
    listed: Table,
    registry: Table,
    *,
    thresholds: Thresholds | None = None,
    settings: ModelSettings | None = None,
) -> LinkResult:
    """Return the links of a standardised list to the standardised registry.

    Parameters
    ----------
    engine
        The engine holding both tables; Splink runs on its connection.
    listed, registry
        Outputs of :func:`~rpkd.linkage.standardise.standardise_list` and
        :func:`~rpkd.linkage.standardise.standardise_registry` (deceased persons included).
    thresholds, settings
        Decision thresholds and model settings (defaults documented in ``linkage.toml``).
    """
    thresholds = thresholds or Thresholds()
    settings = settings or ModelSettings()
    run = next(_names)
    registry = eng.materialise(engine, registry, f"rpkd_link_registry_std_{run}")
    listed = eng.materialise(engine, listed, f"rpkd_link_list_std_{run}")
    reg, lst = _capped_keys(registry, listed, settings.max_block_size)
    reg = eng.materialise(engine, reg, f"rpkd_link_registry_{run}")
    lst = eng.materialise(engine, lst, f"rpkd_link_list_{run}")
    with _quiet():
        model, scores_name, fit_findings = _fit(engine, lst, reg, settings)
    ranked = _ranked(_oriented(eng.named(engine, scores_name)))
    ranked = eng.materialise(engine, ranked, f"{scores_name}_ranked")
    decided = eng.fetch(_decide(lst, reg, ranked, thresholds, settings))
    review = decided.filter(pc.equal(decided.column("method"), "review"))
    queued = eng.table(engine, review.select(["record"]))
    candidates = ranked.join(queued, ranked.record == queued.record).filter(
        (_["rank"] <= settings.review_candidates)
        & (_.match_probability >= thresholds.lower * settings.ambiguity)
    )
    picked = eng.fetch(
        candidates.select("record", "person_id", "match_probability", "rank").order_by(
            ["record", "rank"]
        )
    )
    findings = list(fit_findings)
    if decided.num_rows and decided.column("method").to_pylist().count("none") == decided.num_rows:
        findings.append(Finding("link_none", "warning", {"rows": decided.num_rows}))
    return LinkResult(decided, picked, thresholds, settings, model, tuple(findings))
