"""Write one chunk: generate members, identities, welfare, enrolment, lists, survey and truth."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from rpkd.releases import schema
from rpkd.synth import (
    calibration,
    housing,
    lists,
    names,
    people,
    pmt,
    population,
    programmes,
    records,
)
from rpkd.synth.areas import Areas, Chunk
from rpkd.synth.identity import Serials
from rpkd.synth.population import DAYS_PER_YEAR
from rpkd.synth.survey import Design
from rpkd.synth.writer import Sink

_JKN = {name: i for i, name in enumerate(schema.JKN)}


@dataclass
class Totals:
    """Running totals over the written chunks (achieved calibration values, village shares)."""

    families: int
    persons: int
    persons_listed: int
    urban_persons: float
    poor_persons: float
    urban_poor_persons: float
    extreme_persons: float
    desil: NDArray[np.float64]
    desa_pln: NDArray[np.float64]
    desa_poor: NDArray[np.float64]
    desa_persons: NDArray[np.float64]
    desa_desil1: NDArray[np.float64]
    log_consumption: calibration.WeightedHistogram
    records: dict[str, int]

    @classmethod
    def empty(cls, n_desa: int) -> Totals:
        return cls(
            0,
            0,
            0,
            0.0,
            0.0,
            0.0,
            0.0,
            np.zeros(10),
            np.zeros(n_desa),
            np.zeros(n_desa),
            np.zeros(n_desa),
            np.zeros(n_desa),
            calibration.WeightedHistogram(8.0, 22.0, 140_000),
            dict.fromkeys(schema.PROGRAMMES, 0),
        )

    def gini(self) -> float:
        """Return the person-weighted Gini of per-capita consumption (from the binned totals)."""
        h = self.log_consumption
        return calibration.gini(np.exp(h.midpoints()), h.counts)


@dataclass
class ChunkContext:
    """Everything a chunk needs from the earlier passes."""

    areas: Areas
    doc: Mapping[str, Any]
    seed: int
    persons_per_family: float
    scale: calibration.Scale
    ranking: pmt.Ranking
    true_cuts: NDArray[np.float64]
    design: Design
    targets: calibration.Targets
    serials: Serials
    sinks: dict[str, Sink]
    totals: Totals


@dataclass(frozen=True)
class _Named:
    """Who the members are: NIK, name and birth day; the families' KK and identifiers."""

    nik: pa.Array
    name: pa.Array
    birth: NDArray[np.int64]
    kk: pa.Array
    ident: records.Identity


def write_chunk(ctx: ChunkContext, chunk: Chunk) -> None:
    """Generate chunk ``chunk`` in full and append its rows to every sink."""
    doc, seed, areas = ctx.doc, ctx.seed, ctx.areas
    core = population.generate(areas, chunk, doc, ctx.persons_per_family, seed)
    house = housing.generate(core, doc, seed, chunk.index)
    rng = np.random.default_rng([seed, 3, chunk.index])
    members = people.generate(core, doc, rng)
    prediction = ctx.ranking.predict(pmt.terms(core, house))
    desil = ctx.ranking.desil(prediction)
    consumption = np.exp(ctx.scale.log_consumption(core.latent))
    poor = consumption < ctx.targets.poverty_line.value
    extreme = consumption < ctx.targets.extreme_line.value
    welfare = programmes.Welfare(
        desil=desil,
        true_desil=(1 + np.searchsorted(ctx.true_cuts, core.latent, side="right")).astype(np.int64),
        extreme_poor=extreme,
        poor=poor,
        unfit=house.unfit(core.size, doc),
        owner=house.code("house_ownership", doc) == "milik_sendiri",
        kelurahan=areas.kelurahan[core.desa],
    )
    enrolment = programmes.enrol(core, members, welfare, doc, rng)
    named = _name(ctx, core, members, rng)
    jkn = _jkn(core, desil, enrolment["pbi_jk"].member, doc["people"], rng)
    score = np.exp(ctx.scale.log_consumption(prediction))
    reference = records.epoch_day(ctx.targets.reference_date)
    ident = named.ident
    ctx.sinks["families"].write(records.families(ident, core, house, named.kk, score, desil, doc))
    ctx.sinks["persons"].write(
        records.persons(ident, core, members, named.nik, named.name, named.birth, jkn, reference)
    )
    truth: dict[str, Any] = {
        "family_id": ident.family_id,
        "consumption_per_capita": pa.array(np.round(consumption, 2)),
        "poor": pa.array(poor),
        "extreme_poor": pa.array(extreme),
    }
    for programme, e in enrolment.items():
        truth[f"eligible_{programme}"] = pa.array(e.eligible)
        truth[f"receives_{programme}"] = pa.array(e.receives)
    ctx.sinks["truth_families"].write(pa.table(truth))
    _write_lists(ctx, core, named, enrolment, rng)
    _write_survey(ctx, chunk, core, house, ident, consumption)
    _accumulate(ctx, core, house, desil, consumption, poor, extreme)


def _name(
    ctx: ChunkContext, core: population.Core, members: people.Members, rng: np.random.Generator
) -> _Named:
    """Return NIKs (a few missing, a few with another kecamatan's code), KK numbers and names."""
    doc, areas = ctx.doc, ctx.areas
    reference = records.epoch_day(ctx.targets.reference_date)
    birth = reference - core.age_days
    fam = core.member_family
    kecamatan = areas.kecamatan_of[core.desa]
    # a NIK issued in another kecamatan of the same kabupaten (moves within the kabupaten)
    first, n_kec = (a[kecamatan[fam]] for a in areas.kabupaten_kecamatan)
    moved = (rng.random(len(fam)) < doc["population"]["moved_nik_share"]) & (n_kec > 1)
    step = rng.integers(1, np.maximum(n_kec, 2), len(fam))
    elsewhere = first + (kecamatan[fam] - first + step) % n_kec
    nik_number = ctx.serials.nik(np.where(moved, elsewhere, kecamatan[fam]), birth, core.female)
    no_nik = rng.random(len(fam)) < doc["population"]["no_nik_share"]
    nik = pa.array(nik_number, type=pa.int64(), mask=no_nik).cast(pa.string())
    head_age = core.age_days[np.searchsorted(fam, np.arange(core.families))] / DAYS_PER_YEAR
    years = rng.random(core.families) * np.clip(head_age - 17.0, 0.5, 25.0)
    issued = reference - (years * DAYS_PER_YEAR).astype(np.int64)
    kk = pa.array(ctx.serials.kk(kecamatan, issued)).cast(pa.string())
    christian = (core.ethnic == 1) & (rng.random(core.families) < doc["people"]["christian_dayak"])
    who = names.People(core.female, core.ethnic[fam], christian[fam], fam, members.age_years)
    name = names.generate(rng, who)
    return _Named(nik, name, birth, kk, records.identity(areas, core, rng))


def _write_lists(
    ctx: ChunkContext,
    core: population.Core,
    named: _Named,
    enrolment: dict[str, programmes.Enrolment],
    rng: np.random.Generator,
) -> None:
    """Append each programme's list rows and their true links (records number on across chunks)."""
    fam = core.member_family
    registry = lists.Registry(
        person_id=named.ident.person_id,
        nik=named.nik,
        name=named.name,
        birth_days=named.birth,
        female=core.female,
        family=fam,
        head=np.searchsorted(fam, np.arange(core.families)),
        kk=named.kk,
        address=named.ident.address,
        desa_code=named.ident.desa_code,
    )
    for programme, e in enrolment.items():
        # PBI-JK cards of members who died stay on the list until it is cleaned
        dead = np.flatnonzero(core.deceased & e.receives[fam]) if programme == "pbi_jk" else fam[:0]
        table, links = lists.build(
            programme, registry, e.member, e.amount, dead, ctx.targets.list_year, ctx.doc, rng
        )
        start = ctx.totals.records[programme]
        record = pc.cast(pa.array(np.arange(start + 1, start + table.num_rows + 1)), pa.string())
        ctx.totals.records[programme] = start + table.num_rows
        ctx.sinks[f"beneficiaries_{programme}"].write(table.append_column("record", record))
        ctx.sinks[f"links_{programme}"].write(pa.table({"record": record, "person_id": links}))


def _write_survey(
    ctx: ChunkContext,
    chunk: Chunk,
    core: population.Core,
    house: housing.Housing,
    ident: records.Identity,
    consumption: NDArray[np.float64],
) -> None:
    """Append the chunk's sampled households, with expenditure measured with small noise."""
    global_index = ctx.areas.first_family[core.desa] + core.sequence
    found = np.minimum(np.searchsorted(ctx.design.family, global_index), len(ctx.design.family) - 1)
    sampled = np.flatnonzero(ctx.design.family[found] == global_index)
    if not len(sampled):
        return
    noise = np.random.default_rng([ctx.seed, 6, chunk.index]).normal(
        0.0, ctx.doc["welfare"]["measurement_sd"], core.families
    )
    position = np.searchsorted(ctx.design.family, global_index[sampled])
    table, mapping = records.survey(
        sampled, position, ctx.design, ident, core, house, consumption * np.exp(noise), ctx.doc
    )
    ctx.sinks["survey"].write(table)
    ctx.sinks["truth_survey"].write(mapping)


def _jkn(
    core: population.Core,
    desil: NDArray[np.int64],
    pbi: NDArray[np.int64],
    spec: dict[str, Any],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Return JKN status: PBI-APBN for PBI-JK members, else PBI-APBD, contributory or none."""
    m = len(core.member_family)
    d = desil[core.member_family]
    z = core.standard[core.member_family]
    base, slope = spec["jkn_contributory"]
    share, cut = spec["pbi_apbd"]
    contributory = rng.random(m) < np.clip(base + slope * z, 0.05, 0.95)
    jkn = np.where(contributory, _JKN["non_pbi"], _JKN["tidak_punya"])
    jkn = np.where((d <= cut) & (rng.random(m) < share), _JKN["pbi_apbd"], jkn)
    jkn[pbi] = _JKN["pbi_apbn"]
    return jkn.astype(np.int64)


def _accumulate(
    ctx: ChunkContext,
    core: population.Core,
    house: housing.Housing,
    desil: NDArray[np.int64],
    consumption: NDArray[np.float64],
    poor: NDArray[np.bool_],
    extreme: NDArray[np.bool_],
) -> None:
    t = ctx.totals
    size = core.size.astype(np.float64)
    n_desa = len(ctx.areas.desa)
    t.families += core.families
    t.persons += int(core.size.sum())
    t.persons_listed += len(core.member_family)
    t.urban_persons += float(size[core.urban].sum())
    t.poor_persons += float(size[poor].sum())
    t.urban_poor_persons += float(size[poor & core.urban].sum())
    t.extreme_persons += float(size[extreme].sum())
    t.desil += np.bincount(desil - 1, minlength=10)
    pln = np.isin(house.code("electricity", ctx.doc), ["pln_meteran", "pln_tanpa_meteran"])
    t.desa_pln += np.bincount(core.desa, weights=pln, minlength=n_desa)
    t.desa_poor += np.bincount(core.desa, weights=size * poor, minlength=n_desa)
    t.desa_persons += np.bincount(core.desa, weights=size, minlength=n_desa)
    t.desa_desil1 += np.bincount(core.desa, weights=size * (desil == 1), minlength=n_desa)
    t.log_consumption.add(np.log(consumption), size)
