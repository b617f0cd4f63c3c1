# Golden values for rpkd.measures.mpi from R survey (run from this folder):  Rscript mpi.R
# Alkire-Foster on the synthetic sample of ../survey/households.csv with four 0/1 deprivations
# derived below; H, M0, headcounts as svymean, A and contributions as svyratio (Alkire et al.
# 2015, ch. 5), domains by svyby, subgroup contributions as svyratio of the domain's poor
# score total to the overall one.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
hh <- read.csv("../survey/households.csv", stringsAsFactors = FALSE)
hh$d_money <- as.numeric(hh$expenditure_per_capita < 600000)
hh$d_crowded <- as.numeric(hh$household_size >= 5)
hh$d_rural <- as.numeric(!hh$urban)
hh$d_weight <- as.numeric(hh$weight %% 1 < 0.3)
write.csv(hh[, c("stratum", "psu", "weight", "kecamatan", "d_money", "d_crowded", "d_rural",
                 "d_weight")], "mpi_households.csv", row.names = FALSE)
w <- c(d_money = 2, d_crowded = 1, d_rural = 1, d_weight = 2)
w <- w / sum(w)
k <- 1 / 3
hh$c <- as.matrix(hh[, names(w)]) %*% w
hh$poor <- as.numeric(hh$c >= k - 1e-9)
hh$pc <- hh$poor * hh$c
for (j in names(w)) {
  hh[[paste0("cd_", j)]] <- hh$poor * hh[[j]]
  hh[[paste0("wcd_", j)]] <- w[[j]] * hh$poor * hh[[j]]
}
for (g in sort(unique(hh$kecamatan))) hh[[paste0("pc_", g)]] <- ifelse(hh$kecamatan == g, hh$pc, 0)
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = hh, nest = TRUE)

out <- list()
add <- function(...) out[[length(out) + 1]] <<- list(...)
stat <- function(measure, indicator, domain, s) add(measure = measure, indicator = indicator,
  domain = domain, estimate = as.numeric(coef(s)), se = as.numeric(SE(s)))
for (dom in c(NA, sort(unique(hh$kecamatan)))) {
  d <- if (is.na(dom)) des else subset(des, kecamatan == dom)
  stat("H", NA, dom, svymean(~poor, d))
  stat("M0", NA, dom, svymean(~pc, d))
  stat("A", NA, dom, svyratio(~pc, ~poor, d))
  for (j in names(w)) {
    stat("censored_headcount", j, dom, svymean(as.formula(paste0("~cd_", j)), d))
    stat("raw_headcount", j, dom, svymean(as.formula(paste0("~", j)), d))
    stat("contribution", j, dom, svyratio(as.formula(paste0("~wcd_", j)), ~pc, d))
  }
  if (!is.na(dom))
    stat("subgroup_contribution", NA, dom, svyratio(as.formula(paste0("~pc_", dom)), ~pc, des))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), "mpi.json")
