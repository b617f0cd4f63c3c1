# Reference values of the likelihood-ratio test of proportional odds (rpkd.sae.proportional_odds).
# Run from the repository root:
#   Rscript tests/sae/reference/proportional_odds.R
# Writes proportional_odds.csv (the units of two data sets) and proportional_odds.json.
# "holds": four categories of a latent logistic variable shifted alike at every cut by x1 and x2;
# "violated": the latent variable's spread grows with x1, so x1's slope differs between the cuts.
# The test with every covariate nominal is anova(clm(c ~ 1, nominal = ~ x1 + x2), clm(c ~ x1 + x2));
# with x1 alone ordinal::nominal_test(clm(c ~ x1)), whose row x1 is the same test on one covariate.
suppressPackageStartupMessages({library(ordinal); library(jsonlite)})
set.seed(20261207)
here <- "tests/sae/reference"
n <- 400
draw <- function(spread) {
  x1 <- round(rnorm(n), 4)
  x2 <- rbinom(n, 1, 0.4)
  latent <- 0.9 * x1 - 0.6 * x2 + exp(spread * x1) * rlogis(n)
  data.frame(x1 = x1, x2 = x2, category = findInterval(latent, c(-2, -1, 0.5)))
}
sets <- list(holds = draw(0), violated = draw(0.5))
out <- list()
units <- NULL
for (name in names(sets)) {
  d <- sets[[name]]
  d$c <- factor(d$category, levels = 0:3, ordered = TRUE)
  common <- clm(c ~ x1 + x2, data = d, link = "logit")
  nominal <- clm(c ~ 1, nominal = ~ x1 + x2, data = d, link = "logit")
  both <- anova(nominal, common)
  single <- nominal_test(clm(c ~ x1, data = d, link = "logit"))
  out[[name]] <- list(
    both = list(statistic = both$LR.stat[2], df = both$df[2], p_value = both$`Pr(>Chisq)`[2],
                loglik_common = as.numeric(logLik(common)),
                loglik_nominal = as.numeric(logLik(nominal))),
    x1 = list(statistic = single$LRT[2], df = single$Df[2], p_value = single$`Pr(>Chi)`[2])
  )
  units <- rbind(units, data.frame(set = name, d[, c("x1", "x2", "category")]))
}
write.csv(units, file.path(here, "proportional_odds.csv"), row.names = FALSE)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "proportional_odds.json"))
