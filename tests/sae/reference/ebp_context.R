# Golden values for tests/sae/test_sae_reference.py: the nested-error model with a context
# variable (area mean of a proxy) fitted by nlme::lme (REML), the pseudo-EBLUP of You & Rao
# (2002) / Guadarrama, Molina & Rao (2018) with survey weights, emdi-style diagnostics and the
# Box-Cox lambda maximising the REML likelihood of the standardised transformation.
# Data (ebp_context.csv, fixed): 222 synthetic households in 12 areas drawn once from
# log(welfare) = 12.5 + 0.3 x1 - 0.2 x2 + 0.5 ctx_x1 + u + e, u ~ N(0, 0.25^2), e ~ N(0, 0.5^2),
# ctx_x1 the area mean of x1, weight larger where e < 0 (informative).
# Run from this folder: Rscript ebp_context.R  (writes ebp_context.json)
suppressMessages(library(nlme))
d <- read.csv("ebp_context.csv", stringsAsFactors = FALSE)
d$area <- factor(d$area)
d$t <- log(d$welfare)
fit <- lme(t ~ x1 + x2 + ctx_x1, random = ~ 1 | area, data = d, method = "REML",
           control = lmeControl(tolerance = 1e-10, msTol = 1e-10))
s2u <- as.numeric(getVarCov(fit)[1, 1])
s2e <- fit$sigma^2
beta <- fixef(fit)
X <- model.matrix(~ x1 + x2 + ctx_x1, d)
u <- ranef(fit)[levels(d$area), 1]

# pseudo-EBLUP (You & Rao 2002), variance components of the unweighted REML fit
w <- d$weight
wsum <- tapply(w, d$area, sum)
delta2 <- tapply(w^2, d$area, sum) / wsum^2
gw <- s2u / (s2u + s2e * delta2)
xbar <- apply(X, 2, function(col) tapply(w * col, d$area, sum) / wsum)
ybar <- tapply(w * d$t, d$area, sum) / wsum
centred <- X - as.numeric(gw[as.character(d$area)]) * xbar[as.character(d$area), ]
beta_w <- solve(t(X * w) %*% centred, t(centred * w) %*% d$t)[, 1]
u_w <- as.numeric(gw) * (as.numeric(ybar) - (xbar %*% beta_w)[, 1])

# diagnostics as emdi: moments::skewness / kurtosis, shapiro.test, Nakagawa-Schielzeth R2
skew <- function(x) { d <- x - mean(x); mean(d^3) / mean(d^2)^1.5 }
kurt <- function(x) { d <- x - mean(x); mean(d^4) / mean(d^2)^2 }
res <- d$t - (X %*% beta)[, 1] - u[as.integer(d$area)]
vf <- var((X %*% beta)[, 1])
total <- vf + s2u + s2e

# Box-Cox lambda: REML log-likelihood of the standardised transformation, search [-1, 2]
gm <- exp(mean(log(d$welfare)))
bc <- function(l) if (abs(l) < 1e-12) gm * log(d$welfare) else (d$welfare^l - 1) / (l * gm^(l - 1))
crit <- function(l) {
  d$z <- bc(l)
  as.numeric(logLik(lme(z ~ x1 + x2 + ctx_x1, random = ~ 1 | area, data = d, method = "REML",
                        control = lmeControl(tolerance = 1e-10, msTol = 1e-10))))
}
lam_fit <- optimize(crit, c(-1, 2), maximum = TRUE, tol = 1e-9)
lam <- lam_fit$maximum

# log-shift: s by the REML likelihood of g * log(y + s), c = min(y) + s searched on log scale
low <- min(d$welfare)
scale <- median(d$welfare - low)
crit_shift <- function(log_c) {
  z <- d$welfare - low + exp(log_c)
  d$z <- exp(mean(log(z))) * log(z)
  as.numeric(logLik(lme(z ~ x1 + x2 + ctx_x1, random = ~ 1 | area, data = d, method = "REML",
                        control = lmeControl(tolerance = 1e-10, msTol = 1e-10))))
}
shift_fit <- optimize(crit_shift, log(c(1e-6, 10) * scale), maximum = TRUE, tol = 1e-10)
shift <- exp(shift_fit$maximum) - low

# backward selection by BIC / AIC of ML fits (as emdi::step), candidates in this order; a
# noise column sin(12.9898 i) that carries no information is among them
d$noise <- sin(seq_len(nrow(d)) * 12.9898)
ic <- function(vars, k) {
  f <- as.formula(paste("t ~", if (length(vars)) paste(vars, collapse = " + ") else "1"))
  m <- lme(f, random = ~ 1 | area, data = d, method = "ML",
           control = lmeControl(tolerance = 1e-10, msTol = 1e-10))
  if (k == "bic") BIC(m) else AIC(m)
}
backward <- function(k) {
  kept <- c("x1", "x2", "ctx_x1", "noise")
  current <- ic(kept, k)
  repeat {
    if (!length(kept)) break
    trials <- sapply(seq_along(kept), function(i) ic(kept[-i], k))
    if (min(trials) >= current) break
    i <- which.min(trials)
    kept <- kept[-i]
    current <- min(trials)
  }
  list(kept = kept, value = current)
}
sel_bic <- backward("bic")
sel_aic <- backward("aic")
full_bic <- ic(c("x1", "x2", "ctx_x1", "noise"), "bic")

num <- function(x) sprintf("%.15g", x)
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
out <- c(
  "{",
  sprintf('  "areas": [%s],', paste0('"', levels(d$area), '"', collapse = ", ")),
  sprintf('  "beta": %s,', vec(beta)),
  sprintf('  "sigma2_u": %s,', num(s2u)),
  sprintf('  "sigma2_e": %s,', num(s2e)),
  sprintf('  "loglik": %s,', num(as.numeric(logLik(fit)))),
  sprintf('  "u": %s,', vec(u)),
  sprintf('  "beta_weighted": %s,', vec(beta_w)),
  sprintf('  "gamma_weighted": %s,', vec(as.numeric(gw))),
  sprintf('  "u_weighted": %s,', vec(u_w)),
  sprintf('  "residual_skewness": %s,', num(skew(res))),
  sprintf('  "residual_kurtosis": %s,', num(kurt(res))),
  sprintf('  "residual_shapiro_p": %s,', num(shapiro.test(res)$p.value)),
  sprintf('  "area_skewness": %s,', num(skew(u))),
  sprintf('  "area_kurtosis": %s,', num(kurt(u))),
  sprintf('  "area_shapiro_p": %s,', num(shapiro.test(u)$p.value)),
  sprintf('  "r2_marginal": %s,', num(vf / total)),
  sprintf('  "r2_conditional": %s,', num((vf + s2u) / total)),
  sprintf('  "icc": %s,', num(s2u / (s2u + s2e))),
  sprintf('  "box_cox_lambda": %s,', num(lam)),
  sprintf('  "box_cox_loglik": %s,', num(lam_fit$objective)),
  sprintf('  "log_shift": %s,', num(shift)),
  sprintf('  "log_shift_loglik": %s,', num(shift_fit$objective)),
  sprintf('  "bic_full": %s,', num(full_bic)),
  sprintf('  "bic_kept": [%s],', paste0('"', sel_bic$kept, '"', collapse = ", ")),
  sprintf('  "bic_value": %s,', num(sel_bic$value)),
  sprintf('  "aic_kept": [%s],', paste0('"', sel_aic$kept, '"', collapse = ", ")),
  sprintf('  "aic_value": %s,', num(sel_aic$value)),
  sprintf('  "r_version": "%s", "nlme_version": "%s"', R.version.string, packageVersion("nlme")),
  "}"
)
writeLines(out, "ebp_context.json")
