# R side of benchmarks/survey_national.py: FGT P0/P1/P2 on two lines for every kabupaten/kota
# with survey::svyby (stratified two-stage sample, ultimate-cluster variance as R computes it
# when no fpc is given).  Usage: Rscript survey_national.R DATA.csv OUT.json
# OUT.json holds the estimates, the seconds of svymean + svyby and of reading the CSV.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
reading <- Sys.time()
hh <- read.csv(args[1], stringsAsFactors = FALSE, colClasses = c(kab = "character"))
started <- Sys.time()
read_seconds <- as.numeric(difftime(started, reading, units = "secs"))
fgt <- function(y, z, a) ifelse(y < z, ((z - y) / z)^a, 0)
for (a in 0:2) {
  hh[[paste0("fixed_", a)]] <- fgt(hh$expenditure_per_capita, 600000, a)
  hh[[paste0("column_", a)]] <- fgt(hh$expenditure_per_capita, hh$line, a)
}
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = hh, nest = TRUE)
f <- ~fixed_0 + fixed_1 + fixed_2 + column_0 + column_1 + column_2
whole <- svymean(f, des)
by <- svyby(f, ~kab, des, svymean)
seconds <- as.numeric(difftime(Sys.time(), started, units = "secs"))
vars <- c("fixed_0", "fixed_1", "fixed_2", "column_0", "column_1", "column_2")
out <- list(seconds = seconds, read_seconds = read_seconds, whole = list(estimate = unname(coef(whole)), se = unname(SE(whole))),
            domains = as.character(by$kab), estimate = unname(as.matrix(by[, vars])),
            se = unname(as.matrix(SE(by))))
writeLines(toJSON(out, digits = NA), args[2])
