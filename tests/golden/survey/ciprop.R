# Golden 95% intervals for proportions (rpkd.survey.intervals) from R survey's svyciprop
# (run from this folder):  Rscript ciprop.R
# method = "logit": expit(logit(p) -/+ qt(0.975, degf) * SE(logit p)), the Wald interval of an
# intercept-only quasibinomial svyglm; method = "beta": Korn & Graubard (1998), the effective
# sample size n p (1 - p) / var scaled by (qt(0.025, n - 1) / qt(0.025, degf))^2. svyby applies
# svyciprop to each domain's subset design, so degf and n are those of the domain's records.
# Writes ciprop.json from households.csv (written by fgt_designs.R) and ../measures/mpi_households.csv.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
hh <- read.csv("households.csv", stringsAsFactors = FALSE)
hh$f0_fixed <- as.numeric(hh$expenditure_per_capita < 600000)
hh$f0_column <- as.numeric(hh$expenditure_per_capita < hh$line)
hh$pweight <- hh$weight * hh$household_size

designs <- list(
  unclustered = list(ids = ~1, fpc = NULL),
  one_stage = list(ids = ~psu, fpc = NULL),
  two_stage_fpc = list(ids = ~psu + hh, fpc = ~fpc1 + fpc2)
)
out <- list()
add <- function(...) out[[length(out) + 1]] <<- list(...)
for (dname in names(designs)) {
  spec <- designs[[dname]]
  for (level in c("household", "person")) {
    w <- if (level == "household") ~weight else ~pweight
    des <- svydesign(ids = spec$ids, strata = ~stratum, fpc = spec$fpc, weights = w,
                     data = hh, nest = TRUE)
    for (line in c("fixed", "column")) {
      f <- as.formula(paste0("~f0_", line))
      for (method in c("logit", "beta")) {
        r <- svyciprop(f, des, method = method)
        add(source = "households", design = dname, level = level, line = line,
            method = method, domain = NA, estimate = as.numeric(r),
            ci_low = unname(attr(r, "ci")[1]), ci_high = unname(attr(r, "ci")[2]),
            df = degf(des))
        b <- svyby(f, ~kecamatan, des, svyciprop, vartype = "ci", method = method)
        for (i in seq_len(nrow(b))) {
          k <- as.character(b$kecamatan[i])
          add(source = "households", design = dname, level = level, line = line,
              method = method, domain = k, estimate = unname(b[i, 2]),
              ci_low = unname(b$ci_l[i]), ci_high = unname(b$ci_u[i]),
              df = degf(subset(des, kecamatan == k)))
        }
      }
    }
  }
}

# The MPI headcount H of ../measures/mpi.R (weights 2, 1, 1, 2; k = 1/3).
mp <- read.csv("../measures/mpi_households.csv", stringsAsFactors = FALSE)
w <- c(d_money = 2, d_crowded = 1, d_rural = 1, d_weight = 2)
w <- w / sum(w)
mp$poor <- as.numeric(as.matrix(mp[, names(w)]) %*% w >= 1 / 3 - 1e-9)
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = mp, nest = TRUE)
for (method in c("logit", "beta")) {
  r <- svyciprop(~poor, des, method = method)
  add(source = "mpi", design = "one_stage", level = "household", line = NA, method = method,
      domain = NA, estimate = as.numeric(r), ci_low = unname(attr(r, "ci")[1]),
      ci_high = unname(attr(r, "ci")[2]), df = degf(des))
  b <- svyby(~poor, ~kecamatan, des, svyciprop, vartype = "ci", method = method)
  for (i in seq_len(nrow(b))) {
    k <- as.character(b$kecamatan[i])
    add(source = "mpi", design = "one_stage", level = "household", line = NA, method = method,
        domain = k, estimate = unname(b[i, 2]), ci_low = unname(b$ci_l[i]),
        ci_high = unname(b$ci_u[i]), df = degf(subset(des, kecamatan == k)))
  }
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "ciprop.json")
