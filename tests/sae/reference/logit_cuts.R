# Reference values of the logit EBP with cut-points (rpkd.sae.logit_ebp, cuts = c(0.5, 0.7)):
# the cumulative logit mixed model of welfare categories on the proxy-means score. Run from the
# repository root:
#   Rscript tests/sae/reference/logit_cuts.R
# Writes logit_cuts.csv (sample and census rows) and logit_cuts.json.
# The score is stats::lm(log(welfare) ~ x1 + x2) on the sample; the categories cut welfare / line
# at 1 and at its sample quantiles 0.5 and 0.7 (stats::quantile, type 7); the model
# ordinal::clmm(category ~ score + (1 | area), link = "logit", nAGQ = 10) (adaptive
# Gauss-Hermite quadrature on 10 nodes, an accurate integral); the EB predictor of each census area's weighted mean of
# plogis(theta_1 - b score - u), the probability of the first category (welfare below the line),
# by stats::integrate over the posterior of u given the area's categories (areas without
# sample: over N(0, sigma_u^2)). "counted": the cut-point at the line re-solved so the sample's
# posterior mean count of poor units is its observed count (rpkd's line_cut = "count"), and the
# EB predictor there. "squared": the fit with the centred score's square beside the
# score (cut-points and slopes on the centred score, as clmm reports them). The test of proportional odds: the likelihood ratio of the
# fixed-effects clm fits with the (centred) score nominal and with it common to the cuts.
suppressPackageStartupMessages({library(ordinal); library(jsonlite)})
set.seed(20261207)
here <- "tests/sae/reference"
areas <- sprintf("A%02d", 1:25)
n <- c(rep(4, 5), rep(10, 10), rep(25, 10))
area <- rep(areas, n)
effects <- rnorm(26, 0, 0.35)
draw <- function(k, at) {
  x1 <- rnorm(k); x2 <- rbinom(k, 1, 0.4)
  u <- effects[match(at, c(areas, "B01"))]
  welfare <- exp(13 + 0.45 * x1 - 0.3 * x2 + u + rnorm(k, 0, 0.5))
  data.frame(area = at, x1 = round(x1, 4), x2 = x2, welfare = round(welfare, 0))
}
sample <- draw(length(area), area)
line <- 350000
census_areas <- c(areas[c(1, 6, 16)], "B01")  # three sampled areas and one without sample
census <- draw(24, rep(census_areas, each = 6))
census$weight <- sample(1:6, 24, replace = TRUE)
write.csv(rbind(cbind(role = "sample", sample[, c("area", "x1", "x2", "welfare")], weight = 1),
                cbind(role = "census", census[, c("area", "x1", "x2", "welfare", "weight")])),
          file.path(here, "logit_cuts.csv"), row.names = FALSE)
ratio <- sample$welfare / line
cuts <- sort(unique(c(1, unname(quantile(ratio, c(0.5, 0.7))))))
sample$category <- factor(findInterval(ratio, cuts), levels = 0:length(cuts), ordered = TRUE)
gamma <- unname(coef(lm(log(welfare) ~ x1 + x2, data = sample)))
score <- function(d) gamma[1] + gamma[2] * d$x1 + gamma[3] * d$x2
sample$score <- score(sample)
centre <- mean(sample$score)  # clmm fits on the centred score (its scale is ~13); theta shifted back
sample$centred <- sample$score - centre
fit <- clmm(category ~ centred + (1 | area), data = sample, link = "logit", nAGQ = 10,
            control = clmm.control(gradTol = 1e-8, maxIter = 1000))
b <- unname(fit$beta); theta <- as.vector(fit$Theta) + b * centre; s2 <- as.numeric(VarCorr(fit)$area[1])
at_line <- which(cuts == 1)
# clmm's linear predictor of a data frame's rows: b * score, or on the centred score and its square
linear <- function(d) b * score(d)
eb_area <- function(a) {
  rows <- census[census$area == a, ]
  s <- sample[sample$area == a, ]
  k <- as.integer(as.character(s$category))
  upper <- c(theta, Inf)[k + 1]; lower <- c(-Inf, theta)[k + 1]
  loglik <- function(v) sapply(v, function(w)
    sum(log(plogis(upper - linear(s) - w) - plogis(lower - linear(s) - w))))
  density <- function(v) exp(loglik(v)) * dnorm(v, 0, sqrt(s2))
  mean_p <- function(v) sapply(v, function(w)
    sum(rows$weight * plogis(theta[at_line] - linear(rows) - w)) / sum(rows$weight))
  num <- integrate(function(v) mean_p(v) * density(v), -Inf, Inf, rel.tol = 1e-12)$value
  den <- integrate(density, -Inf, Inf, rel.tol = 1e-12)$value
  num / den
}
# line_cut = "count": theta at the line re-solved (b, s2 and the other cuts held) so that the
# sample's posterior mean count of units below the line equals the observed count; the
# posterior of each area's u by stats::integrate, the root by stats::uniroot
counted_theta <- local({
  k_all <- as.integer(as.character(sample$category))
  excess <- function(t_line) {
    th <- theta; th[at_line] <- t_line
    total <- 0
    for (a in areas) {
      s <- sample[sample$area == a, ]
      k <- k_all[sample$area == a]
      upper <- c(th, Inf)[k + 1]; lower <- c(-Inf, th)[k + 1]
      loglik <- function(v) sapply(v, function(w)
        sum(log(plogis(upper - linear(s) - w) - plogis(lower - linear(s) - w))))
      density <- function(v) exp(loglik(v)) * dnorm(v, 0, sqrt(s2))
      count <- function(v) sapply(v, function(w) sum(plogis(t_line - linear(s) - w)))
      num <- integrate(function(v) count(v) * density(v), -Inf, Inf, rel.tol = 1e-12)$value
      den <- integrate(density, -Inf, Inf, rel.tol = 1e-12)$value
      total <- total + num / den
    }
    total - sum(k_all < at_line)
  }
  low <- if (at_line > 1) theta[at_line - 1] + 1e-9 else theta[at_line] - 10
  high <- if (at_line < length(theta)) theta[at_line + 1] - 1e-9 else theta[at_line] + 10
  uniroot(excess, c(low, high), tol = 1e-13)$root
})
counted <- local({
  theta[at_line] <- counted_theta
  environment(eb_area) <- environment()
  list(theta = theta, eb = sapply(census_areas, eb_area, USE.NAMES = FALSE))
})
# the same model with the square of the centred score (rpkd's score_degree = 2)
fit2 <- clmm(category ~ centred + I(centred^2) + (1 | area), data = sample, link = "logit",
             nAGQ = 10, control = clmm.control(gradTol = 1e-8, maxIter = 1000))
squared <- list(theta = as.vector(fit2$Theta), beta = unname(fit2$beta),
                sigma2_u = as.numeric(VarCorr(fit2)$area[1]), loglik = as.numeric(logLik(fit2)),
                centre = centre,
                eb = local({
                  theta <- as.vector(fit2$Theta); s2 <- as.numeric(VarCorr(fit2)$area[1])
                  b2 <- unname(fit2$beta)
                  linear <- function(d) b2[1] * (score(d) - centre) + b2[2] * (score(d) - centre)^2
                  environment(eb_area) <- environment()
                  sapply(census_areas, eb_area, USE.NAMES = FALSE)
                }))
po <- anova(clm(category ~ 1, nominal = ~ centred, data = sample, link = "logit"),
             clm(category ~ centred, data = sample, link = "logit"))
golden <- list(
  line = line, cuts = cuts, gamma = gamma, theta = theta, beta = b, sigma2_u = s2,
  loglik = as.numeric(logLik(fit)), categories = as.vector(table(sample$category)),
  census_areas = census_areas, eb = sapply(census_areas, eb_area, USE.NAMES = FALSE),
  squared = squared, counted = counted,
  proportional_odds = list(statistic = po$LR.stat[2], df = po$df[2], p_value = po$`Pr(>Chisq)`[2]),
  source = "stats::lm, ordinal::clmm(nAGQ = 10) and stats::integrate; tests/sae/reference/logit_cuts.R"
)
writeLines(toJSON(golden, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(here, "logit_cuts.json"))
