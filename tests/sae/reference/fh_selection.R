# Golden values for tests/sae/test_fh_selection.py: backward selection of Fay-Herriot area
# covariates by AIC, BIC and KIC of the ML fit, every candidate model fitted by metafor::rma
# (method = "ML", the sampling variances known), as emdi::step_fh(direction = "backward")
# on an fh(method = "ml") model. AIC and BIC are metafor's (k = fixed effects + tau2, n = the
# sampled areas); KIC = -2 logLik + 3 k (Cavanaugh 1999, emdi's model_select).
# Data (fh_selection.csv, fixed): 30 sampled areas with direct ~ 0.05 + 0.12 x1 + 0.05 x2
# + 0.025 x3 + u + e, u ~ N(0, 0.0008), e ~ N(0, variance); x4, x5 unrelated; 3 areas out of
# sample (no direct estimate), which the selection ignores.
# Run from this folder: Rscript fh_selection.R  (writes fh_selection.json)
suppressMessages(library(metafor))
d <- read.csv("fh_selection.csv", stringsAsFactors = FALSE)
d <- d[!is.na(d$direct), ]
candidates <- c("x1", "x2", "x3", "x4", "x5")
fit <- function(vars) {
  mods <- if (length(vars)) reformulate(vars) else ~ 1
  rma(yi = direct, vi = variance, mods = mods, data = d, method = "ML",
      control = list(threshold = 1e-12, maxiter = 1000))
}
criterion <- function(f, name) {
  ll <- logLik(f)
  switch(name, aic = AIC(f), bic = BIC(f), kic = -2 * as.numeric(ll) + 3 * attr(ll, "df"))
}
backward <- function(name) {
  kept <- candidates
  removed <- character(0)
  current <- criterion(fit(kept), name)
  while (length(kept)) {
    trials <- sapply(kept, function(v) criterion(fit(setdiff(kept, v)), name))
    best <- which.min(trials)  # the first of equal values: the candidates' order
    if (trials[best] >= current) break
    removed <- c(removed, kept[best])
    current <- trials[best]
    kept <- kept[-best]
  }
  list(kept = kept, removed = removed, value = unname(current))
}
num <- function(x) sprintf("%.15g", x)
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
names_json <- function(x) paste0("[", paste(sprintf('"%s"', x), collapse = ", "), "]")
full <- fit(candidates)
lines <- c("{",
  sprintf('  "loglik_full": %s,', num(as.numeric(logLik(full)))),
  sprintf('  "tau2_full": %s,', num(full$tau2)),
  sprintf('  "beta_full": %s,', vec(as.numeric(coef(full)))))
for (name in c("aic", "bic", "kic")) {
  chosen <- backward(name)
  lines <- c(lines,
    sprintf('  "%s_full": %s,', name, num(criterion(full, name))),
    sprintf('  "%s_kept": %s,', name, names_json(chosen$kept)),
    sprintf('  "%s_removed": %s,', name, names_json(chosen$removed)),
    sprintf('  "%s_value": %s,', name, num(chosen$value)),
    sprintf('  "%s_tau2": %s,', name, num(fit(chosen$kept)$tau2)))
}
lines <- c(lines, sprintf('  "metafor_version": "%s"', packageVersion("metafor")), "}")
writeLines(lines, "fh_selection.json")
