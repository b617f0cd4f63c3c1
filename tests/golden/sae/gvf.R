# Golden values for rpkd.sae.gvf (tests/sae/test_gvf.py): a log-linear generalised variance
# function log(v) ~ log(n) + log(estimate) fitted by lm(), back-transformed with Duan's (1983)
# smearing factor mean(exp(residual)). Areas with a zero or missing direct variance are left
# out of the fit and get the prediction.
# Run from this folder: Rscript gvf.R   (writes gvf.csv and gvf.json)
suppressPackageStartupMessages(library(jsonlite))
set.seed(62030)
m <- 30
d <- data.frame(area = sprintf("K%02d", 1:m), n = sample(8:120, m, replace = TRUE))
d$estimate <- round(runif(m, 0.05, 0.4), 4)
d$variance <- signif(d$estimate * (1 - d$estimate) / d$n * 1.8 * exp(rnorm(m, 0, 0.3)), 6)
d$variance[c(4, 17)] <- NA
d$variance[23] <- 0
write.csv(d, "gvf.csv", row.names = FALSE, na = "")
d <- read.csv("gvf.csv")
ok <- !is.na(d$variance) & d$variance > 0
out <- list()
for (predictor in c("log", "linear")) {
  f <- if (predictor == "log") log(d$estimate) else d$estimate
  fit <- lm(log(variance) ~ log(n) + f, data = cbind(d, f = f)[ok, ])
  smear <- mean(exp(residuals(fit)))
  pred <- exp(predict(fit, newdata = data.frame(n = d$n, f = f))) * smear
  out[[predictor]] <- list(coefficients = unname(coef(fit)), smearing = smear,
                           r_squared = summary(fit)$r.squared, smoothed = unname(pred))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(17), pretty = TRUE), "gvf.json")
