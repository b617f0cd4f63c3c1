# The EB predictor of a census area's weighted mean of expit(eta + u) under the logit mixed
# model, by numerical integration over the posterior of u given the area's sample (statuses
# `poor` at linear predictors `eta_s`; none: the prior N(0, s2)). Sourced by logit_mixed.R and
# logit_score.R.
eb_mean <- function(eta_c, weight, eta_s, poor, s2) {
  loglik <- function(v) sapply(v, function(w) sum(poor * (eta_s + w) - log1p(exp(eta_s + w))))
  density <- function(v) exp(loglik(v)) * dnorm(v, 0, sqrt(s2))
  mean_p <- function(v) sapply(v, function(w) sum(weight * plogis(eta_c + w)) / sum(weight))
  num <- integrate(function(v) mean_p(v) * density(v), -Inf, Inf, rel.tol = 1e-12)$value
  den <- integrate(density, -Inf, Inf, rel.tol = 1e-12)$value
  num / den
}
