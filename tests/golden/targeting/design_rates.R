# Golden values for rpkd.targeting.accuracy.design_rates: exclusion and inclusion error rates
# as ratios of design-weighted totals with Taylor-linearised SEs (R survey: svyratio, svyby,
# svytotal). Target T = expenditure_per_capita < 500000; covered C = floor_material != "keramik".
# Run: Rscript design_rates.R (writes design_rates.json).
library(survey)
options(survey.lonely.psu = "adjust")
d <- read.csv("pmt_survey.csv", stringsAsFactors = FALSE)
d$t <- as.numeric(d$expenditure_per_capita < 500000)
d$c <- as.numeric(d$floor_material != "keramik")
d$tnc <- d$t * (1 - d$c)
d$cnt <- d$c * (1 - d$t)
d$both <- d$t * d$c
d$kecamatan <- substr(d$desa_code, 1, 8)
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
row <- function(ex, inc, tot_t, tot_c, tot_b) {
  list(exclusion = unname(coef(ex)), exclusion_se = unname(SE(ex)),
       inclusion = unname(coef(inc)), inclusion_se = unname(SE(inc)),
       target = unname(coef(tot_t)), covered = unname(coef(tot_c)), both = unname(coef(tot_b)))
}
out <- list(all = row(svyratio(~tnc, ~t, des), svyratio(~cnt, ~c, des), svytotal(~t, des),
                      svytotal(~c, des), svytotal(~both, des)))
for (k in sort(unique(d$kecamatan))) {
  sub <- subset(des, kecamatan == k)
  out[[k]] <- row(svyratio(~tnc, ~t, sub), svyratio(~cnt, ~c, sub), svytotal(~t, sub),
                  svytotal(~c, sub), svytotal(~both, sub))
}
fmt <- function(x) paste(sprintf('"%s": %.15g', names(x), unlist(x)), collapse = ", ")
body <- paste(sprintf('  "%s": {%s}', names(out), sapply(out, fmt)), collapse = ",\n")
writeLines(paste0("{\n", body, "\n}"), "design_rates.json")
