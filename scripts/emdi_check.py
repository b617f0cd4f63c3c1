"""Check rpkd's small-area estimators against the reference values in emdi's own test suite.

A by-hand check, not part of the test suite: emdi (Kreutzmann et al. 2019, R package, CRAN 2.2.3)
is GPL-2 and rpkd is MIT, so nothing of emdi is copied into this repository. The script reads a
local git mirror of emdi (https://github.com/SoerenPannier/emdi), extracts the test data and the
reference CSVs into a temporary folder (``Rscript`` turns the ``.rda``/``.RData`` files into
CSV), runs rpkd on the same data with the same model as emdi's ``tests/testthat/*.R`` and prints
a markdown table. See docs/sae-emdi-check.md for the reading of the results.

Usage::

    git clone --bare https://github.com/SoerenPannier/emdi /tmp/emdi.git
    nice -n 10 .venv/bin/python scripts/emdi_check.py /tmp/emdi.git [--mc-runs 30]

(the default MIRROR is where this project's tool library keeps its copy).

Deterministic references (model fits, EBLUPs, analytic MSEs, transformations, closed-form
back-transformations) are compared at a stated tolerance: ``|rpkd - emdi| <= atol + rtol|emdi|``
element by element. emdi's Monte Carlo EBP point estimates (``L = 2`` draws) are compared with
the mean of ``--mc-runs`` independent rpkd runs with ``L = 2``, scaled by the Monte Carlo
standard deviation of one such run (estimated from the spread of the rpkd runs). Rows marked
"(diagnostic)" are no comparison of rpkd: they re-evaluate a formula at emdi's settings to
attribute a difference (docs/sae-emdi-check.md).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pa_csv
from scipy import integrate, stats

from rpkd.sae.ebp import ebp
from rpkd.sae.fay_herriot import Method, fay_herriot
from rpkd.sae.fh_arcsin import arcsin_scale, fh_arcsin
from rpkd.sae.transform import (
    Transform,
    Transformation,
    fit_transform,
    shift_for,
    standardised_box_cox,
)

MIRROR = Path("/work/.mirror/SoerenPannier+emdi/repo")
TESTS = "tests/testthat"
RDATA = {  # emdi path -> local name read by _R_EXTRACT
    f"{TESTS}/FH/milk.RData": "milk.RData",
    f"{TESTS}/FH/eusilcA_smpAgg.RData": "fh_smp.RData",
    f"{TESTS}/FH/eusilcA_popAgg.RData": "fh_pop.RData",
    "data/eusilcA_smpAgg.rda": "smpAgg.rda",
    "data/eusilcA_popAgg.rda": "popAgg.rda",
    f"{TESTS}/EBP/incomedata.RData": "incomedata.RData",
    f"{TESTS}/EBP/Xoutsamp_AuxVar.RData": "Xoutsamp.RData",
}
# The data preparation of emdi's tests, in R: test_fh_std_spatial_robust.R (milk, var = SD^2),
# test_fh_variance.R (combine_data = merge(..., all = TRUE)), test_fh_backtransformation.R
# (sample rows c(1:30, 35:70, 75:94)), test_point_estimation.R (pop_weights = 2, domains 5 and
# 34 aggregated to 1).
_R_EXTRACT = r"""
args <- commandArgs(TRUE); dir <- args[1]
get1 <- function(f) { e <- new.env(); n <- load(file.path(dir, f), e); get(n[1], e) }
w <- function(d, f) write.csv(d, file.path(dir, f), row.names = FALSE)
milk <- get1("milk.RData"); milk$var <- milk$SD^2; w(milk, "milk.csv")
w(merge(get1("fh_smp.RData"), get1("fh_pop.RData"), by = "Domain", all = TRUE), "fh15.csv")
smp <- get1("smpAgg.rda")[c(1:30, 35:70, 75:94), ]
comb <- merge(smp, get1("popAgg.rda"), by = "Domain", all = TRUE)
comb$Domain <- as.character(comb$Domain); w(comb, "fh94.csv")
w(get1("incomedata.RData")[, c("provlab", "prov", "income", "educ1", "weight")], "income.csv")
pop <- get1("Xoutsamp.RData")
pop$domain[pop$domain == 5 | pop$domain == 34] <- 1
pop$domain <- as.integer(pop$domain); pop$pop_weights <- 2
w(pop[, c("provlab", "educ1", "domain", "pop_weights")], "census.csv")
cat(R.version.string)
"""
LOOSE = "emdi's ML variance at optimize()'s default tolerance"
SIGN = "emdi's sign of the ML bias term out of sample"
TRUNCATED = "emdi's integral over [0, pi/2] only"
NAIVE_OUT = "emdi back-transforms out-of-sample areas naively"
Z_MAX = 4.0  # Monte Carlo comparisons: |z| above this fails (two-sided p < 1e-4 each)


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    reference: str
    quantity: str
    values: str
    abs_diff: float
    rel_diff: float
    tolerance: str
    ok: bool
    emdi_side: str = ""
    """Why emdi's value differs, when a diagnostic row reproduces it from emdi's own method."""

    @property
    def result(self) -> str:
        """Return the table's verdict: pass, differs for an emdi-side reason, or FAIL."""
        if self.ok:
            return "pass"
        return f"differs: {self.emdi_side}" if self.emdi_side else "**FAIL**"


@dataclass(frozen=True)
class Mirror:
    """The emdi git mirror and the temporary folder the data were extracted to."""

    git: Path
    work: Path

    def show(self, path: str) -> bytes:
        """Return the bytes of ``path`` at the mirror's HEAD (``git show``; read-only)."""
        out: bytes = subprocess.run(
            ["git", "-C", str(self.git), "show", f"HEAD:{path}"], check=True, capture_output=True
        ).stdout
        return out

    def reference(self, path: str) -> dict[str, list[str]]:
        """Return the columns of one of emdi's reference CSV files (as text)."""
        rows = list(csv.reader(io.StringIO(self.show(f"{TESTS}/{path}").decode())))
        return {name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}

    def table(self, name: str) -> pa.Table:
        """Return one of the CSV files written by :data:`_R_EXTRACT`."""
        opts = pa_csv.ConvertOptions(strings_can_be_null=True, null_values=["NA"])
        return pa_csv.read_csv(self.work / name, convert_options=opts)


def numeric(values: Sequence[str]) -> np.ndarray:
    """Return text values as floats, ``NA`` as NaN."""
    return np.array([math.nan if v in ("NA", "") else float(v) for v in values])


def extract(git: Path, work: Path) -> str:
    """Write emdi's test data to ``work`` as CSV; return the R version string."""
    mirror = Mirror(git, work)
    for path, name in RDATA.items():
        (work / name).write_bytes(mirror.show(path))
    script = work / "extract.R"
    script.write_text(_R_EXTRACT, encoding="utf-8")
    done = subprocess.run(["Rscript", str(script), str(work)], check=True, capture_output=True)
    return done.stdout.decode().strip()


def compare(
    reference: str,
    quantity: str,
    got: npt.ArrayLike,
    want: npt.ArrayLike,
    labels: Sequence[str] | None = None,
    rtol: float = 0.0,
    atol: float = 0.0,
    emdi_side: str = "",
) -> Row:
    """Compare ``got`` (rpkd) with ``want`` (emdi) element-wise: ``|d| <= atol + rtol |want|``.

    ``emdi_side``: the reason emdi's value differs, shown instead of FAIL (the diagnostic rows
    reproduce emdi's value by emdi's method).
    """
    g, w = np.atleast_1d(np.asarray(got, float)), np.atleast_1d(np.asarray(want, float))
    if g.shape != w.shape or not np.array_equal(np.isnan(g), np.isnan(w)):
        raise ValueError(f"{reference} {quantity}: shapes or missing values differ")
    keep = ~np.isnan(w)
    g, w = g[keep], w[keep]
    names = [str(i + 1) for i in range(keep.size)] if labels is None else list(labels)
    names = [n for n, k in zip(names, keep, strict=True) if k]
    diff = np.abs(g - w)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(w != 0, diff / np.abs(w), np.where(diff == 0, 0.0, np.inf))
    i = int(np.argmax(diff / (atol + rtol * np.abs(w) + 1e-300)))
    where = f"[{names[i]}] " if g.size > 1 else ""
    parts = [f"rtol {rtol:g}"] if rtol else []
    parts += [f"atol {atol:g}"] if atol else []
    return Row(
        reference,
        f"{quantity} (n={g.size})" if g.size > 1 else quantity,
        f"{where}{g[i]:.10g} vs {w[i]:.10g}",
        float(diff.max()),
        float(rel.max()),
        " + ".join(parts) or "exact",
        bool(np.all(diff <= atol + rtol * np.abs(w))),
        emdi_side,
    )


# ---------------------------------------------------------------- Fay-Herriot


def fh_sae(m: Mirror) -> list[Row]:
    """Milk data, ``yi ~ as.factor(MajorArea)``: emdi's sae::mseFH references (REML and ML).

    emdi's test_fh_std_spatial_robust.R compares at tolerance 1e-4 (1e-5 for the REML MSE);
    ``sae`` stops Fisher scoring at a relative change of 1e-4, rpkd at 1e-10.
    """
    data = m.table("milk.csv")
    rows = []
    cases: tuple[tuple[Method, str], ...] = (("reml", "fh_reml_sae.csv"), ("ml", "fh_ml_sae.csv"))
    for method, name in cases:
        ref = m.reference(f"FH/{name}")
        fit = fay_herriot(
            data,
            area="SmallArea",
            direct="yi",
            variance="var",
            categorical=["MajorArea"],
            method=method,
        )
        ref_name = f"FH/{name}"
        rows += [
            compare(ref_name, "sigma2_u", fit.sigma2_u, float(ref["variance"][0]), rtol=1e-4),
            compare(
                ref_name, "EBLUP", [a.eblup for a in fit.areas], numeric(ref["EBLUP"]), rtol=1e-4
            ),
            compare(ref_name, "MSE", [a.mse for a in fit.areas], numeric(ref["MSE"]), rtol=1e-4),
        ]
    return rows


def fh_modelfit(m: Mirror) -> list[Row]:
    """15 Austrian districts, ``Mean ~ cash + self_empl``: emdi's own REML/ML status quo.

    test_fh_variance.R: ``fh(..., method, interval = c(0, 1e7), MSE = TRUE)`` at tolerance 1e-5.
    """
    data = m.table("fh15.csv")
    rows = []
    cases: tuple[tuple[Method, str], ...] = (
        ("reml", "REML_modelfit.csv"),
        ("ml", "ML_modelfit.csv"),
    )
    for method, name in cases:
        ref = m.reference(f"FH/{name}")
        fit = fay_herriot(
            data,
            area="Domain",
            direct="Mean",
            variance="Var_Mean",
            covariates=["cash", "self_empl"],
            method=method,
        )
        labels = [a.area for a in fit.areas]
        if labels != ref["Domain"]:
            raise ValueError(f"{name}: domains differ")
        ref_name = f"FH/{name}"
        rows += [
            compare(ref_name, "sigma2_u", fit.sigma2_u, float(ref["variance"][0]), rtol=1e-5),
            compare(
                ref_name,
                "EBLUP",
                [a.eblup for a in fit.areas],
                numeric(ref["FH"]),
                labels,
                rtol=1e-5,
            ),
            compare(
                ref_name, "MSE", [a.mse for a in fit.areas], numeric(ref["MSE"]), labels, rtol=1e-5
            ),
        ]
    return rows


COVARIATES = ["eqsize", "cash", "self_empl"]
# The ML profile log-likelihood of the FH model maximised by R's optimize() over emdi's interval,
# at optimize's default tolerance (what emdi's MPL() in R/estim_sigmau2.R does) and at 1e-12.
_R_SIGMA = r"""
args <- commandArgs(TRUE); d <- read.csv(args[1]); up <- as.numeric(args[2:3])
d <- d[!is.na(d$Mean), ]; X <- cbind(1, d$eqsize, d$cash, d$self_empl)
prof <- function(s, y, psi) {
  v <- s + psi; xv <- X / v; beta <- solve(t(X) %*% xv, t(xv) %*% y)
  r <- y - X %*% beta; -0.5 * sum(log(2 * pi * v)) - 0.5 * sum(r^2 / v)
}
cases <- list(list(log(d$Mean), d$Var_Mean / d$Mean^2), list(asin(sqrt(d$MTMED)), 1 / (4 * d$n)))
for (i in 1:2) {
  y <- cases[[i]][[1]]; psi <- cases[[i]][[2]]
  a <- optimize(prof, c(0, up[i]), maximum = TRUE, y = y, psi = psi)$maximum
  b <- optimize(prof, c(0, up[i]), maximum = TRUE, y = y, psi = psi, tol = 1e-12)$maximum
  cat(sprintf("%.17g %.17g %.17g %.17g\n", a, b, prof(a, y, psi), prof(b, y, psi)))
}
"""


@dataclass(frozen=True)
class Scale:
    """One scale of the 94-district FH model: direct, sampling variance, design, labels."""

    name: str
    y: np.ndarray  # NaN out of sample
    psi: np.ndarray
    x: np.ndarray  # all 94 districts
    labels: list[str]

    @property
    def sampled(self) -> np.ndarray:
        """Return which districts have a direct estimate."""
        out: np.ndarray = ~np.isnan(self.y)
        return out


@dataclass(frozen=True)
class Sigma:
    """ML ``sigma2_u`` by R's optimize: at emdi's default tolerance and at 1e-12, and loglik."""

    emdi_style: float
    tight: float
    loglik_emdi_style: float
    loglik_tight: float


def fh94(m: Mirror) -> pa.Table:
    """Return the 94 districts (86 sampled) of test_fh_backtransformation.R with derived columns.

    Log scale (emdi's framework_FH): ``log(Mean)`` with variance ``Var_Mean / Mean^2``; arcsine
    scale: rpkd's ``variance / (4 p (1 - p))`` with ``p = 0.5`` and ``variance = 0.25 / n``
    gives emdi's ``1 / (4 n)`` (``eff_smpsize = "n"``).
    """
    data = m.table("fh94.csv")
    mean, var, n = (_floats(data, c) for c in ("Mean", "Var_Mean", "n"))
    extra = {"log_mean": np.log(mean), "log_var": var / mean**2, "arcsin_var": 0.25 / n}
    for name, values in extra.items():
        data = data.append_column(name, pa.array(values, pa.float64(), from_pandas=True))
    scaled = arcsin_scale(_floats(data, "MTMED"), extra["arcsin_var"], 0.5)
    data = data.append_column("theta", pa.array(scaled.theta, pa.float64(), from_pandas=True))
    return data.append_column("theta_var", pa.array(scaled.psi, pa.float64(), from_pandas=True))


def _floats(data: pa.Table, name: str) -> np.ndarray:
    out: np.ndarray = np.asarray(data.column(name).to_numpy(zero_copy_only=False), dtype=float)
    return out


def scale(data: pa.Table, direct: str, variance: str) -> Scale:
    """Return one scale of :func:`fh94`'s table as arrays."""
    x = np.column_stack([np.ones(data.num_rows), *(_floats(data, c) for c in COVARIATES)])
    labels = [str(v) for v in data.column("Domain").to_pylist()]
    return Scale(direct, _floats(data, direct), _floats(data, variance), x, labels)


def emdi_sigma(m: Mirror) -> tuple[Sigma, Sigma]:
    """Return the log-scale and arcsine-scale ML ``sigma2_u`` as emdi's optimize() finds them.

    The intervals are read from test_fh_backtransformation.R.
    """
    test = m.show(f"{TESTS}/test_fh_backtransformation.R").decode()
    upper = re.findall(r"interval = c\(0, ([0-9.]+)\)", test)[:2]
    script = m.work / "sigma.R"
    script.write_text(_R_SIGMA, encoding="utf-8")
    done = subprocess.run(
        ["Rscript", str(script), str(m.work / "fh94.csv"), *upper],
        check=True,
        capture_output=True,
        text=True,
    )
    log, arcsin = (Sigma(*map(float, line.split())) for line in done.stdout.splitlines())
    return log, arcsin


@dataclass(frozen=True)
class Fixed:
    """FH EBLUP, shrinkage and ML MSE at a given ``sigma2_u`` (for attributing differences)."""

    eblup: np.ndarray
    gamma: np.ndarray
    mse: np.ndarray  # out of sample: sigma2_u + h - b (Datta-Lahiri limit, as rpkd)
    mse_emdi: np.ndarray  # out of sample: sigma2_u + h + b (emdi's datta_lahiri())


def fh_fixed(s: Scale, sigma2: float) -> Fixed:
    """Return the FH EBLUP and Datta-Lahiri ML MSE at a fixed ``sigma2_u``.

    The formulas of rpkd.sae.fay_herriot's docstring (Rao & Molina 2015, §6.2), i.e. emdi's
    eblup_FH() and datta_lahiri() in R/eblup.R and R/mse.R, re-evaluated here only to attribute
    a difference to ``sigma2_u``: rpkd cannot be run at a given ``sigma2_u``.
    """
    k = s.sampled
    xs, y, psi = s.x[k], s.y[k], s.psi[k]
    vi = 1.0 / (sigma2 + psi)
    q = np.linalg.inv(xs.T @ (vi[:, None] * xs))
    synthetic = s.x @ (q @ (xs.T @ (vi * y)))
    lever = np.einsum("ij,jk,ik->i", s.x, q, s.x)
    sum_v2 = float(np.sum(vi**2))
    b = -float(np.trace(q @ (xs.T @ ((vi**2)[:, None] * xs)))) / sum_v2
    shrink = np.full(s.x.shape[0], 1.0)
    shrink[k] = psi / (sigma2 + psi)
    eblup = synthetic.copy()
    eblup[k] += (1 - shrink[k]) * (y - synthetic[k])
    mse = sigma2 + lever - b
    mse_in = (
        psi * (1 - shrink[k])
        + shrink[k] ** 2 * lever[k]
        + 2 * shrink[k] ** 2 * (2 / sum_v2) / (sigma2 + psi)
        - b * shrink[k] ** 2
    )
    mse[k] = mse_in
    mse_emdi = np.where(k, mse, sigma2 + lever + b)
    return Fixed(eblup, 1 - shrink, mse, mse_emdi)


def log_back(
    fixed: Fixed, sigma2: float, sampled: np.ndarray, emdi_sign: bool
) -> dict[str, np.ndarray]:
    """Return emdi's log back-transformations (R/back_transformation.R) of ``fixed``.

    Crude: ``exp(eblup + mse/2)`` with MSE ``exp(eblup + mse/2)^2 mse``; Slud-Maiti point:
    ``exp(eblup + sigma2_u (1 - gamma) / 2)`` in sample, NA out of sample.
    """
    mse = fixed.mse_emdi if emdi_sign else fixed.mse
    crude = np.exp(fixed.eblup + 0.5 * mse)
    sm = np.where(sampled, np.exp(fixed.eblup + 0.5 * sigma2 * (1 - fixed.gamma)), np.nan)
    return {"log_crude": crude, "log_sm": sm, "log_crude_mse": crude**2 * mse}


def fh_log(m: Mirror, data: pa.Table, sigma: Sigma) -> list[Row]:
    """Log-scale FH (ML) and emdi's closed-form back-transformations (fh_backtransform_*.csv).

    rpkd has no log back-transformation of its own: the rows check rpkd's log-scale sigma2_u,
    EBLUP and ML MSE through emdi's formulas (:func:`log_back`). Diagnostic rows re-evaluate
    the formulas at emdi's ``sigma2_u`` (:func:`fh_fixed`) to attribute the differences.
    """
    fit = fay_herriot(
        data,
        area="Domain",
        direct="log_mean",
        variance="log_var",
        covariates=COVARIATES,
        method="ml",
    )
    s = scale(data, "log_mean", "log_var")
    test = m.show(f"{TESTS}/test_fh_backtransformation.R").decode()
    found = re.search(r"round\(sigmau2, 6\), ([0-9.]+)\)", test)
    if found is None:
        raise ValueError("test_fh_backtransformation.R: sigmau2 reference not found")
    emdi_s2 = float(found.group(1))
    rpkd = Fixed(
        np.array([a.eblup for a in fit.areas]),
        np.array([a.gamma for a in fit.areas]),
        np.array([a.mse for a in fit.areas]),
        np.array([a.mse for a in fit.areas]),
    )
    got = log_back(rpkd, fit.sigma2_u, s.sampled, emdi_sign=False)
    at_emdi = log_back(fh_fixed(s, emdi_s2), emdi_s2, s.sampled, emdi_sign=False)
    at_emdi_sign = log_back(fh_fixed(s, emdi_s2), emdi_s2, s.sampled, emdi_sign=True)
    point = m.reference("FH/fh_backtransform_point.csv")
    mse = m.reference("FH/fh_backtransform_mse.csv")
    want = {
        "log_crude": numeric(point["log_crude"]),
        "log_sm": numeric(point["log_sm"]),
        "log_crude_mse": numeric(mse["log_crude"]),
    }
    ref = {
        k: "FH/fh_backtransform_mse.csv" if k.endswith("mse") else "FH/fh_backtransform_point.csv"
        for k in want
    }
    tol = {"log_crude": 1e-5, "log_sm": 1e-5, "log_crude_mse": 1e-4}
    parts = {"in-sample": s.sampled, "out-of-sample": ~s.sampled}
    rows = [
        compare(
            "test_fh_backtransformation.R",
            "log-scale sigma2_u (ML), 6 decimals",
            round(fit.sigma2_u, 6),
            emdi_s2,
            emdi_side=LOOSE,
        ),
        compare(
            "(diagnostic)",
            "R optimize() at emdi's tol reproduces emdi's log sigma2_u, 6 decimals",
            round(sigma.emdi_style, 6),
            emdi_s2,
        ),
        compare(
            "(diagnostic)",
            "rpkd log sigma2_u vs R optimize(tol = 1e-12)",
            fit.sigma2_u,
            sigma.tight,
            rtol=1e-6,
        ),
    ]
    for key, values in want.items():
        for part, keep in parts.items():
            if np.all(np.isnan(values[keep])):
                continue
            labels = [x for x, k in zip(s.labels, keep, strict=True) if k]
            reason = LOOSE + ("; " + SIGN if part == "out-of-sample" else "")
            rows.append(
                compare(
                    ref[key],
                    f"{key}, {part}",
                    got[key][keep],
                    values[keep],
                    labels,
                    rtol=tol[key],
                    emdi_side=reason,
                )
            )
    keep = s.sampled
    labels = [x for x, k in zip(s.labels, keep, strict=True) if k]
    for key, values in want.items():
        rows.append(
            compare(
                "(diagnostic)",
                f"{key}, in-sample: formulas at emdi's sigma2_u",
                at_emdi[key][keep],
                values[keep],
                labels,
                rtol=1e-8,
            )
        )
    for key in ("log_crude", "log_crude_mse"):
        keep = ~s.sampled
        labels = [x for x, k in zip(s.labels, keep, strict=True) if k]
        rows.append(
            compare(
                "(diagnostic)",
                f"{key}, out-of-sample: formulas at emdi's sigma2_u, emdi's sign of b",
                at_emdi_sign[key][keep],
                want[key][keep],
                labels,
                rtol=1e-8,
            )
        )
    return rows


def truncated_sin2(mu: float, sd: float) -> float:
    """Return emdi's bias-corrected arcsine back-transformation (R/back_transformation.R).

    ``integral_0^(pi/2) sin(x)^2 dnorm(x, mu, sd) dx``: the normal mass outside [0, pi/2] is
    dropped, not folded back, so an EBLUP near pi/2 loses about half its value.
    """
    value: float = integrate.quad(
        lambda x: math.sin(x) ** 2 * stats.norm.pdf(x, mu, sd), 0, math.pi / 2
    )[0]
    return value


def full_sin2(mu: float, sd: float) -> float:
    """Return ``E[sin^2 T]``, ``T ~ N(mu, sd^2)``, by quadrature over +-12 sd (a cross-check)."""
    value: float = integrate.quad(
        lambda x: math.sin(x) ** 2 * stats.norm.pdf(x, mu, sd),
        mu - 12 * sd,
        mu + 12 * sd,
        limit=200,
    )[0]
    return value


def emdi_arcsin(fixed: Fixed, sigma2: float, sampled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return emdi's naive and ``bc`` arcsine back-transformations (out of sample: naive)."""
    theta = fixed.eblup
    naive = np.sin(np.clip(theta, 0.0, math.pi / 2)) ** 2
    bc = np.array(
        [
            truncated_sin2(t, math.sqrt(sigma2 * (1 - g))) if k else math.sin(t) ** 2
            for t, g, k in zip(theta, fixed.gamma, sampled, strict=True)
        ]
    )
    return naive, bc


def fh_arcsine(m: Mirror, data: pa.Table, sigma: Sigma) -> list[Row]:
    """Arcsine FH (ML) of MTMED: naive and bias-corrected point back-transformations.

    emdi's point estimates are deterministic (the seeds only drive the bootstrap MSEs, which are
    not compared). emdi's ``bc`` integrates over [0, pi/2] only and back-transforms
    out-of-sample areas naively; rpkd's :func:`rpkd.sae.fh_arcsin.back_transform` is
    ``E[sin^2 T]`` over the real line, out of sample with variance ``sigma2_u``.
    """
    s = scale(data, "theta", "theta_var")
    fit = fay_herriot(
        data,
        area="Domain",
        direct="theta",
        variance="theta_var",
        covariates=COVARIATES,
        method="ml",
    )
    rpkd = Fixed(
        *(np.array([getattr(a, f) for a in fit.areas]) for f in ("eblup", "gamma", "mse", "mse"))
    )
    naive, _ = emdi_arcsin(rpkd, fit.sigma2_u, s.sampled)
    bc = np.array(
        [
            a.eblup
            for a in fh_arcsin(
                data,
                area="Domain",
                direct="MTMED",
                variance="arcsin_var",
                reference=0.5,
                covariates=COVARIATES,
                method="ml",
                bootstrap=0,
            ).areas
        ]
    )
    g1 = fit.sigma2_u * (1 - rpkd.gamma)
    at_emdi = emdi_arcsin(fh_fixed(s, sigma.emdi_style), sigma.emdi_style, s.sampled)
    point = m.reference("FH/fh_backtransform_point.csv")
    want_naive, want_bc = numeric(point["arcsin_naive_jk"]), numeric(point["arcsin_bc_boot"])
    ref = "FH/fh_backtransform_point.csv"
    inside, out = s.sampled, ~s.sampled
    lab_in = [x for x, k in zip(s.labels, inside, strict=True) if k]
    lab_out = [x for x, k in zip(s.labels, out, strict=True) if k]
    return [
        compare(
            "(diagnostic)",
            "rpkd arcsine sigma2_u vs R optimize(tol = 1e-12)",
            fit.sigma2_u,
            sigma.tight,
            rtol=1e-6,
        ),
        compare(
            ref,
            "arcsin naive sin^2(EBLUP)",
            naive,
            want_naive,
            s.labels,
            rtol=1e-6,
            emdi_side=LOOSE,
        ),
        compare(
            ref,
            "arcsin bc, in-sample (rpkd fh_arcsin)",
            bc[inside],
            want_bc[inside],
            lab_in,
            rtol=1e-6,
            emdi_side=LOOSE + "; " + TRUNCATED,
        ),
        compare(
            ref,
            "arcsin bc, out-of-sample (rpkd fh_arcsin)",
            bc[out],
            want_bc[out],
            lab_out,
            rtol=1e-6,
            emdi_side=LOOSE + "; " + NAIVE_OUT,
        ),
        compare(
            "(diagnostic)",
            "arcsin naive: rpkd formulas at emdi's sigma2_u",
            at_emdi[0],
            want_naive,
            s.labels,
            rtol=1e-8,
        ),
        compare(
            "(diagnostic)",
            "arcsin bc: emdi's truncated integral at emdi's sigma2_u",
            at_emdi[1],
            want_bc,
            s.labels,
            rtol=1e-6,
            atol=1e-12,
        ),
        compare(
            "(diagnostic)",
            "rpkd bc: back_transform() vs quadrature over the real line",
            bc[inside],
            [
                full_sin2(t, math.sqrt(v))
                for t, v in zip(rpkd.eblup[inside], g1[inside], strict=True)
            ],
            lab_in,
            rtol=1e-9,
            atol=1e-12,
        ),
    ]


# ---------------------------------------------------------------- EBP


@dataclass(frozen=True)
class Sample:
    """emdi's ``incomedata`` (54 households in 5 provinces) as rpkd's EBP takes it."""

    table: pa.Table
    y: np.ndarray
    x: np.ndarray
    area: np.ndarray
    areas: int


def sample(m: Mirror) -> Sample:
    """Return ``incomedata`` with the design of ``income ~ educ1``, domains ``provlab``."""
    table = m.table("income.csv")
    labels = [str(v) for v in table.column("provlab").to_pylist()]
    codes = sorted(set(labels))
    y = table.column("income").to_numpy().astype(float)
    x = np.column_stack([np.ones(y.size), table.column("educ1").to_numpy().astype(float)])
    area = np.array([codes.index(v) for v in labels])
    return Sample(table, y, x, area, len(codes))


def transformations(m: Mirror, s: Sample) -> list[Row]:
    """Box-Cox lambda (REML criterion, interval [-1, 2]), shift and transformed data.

    test_optimal_par.R / test_data_transformation.R. emdi's lambda comes from R's ``optimize``
    at its default ``tol = .Machine$double.eps^0.25`` (1.2e-4), so it is only that accurate;
    the transformations are then evaluated at emdi's lambda (testthat's default 1.5e-8).
    """
    lam = float(m.reference("EBP/ebp_optpar_bc.csv")["Optpar"][0])
    fitted = fit_transform("box_cox", s.y, s.x, s.area, s.areas, "reml")
    tr = {
        name: m.reference(f"EBP/{name}.csv")
        for name in ("data_bc", "data_bc_std", "data_log", "data_logshift", "data_logshift_std")
    }
    bc, log = Transform("box_cox", lam, 0.0), Transform("log", 0.0, 0.0)
    log_shift = Transform("log_shift", 0.0, lam)  # emdi's log.shift at "lambda" is log(y + lambda)
    shift = float(m.reference("EBP/ebp_shift_bc.csv")["Shift"][0])
    tight = 1.5e-8
    rows = [
        compare("EBP/ebp_optpar_bc.csv", "Box-Cox lambda (REML)", fitted.lam, lam, atol=1.22e-4),
        compare("EBP/ebp_shift_bc.csv", "shift", fitted.shift, shift),
        compare("EBP/data_bc.csv", "shift m", shift_for(s.y), numeric(tr["data_bc"]["m"])[0]),
    ]
    bc_y, logshift_y = numeric(tr["data_bc"]["y"]), numeric(tr["data_logshift"]["y"])
    at_lambda = (  # emdi's file, quantity, rpkd's value, emdi's value
        ("data_bc", "Box-Cox y at emdi's lambda", bc.forward(s.y), bc_y),
        (
            "data_bc_std",
            "standardised Box-Cox y",
            standardised_box_cox(s.y, lam),
            numeric(tr["data_bc_std"]["x"]),
        ),
        ("data_log", "log y", log.forward(s.y), numeric(tr["data_log"]["y"])),
        ("data_logshift", "log(y + lambda)", log_shift.forward(s.y), logshift_y),
        (
            "data_logshift_std",
            "standardised log(y + lambda)",
            standardised_box_cox(s.y + lam, 0.0),
            numeric(tr["data_logshift_std"]["x"]),
        ),
        ("data_bc", "Box-Cox inverse of y = income", bc.inverse(bc_y), s.y),
        ("data_logshift", "log-shift inverse of y = income", log_shift.inverse(logshift_y), s.y),
    )
    rows += [
        compare(f"EBP/{name}.csv", quantity, got, want, rtol=tight)
        for name, quantity, got, want in at_lambda
    ]
    return rows


def criterion_note(m: Mirror, s: Sample) -> str:
    """Return the REML criterion of rpkd's and emdi's lambda (which is the better maximiser)."""
    from rpkd.sae.nested_error import fit_nested_error

    lam = float(m.reference("EBP/ebp_optpar_bc.csv")["Optpar"][0])
    fitted = fit_transform("box_cox", s.y, s.x, s.area, s.areas, "reml")

    def crit(value: float) -> float:
        return fit_nested_error(
            standardised_box_cox(s.y, value), s.x, s.area, s.areas, "reml"
        ).loglik

    return (
        f"Box-Cox REML criterion (nlme's restricted log-likelihood of the standardised "
        f"transform): rpkd lambda {fitted.lam:.8f} -> {crit(fitted.lam):.10f}; "
        f"emdi lambda {lam:.8f} -> {crit(lam):.10f}."
    )


@dataclass(frozen=True)
class MonteCarlo:
    """One EBP set-up of test_point_estimation.R and its reference columns."""

    reference: str
    label: str
    key: str  # emdi's domain column
    columns: dict[str, str]  # rpkd indicator -> emdi column
    transformation: Transformation
    weighted: bool = False  # survey weights, pop_weights = 2 and aggregate_to = "domain"


MC_CASES = (
    MonteCarlo(
        "EBP/ebp_point_bc.csv",
        "Box-Cox EBP, REML, L = 2",
        "dom",
        {"mean": "mean", "headcount": "hcr", "poverty_gap": "pgap"},
        "box_cox",
    ),
    MonteCarlo(
        "EBP/ebp_point_bc2.csv",
        "log EBP, pseudo-EBP weights, pop_weights, aggregate_to, L = 2",
        "Domain",
        {"mean": "Mean", "headcount": "Head_Count", "poverty_gap": "Poverty_Gap"},
        "log",
        weighted=True,
    ),
)


def monte_carlo(m: Mirror, s: Sample, census: pa.Table, runs: int) -> list[Row]:
    """Compare emdi's L = 2 Monte Carlo EBPs with ``runs`` rpkd runs of L = 2 (seeds 1..runs).

    The runs' mean estimates the expectation of an L = 2 estimate and their standard deviation
    its Monte Carlo s.d.; ``z = (emdi - mean) / (sd sqrt(1 + 1/runs))`` and ``|z| <= 4`` passes.
    """
    province = {
        str(a): str(int(p))
        for a, p in zip(
            s.table.column("provlab").to_pylist(), s.table.column("prov").to_pylist(), strict=True
        )
    }
    test = m.show(f"{TESTS}/test_point_estimation.R").decode()
    found = re.search(r"threshold = ([0-9.]+)", test)
    if found is None:
        raise ValueError("test_point_estimation.R: threshold not found")
    line = float(found.group(1))
    rows = []
    for case in MC_CASES:
        ref = m.reference(case.reference)
        draws = []
        for seed in range(1, runs + 1):
            fit = ebp(
                s.table,
                census,
                area="provlab",
                welfare="income",
                line=line,
                covariates=["educ1"],
                replicates=2,
                seed=seed,
                transformation=case.transformation,
                sample_weight="weight" if case.weighted else None,
                census_weight="pop_weights" if case.weighted else None,
                report="domain" if case.weighted else None,
            )
            names = [province.get(a.area, a.area) for a in fit.areas]
            order = [names.index(d) for d in ref[case.key]]
            draws.append([[getattr(fit.areas[i], k) for k in case.columns] for i in order])
        est = np.array(draws)  # runs x areas x indicators
        mean, sd = est.mean(axis=0), est.std(axis=0, ddof=1) * math.sqrt(1 + 1 / runs)
        for k, col in enumerate(case.columns.values()):
            want = numeric(ref[col])
            z = (want - mean[:, k]) / sd[:, k]
            i = int(np.argmax(np.abs(z)))
            diff = np.abs(mean[:, k] - want)
            rows.append(
                Row(
                    case.reference,
                    f"{col}: {case.label} (n={want.size})",
                    f"[{ref[case.key][i]}] {mean[i, k]:.6g} ± {sd[i, k]:.2g} vs {want[i]:.6g}; "
                    f"max abs(z) {abs(z[i]):.2f}",
                    float(diff.max()),
                    float((diff / np.abs(want)).max()),
                    f"abs(z) <= {Z_MAX:g} (MC s.d. of L = 2, {runs} runs)",
                    bool(np.all(np.abs(z) <= Z_MAX)),
                )
            )
    return rows


# ---------------------------------------------------------------- report


def table(rows: Sequence[Row]) -> str:
    """Return the rows as a markdown table."""
    head = (
        "| Reference | Quantity | rpkd vs emdi (largest difference) | Max abs diff "
        "| Max rel diff | Tolerance | Result |\n|---|---|---|---|---|---|---|"
    )
    lines = [
        f"| {r.reference} | {r.quantity} | {r.values} | {r.abs_diff:.3g} | {r.rel_diff:.3g} "
        f"| {r.tolerance} | {r.result} |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def version(git: Path) -> str:
    """Return emdi's version (DESCRIPTION) and the mirror's commit and date."""
    desc = Mirror(git, Path()).show("DESCRIPTION").decode()
    found = re.search(r"^Version:\s*(\S+)", desc, re.MULTILINE)
    log = subprocess.run(
        ["git", "-C", str(git), "log", "-1", "--format=%H %cs"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return f"emdi {found.group(1) if found else '?'} (commit {log[0][:12]}, {log[1]})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run every comparison and print the markdown report.

    Return 1 if a row fails for no emdi-side reason.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", nargs="?", type=Path, default=MIRROR, help="emdi git mirror")
    parser.add_argument(
        "--mc-runs", type=int, default=30, help="rpkd runs per Monte Carlo check (0: skip)"
    )
    args = parser.parse_args(argv)
    if 0 < args.mc_runs < 10:
        parser.error("--mc-runs: 0 (skip the Monte Carlo checks) or at least 10 (the s.d.)")
    with tempfile.TemporaryDirectory(prefix="emdi_check_") as tmp:
        work = Path(tmp)
        r_version = extract(args.mirror, work)
        m = Mirror(args.mirror, work)
        s = sample(m)
        data = fh94(m)
        sigma = emdi_sigma(m)
        steps: list[Callable[[], list[Row]]] = [
            lambda: fh_sae(m),
            lambda: fh_modelfit(m),
            lambda: fh_log(m, data, sigma[0]),
            lambda: fh_arcsine(m, data, sigma[1]),
            lambda: transformations(m, s),
        ]
        if args.mc_runs > 1:
            census = m.table("census.csv")
            steps.append(lambda: monte_carlo(m, s, census, args.mc_runs))
        rows = [row for step in steps for row in step()]
        note = criterion_note(m, s)
    print(f"emdi check, {dt.date.today().isoformat()}: {version(args.mirror)}; {r_version}\n")
    print(table(rows))
    print(f"\n{note}")
    differ = sum(not r.ok and bool(r.emdi_side) for r in rows)
    failed = sum(not r.ok and not r.emdi_side for r in rows)
    print(
        f"\n{len(rows) - differ - failed} of {len(rows)} comparisons pass, {differ} differ for "
        f"the emdi-side reasons the diagnostic rows reproduce, {failed} fail."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
