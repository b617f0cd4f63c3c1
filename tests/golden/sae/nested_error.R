# Golden values for rpkd.sae.nested_error and rpkd.sae.transform (tests/sae/test_nested_error.py).
#
# nlme::lme(y ~ x1 + factor(group), random = ~ 1 | area) by REML and ML, the fit emdi::ebp
# makes, on simulated household data; and the Box-Cox lambda chosen as emdi does: maximise the
# REML log-likelihood of lme fitted to the standardised Box-Cox transform
# ((y+s)^l - 1) / (l * gm^(l-1)) over [-1, 2], then fit lme to ((y+s)^l - 1) / l.
# Run from this folder: Rscript nested_error.R   (writes nested_error.csv and nested_error.json)
suppressPackageStartupMessages({
  library(nlme)
  library(jsonlite)
})
set.seed(7203)
m <- 25
n_i <- sample(3:30, m, replace = TRUE)
d <- data.frame(area = rep(sprintf("D%02d", 1:m), n_i))
d$x1 <- round(rnorm(nrow(d), 1, 0.7), 4)
d$group <- sample(c("kota", "desa", "pesisir"), nrow(d), replace = TRUE)
u <- rnorm(m, 0, 0.35)[match(d$area, sprintf("D%02d", 1:m))]
eff <- c(desa = 0, kota = 0.4, pesisir = -0.2)[d$group]
d$welfare <- round(exp(12.5 + 0.6 * d$x1 + eff + u + rnorm(nrow(d), 0, 0.5)), 0)
write.csv(d, "nested_error.csv", row.names = FALSE)
d <- read.csv("nested_error.csv")
d$group <- factor(d$group)

ctrl <- lmeControl(maxIter = 500, msMaxIter = 500, tolerance = 1e-12, niterEM = 100,
                   msTol = 1e-14)
summ <- function(fit) {
  list(beta = unname(fixef(fit)), sigma2_u = as.numeric(getVarCov(fit)),
       sigma2_e = fit$sigma^2, loglik = as.numeric(logLik(fit)))
}
out <- list()
d$t <- log(d$welfare)
for (method in c("REML", "ML")) {
  fit <- lme(t ~ x1 + group, random = ~ 1 | area, data = d, method = method, control = ctrl)
  out[[paste0("log_", tolower(method))]] <- summ(fit)
}

gm <- exp(mean(log(d$welfare)))
profile <- function(l) {
  d$t <- if (abs(l) < 1e-12) gm * log(d$welfare) else (d$welfare^l - 1) / (l * gm^(l - 1))
  as.numeric(logLik(lme(t ~ x1 + group, random = ~ 1 | area, data = d, method = "REML",
                        control = ctrl)))
}
lam <- optimize(profile, c(-1, 2), maximum = TRUE, tol = 1e-10)$maximum
d$t <- (d$welfare^lam - 1) / lam
fit <- lme(t ~ x1 + group, random = ~ 1 | area, data = d, method = "REML", control = ctrl)
out$box_cox_reml <- c(list(lambda = lam), summ(fit))
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(17), pretty = TRUE), "nested_error.json")
