# Golden values for rpkd.sae.fay_herriot (tests/sae/test_fay_herriot.py).
#
# sigma2_u, beta and the EBLUPs come from metafor::rma (the Fay-Herriot model is the
# random-effects meta-regression yi ~ N(x'beta, tau2 + vi); tau2 = sigma2_u, blup() = EBLUP),
# iterated to convergence. The MSEs are written here independently from Rao & Molina (2015),
# Small Area Estimation, 2nd ed., section 6.2 (Prasad-Rao for REML, Datta-Lahiri for ML), the
# formulas R sae::mseFH implements. Out-of-sample areas: synthetic x'beta with
# MSE = sigma2_u + x'(X'V^-1X)^-1 x (REML), minus the ML bias b_ML for ML (the psi -> Inf limit).
#
# Run from this folder: Rscript fay_herriot.R   (writes fay_herriot.json and the case CSVs)
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

fit_case <- function(name, file, data, area, direct, variance, numeric, factors, method) {
  sampled <- !is.na(data[[direct]])
  rhs <- c("1", numeric, sprintf("factor(%s)", factors))
  form <- as.formula(paste("~", paste(rhs, collapse = " + ")))
  ins <- data[sampled, ]
  # Model matrix for every area with the in-sample factor levels (first sorted = reference).
  for (f in factors) data[[f]] <- factor(data[[f]], levels = levels(factor(ins[[f]])))
  X <- model.matrix(form, data = data)
  Xs <- X[sampled, , drop = FALSE]
  yv <- ins[[direct]]
  vv <- ins[[variance]]
  fit <- rma(yi = yv, vi = vv, mods = Xs[, -1, drop = FALSE], method = method,
             control = list(threshold = 1e-13, maxiter = 10000))
  a <- fit$tau2
  psi <- ins[[variance]]
  vi <- 1 / (a + psi)
  Q <- solve(t(Xs) %*% (vi * Xs))
  beta <- as.vector(Q %*% t(Xs) %*% (vi * ins[[direct]]))
  stopifnot(max(abs(beta - as.vector(coef(fit)))) < 1e-10)
  varA <- 2 / sum(vi^2)
  bML <- if (method == "ML") -sum(diag(Q %*% (t(Xs) %*% ((vi^2) * Xs)))) / sum(vi^2) else 0
  synthetic <- as.vector(X %*% beta)
  lever <- rowSums((X %*% Q) * X)
  eb <- blup(fit)$pred
  out <- vector("list", nrow(data))
  j <- 0
  for (d in seq_len(nrow(data))) {
    if (sampled[d]) {
      j <- j + 1
      B <- psi[j] / (a + psi[j])
      g1 <- psi[j] * (1 - B)
      g2 <- B^2 * lever[d]
      g3 <- B^2 * varA / (a + psi[j])
      mse <- g1 + g2 + 2 * g3 - bML * B^2
      out[[d]] <- list(area = as.character(data[[area]][d]), direct = data[[direct]][d],
                       eblup = eb[j], mse = mse, gamma = 1 - B)
    } else {
      out[[d]] <- list(area = as.character(data[[area]][d]), direct = NULL,
                       eblup = synthetic[d], mse = a + lever[d] - bML, gamma = 0)
    }
  }
  names_out <- c("intercept", numeric,
                 unlist(lapply(factors, function(f) sprintf("%s[%s]", f, levels(data[[f]])[-1]))))
  list(name = name, file = file, area = area, direct = direct, variance = variance,
       covariates = as.list(numeric), categorical = as.list(factors), method = tolower(method),
       sigma2_u = a, coefficients = as.list(setNames(beta, names_out)),
       coefficient_se = as.list(setNames(sqrt(diag(Q)), names_out)), areas = out)
}

write_and_read <- function(df, file) {
  write.csv(df, file, row.names = FALSE, na = "")
  read.csv(file)
}

# 1. milk (Arora & Lahiri 1997; R sae's data(milk)), MajorArea as a factor, variance = SD^2.
#    milk.csv is R sae 1.3's data(milk) as exported to CSV in samplics (tests/sae/milk.csv);
#    sae itself is not installable here (not in Debian).
milk <- read.csv("milk.csv")
milk$var <- milk$SD^2
milk <- write_and_read(milk, "milk_fh.csv")

# 2. simulated: a numeric covariate, a text factor, 6 areas without a direct estimate.
set.seed(20261128)
m <- 40
sim <- data.frame(area = sprintf("62.03.%02d", seq_len(m)),
                  x1 = round(runif(m, 0, 10), 3),
                  region = sample(c("barat", "tengah", "timur"), m, replace = TRUE))
sim$variance <- round(runif(m, 0.2, 1.5), 4)
sim$direct <- round(1 + 0.3 * sim$x1 + c(barat = 0, tengah = 0.8, timur = -0.5)[sim$region] +
                    rnorm(m, 0, sqrt(0.6)) + rnorm(m, 0, sqrt(sim$variance)), 4)
out <- c(5, 12, 19, 26, 33, 40)
sim$direct[out] <- NA
sim$variance[out] <- NA
sim <- write_and_read(sim, "simulated_fh.csv")

# 3. boundary: no area effect and large sampling variances; a seed where both fits give 0.
seed <- 1
repeat {
  set.seed(seed)
  bnd <- data.frame(area = sprintf("A%02d", 1:25), x1 = round(rnorm(25), 3))
  bnd$variance <- round(runif(25, 1, 3), 4)
  bnd$direct <- round(2 + 0.5 * bnd$x1 + rnorm(25, 0, sqrt(bnd$variance)) * 0.5, 4)
  fr <- rma(direct, variance, mods = ~ x1, data = bnd, method = "REML")
  fm <- rma(direct, variance, mods = ~ x1, data = bnd, method = "ML")
  if (fr$tau2 == 0 && fm$tau2 == 0) break
  seed <- seed + 1
}
bnd <- write_and_read(bnd, "boundary_fh.csv")

cases <- list()
for (method in c("REML", "ML")) {
  cases[[length(cases) + 1]] <- fit_case("milk", "milk_fh.csv", milk, "SmallArea", "yi", "var",
                                         character(0), "MajorArea", method)
  cases[[length(cases) + 1]] <- fit_case("simulated", "simulated_fh.csv", sim, "area", "direct",
                                         "variance", "x1", "region", method)
  cases[[length(cases) + 1]] <- fit_case("boundary", "boundary_fh.csv", bnd, "area", "direct",
                                         "variance", "x1", character(0), method)
}
writeLines(toJSON(list(generator = paste("fay_herriot.R; metafor", packageVersion("metafor"),
                                         R.version.string),
                       cases = cases),
                  auto_unbox = TRUE, digits = I(17), null = "null", pretty = TRUE),
           "fay_herriot.json")
