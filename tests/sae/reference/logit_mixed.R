# Reference values of the logit mixed model and its EB predictor (rpkd.sae.logit_mixed,
# rpkd.sae.logit_ebp). Run from the repository root:
#   Rscript tests/sae/reference/logit_mixed.R
# Writes logit_mixed.csv (the sample), logit_mixed_census.csv and logit_mixed.json.
# Fit: lme4::glmer(poor ~ x1 + x2 + (1 | area), family = binomial, nAGQ = 1) (Laplace), with
# tolPwrss = 1e-12 so that the conditional modes are exact (lme4's default 1e-7 moves logLik by 1e-3).
# EB predictor of each census area's mean of expit(x'beta + u_i), at glmer's beta and sigma_u:
# the posterior of u_i given the area's sample by numerical integration (stats::integrate);
# areas without sample units integrate over N(0, sigma_u^2).
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
set.seed(20261205)
here <- "tests/sae/reference"
source(file.path(here, "eb_integral.R"))
areas <- sprintf("A%02d", 1:30)
n <- c(rep(3, 5), rep(8, 10), rep(15, 10), rep(40, 5))
area <- rep(areas, n)
x1 <- rnorm(length(area)); x2 <- rbinom(length(area), 1, 0.4)
u <- rnorm(30, 0, 0.8)[match(area, areas)]
poor <- rbinom(length(area), 1, plogis(-1.5 + 0.9 * x1 - 0.7 * x2 + u))
sample <- data.frame(area, x1, x2, poor)
write.csv(sample, file.path(here, "logit_mixed.csv"), row.names = FALSE)
fit <- glmer(poor ~ x1 + x2 + (1 | area), data = sample, family = binomial, nAGQ = 1,
             control = glmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5), tolPwrss = 1e-12,
                                    check.conv.grad = .makeCC("warning", tol = 1e-6)))
beta <- unname(fixef(fit)); s2 <- as.numeric(VarCorr(fit)$area[1])
census_areas <- c(areas[c(1, 6, 16, 26)], "B01")  # four sampled areas and one without sample
census <- data.frame(area = rep(census_areas, each = 4), x1 = round(rnorm(20), 3),
                     x2 = rbinom(20, 1, 0.5), weight = sample(1:6, 20, replace = TRUE))
write.csv(census, file.path(here, "logit_mixed_census.csv"), row.names = FALSE)
predict_area <- function(a) {
  rows <- census[census$area == a, ]
  eta_c <- beta[1] + beta[2] * rows$x1 + beta[3] * rows$x2
  s <- sample[sample$area == a, ]
  eta_s <- beta[1] + beta[2] * s$x1 + beta[3] * s$x2
  eb_mean(eta_c, rows$weight, eta_s, s$poor, s2)
}
golden <- list(
  beta = beta, sigma2_u = s2, loglik = as.numeric(logLik(fit)),
  modes = unname(ranef(fit)$area[areas, 1]), areas = areas,
  census_areas = census_areas, eb = sapply(census_areas, predict_area, USE.NAMES = FALSE),
  source = "lme4::glmer(nAGQ = 1) and stats::integrate; tests/sae/reference/logit_mixed.R"
)
writeLines(toJSON(golden, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(here, "logit_mixed.json"))
