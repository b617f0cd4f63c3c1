# Golden values for tests/sae/test_sae_reference.py: the arcsine Fay-Herriot model fitted by
# metafor::rma (REML) on the transformed scale, EBLUPs by blup(), and the bias-corrected
# back-transformation E[sin^2 T], T ~ N(eblup, g1), by numerical integration.
# Data (fh_arcsin.csv, fixed): 25 synthetic areas, 22 sampled with binomial direct proportions
# (4 of them 0) and variances 1.5 p0 (1 - p0) / n at p0 = 0.06; 3 out of sample.
# Run from this folder: Rscript fh_arcsin.R  (writes fh_arcsin.json)
suppressMessages(library(metafor))
d <- read.csv("fh_arcsin.csv", stringsAsFactors = FALSE)
reference <- 0.06  # the proportion the variances were computed at
s <- !is.na(d$direct)
d$theta <- asin(sqrt(d$direct))
d$psi <- d$variance / (4 * reference * (1 - reference))
fit <- rma(yi = theta, vi = psi, mods = ~ x, data = d[s, ], method = "REML",
           control = list(threshold = 1e-12, maxiter = 1000))
tau2 <- fit$tau2
beta <- as.numeric(coef(fit))
synthetic <- beta[1] + beta[2] * d$x
gamma <- ifelse(s, tau2 / (tau2 + d$psi), 0)
eblup <- ifelse(s, synthetic + gamma * (d$theta - synthetic), synthetic)
g1 <- ifelse(s, gamma * d$psi, tau2)
bc <- mapply(function(m, v) integrate(function(t) sin(t)^2 * dnorm(t, m, sqrt(v)), -Inf, Inf,
                                     rel.tol = 1e-12)$value, eblup, g1)
pred <- predict(fit)$pred  # metafor's fitted values: x'beta on the sampled areas
blups <- blup(fit)$pred
num <- function(x) sprintf("%.15g", x)
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
writeLines(c(
  "{",
  sprintf('  "tau2": %s,', num(tau2)),
  sprintf('  "beta": %s,', vec(beta)),
  sprintf('  "blup_sampled": %s,', vec(blups)),
  sprintf('  "fitted_sampled": %s,', vec(pred)),
  sprintf('  "eblup_theta": %s,', vec(eblup)),
  sprintf('  "estimate": %s,', vec(bc)),
  sprintf('  "metafor_version": "%s"', packageVersion("metafor")),
  "}"
), "fh_arcsin.json")
