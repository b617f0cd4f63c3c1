"""Write pmt_survey.csv: a small survey sample for the PMT golden test (run once, committed).

Values are random but fixed by the seed; the expected coefficients come from pmt_ols.R.
"""

import csv

import numpy as np

rng = np.random.default_rng(7)
n = 120
rows = []
for i in range(n):
    psu = i // 10
    kec = ("62.03.01", "62.03.02", "62.03.03")[psu % 3]
    size = int(rng.integers(1, 8))
    under5 = int(rng.integers(0, 3))
    elderly = int(rng.integers(0, 2))
    floor = str(rng.choice(["kayu_papan", "keramik", "tanah"]))
    toilet = str(rng.choice(["sendiri", "tidak_ada", "umum"]))
    edu = str(rng.choice(["sd", "sma", "tidak_punya_ijazah"]))
    area = float(np.round(rng.uniform(15, 120), 1))
    land = float(np.round(rng.choice([0.0, rng.uniform(50, 2000)]), 1))
    female = bool(rng.random() < 0.2)
    urban = bool(rng.random() < 0.4)
    assets = {
        k: bool(rng.random() < p)
        for k, p in (
            ("has_refrigerator", 0.3),
            ("has_television", 0.6),
            ("has_smartphone", 0.7),
            ("has_motorcycle", 0.6),
            ("has_car", 0.1),
            ("has_boat", 0.2),
        )
    }
    z = (
        0.3 * urban
        - 0.4 * np.log(size)
        + 0.3 * (floor == "keramik")
        - 0.2 * (toilet == "tidak_ada")
        + 0.25 * (edu == "sma")
        + 0.2 * assets["has_refrigerator"]
        + rng.normal(0, 0.35)
    )
    rows.append(
        {
            "household_id": f"H{i:03d}",
            "desa_code": f"{kec}.20{psu % 4:02d}",
            "stratum": kec,
            "psu": f"B{psu:02d}",
            "weight": float(np.round(rng.uniform(50, 150), 2)),
            "household_size": size,
            "expenditure_per_capita": float(np.round(800000 * np.exp(z), 0)),
            "head_female": female,
            "head_education": edu,
            "head_sector": "pertanian_tanaman",
            "members_under5": under5,
            "members_elderly": elderly,
            "urban": urban,
            "floor_material": floor,
            "wall_material": "kayu_papan",
            "wall_condition": "baik",
            "roof_material": "seng",
            "roof_condition": "baik",
            "floor_area_m2": area,
            "house_ownership": "milik_sendiri",
            "land_owned_m2": land,
            "drinking_water": "sumur_bor",
            "toilet": toilet,
            "sewage": "tangki_septik",
            "electricity": "pln_meteran",
            "cooking_fuel": "gas",
            **assets,
        }
    )
with open("pmt_survey.csv", "w", newline="", encoding="utf-8") as fh:
    writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
    writer.writeheader()
    for r in rows:
        writer.writerow({k: (str(v).upper() if isinstance(v, bool) else v) for k, v in r.items()})
