"""``synthesize``: a realistic synthetic district written as an agency would receive it.

Three streaming passes over chunks of desa, each chunk regenerated from a generator seeded by
(seed, chunk index): (1) the latent welfare distribution (person-weighted, to solve the welfare
scale against the P0 and extreme-poverty targets) and the PMT normal equations; (2) the PMT score
distribution, whose family deciles are the desil cut points; (3) writing every table. Memory is
bounded by one chunk whatever ``families`` is, plus the NIK/KK serial counts of the kabupaten
being written (:mod:`rpkd.synth.identity`). ``region`` ``00`` (or ``ID``) is the whole nation.
The same region, family count, seed and kit write the same files, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pyarrow as pa

from rpkd import params, regions
from rpkd.releases import schema
from rpkd.synth import areas as area_frame
from rpkd.synth import calibration, housing, identity, pmt, population, survey, villages
from rpkd.synth.chunk import ChunkContext, Totals, write_chunk
from rpkd.synth.writer import FileFormat, Sink, arrow_schema, coded

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; stages are calibrate, rank, write."""

_LATENT_RANGE = (-15.0, 15.0, 600_000)


@dataclass(frozen=True)
class SynthResult:
    """What was written: counts, the calibration and the achieved values (``synth.json``).

    ``summary`` is the content of ``synth.json`` (read-only); ``to_json`` returns a copy of it.
    """

    out: Path
    summary: Mapping[str, Any] = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "summary", MappingProxyType(dict(self.summary)))

    @property
    def region(self) -> str:
        """The dotted code of the region written (``00`` for the nation)."""
        return str(self.summary["region"])

    @property
    def region_name(self) -> str:
        return str(self.summary["region_name"])

    @property
    def families(self) -> int:
        return int(self.summary["families"])

    @property
    def persons(self) -> int:
        return int(self.summary["persons"])

    def to_arrow(self) -> pa.Table:
        """Return targets against achieved values, one row per calibrated quantity."""
        rows = self.summary["calibration"]
        return pa.table(
            {
                "name": [r["name"] for r in rows],
                "target": [r["target"] for r in rows],
                "achieved": [r["achieved"] for r in rows],
            }
        )

    def to_json(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data (what ``synth.json`` holds) and the folder."""
        summary: dict[str, Any] = json.loads(json.dumps(dict(self.summary)))
        return {"out": str(self.out), **summary}


def _noop(stage: str, done: int, total: int) -> None:
    return None


def synthesize(
    region: str,
    out: Path,
    *,
    kit: params.Kit,
    families: int | None = None,
    seed: int = 1,
    fmt: FileFormat = "csv",
    progress: Progress | None = None,
) -> SynthResult:
    """Write a synthetic district for ``region`` into ``out`` and return its summary.

    ``kit`` supplies the calibration (its ``synth`` document) and the poverty lines; pass
    ``params.load_kit(None)`` for the packaged national kit, or a workspace's kit.
    """
    report = progress or _noop
    doc = kit.document("synth")
    top = area_frame.scope(region)
    n_desa = len(area_frame.desa_of(top))
    targets = calibration.targets(kit, top.code, n_desa, families)
    frame = area_frame.build(top, int(targets.families.value), targets.urban_share.value, doc, seed)
    chunks = area_frame.chunks(frame)
    size = targets.persons_per_family.value

    latent_persons = calibration.WeightedHistogram(*_LATENT_RANGE)
    latent_families = calibration.WeightedHistogram(*_LATENT_RANGE)
    normal: pmt.Normal | None = None
    for chunk in chunks:
        core = population.generate(frame, chunk, doc, size, seed)
        sample = np.arange(0, core.families, pmt.CALIBRATION_EVERY)
        x = pmt.design(pmt.terms(core, housing.generate(core, doc, seed, chunk.index), sample))
        normal = normal or pmt.Normal(x.shape[1])
        normal.add(x, core.latent[sample])
        latent_persons.add(core.latent, core.size.astype(np.float64))
        latent_families.add(core.latent)
        report("calibrate", chunk.index + 1, len(chunks))
    assert normal is not None
    scale = calibration.solve_scale(latent_persons, targets)
    coefficients = normal.solve()

    scores = calibration.WeightedHistogram(*_LATENT_RANGE)
    for chunk in chunks:
        core = population.generate(frame, chunk, doc, size, seed)
        parts = pmt.terms(core, housing.generate(core, doc, seed, chunk.index))
        scores.add(pmt.predict(parts, coefficients))
        report("rank", chunk.index + 1, len(chunks))
    deciles = np.arange(1, 10) / 10.0
    ranking = pmt.Ranking(coefficients, scores.quantiles(deciles))
    design = survey.draw(frame, doc, seed)

    out.mkdir(parents=True, exist_ok=True)
    sinks = _sinks(out, fmt)
    context = ChunkContext(
        areas=frame,
        doc=doc,
        seed=seed,
        persons_per_family=size,
        scale=scale,
        ranking=ranking,
        true_cuts=latent_families.quantiles(deciles),
        design=design,
        targets=targets,
        serials=identity.Serials(
            [int(regions.plain(k.code)) for k in frame.kecamatan], identity.SERIAL_CAP
        ),
        sinks=sinks,
        totals=Totals.empty(len(frame.desa)),
    )
    closing = area_frame.retirements(frame, chunks)
    for chunk in chunks:
        write_chunk(context, chunk)
        context.serials.retire(closing[chunk.index])
        report("write", chunk.index + 1, len(chunks))
    totals = context.totals
    desa_persons = np.maximum(totals.desa_persons, 1.0)
    sinks["villages"].write(
        villages.build(
            frame,
            totals.desa_pln / np.maximum(frame.families, 1),
            totals.desa_desil1 / desa_persons,
            doc,
            seed,
        )
    )
    for sink in sinks.values():
        sink.close()
    summary = _summary(top, frame, seed, fmt, targets, scale, context, out)
    (out / "synth.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return SynthResult(out, summary)


def _sinks(out: Path, fmt: FileFormat) -> dict[str, Sink]:
    sinks = {
        kind: Sink(
            out / f"{kind}.{fmt}",
            fmt,
            arrow_schema(schema.table_schema(kind)),
            coded(schema.table_schema(kind)),
        )
        for kind in ("families", "persons", "survey", "villages")
    }
    for programme in schema.PROGRAMMES:
        sinks[f"beneficiaries_{programme}"] = Sink(
            out / f"beneficiaries_{programme}.{fmt}",
            fmt,
            arrow_schema(schema.BENEFICIARIES),
            ("programme", "desa_code"),
            keep_empty=False,
        )
        sinks[f"links_{programme}"] = Sink(
            out / "truth" / f"links_{programme}.csv",
            "csv",
            pa.schema([("record", pa.string()), ("person_id", pa.string())]),
            keep_empty=False,
        )
    truth_fields = [
        ("family_id", pa.string()),
        ("consumption_per_capita", pa.float64()),
        ("poor", pa.bool_()),
        ("extreme_poor", pa.bool_()),
    ]
    for programme in schema.PROGRAMMES:
        truth_fields += [
            (f"eligible_{programme}", pa.bool_()),
            (f"receives_{programme}", pa.bool_()),
        ]
    sinks["truth_families"] = Sink(out / "truth" / f"families.{fmt}", fmt, pa.schema(truth_fields))
    sinks["truth_survey"] = Sink(
        out / "truth" / f"survey.{fmt}",
        fmt,
        pa.schema([("household_id", pa.string()), ("family_id", pa.string())]),
    )
    return sinks


def _line(line: params.PovertyLine) -> dict[str, Any]:
    return {
        "value": line.value,
        "region": line.region,
        "basis": line.basis,
        "source": line.source,
        "valid_from": line.valid_from.isoformat(),
    }


def _by_province(frame: area_frame.Areas, totals: Totals) -> dict[str, float]:
    """Return the achieved person-weighted P0 of each province of a multi-province run."""
    codes, index = np.unique([d.code[:2] for d in frame.desa], return_inverse=True)
    if len(codes) < 2:
        return {}
    poor = np.bincount(index, weights=totals.desa_poor, minlength=len(codes))
    persons = np.bincount(index, weights=totals.desa_persons, minlength=len(codes))
    return {
        str(c): round(float(p / n), 5) for c, p, n in zip(codes, poor, persons, strict=True) if n
    }


def _summary(
    top: area_frame.Scope,
    frame: area_frame.Areas,
    seed: int,
    fmt: str,
    targets: calibration.Targets,
    scale: calibration.Scale,
    context: ChunkContext,
    out: Path,
) -> dict[str, Any]:
    totals, sinks = context.totals, context.sinks
    persons = totals.persons
    achieved = {
        "families": totals.families,
        "persons_per_family": persons / max(totals.families, 1),
        "urban_share": totals.urban_persons / max(persons, 1),
        "headcount": totals.poor_persons / max(persons, 1),
        "extreme": totals.extreme_persons / max(persons, 1),
        "gini": totals.gini(),
    }
    calibration_rows = [dict(row, achieved=achieved[row["name"]]) for row in targets.as_records()]
    return {
        "region": top.code,
        "region_name": top.name,
        "region_level": top.level,
        "seed": seed,
        "families": totals.families,
        "persons": persons,
        "persons_listed": totals.persons_listed,
        "format": fmt,
        "reference_date": targets.reference_date.isoformat(),
        "lines": {"poverty": _line(targets.poverty_line), "extreme": _line(targets.extreme_line)},
        "welfare_model": {"mu": scale.mu, "s": scale.s, "knee": scale.knee, "upper": scale.upper},
        "calibration": calibration_rows,
        "headcount_by_area": {
            "urban": totals.urban_poor_persons / max(totals.urban_persons, 1.0),
            "rural": (totals.poor_persons - totals.urban_poor_persons)
            / max(persons - totals.urban_persons, 1.0),
        },
        "headcount_by_province": _by_province(frame, totals),
        "desil_shares": (totals.desil / max(totals.families, 1)).tolist(),
        "serials_spilled": context.serials.spilled,
        "rows": {name: sink.rows for name, sink in sinks.items()},
        "files": sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()),
        "generator": "rpkd synth; calibration in rpkd/params/indonesia/synth.toml",
    }
