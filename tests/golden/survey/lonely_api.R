# Golden values from R survey for lonely-PSU policies and for R's published `api` samples.
#   Rscript lonely_api.R   (run from this folder, after fgt_designs.R)
# Writes lonely.csv, apiclus2.csv, apistrat.csv and lonely_api.json.
suppressPackageStartupMessages({library(survey); library(jsonlite)})

hh <- read.csv("households.csv", stringsAsFactors = FALSE)
# Strata S01-S05 keep only their first PSU: five lonely PSUs.
lonely <- hh[!(hh$stratum %in% sprintf("S%02d", 1:5) & hh$psu != "P1"), ]
write.csv(lonely, "lonely.csv", row.names = FALSE)
lonely <- read.csv("lonely.csv", stringsAsFactors = FALSE)
lonely$f0 <- as.numeric(lonely$expenditure_per_capita < 600000)
lonely$f1 <- ifelse(lonely$expenditure_per_capita < 600000,
                    (600000 - lonely$expenditure_per_capita) / 600000, 0)

out <- list()
add <- function(...) out[[length(out) + 1]] <<- list(...)
designs <- list(one_stage = list(ids = ~psu, fpc = NULL),
                one_stage_fpc = list(ids = ~psu, fpc = ~fpc1),
                two_stage_fpc = list(ids = ~psu + hh, fpc = ~fpc1 + fpc2))
for (policy in c("adjust", "certainty", "remove")) {
  options(survey.lonely.psu = policy)
  for (dname in names(designs)) {
    spec <- designs[[dname]]
    des <- svydesign(ids = spec$ids, strata = ~stratum, fpc = spec$fpc, weights = ~weight,
                     data = lonely, nest = TRUE)
    for (v in c("f0", "f1")) {
      m <- svymean(as.formula(paste0("~", v)), des)
      add(source = "lonely", policy = policy, design = dname, measure = v, domain = NA,
          estimate = unname(coef(m)), se = as.numeric(SE(m)))
      b <- svyby(as.formula(paste0("~", v)), ~kecamatan, des, svymean)
      for (i in seq_len(nrow(b)))
        add(source = "lonely", policy = policy, design = dname, measure = v,
            domain = as.character(b$kecamatan[i]), estimate = unname(b[i, v]),
            se = as.numeric(SE(b))[i])
    }
    t <- svytotal(~f0, des)
    add(source = "lonely", policy = policy, design = dname, measure = "poor", domain = NA,
        estimate = unname(coef(t)), se = as.numeric(SE(t)))
  }
}
options(survey.lonely.psu = "fail")

# Published reference samples shipped with R survey (Lumley 2010, ch. 2-3).
data(api)
write.csv(apiclus2[, c("cds", "stype", "dnum", "snum", "fpc1", "fpc2", "pw", "api00", "api99",
                       "enroll", "meals")], "apiclus2.csv", row.names = FALSE)
write.csv(apistrat[, c("cds", "stype", "snum", "fpc", "pw", "api00", "api99", "enroll")],
          "apistrat.csv", row.names = FALSE)
clus2 <- read.csv("apiclus2.csv", stringsAsFactors = FALSE)
strat <- read.csv("apistrat.csv", stringsAsFactors = FALSE)
clus2$low <- as.numeric(clus2$api00 < 700)
strat$low <- as.numeric(strat$api00 < 700)
d2 <- svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2, weights = ~pw, data = clus2)
ds <- svydesign(ids = ~1, strata = ~stype, fpc = ~fpc, weights = ~pw, data = strat)
for (src in c("apiclus2", "apistrat")) {
  des <- if (src == "apiclus2") d2 else ds
  for (v in c("api00", "low")) {
    m <- svymean(as.formula(paste0("~", v)), des, deff = "replace")
    add(source = src, policy = "fail", design = src, measure = v, domain = NA,
        estimate = unname(coef(m)), se = as.numeric(SE(m)), deff = as.numeric(deff(m)))
    b <- svyby(as.formula(paste0("~", v)), ~stype, des, svymean)
    for (i in seq_len(nrow(b)))
      add(source = src, policy = "fail", design = src, measure = v,
          domain = as.character(b$stype[i]), estimate = unname(b[i, v]),
          se = as.numeric(SE(b))[i])
  }
  t <- svytotal(~api00, des)
  add(source = src, policy = "fail", design = src, measure = "total_api00", domain = NA,
      estimate = unname(coef(t)), se = as.numeric(SE(t)))
  r <- svyratio(~api00, ~api99, des)
  add(source = src, policy = "fail", design = src, measure = "ratio_api00_api99", domain = NA,
      estimate = as.numeric(coef(r)), se = as.numeric(SE(r)))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           "lonely_api.json")
