# Reference values of the logit EBP on the proxy-means score (rpkd.sae.logit_ebp,
# predictor = "pmt_score"). Run from the repository root:
#   Rscript tests/sae/reference/logit_score.R
# Writes logit_score.csv (sample and census rows) and logit_score.json.
# The score is the least-squares fit of log(welfare) on the covariates in the sample,
# stats::lm(log(welfare) ~ x1 + x2); the model lme4::glmer(poor ~ score + (1 | area),
# family = binomial, nAGQ = 1) (Laplace, tolPwrss = 1e-12 as logit_mixed.R); the EB predictor
# of each census area's weighted mean of expit(a + b score + u_i) by stats::integrate over the
# posterior of u_i (areas without sample: over N(0, sigma_u^2)).
suppressPackageStartupMessages({library(lme4); library(jsonlite)})
set.seed(20261206)
here <- "tests/sae/reference"
source(file.path(here, "eb_integral.R"))
areas <- sprintf("A%02d", 1:25)
n <- c(rep(4, 5), rep(10, 10), rep(25, 10))
area <- rep(areas, n)
draw <- function(k, at) {
  x1 <- rnorm(k); x2 <- rbinom(k, 1, 0.4)
  u <- rnorm(26, 0, 0.35)[match(at, c(areas, "B01"))]
  welfare <- exp(13 + 0.45 * x1 - 0.3 * x2 + u + rnorm(k, 0, 0.5))
  data.frame(area = at, x1 = round(x1, 4), x2 = x2, welfare = round(welfare, 0))
}
sample <- draw(length(area), area)
line <- 350000
sample$poor <- as.integer(sample$welfare < line)
census_areas <- c(areas[c(1, 6, 16)], "B01")  # three sampled areas and one without sample
census <- draw(24, rep(census_areas, each = 6))
census$weight <- sample(1:6, 24, replace = TRUE)
write.csv(rbind(cbind(role = "sample", sample[, c("area", "x1", "x2", "welfare")], weight = 1),
                cbind(role = "census", census[, c("area", "x1", "x2", "welfare", "weight")])),
          file.path(here, "logit_score.csv"), row.names = FALSE)
gamma <- unname(coef(lm(log(welfare) ~ x1 + x2, data = sample)))
score <- function(d) gamma[1] + gamma[2] * d$x1 + gamma[3] * d$x2
sample$score <- score(sample)
fit <- glmer(poor ~ score + (1 | area), data = sample, family = binomial, nAGQ = 1,
             control = glmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5), tolPwrss = 1e-12,
                                    check.conv.grad = .makeCC("warning", tol = 1e-6)))
beta <- unname(fixef(fit)); s2 <- as.numeric(VarCorr(fit)$area[1])
predict_area <- function(a) {
  rows <- census[census$area == a, ]
  eta_c <- beta[1] + beta[2] * score(rows)
  s <- sample[sample$area == a, ]
  eta_s <- beta[1] + beta[2] * s$score
  eb_mean(eta_c, rows$weight, eta_s, s$poor, s2)
}
golden <- list(
  line = line, gamma = gamma, beta = beta, sigma2_u = s2, loglik = as.numeric(logLik(fit)),
  poor = sum(sample$poor), census_areas = census_areas,
  eb = sapply(census_areas, predict_area, USE.NAMES = FALSE),
  source = "stats::lm, lme4::glmer(nAGQ = 1) and stats::integrate; tests/sae/reference/logit_score.R"
)
writeLines(toJSON(golden, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(here, "logit_score.json"))
