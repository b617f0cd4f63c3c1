# Golden values for rpkd.targeting.ranking (method "ols"): survey-weighted least squares of
# log per-capita expenditure on the PMT design, treatment contrasts with the first sorted
# (C-locale) level as reference. Run: Rscript pmt_ols.R (writes pmt_ols.json).
d <- read.csv("pmt_survey.csv", stringsAsFactors = FALSE)
lv <- function(x) factor(x, levels = sort(unique(x), method = "radix"))
d$kecamatan <- lv(substr(d$desa_code, 1, 8))
for (v in c("head_education", "floor_material", "toilet")) d[[v]] <- lv(d[[v]])
fit <- lm(log(expenditure_per_capita) ~ log(household_size) + members_under5 + members_elderly +
            log(floor_area_m2 / household_size) + log1p(land_owned_m2) + as.numeric(head_female) +
            as.numeric(urban) + as.numeric(has_refrigerator) + as.numeric(has_television) +
            as.numeric(has_smartphone) + as.numeric(has_motorcycle) + as.numeric(has_car) +
            as.numeric(has_boat) + kecamatan + head_education + floor_material + toilet,
          data = d, weights = weight)
b <- coef(fit)
names(b) <- c("(intercept)", "log_household_size", "members_under5", "members_elderly",
              "log_floor_area_per_person", "log1p_land_owned_m2", "head_female", "urban",
              "has_refrigerator", "has_television", "has_smartphone", "has_motorcycle", "has_car",
              "has_boat", paste0("kecamatan[", levels(d$kecamatan)[-1], "]"),
              paste0("head_education[", levels(d$head_education)[-1], "]"),
              paste0("floor_material[", levels(d$floor_material)[-1], "]"),
              paste0("toilet[", levels(d$toilet)[-1], "]"))
w <- d$weight; y <- log(d$expenditure_per_capita)
r2 <- 1 - sum(w * residuals(fit)^2) / sum(w * (y - weighted.mean(y, w))^2)
out <- c(as.list(b), list(r2 = r2))
writeLines(paste0("{\n", paste(sprintf('  "%s": %.15g', names(out), unlist(out)), collapse = ",\n"),
                  "\n}"), "pmt_ols.json")
