# Golden values for rpkd.measures.inequality (run from this folder):  Rscript inequality.R
# Point estimates from R laeken (gini, qsr, weightedQuantile; laeken returns percent, we store
# fractions). Gini standard errors: the Langel & Tillé (2013) / Osier (2009) influence function,
# written here independently, checked against numerical derivatives of laeken::gini with respect
# to each weight, and passed to survey::svytotal (the total of w·z has the Gini's linearised
# variance). Domains: z computed within the domain, zero outside, full design kept.
suppressPackageStartupMessages({library(survey); library(laeken); library(jsonlite)})
hh <- read.csv("../survey/households.csv", stringsAsFactors = FALSE)
hh$pweight <- hh$weight * hh$household_size

gini_z <- function(y, w) {
  o <- order(y); ys <- y[o]; ws <- w[o]
  N <- sum(ws); Y <- sum(ws * ys)
  Nk <- cumsum(ws) - ws / 2; Yk <- cumsum(ws * ys) - ws * ys / 2
  G <- laeken::gini(ys, ws)$value / 100
  z <- (2 * (Nk * ys - Yk) + Y - N * ys - G * (Y + N * ys)) / (N * Y)
  out <- numeric(length(y)); out[o] <- z; out
}
# The influence value is the derivative of the estimator with respect to each unit's weight.
check <- function(y, w) {
  z <- gini_z(y, w)
  for (k in c(1, 7, 50, length(y))) {
    h <- 1e-4 * w[k]; up <- w; up[k] <- w[k] + h; dn <- w; dn[k] <- w[k] - h
    num <- (laeken::gini(y, up)$value - laeken::gini(y, dn)$value) / 100 / (2 * h)
    stopifnot(abs(num - z[k]) <= 1e-6 * max(abs(z)))
  }
}
# S80/S20 and Palma SEs: the linearised variable of a ratio of partial income totals at
# estimated quantiles (Osier 2009, section 3.3), written here from the formula and passed to
# survey::svytotal. This checks rpkd's variance of that variable; the formula itself is checked
# against repeated sampling in tests/measures/test_inequality.py.
share_z <- function(y, w, top, bottom) {
  q <- laeken::weightedQuantile(y, w, probs = c(bottom, top))
  lo <- as.numeric(y <= q[1]); hi <- as.numeric(y <= q[2])
  Yb <- sum(w * y * lo); Yt <- sum(w * y) - sum(w * y * hi)
  It <- y * hi + q[2] * (top - hi); Ib <- y * lo + q[1] * (bottom - lo)
  (y - It) / Yb - (Yt / Yb) * Ib / Yb
}
share_ratio <- function(y, w, top, bottom) {
  q <- laeken::weightedQuantile(y, w, probs = c(bottom, top))
  sum(w[y > q[2]] * y[y > q[2]]) / sum(w[y <= q[1]] * y[y <= q[1]])
}

out <- list()
add <- function(...) out[[length(out) + 1]] <<- list(...)
designs <- list(one_stage = list(ids = ~psu, fpc = NULL),
                two_stage_fpc = list(ids = ~psu + hh, fpc = ~fpc1 + fpc2))
for (dname in names(designs)) {
  for (level in c("household", "person")) {
    wcol <- if (level == "household") "weight" else "pweight"
    des <- svydesign(ids = designs[[dname]]$ids, strata = ~stratum, fpc = designs[[dname]]$fpc,
                     weights = as.formula(paste0("~", wcol)), data = hh, nest = TRUE)
    for (dom in c(NA, sort(unique(hh$kecamatan)))) {
      inside <- if (is.na(dom)) rep(TRUE, nrow(hh)) else hh$kecamatan == dom
      y <- hh$expenditure_per_capita[inside]; w <- hh[[wcol]][inside]
      check(y, w)
      des$variables$z <- 0
      des$variables$z[inside] <- gini_z(y, w)
      tz <- svytotal(~z, des)
      des$variables$zq <- 0
      des$variables$zq[inside] <- share_z(y, w, 0.8, 0.2)
      des$variables$zp <- 0
      des$variables$zp[inside] <- share_z(y, w, 0.9, 0.4)
      tq <- svytotal(~zq, des)
      tp <- svytotal(~zp, des)
      q <- laeken::incQuintile(y, w)
      add(design = dname, level = level, domain = dom,
          gini = laeken::gini(y, w)$value / 100, gini_se = as.numeric(SE(tz)),
          qsr = laeken::qsr(y, w)$value, qsr_check = share_ratio(y, w, 0.8, 0.2),
          qsr_se = as.numeric(SE(tq)),
          palma = share_ratio(y, w, 0.9, 0.4), palma_se = as.numeric(SE(tp)),
          decile_shares = sapply(1:10, function(d) {
            cut <- c(-Inf, laeken::weightedQuantile(y, w, probs = (1:9) / 10), Inf)
            k <- y > cut[d] & y <= cut[d + 1]
            sum(w[k] * y[k]) / sum(w * y)
          }),
          mean = sum(w * y) / sum(w), n = length(y), population = sum(w))
    }
  }
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "inequality.json")
