# Golden values for rpkd.survey / rpkd.measures.fgt from R survey (run from this folder):
#   Rscript fgt_designs.R
# Writes households.csv (the synthetic sample, fixed seed) and fgt_designs.json (estimates).
suppressPackageStartupMessages({library(survey); library(jsonlite)})
set.seed(20261128)

strata <- 40
rows <- list()
for (h in seq_len(strata)) {
  n_psu <- sample(2:5, 1)
  N_psu <- n_psu + sample(5:40, 1)
  for (i in seq_len(n_psu)) {
    m <- sample(4:12, 1)
    M <- m + sample(20:150, 1)
    urban <- runif(1) < 0.35
    level <- rnorm(1, 13.3 + 0.25 * urban, 0.25)
    rows[[length(rows) + 1]] <- data.frame(
      stratum = sprintf("S%02d", h), psu = sprintf("P%d", i), hh = sprintf("H%02d", seq_len(m)),
      fpc1 = N_psu, fpc2 = M,
      weight = (N_psu / n_psu) * (M / m) * runif(m, 0.85, 1.15),
      household_size = 1 + rpois(m, 3),
      expenditure_per_capita = round(exp(rnorm(m, level, 0.45))),
      urban = urban,
      kecamatan = sample(c("K1", "K2", "K3", "K4", "K5", "K6"), m, replace = TRUE,
                         prob = c(0.3, 0.2, 0.2, 0.15, 0.1, 0.05))
    )
  }
}
hh <- do.call(rbind, rows)
hh$line <- ifelse(hh$urban, 640000, 590000)
hh$frac1 <- NA
for (s in unique(hh$stratum)) {
  k <- hh$stratum == s
  hh$frac1[k] <- length(unique(hh$psu[k])) / hh$fpc1[k][1]
}
write.csv(hh, "households.csv", row.names = FALSE)
# Estimate from the file as written, so that Python and R read identical numbers.
hh <- read.csv("households.csv", stringsAsFactors = FALSE)

fgt <- function(y, z, alpha) ifelse(y < z, ((z - y) / z)^alpha, 0)
fixed <- 600000
for (a in 0:2) {
  hh[[paste0("f", a, "_fixed")]] <- fgt(hh$expenditure_per_capita, fixed, a)
  hh[[paste0("f", a, "_column")]] <- fgt(hh$expenditure_per_capita, hh$line, a)
}
hh$pweight <- hh$weight * hh$household_size

designs <- list(
  one_stage = list(ids = ~psu, fpc = NULL),
  one_stage_fpc = list(ids = ~psu, fpc = ~fpc1),
  one_stage_fraction = list(ids = ~psu, fpc = ~frac1),
  two_stage = list(ids = ~psu + hh, fpc = NULL),
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
      for (a in 0:2) {
        v <- paste0("f", a, "_", line)
        f <- as.formula(paste0("~", v))
        m <- svymean(f, des, deff = "replace")
        add(design = dname, level = level, measure = paste0("fgt", a), line = line,
            domain = NA, estimate = unname(coef(m)), se = as.numeric(SE(m)),
            deff = as.numeric(deff(m)), n = nrow(hh), population = sum(weights(des)))
        b <- svyby(f, ~kecamatan, des, svymean, deff = "replace")
        for (i in seq_len(nrow(b))) {
          k <- as.character(b$kecamatan[i])
          add(design = dname, level = level, measure = paste0("fgt", a), line = line,
              domain = k, estimate = unname(b[i, v]), se = as.numeric(SE(b))[i],
              deff = unname(b[i, paste0("DEff.", v)]), n = sum(hh$kecamatan == k),
              population = sum(weights(des)[hh$kecamatan == k]))
        }
      }
      v <- paste0("f0_", line)
      t <- svytotal(as.formula(paste0("~", v)), des, deff = "replace")
      add(design = dname, level = level, measure = "poor", line = line, domain = NA,
          estimate = unname(coef(t)), se = as.numeric(SE(t)), deff = as.numeric(deff(t)),
          n = nrow(hh), population = sum(weights(des)))
      bt <- svyby(as.formula(paste0("~", v)), ~kecamatan, des, svytotal)
      for (i in seq_len(nrow(bt))) {
        k <- as.character(bt$kecamatan[i])
        add(design = dname, level = level, measure = "poor", line = line, domain = k,
            estimate = unname(bt[i, v]), se = as.numeric(SE(bt))[i], deff = NA,
            n = sum(hh$kecamatan == k), population = sum(weights(des)[hh$kecamatan == k]))
      }
    }
    m <- svymean(~expenditure_per_capita, des, deff = "replace")
    add(design = dname, level = level, measure = "mean", line = NA, domain = NA,
        estimate = unname(coef(m)), se = as.numeric(SE(m)), deff = as.numeric(deff(m)),
        n = nrow(hh), population = sum(weights(des)))
  }
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "fgt_designs.json")
