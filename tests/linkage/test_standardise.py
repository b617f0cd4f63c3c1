"""Standardisation rules, one example each, on every engine (expected values written by hand)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from rpkd import engine as eng
from rpkd.linkage import names
from rpkd.linkage.dates import with_birth_date
from rpkd.linkage.nik import with_nik
from rpkd.linkage.standardise import COLUMNS, standardise_list, standardise_registry

# (rule, as written on a list, normalised own name, father's name)
NAME_CASES = [
    ("case and spaces", "  BUDI   SANTOSO ", "budi santoso", None),
    ("punctuation", "Rina-Wati.", "rina wati", None),
    ("apostrophe", "Ma'ruf Amin", "maruf amin", None),
    ("title H.", "H. Ahmad Yani", "ahmad yani", None),
    ("title Hj.", "Hj. Salmah", "salmah", None),
    ("titles Drs. and H.", "Drs. H. Bakri", "bakri", None),
    ("title Ir.", "Ir. Joko Susilo", "joko susilo", None),
    ("title dr.", "dr. Dewi Lestari", "dewi lestari", None),
    ("title Bpk", "Bpk Slamet", "slamet", None),
    ("title Ibu", "Ibu Kartini", "kartini", None),
    ("title Ny.", "Ny. Halimah", "halimah", None),
    ("title Tn.", "Tn. Hasan", "hasan", None),
    ("degree after comma", "Aminah, S.Pd", "aminah", None),
    ("degree without comma", "Budi Santoso S.E.", "budi santoso", None),
    ("degree A.Md.", "Yanti Amd", "yanti", None),
    ("degree A.Md.Keb", "Nurlaila A.Md.Keb", "nurlaila", None),
    ("degree M.Si", "Rahmat Hidayat M.Si", "rahmat hidayat", None),
    ("bin", "Ahmad bin Abdullah", "ahmad", "abdullah"),
    ("binti", "Siti Aminah binti Hasan", "siti aminah", "hasan"),
    ("bt", "Fatimah bt Mahmud", "fatimah", "mahmud"),
    ("bn", "Yusuf bn Ali", "yusuf", "ali"),
    ("Muhamad", "Muhamad Rizki", "muhammad rizki", None),
    ("Mochammad", "Mochammad Rizki", "muhammad rizki", None),
    ("Moch.", "Moch. Rizki", "muhammad rizki", None),
    ("Moh.", "Moh. Rizki", "muhammad rizki", None),
    ("Mhd", "Mhd Rizki", "muhammad rizki", None),
    ("M. initial", "M. Rizki", "muhammad rizki", None),
    ("Sity", "Sity Aminah", "siti aminah", None),
    ("St. initial", "St. Aminah", "siti aminah", None),
    ("Noor", "Noor Hidayah", "nur hidayah", None),
    ("Nurul", "Nurul Hidayah", "nur hidayah", None),
    ("Abd.", "Abd. Rahman", "abdul rahman", None),
    ("Achmad", "Achmad Fauzi", "ahmad fauzi", None),
    ("oe -> u", "Soekarno", "sukarno", None),
    ("dj -> j", "Djoko", "joko", None),
    ("tj -> c", "Tjahjadi", "cahjadi", None),
    ("sj -> sy", "Sjahrir", "syahrir", None),
    ("ch -> kh", "Chairul", "khairul", None),
    ("modern nj kept", "Tanjung", "tanjung", None),
    ("mononym written twice", "SUKARNO SUKARNO", "sukarno", None),
    ("title only", "H.", None, None),
    ("empty", "", None, None),
]

# (rule, two spellings that must share a phonetic key)
PHONETIC_PAIRS = [
    ("final y = i", "rizky", "rizki"),
    ("e = i", "rezki", "rizki"),
    ("o = u", "sutrisno", "sutrisnu"),
    ("ae = ai", "zaenal", "zainal"),
    ("old j = y", "jusuf", "yusuf"),
    ("kh = h", "khoirul", "hoirul"),
    ("sy = s", "syarifah", "sarifah"),
    ("dh = d", "ramadhan", "ramadan"),
    ("th = t", "fathur", "fatur"),
    ("q = k", "rizqi", "rizki"),
    ("v = f", "novi", "nofi"),
    ("final h after a vowel", "fatimah", "fatima"),
    ("doubled letters", "sitti", "siti"),
    ("token order", "aminah siti", "siti aminah"),
]


def test_each_name_rule(engine: eng.Engine) -> None:
    table = eng.table(engine, pa.table({"raw": [c[1] for c in NAME_CASES]}))
    got = eng.fetch(names.with_names(table, "raw").select("raw", "name_std", "father_std"))
    by_raw = {r["raw"]: (r["name_std"], r["father_std"]) for r in got.to_pylist()}
    for rule, raw, own, father in NAME_CASES:
        assert by_raw[raw] == (own, father), rule


def test_phonetic_key_merges_spelling_variants(engine: eng.Engine) -> None:
    left = [a for _, a, _ in PHONETIC_PAIRS]
    right = [b for _, _, b in PHONETIC_PAIRS]
    table = eng.table(engine, pa.table({"a": left, "b": right}))
    got = eng.fetch(table.select(a=names.phonetic_key(table.a), b=names.phonetic_key(table.b)))
    for (rule, _, _), row in zip(PHONETIC_PAIRS, got.to_pylist(), strict=True):
        assert row["a"] == row["b"], rule


def test_phonetic_key_keeps_different_names_apart(engine: eng.Engine) -> None:
    table = eng.table(
        engine, pa.table({"a": ["rina", "budi", "sutrisna"], "b": ["rini", "badu", "sutrisno"]})
    )
    got = eng.fetch(table.select(a=names.phonetic_key(table.a), b=names.phonetic_key(table.b)))
    assert all(r["a"] != r["b"] for r in got.to_pylist())


# (written, birth_year, birth_date, year_only)
DATE_CASES = [
    ("1980-05-17", 1980, "1980-05-17", False),
    ("17-05-1980", 1980, "1980-05-17", False),
    ("17/05/1980", 1980, "1980-05-17", False),
    ("17051980", 1980, "1980-05-17", False),
    ("7-5-1980", 1980, "1980-05-07", False),
    ("1980-05-17 00:00:00", 1980, "1980-05-17", False),
    ("01-01-1975", 1975, None, True),
    ("31/12/1975", 1975, None, True),
    ("01-07-1975", 1975, None, True),
    ("1975-01-01", 1975, None, True),
    ("1900-01-01", None, None, False),
    ("29-02-2001", None, None, False),
    ("29-02-2004", 2004, "2004-02-29", False),
    ("31-04-1980", None, None, False),
    ("kosong", None, None, False),
    (None, None, None, False),
]


def test_birth_dates_and_placeholders(engine: eng.Engine) -> None:
    table = eng.table(
        engine,
        pa.table(
            {
                "i": list(range(len(DATE_CASES))),
                "raw": pa.array([c[0] for c in DATE_CASES], pa.string()),
            }
        ),
    )
    got = eng.fetch(with_birth_date(table, "raw").order_by("i")).to_pylist()
    for (raw, year, date, year_only), row in zip(DATE_CASES, got, strict=True):
        assert (row["birth_year"], row["birth_date"], row["year_only"]) == (
            year,
            date,
            year_only,
        ), raw


# (written, 16 digits kept, valid, sex from the day field)
NIK_CASES = [
    ("6203015705800001", "6203015705800001", True, "P"),  # woman: day 57 = 17 + 40
    ("6203011705800001", "6203011705800001", True, "L"),
    ("6203 0117 0580 0001", "6203011705800001", True, "L"),  # spaces
    ("6203011705800001.0", "6203011705800001", True, "L"),  # spreadsheet float
    ("9999011705800001", "9999011705800001", False, None),  # no such kecamatan
    ("6203013205800001", "6203013205800001", False, None),  # day 32
    ("6203011713800001", "6203011713800001", False, None),  # month 13
    ("6203011705800000", "6203011705800000", False, None),  # serial 0000
    ("620301170580001", None, False, None),  # 15 digits
    (None, None, False, None),
]


def test_nik_validity_and_sex(engine: eng.Engine) -> None:
    table = eng.table(
        engine,
        pa.table(
            {
                "i": list(range(len(NIK_CASES))),
                "raw": pa.array([c[0] for c in NIK_CASES], pa.string()),
            }
        ),
    )
    got = eng.fetch(with_nik(engine, table, "raw").order_by("i")).to_pylist()
    for (raw, digits, valid, sex), row in zip(NIK_CASES, got, strict=True):
        assert (row["nik"], row["nik_valid"], row["nik_sex"]) == (digits, valid, sex), raw


def test_list_rows_take_sex_from_nik_and_distrust_inconsistent_niks(engine: eng.Engine) -> None:
    rows = pa.table(
        {
            "record": ["1", "2", "3", "4"],
            "name": ["Siti Aminah", "Budi", "Budi", "Budi"],
            "birth_date": ["17-05-1980", "17-05-1980", "18-05-1980", "01-01-1980"],
            "nik": ["6203015705800001", "6203011705800001", "6203011705800001", "6203011705800001"],
            "kk_number": ["6203010101010001", None, "x", None],
            "desa_code": ["62.03.01.2001", "6203012001", "62.03.01", None],
        }
    )
    got = {
        r["unique_id"]: r
        for r in eng.fetch(standardise_list(engine, eng.table(engine, rows))).to_pylist()
    }
    assert got["1"]["sex"] == "P" and got["2"]["sex"] == "L"
    assert got["1"]["nik_trusted"] and got["2"]["nik_trusted"]
    assert not got["3"]["nik_trusted"]  # NIK says the 17th, the list the 18th
    assert got["4"]["nik_trusted"]  # a placeholder date only checks the year
    assert (got["1"]["desa"], got["1"]["kecamatan"], got["1"]["kk"]) == (
        "6203012001",
        "620301",
        "6203010101010001",
    )
    assert (got["3"]["desa"], got["3"]["kk"]) == (None, None)


def test_registry_keeps_deceased_persons_and_takes_desa_from_the_family(engine: eng.Engine) -> None:
    persons = pa.table(
        {
            "person_id": ["p1", "p2"],
            "family_id": ["f1", "f1"],
            "nik": ["6203015705800001", None],
            "name": ["SITI AMINAH", "BUDI"],
            "sex": ["P", "L"],
            "birth_date": pa.array([dt.date(1980, 5, 17), dt.date(1975, 1, 1)], pa.date32()),
            "death_date": pa.array([None, dt.date(2024, 1, 1)], pa.date32()),
        }
    )
    families = pa.table(
        {"family_id": ["f1"], "kk_number": ["6203010101010001"], "desa_code": ["62.03.01.2001"]}
    )
    got = eng.fetch(
        standardise_registry(engine, eng.table(engine, persons), eng.table(engine, families))
    )
    assert tuple(got.column_names) == COLUMNS
    rows = {r["unique_id"]: r for r in got.to_pylist()}
    assert rows["p2"]["deceased"] and not rows["p1"]["deceased"]
    assert rows["p2"]["year_only"] and rows["p2"]["birth_year"] == 1975
    assert rows["p1"]["desa"] == "6203012001" and rows["p1"]["kk"] == "6203010101010001"
