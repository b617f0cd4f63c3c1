# Golden values for rpkd.simulation.microsim: a scenario's P0, P1, P2 and number of poor on two
# lines, their difference from the baseline, and the survey's estimate of the scenario's cost,
# with Taylor-linearised SEs from R survey, on the scenario's transformed welfare.
#
# Data: ../survey/households.csv (two-stage design with fpc at both stages). The scenario, as
# docs/scenarios.md defines it, computed here from first principles:
#   * year 2027 from base year 2025, real growth 3% and inflation 2% a year: consumption grows by
#     (1.03 × 1.02)^2, the lines (600,000 and 400,000 per capita per month) by 1.02^2;
#   * true desil: households ordered by consumption (ties in file order), household weights,
#     desil = floor(10 × C / W) + 1 with C the weight before the household and W the total;
#   * perfect targeting and full uptake, packages in this order:
#       bansos  desil <= 3: Rp150,000 per member per month, 12 months;
#       topup   desil <= 2: consumption topped up to the extreme line;
#       flat    desil <= 5: Rp300,000 per family per month for 3 months (Rp900,000 a year,
#               spread over 12 months of per-capita consumption).
# Person-level estimates (weight × household size); the cost is a household total (weight).
# Run from this folder: Rscript scenario_se.R (writes scenario_se.json).
suppressPackageStartupMessages({library(survey); library(jsonlite)})
hh <- read.csv("../survey/households.csv", stringsAsFactors = FALSE)

growth <- 0.03
inflation <- 0.02
y <- hh$expenditure_per_capita * ((1 + growth) * (1 + inflation))^2
z <- c(poverty = 600000, extreme = 400000) * (1 + inflation)^2

ord <- order(hh$expenditure_per_capita, method = "radix")
before <- cumsum(hh$weight[ord]) - hh$weight[ord]
desil <- integer(nrow(hh))
desil[ord] <- floor(10 * before / sum(hh$weight)) + 1

size <- hh$household_size
bansos <- ifelse(desil <= 3, 150000 * size * 12, 0)
y1 <- y + bansos / 12 / size
topup <- ifelse(desil <= 2, pmax(z[["extreme"]] - y1, 0) * size * 12, 0)
y2 <- ifelse(desil <= 2, pmax(y1, z[["extreme"]]), y1)
flat <- ifelse(desil <= 5, 300000 * 3, 0)
y3 <- y2 + flat / 12 / size
hh$cost <- bansos + topup + flat

fgt <- function(v, line, alpha) ifelse(v < line, ((line - v) / line)^alpha, 0)
for (k in names(z)) {
  for (a in 0:2) {
    hh[[paste0("base_", k, a)]] <- fgt(y, z[[k]], a)
    hh[[paste0("scen_", k, a)]] <- fgt(y3, z[[k]], a)
    hh[[paste0("diff_", k, a)]] <- hh[[paste0("scen_", k, a)]] - hh[[paste0("base_", k, a)]]
  }
}
hh$pweight <- hh$weight * hh$household_size
persons <- svydesign(ids = ~psu + hh, strata = ~stratum, fpc = ~fpc1 + fpc2,
                     weights = ~pweight, data = hh, nest = TRUE)
households <- svydesign(ids = ~psu + hh, strata = ~stratum, fpc = ~fpc1 + fpc2,
                        weights = ~weight, data = hh, nest = TRUE)

out <- list(lines = as.list(z), rows = list())
add <- function(...) out$rows[[length(out$rows) + 1]] <<- list(...)
for (k in names(z)) {
  for (a in 0:2) {
    for (which in c("baseline", "scenario", "difference")) {
      v <- paste0(c(baseline = "base_", scenario = "scen_", difference = "diff_")[[which]], k, a)
      m <- svymean(as.formula(paste0("~", v)), persons)
      add(measure = paste0("fgt", a), line = k, indicator = which,
          estimate = unname(coef(m)), se = as.numeric(SE(m)))
    }
  }
  # The number of poor, and its difference as a contrast of two totals on the same design.
  totals <- svytotal(as.formula(paste0("~base_", k, "0 + scen_", k, "0")), persons)
  contrast <- svycontrast(totals, c(-1, 1))
  add(measure = "poor", line = k, indicator = "baseline", estimate = unname(coef(totals)[1]),
      se = as.numeric(SE(totals))[1])
  add(measure = "poor", line = k, indicator = "scenario", estimate = unname(coef(totals)[2]),
      se = as.numeric(SE(totals))[2])
  add(measure = "poor", line = k, indicator = "difference", estimate = unname(coef(contrast)),
      se = as.numeric(SE(contrast)))
}
cost <- svytotal(~cost, households)
add(measure = "cost", line = NA, indicator = "scenario", estimate = unname(coef(cost)),
    se = as.numeric(SE(cost)))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "scenario_se.json")
