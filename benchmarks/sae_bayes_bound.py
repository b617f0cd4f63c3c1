"""The smallest error any poverty map can have in the synthetic world: the Bayes risk.

For each seed a synthetic Kapuas is written (``rpkd.synth.synthesize``) and its generator is
replayed from the same seed, so that every quantity the registry, the survey and the villages
release are drawn from is known: the parameters, the place effects (what the village
characteristics explain), each family's known part ``a_i`` of the latent welfare, and how every
proxy follows it. What no estimator knows is each kecamatan's effect ``u_k ~ N(0, 0.25^2)``,
each desa's residual effect ``r_d ~ N(0, tau^2)`` and each family's own draw ``e_i``:
``z_i = a_i + u_k + r_d + e_i``.

Given everything an estimator could observe, the expected squared error of any predictor of a
desa's realised P0 ``T_d`` is at least ``E[Var(T_d | observed)]`` (the posterior mean attains
it). It is computed exactly, up to grids: each family's likelihood of its proxies as a function
of ``z`` (housing and asset ordered probits, floor area and land as the generator rounds them,
the head's sector, every member's certificate, school attendance, sector and JKN status), the
heads' certificates (which follow the area's effect), the survey households' ``z`` taken as
known (more than their measured expenditure tells, so the bound stays a bound), the joint
posterior of ``u_k`` and every ``r_d`` of the kecamatan, and the families' poverty
probabilities given them. Every parameter of the generator is given too: more information, so
again a lower bound on what a model fitted to one survey can reach (the best predictor of
small-area estimation, the conditional mean under the true model, is this posterior mean).

Check of the computation: the realised squared error of the posterior mean, averaged over areas
and seeds, must match the average posterior variance (both estimate the same Bayes risk).

Usage::

    python benchmarks/sae_bayes_bound.py --seeds 1-10 --families 20000
"""

from __future__ import annotations

import argparse
import math
import platform
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from numpy.typing import NDArray
from sae_accuracy import _seeds
from scipy.special import log_ndtr, ndtr, ndtri

from rpkd import params
from rpkd.releases import schema
from rpkd.synth import areas as area_frame
from rpkd.synth import calibration, housing, people, population, synthesize
from rpkd.synth import survey as survey_design
from rpkd.synth.people import LEVELS
from rpkd.synth.population import HEAD, latent_scale, thresholds

Array = NDArray[np.float64]
T_GRID = np.linspace(-6.0, 6.0, 481)
"""Deviation ``t = r_d + e_i`` of a family's ``z`` from its known part ``a_i``."""
C_STEP = 0.025
"""Step of the grids of the kecamatan effect, the desa residual and their sum."""
BLOCK = 1500
"""Families whose likelihood is computed at once (memory: BLOCK x members x grid)."""
_FLOOR = 1e-300


@dataclass(frozen=True)
class DesaPosterior:
    """Each desa's posterior mean and variance of its realised P0, and the truth."""

    desa: NDArray[np.int64]
    kecamatan: NDArray[np.int64]
    persons: Array
    truth: Array
    mean: Array
    variance: Array
    sampled: NDArray[np.bool_]
    families: tuple[float, float, float, float]
    """Over the families outside the survey, persons-weighted: the mean posterior probability of
    being poor and the share poor (calibration), the mean p(1 - p) and the Brier score."""


def _log_interval(low: Array, high: Array) -> Array:
    """log(Phi(high) - Phi(low)), stable in both tails (low < high)."""
    upper = high <= 0
    a = np.where(upper, high, -low)
    b = np.where(upper, low, -high)
    log_a = log_ndtr(a)
    return np.asarray(log_a + np.log1p(-np.exp(np.minimum(log_ndtr(b) - log_a, -1e-16))))


def _ordered_loglik(
    s: Array, category: NDArray[np.int64], urban: NDArray[np.bool_], spec: dict[str, Any],
    shift: Array | None = None, last: NDArray[np.int64] | None = None,
) -> Array:  # fmt: skip
    """log P(category <= drawn <= last | s) of ``population.ordered`` (``last`` None: the
    category itself): ``r (s + shift) + sqrt(1 - r^2) e`` cut at the normal quantiles of the
    rural or urban shares (``s`` is rows x grid)."""
    r = float(spec["rho"])
    scale = math.sqrt(1.0 - r * r)
    cuts = {
        False: np.concatenate([[-np.inf], thresholds(spec["rural"]), [np.inf]]),
        True: np.concatenate([[-np.inf], thresholds(spec["urban"]), [np.inf]]),
    }
    upper = (category if last is None else last) + 1
    low = np.where(urban, cuts[True][category], cuts[False][category])
    high = np.where(urban, cuts[True][upper], cuts[False][upper])
    mean = r * (s if shift is None else s + shift[:, None])
    return _log_interval((low[:, None] - mean) / scale, (high[:, None] - mean) / scale)


def _rounded_lognormal(value: Array, mu: Array, sd: float, low: float, high: float) -> Array:
    """log P(round(clip(exp(mu + sd eta), low, high)) == value) (``mu`` rows x grid)."""
    lo = np.where(value <= low, -np.inf, np.log(np.maximum(value - 0.5, 1e-12)))
    hi = np.where(value >= high, np.inf, np.log(value + 0.5))
    return _log_interval((lo[:, None] - mu) / sd, (hi[:, None] - mu) / sd)


class World:
    """One seed's generator replayed: families, members, proxies, survey and truth."""

    def __init__(self, seed: int, families: int, folder: Path) -> None:
        kit = params.load_kit(None)
        synthesize("62.03", folder, kit=kit, families=families, seed=seed, fmt="parquet")
        doc = kit.document("synth")
        self.doc = doc
        top = area_frame.scope("62.03")
        targets = calibration.targets(kit, top.code, len(area_frame.desa_of(top)), families)
        frame = area_frame.build(
            top, int(targets.families.value), targets.urban_share.value, doc, seed
        )
        size = targets.persons_per_family.value
        self.centre, self.spread = latent_scale(doc, size)
        w = doc["welfare"]
        # The kecamatan effects are random effects no estimator is given: replayed from the
        # frame's stream (rpkd.synth.areas.build) to be taken out of the known part.
        stream = np.random.default_rng([seed, 1])
        stream.normal(0.0, doc["people"]["desa_size_sd"], len(frame.desa))
        stream.normal(0.0, 1.0, len(frame.desa))
        kab = stream.normal(0.0, w["kabupaten_sd"], len(frame.kabupaten))
        kec = stream.normal(0.0, w["kecamatan_sd"], len(frame.kecamatan))
        above = frame.effect - frame.desa_effect
        if not np.allclose(above, kab[frame.kabupaten_of] + kec[frame.kecamatan_of], atol=1e-12):
            raise AssertionError("kecamatan effects not replayed")
        self.kecamatan_sd = float(w["kecamatan_sd"])
        residual = frame.desa_effect - frame.place_effect + kec[frame.kecamatan_of]
        self.tau = w["desa_sd"] * math.sqrt(1.0 - float(doc["places"]["explained_share"]))
        self.sigma = float(w["noise_sd"])
        hidden = (1.0 - doc["places"]["proxy_share"]) * frame.place_effect
        design = survey_design.draw(frame, doc, seed)
        cores, houses, members = [], [], []
        for chunk in area_frame.chunks(frame):
            core = population.generate(frame, chunk, doc, size, seed)
            cores.append(core)
            houses.append(housing.generate(core, doc, seed, chunk.index))
            members.append(
                people.generate(core, doc, np.random.default_rng([seed, 3, chunk.index]))
            )
        self.cores, self.houses, self.members = cores, houses, members
        cat = np.concatenate
        self.desa = cat([c.desa for c in cores])
        self.urban = cat([c.urban for c in cores])
        self.size = cat([c.size for c in cores]).astype(np.float64)
        latent = cat([c.latent for c in cores])
        edu = np.asarray(w["education_effects"])
        known = (
            frame.effect[self.desa]
            - residual[self.desa]
            + w["urban_effect"] * self.urban
            + edu[cat([c.head_education for c in cores])]
            + w["size_effect"] * np.log(self.size)
            + w["under5_effect"] * cat([c.under5 for c in cores])
        )
        self.known = known
        self.offset = (known - hidden[self.desa] - self.centre) / self.spread
        self.latent = latent
        # The head's certificate follows the area's effect, residual included (population.py):
        # evidence on r_d from every family. The head's age is known to within the year.
        heads = [c.member_family[c.relation == HEAD] for c in cores]
        ages = [
            (c.age_days[c.relation == HEAD] / population.DAYS_PER_YEAR)[np.argsort(h)]
            for c, h in zip(cores, heads, strict=True)
        ]
        self.head_cohort = doc["education"]["cohort_shift"] * (45.0 - (cat(ages) - 0.5))
        self.head_education = cat([c.head_education for c in cores])
        self.area_known = (frame.effect - residual)[self.desa] + w["urban_effect"] * self.urban
        draws = (latent - known - residual[self.desa]) / self.sigma
        if abs(float(np.std(draws)) - 1.0) > 0.05 or abs(float(np.mean(draws))) > 0.05:
            raise AssertionError(
                f"known part of z not replayed: draws {np.mean(draws)} sd {np.std(draws)}"
            )
        global_index = cat([frame.first_family[c.desa] + c.sequence for c in cores])
        self.sampled = np.isin(global_index, design.family)
        truth = pq.read_table(folder / "truth" / "families.parquet", columns=["poor"])
        self.poor = np.asarray(truth.column("poor").to_numpy(zero_copy_only=False), dtype=bool)
        poor_z, rich_z = latent[self.poor], latent[~self.poor]
        if poor_z.max() >= rich_z.min():
            raise AssertionError("poverty is not a cut of z: the truth does not follow the replay")
        self.line_z = 0.5 * (poor_z.max() + rich_z.min())
        persons = pq.read_table(folder / "persons.parquet", columns=["jkn_status", "relation"])
        self.jkn = np.asarray(persons.column("jkn_status").to_pylist(), dtype=object)
        relation = np.asarray(persons.column("relation").to_pylist(), dtype=object)
        replayed = np.asarray(schema.RELATION, dtype=object)[cat([c.relation for c in cores])]
        if not np.array_equal(relation, replayed):
            raise AssertionError("persons file rows do not follow the replayed members")
        self.desa_kecamatan = np.asarray(frame.kecamatan_of, dtype=np.int64)

    def family_loglik(self, rows: slice) -> Array:
        """Return log P(proxies_i | t) for the families ``rows`` (rows x grid, in one chunk)."""
        doc = self.doc
        index = range(*rows.indices(len(self.desa)))
        offset = self.offset[rows]
        s = offset[:, None] + T_GRID[None, :] / self.spread
        urban = self.urban[rows]
        chunk, first = self._chunk_of(index.start)
        core, house = self.cores[chunk], self.houses[chunk]
        local = slice(index.start - first, index.stop - first)
        ll = np.zeros_like(s)
        toilet_codes = doc["proxies"]["toilet"]["codes"]
        no_toilet = house.categories["toilet"][local] == toilet_codes.index("tidak_ada")
        for name in housing.CATEGORICAL:
            term = _ordered_loglik(s, house.categories[name][local], urban, doc["proxies"][name])
            if name == "sewage":  # overwritten where there is no toilet
                term[no_toilet] = 0.0
            ll += term
        spec = doc["assets"]
        for i, name in enumerate(spec["names"]):
            share = np.where(urban, spec["urban"][i], spec["rural"][i])
            rho = spec["rho"][i]
            z = (rho * s - ndtri(1.0 - np.clip(share, 1e-9, 1 - 1e-9))[:, None]) / math.sqrt(
                1 - rho * rho
            )
            owned = house.assets[name][local][:, None]
            ll += np.where(owned, log_ndtr(z), log_ndtr(-z))
        d = doc["dwelling"]
        size = core.size[local].astype(np.float64)
        median = np.where(urban, d["floor_median"][1], d["floor_median"][0])
        mu = (np.log(median) + d["floor_size_elasticity"] * np.log(size / 3.5))[:, None]
        mu = mu + d["floor_welfare_elasticity"] * s
        ll += _rounded_lognormal(house.floor_area[local], mu, d["floor_noise_sd"], 9.0, 1000.0)
        land = house.land[local]
        owner = np.where(urban, d["land_owner_share"][1], d["land_owner_share"][0])
        land_mu = np.log(np.where(urban, d["land_median"][1], d["land_median"][0]))[:, None]
        land_mu = land_mu + d["land_welfare_elasticity"] * s
        owned_land = _rounded_lognormal(
            np.maximum(land, 1.0), land_mu, d["land_noise_sd"], -1.0, np.inf
        )
        none_land = np.log(
            (1 - owner)[:, None]
            + owner[:, None] * ndtr((np.log(0.5) - land_mu) / d["land_noise_sd"])
        )
        ll += np.where((land > 0)[:, None], np.log(owner)[:, None] + owned_land, none_land)
        sector = core.head_sector[local]
        works = sector >= 0
        if works.any():
            term = _ordered_loglik(s[works], sector[works], urban[works], doc["sectors"])
            ll[works] += term
        ll += self._members_loglik(chunk, local, s)
        return np.asarray(ll, dtype=np.float64)

    def _chunk_of(self, row: int) -> tuple[int, int]:
        first = 0
        for i, core in enumerate(self.cores):
            if row < first + core.families:
                return i, first
            first += core.families
        raise IndexError(row)

    def _members_loglik(self, chunk: int, local: slice, s: Array) -> Array:
        """Sum over each family's members of log P(certificate, attendance, sector, JKN | s)."""
        doc = self.doc
        core, mem = self.cores[chunk], self.members[chunk]
        fam = core.member_family
        start, stop = np.searchsorted(fam, [local.start, local.stop])
        fam_local = fam[start:stop] - local.start
        sm = s[fam_local]  # members x grid
        urban = core.urban[fam[start:stop]]
        rel = core.relation[start:stop]
        age = mem.age_years[start:stop]
        deceased = core.deceased[start:stop]
        ll = np.zeros_like(sm)
        # school attendance by band (population.people: p = clip(rate (1 + 0.08 s), 0, 0.995))
        rates = doc["schooling"]["attendance"]
        level = mem.level[start:stop]
        for k, (low, high) in enumerate(people._BANDS):
            band = (age >= low) & (age < high) & ~deceased
            if not band.any():
                continue
            p = np.clip(rates[LEVELS[k]] * (1.0 + 0.08 * sm[band]), 1e-12, 0.995)
            ll[band] += np.where((level[band] == k)[:, None], np.log(p), np.log1p(-p))
        # certificates of members other than the head
        never = schema.SCHOOL_ATTENDANCE.index("tidak_pernah")
        attendance = mem.attendance[start:stop]
        education = mem.education[start:stop]
        informative = (rel != HEAD) & (age >= 13) & (attendance != never)
        if informative.any():
            cohort = doc["education"]["cohort_shift"] * (45.0 - age[informative])
            spec = doc["education"]
            edu = education[informative]
            exact = _ordered_loglik(sm[informative], edu, urban[informative], spec, cohort)
            schooled = np.select(
                [age[informative] >= 19, age[informative] >= 16, age[informative] >= 13],
                [3, 2, 1],
                0,
            )
            capped = (age[informative] < 24) & (edu == schooled)
            if capped.any():  # min(schooled, D) == schooled: D >= schooled
                top = np.full(int(capped.sum()), len(spec["rural"]) - 1)
                exact[capped] = _ordered_loglik(
                    sm[informative][capped], schooled[capped], urban[informative][capped], spec,
                    cohort[capped], last=top,
                )  # fmt: skip
            ll[informative] += exact
        # sectors of working members other than the head (schema index back to TOML order)
        sector = mem.sector[start:stop]
        toml_codes = list(doc["sectors"]["codes"])
        back = {schema.SECTOR.index(c): i for i, c in enumerate(toml_codes)}
        working = (rel != HEAD) & (sector >= 0)
        if working.any():
            order = np.asarray([back[int(v)] for v in sector[working]], dtype=np.int64)
            ll[working] += _ordered_loglik(sm[working], order, urban[working], doc["sectors"])
        # JKN: contributory ~ Bernoulli(clip(base + slope s, 0.05, 0.95)) unless overridden
        base, slope = doc["people"]["jkn_contributory"]
        jkn = self.jkn[self._member_offset(chunk) + start : self._member_offset(chunk) + stop]
        p = np.clip(base + slope * sm, 0.05, 0.95)
        ll += np.where((jkn == "non_pbi")[:, None], np.log(p), 0.0)
        ll += np.where((jkn == "tidak_punya")[:, None], np.log1p(-p), 0.0)
        out = np.zeros_like(s)
        np.add.at(out, fam_local, ll)
        return out

    def _member_offset(self, chunk: int) -> int:
        return sum(len(c.member_family) for c in self.cores[:chunk])


def posterior(world: World) -> tuple[DesaPosterior, tuple[Array, Array, Array]]:
    """Return each desa's posterior mean and variance of its realised P0, and each
    kecamatan's truth, posterior mean and variance.

    A desa's unknown shift ``c = u_k + r_d`` is the kecamatan's effect ``u_k ~ N(0, 0.25^2)``
    plus its own residual ``r_d ~ N(0, tau^2)``: the desa of a kecamatan learn ``u_k`` from
    one another. Grids of ``u``, ``r`` and ``c = u + r`` share one step, so that ``c`` is
    read off without interpolation."""
    tau, sigma, sd_u = world.tau, world.sigma, world.kecamatan_sd
    n_u, n_r = math.ceil(5 * sd_u / C_STEP), math.ceil(5 * tau / C_STEP)
    u_grid = C_STEP * np.arange(-n_u, n_u + 1)
    r_grid = C_STEP * np.arange(-n_r, n_r + 1)
    c_grid = C_STEP * np.arange(-(n_u + n_r), n_u + n_r + 1)
    step = T_GRID[1] - T_GRID[0]
    kernel = np.exp(-0.5 * ((T_GRID[None, :] - c_grid[:, None]) / sigma) ** 2)  # C x G
    n = len(world.desa)
    log_like = np.zeros((n, len(c_grid)))
    prob = np.zeros((n, len(c_grid)))
    row = 0
    while row < n:
        chunk, first = world._chunk_of(row)
        stop = min(row + BLOCK, first + world.cores[chunk].families)
        rows = slice(row, stop)
        ll = world.family_loglik(rows)
        like = np.exp(ll - ll.max(axis=1, keepdims=True)) * step
        poor_t = (world.known[rows, None] + T_GRID[None, :]) < world.line_z
        total = like @ kernel.T
        below = (like * poor_t) @ kernel.T
        log_like[rows] = np.log(np.maximum(total, _FLOOR))
        prob[rows] = below / np.maximum(total, _FLOOR)
        row = stop
    sampled = world.sampled
    t_known = world.latent - world.known
    known_term = -0.5 * ((t_known[:, None] - c_grid[None, :]) / sigma) ** 2
    log_like[sampled] = known_term[sampled]
    prob[sampled] = world.poor[sampled, None].astype(np.float64)
    n_desa = int(world.desa.max()) + 1
    desa_ll = np.zeros((n_desa, len(c_grid)))
    np.add.at(desa_ll, world.desa, log_like)
    area_standard = (world.area_known[:, None] + c_grid[None, :]) / world.spread
    np.add.at(desa_ll, world.desa, _ordered_loglik(
        area_standard, world.head_education, world.urban, world.doc["education"], world.head_cohort
    ))  # fmt: skip
    w = world.size
    persons = np.asarray(np.bincount(world.desa, weights=w, minlength=n_desa), dtype=np.float64)
    weight = np.maximum(persons, 1.0)[:, None]
    share = np.zeros((n_desa, len(c_grid)))
    np.add.at(share, world.desa, w[:, None] * prob)
    share /= weight
    spread = np.zeros((n_desa, len(c_grid)))
    np.add.at(spread, world.desa, (w * w)[:, None] * prob * (1 - prob))
    spread /= weight**2
    # joint (u, r) of each desa: log N(r) + LL_d(u + r); c index = u index + r index
    pair = np.arange(len(u_grid))[:, None] + np.arange(len(r_grid))[None, :]
    prior_r = -0.5 * (r_grid / tau) ** 2
    joint = desa_ll[:, pair] + prior_r[None, None, :]  # desa x U x R
    top = joint.max(axis=(1, 2), keepdims=True)
    given_u = np.exp(joint - top)
    marginal = given_u.sum(axis=2)  # desa x U, up to exp(top)
    log_marginal = np.log(np.maximum(marginal, _FLOOR)) + top[:, :, 0]
    given_u /= np.maximum(marginal, _FLOOR)[:, :, None]  # q_d(r | u)
    mean_u = (given_u * share[:, pair]).sum(axis=2)  # E[T_d | u]
    second_u = (given_u * (spread + share**2)[:, pair]).sum(axis=2)
    kecamatan = world.desa_kecamatan
    n_kec = int(kecamatan.max()) + 1
    log_u = np.tile(-0.5 * (u_grid / sd_u) ** 2, (n_kec, 1))
    np.add.at(log_u, kecamatan, log_marginal)
    post_u = np.exp(log_u - log_u.max(axis=1, keepdims=True))
    post_u /= post_u.sum(axis=1, keepdims=True)
    pu = post_u[kecamatan]  # desa x U
    mean = (pu * mean_u).sum(axis=1)
    variance = np.maximum((pu * second_u).sum(axis=1) - mean**2, 0.0)
    truth = np.bincount(world.desa, weights=w * world.poor, minlength=n_desa) / weight[:, 0]
    # kecamatan: desa independent given u
    k_persons = np.bincount(kecamatan, weights=persons, minlength=n_kec)
    k_mean_u = np.zeros((n_kec, len(u_grid)))
    np.add.at(k_mean_u, kecamatan, persons[:, None] * mean_u)
    k_mean_u /= k_persons[:, None]
    k_var_u = np.zeros((n_kec, len(u_grid)))
    np.add.at(k_var_u, kecamatan, persons[:, None] ** 2 * (second_u - mean_u**2))
    k_var_u /= k_persons[:, None] ** 2
    k_mean = (post_u * k_mean_u).sum(axis=1)
    k_var = (post_u * (k_var_u + k_mean_u**2)).sum(axis=1) - k_mean**2
    k_truth = np.bincount(kecamatan, weights=persons * truth, minlength=n_kec) / k_persons
    # each family's posterior probability of being poor (calibration check)
    c_post = np.zeros((n_desa, len(c_grid)))
    for j in range(len(r_grid)):
        c_post[:, j : j + len(u_grid)] += pu * given_u[:, :, j]
    p_family = (c_post[world.desa] * prob).sum(axis=1)
    out = ~sampled
    share_out = w[out] / w[out].sum()
    poor = world.poor[out].astype(np.float64)
    check = (
        float(share_out @ p_family[out]),
        float(share_out @ poor),
        float(share_out @ (p_family[out] * (1 - p_family[out]))),
        float(share_out @ (poor - p_family[out]) ** 2),
    )
    in_sample = np.bincount(world.desa, weights=sampled, minlength=n_desa) > 0
    ids = np.flatnonzero(persons > 0)
    desa = DesaPosterior(
        ids, kecamatan[ids], persons[ids], truth[ids], mean[ids], variance[ids], in_sample[ids],
        check,
    )  # fmt: skip
    return desa, (k_truth, k_mean, np.maximum(k_var, 0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="1-10")
    parser.add_argument("--families", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=None, help="Markdown file for the table.")
    args = parser.parse_args()
    started = time.time()
    desa_all: list[DesaPosterior] = []
    kec_all: list[tuple[Array, Array, Array]] = []
    for seed in _seeds(args.seeds):
        with tempfile.TemporaryDirectory(prefix="rpkd-bayes-") as work:
            world = World(seed, args.families, Path(work) / f"seed{seed}")
            desa, kec = posterior(world)
        desa_all.append(desa)
        kec_all.append(kec)
        bound = math.sqrt(float(np.mean(desa.variance)))
        realised = math.sqrt(float(np.mean((desa.truth - desa.mean) ** 2)))
        kbound = math.sqrt(float(np.mean(kec[2])))
        krealised = math.sqrt(float(np.mean((kec[0] - kec[1]) ** 2)))
        print(f"seed {seed}: desa bound {100 * bound:.2f} realised {100 * realised:.2f}; "
              f"kecamatan bound {100 * kbound:.2f} realised {100 * krealised:.2f} "
              f"({time.time() - started:.0f} s)", flush=True)  # fmt: skip
    report = _report(args, desa_all, kec_all, time.time() - started)
    print(report)
    if args.out is not None:
        args.out.write_text(report, encoding="utf-8")


def _pooled(parts: list[DesaPosterior], mask: str = "all") -> tuple[float, float, int]:
    variance = np.concatenate([_pick(p, mask, p.variance) for p in parts])
    error = np.concatenate([_pick(p, mask, (p.truth - p.mean) ** 2) for p in parts])
    return math.sqrt(float(variance.mean())), math.sqrt(float(error.mean())), len(variance)


def _pick(p: DesaPosterior, mask: str, values: Array) -> Array:
    if mask == "sampled":
        return values[p.sampled]
    if mask == "not sampled":
        return values[~p.sampled]
    return values


def _report(args: Any, desa: list[DesaPosterior], kec: list[tuple[Array, Array, Array]],
            seconds: float) -> str:  # fmt: skip
    lines = [
        "| level | areas | Bayes risk: √ mean posterior variance | realised RMSE of the posterior mean |",
        "|---|---|---|---|",
    ]
    for mask in ("all", "sampled", "not sampled"):
        bound, realised, count = _pooled(desa, mask)
        lines.append(f"| desa ({mask}) | {count} | {100 * bound:.2f} | {100 * realised:.2f} |")
    kv = np.concatenate([k[2] for k in kec])
    ke = np.concatenate([(k[0] - k[1]) ** 2 for k in kec])
    lines.append(
        f"| kecamatan | {len(kv)} | {100 * math.sqrt(kv.mean()):.2f} | "
        f"{100 * math.sqrt(ke.mean()):.2f} |"
    )
    checks = np.asarray([p.families for p in desa])
    lines += [
        "",
        "Families outside the survey, persons-weighted, mean over seeds: posterior probability of"
        f" being poor {100 * checks[:, 0].mean():.2f}% against {100 * checks[:, 1].mean():.2f}%"
        f" poor; mean p(1 - p) {checks[:, 2].mean():.4f} against the Brier score"
        f" {checks[:, 3].mean():.4f}.",
    ]
    head = (
        f"`python benchmarks/sae_bayes_bound.py --seeds {args.seeds} --families {args.families}`"
        f" on {datetime.now(UTC).date().isoformat()} ({platform.machine()}, "
        f"CPython {platform.python_version()}; {seconds / 60:.0f} min). Points of P0."
    )
    return head + "\n\n" + "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
