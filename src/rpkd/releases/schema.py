"""The release schema: every table, column, type, code list and PII flag (DESIGN.md §2).

Concepts follow DTSEN / Regsosek 2022 (BPS) for families and persons, Susenas KOR/Konsumsi for
the survey sample, Podes for villages, and the by-name lists that agencies (Dinsos, Disdik,
Dinkes, DPMD, Perkim) keep. ``docs/data-dictionary.md`` is generated from this module
(``python -m rpkd.releases.dictionary``), so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DType = Literal["string", "int", "float", "bool", "date"]
Kind = Literal["families", "persons", "survey", "villages", "beneficiaries"]
KINDS: tuple[Kind, ...] = ("families", "persons", "survey", "villages", "beneficiaries")

SCHEMA_VERSION = 2
"""2: families and persons carry the integer ``family_key`` (:mod:`rpkd.releases.family_key`),
written by the import and not a source column; releases of version 1 lack it and still read."""


@dataclass(frozen=True)
class Column:
    """One column: canonical name, type, whether required, code list, bounds and labels.

    ``required``: the column must be in the file and every value filled; ``present``: the
    column must be in the file, though values may be empty (a warning, see the rules).
    """

    name: str
    dtype: DType
    label_id: str
    label_en: str
    required: bool = False
    present: bool = False
    pii: bool = False
    codes: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    note: str = ""


@dataclass(frozen=True)
class TableSchema:
    """One release table: its kind, key column(s) and columns in canonical order."""

    kind: Kind
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    label_id: str
    label_en: str
    source: str = ""
    by_column: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_column", {c.name: c for c in self.columns})

    def column(self, name: str) -> Column:
        return self.by_column[name]

    @property
    def required(self) -> tuple[str, ...]:
        """Columns every file of this kind must have (filled, or at least present)."""
        return tuple(c.name for c in self.columns if c.required or c.present)

    @property
    def pii(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.pii)


# Code lists (values stored in releases; labels live in the data dictionary).
SEX = ("L", "P")  # laki-laki, perempuan (Dukcapil)
RELATION = (
    "kepala_keluarga",
    "istri_suami",
    "anak",
    "menantu",
    "cucu",
    "orang_tua_mertua",
    "famili_lain",
    "lainnya",
)
MARITAL = ("belum_kawin", "kawin", "cerai_hidup", "cerai_mati")
DISABILITY = ("tidak", "ringan", "sedang", "berat")
EDUCATION = ("tidak_punya_ijazah", "sd", "smp", "sma", "diploma", "sarjana")
SCHOOL_ATTENDANCE = ("tidak_pernah", "masih_sekolah", "tidak_sekolah_lagi")
SCHOOL_LEVEL = ("paud", "sd", "smp", "sma", "perguruan_tinggi")
WORK_STATUS = ("bekerja", "mencari_kerja", "sekolah", "mengurus_rumah_tangga", "tidak_bekerja")
SECTOR = (
    "pertanian_tanaman",
    "perkebunan",
    "perikanan",
    "peternakan",
    "kehutanan",
    "pertambangan",
    "industri",
    "konstruksi",
    "perdagangan",
    "transportasi",
    "jasa",
    "pemerintahan",
    "lainnya",
)
JKN = ("pbi_apbn", "pbi_apbd", "non_pbi", "tidak_punya")
FLOOR = (
    "keramik",
    "marmer_granit",
    "ubin_tegel",
    "semen_bata",
    "kayu_papan",
    "bambu",
    "tanah",
    "lainnya",
)
WALL = (
    "tembok",
    "plesteran_anyaman",
    "kayu_papan",
    "anyaman_bambu",
    "batang_kayu",
    "seng",
    "lainnya",
)
ROOF = ("beton", "genteng", "seng", "asbes", "kayu_sirap", "bambu", "jerami_ijuk_rumbia", "lainnya")
CONDITION = ("baik", "rusak_ringan", "rusak_berat")
OWNERSHIP = ("milik_sendiri", "kontrak_sewa", "bebas_sewa", "dinas", "lainnya")
WATER = (
    "air_kemasan",
    "ledeng",
    "sumur_bor",
    "sumur_terlindung",
    "sumur_tak_terlindung",
    "mata_air_terlindung",
    "mata_air_tak_terlindung",
    "air_permukaan",
    "air_hujan",
    "lainnya",
)
TOILET = ("sendiri", "bersama", "umum", "tidak_ada")
SEWAGE = ("tangki_septik", "ipal", "lubang_tanah", "terbuka")
ELECTRICITY = ("pln_meteran", "pln_tanpa_meteran", "non_pln", "tidak_ada")
COOKING_FUEL = ("listrik", "gas", "minyak_tanah", "kayu_bakar", "arang", "tidak_memasak", "lainnya")
ROAD = ("aspal_beton", "diperkeras", "tanah", "air")
PROGRAMMES = ("pkh", "sembako", "pbi_jk", "pip", "blt_dd", "rtlh")

_DESA = Column(
    "desa_code",
    "string",
    "Kode desa/kelurahan",
    "Village code",
    required=True,
    note="Kemendagri code with or without dots; must lie inside the release's region.",
)

_HOUSING: tuple[Column, ...] = (
    Column(
        "urban", "bool", "Perkotaan", "Urban", required=True, note="BPS urban/rural classification."
    ),
    Column("floor_material", "string", "Jenis lantai terluas", "Main floor material", codes=FLOOR),
    Column("wall_material", "string", "Jenis dinding terluas", "Main wall material", codes=WALL),
    Column("wall_condition", "string", "Kondisi dinding", "Wall condition", codes=CONDITION),
    Column("roof_material", "string", "Jenis atap terluas", "Main roof material", codes=ROOF),
    Column("roof_condition", "string", "Kondisi atap", "Roof condition", codes=CONDITION),
    Column(
        "floor_area_m2",
        "float",
        "Luas lantai (m²)",
        "Floor area (m²)",
        minimum=1,
        maximum=5000,
        note="Per person = floor_area_m2 / family_size; RTLH threshold 7.2 m² per person.",
    ),
    Column(
        "house_ownership",
        "string",
        "Status kepemilikan bangunan",
        "House ownership",
        codes=OWNERSHIP,
    ),
    Column("land_owned_m2", "float", "Luas lahan dimiliki (m²)", "Land owned (m²)", minimum=0),
    Column(
        "drinking_water",
        "string",
        "Sumber air minum utama",
        "Main drinking-water source",
        codes=WATER,
    ),
    Column("toilet", "string", "Fasilitas buang air besar", "Toilet facility", codes=TOILET),
    Column("sewage", "string", "Pembuangan akhir tinja", "Final sewage disposal", codes=SEWAGE),
    Column(
        "electricity",
        "string",
        "Sumber penerangan utama",
        "Main lighting source",
        codes=ELECTRICITY,
    ),
    Column(
        "cooking_fuel",
        "string",
        "Bahan bakar memasak utama",
        "Main cooking fuel",
        codes=COOKING_FUEL,
    ),
    Column("has_refrigerator", "bool", "Memiliki lemari es", "Owns a refrigerator"),
    Column("has_television", "bool", "Memiliki televisi", "Owns a television"),
    Column("has_smartphone", "bool", "Memiliki telepon pintar", "Owns a smartphone"),
    Column("has_motorcycle", "bool", "Memiliki sepeda motor", "Owns a motorcycle"),
    Column("has_car", "bool", "Memiliki mobil", "Owns a car"),
    Column("has_boat", "bool", "Memiliki perahu motor", "Owns a motor boat"),
)

FAMILIES = TableSchema(
    "families",
    key=("family_id",),
    label_id="Keluarga (DTSEN)",
    label_en="Families (registry)",
    source="DTSEN / Regsosek 2022 family (keluarga) module",
    columns=(
        Column("family_id", "string", "ID keluarga", "Family id", required=True),
        Column(
            "kk_number",
            "string",
            "Nomor Kartu Keluarga",
            "Family card (KK) number",
            pii=True,
            note="16 digits; digits 1-6 are the kecamatan of issue.",
        ),
        _DESA,
        Column("address", "string", "Alamat", "Address", pii=True),
        Column(
            "family_size",
            "int",
            "Jumlah anggota keluarga",
            "Family size",
            required=True,
            minimum=1,
            maximum=30,
            note="Must equal the number of living persons in the family.",
        ),
        *_HOUSING,
        Column(
            "pmt_score",
            "float",
            "Skor PMT",
            "Proxy-means-test score",
            note="BPS welfare score; higher is better-off.",
        ),
        Column(
            "desil",
            "int",
            "Desil kesejahteraan",
            "Welfare decile (desil)",
            minimum=1,
            maximum=10,
            note="Set by BPS from the PMT ranking of all families; 1 is the poorest 10%.",
        ),
    ),
)

PERSONS = TableSchema(
    "persons",
    key=("person_id",),
    label_id="Anggota keluarga (DTSEN)",
    label_en="Persons (registry)",
    source="DTSEN / Regsosek 2022 individual (anggota keluarga) module",
    columns=(
        Column("person_id", "string", "ID individu", "Person id", required=True),
        Column("family_id", "string", "ID keluarga", "Family id", required=True),
        Column(
            "nik",
            "string",
            "NIK",
            "National identity number (NIK)",
            present=True,
            pii=True,
            note="16 digits: kecamatan code (6), birth date DDMMYY with 40 added to DD for women, "
            "serial (4). The column must be there; an empty value is a warning (nik_empty).",
        ),
        Column("name", "string", "Nama", "Name", required=True, pii=True),
        Column("sex", "string", "Jenis kelamin", "Sex", required=True, codes=SEX),
        Column("birth_date", "date", "Tanggal lahir", "Birth date", required=True, pii=True),
        Column(
            "relation",
            "string",
            "Hubungan dengan kepala keluarga",
            "Relation to head",
            required=True,
            codes=RELATION,
        ),
        Column("marital_status", "string", "Status perkawinan", "Marital status", codes=MARITAL),
        Column("disability", "string", "Disabilitas", "Disability", codes=DISABILITY),
        Column("chronic_illness", "bool", "Penyakit kronis/menahun", "Chronic illness"),
        Column("education", "string", "Ijazah tertinggi", "Highest certificate", codes=EDUCATION),
        Column(
            "school_attendance",
            "string",
            "Partisipasi sekolah",
            "School attendance",
            codes=SCHOOL_ATTENDANCE,
        ),
        Column(
            "school_level",
            "string",
            "Jenjang sekolah saat ini",
            "Current school level",
            codes=SCHOOL_LEVEL,
        ),
        Column("work_status", "string", "Kegiatan utama", "Main activity", codes=WORK_STATUS),
        Column("sector", "string", "Lapangan usaha", "Sector of work", codes=SECTOR),
        Column("jkn_status", "string", "Kepesertaan JKN", "JKN health insurance", codes=JKN),
        Column("pregnant", "bool", "Sedang hamil", "Pregnant"),
        Column(
            "death_date",
            "date",
            "Tanggal meninggal",
            "Date of death",
            note="Filled when Dukcapil or the desa reports a death; the person stays listed, flagged.",
        ),
    ),
)

SURVEY = TableSchema(
    "survey",
    key=("household_id",),
    label_id="Sampel survei rumah tangga (Susenas)",
    label_en="Household survey sample (Susenas-like)",
    source="Susenas KOR and Konsumsi-Pengeluaran modules (BPS)",
    columns=(
        Column("household_id", "string", "ID rumah tangga", "Household id", required=True),
        _DESA,
        Column("stratum", "string", "Strata", "Stratum", required=True),
        Column(
            "psu",
            "string",
            "Unit sampling tahap 1 (blok sensus/desa)",
            "First-stage unit (PSU)",
            required=True,
        ),
        Column(
            "fpc1",
            "float",
            "Jumlah PSU dalam strata",
            "PSUs in the stratum (stage-1 fpc)",
            minimum=1,
        ),
        Column(
            "fpc2",
            "float",
            "Jumlah rumah tangga dalam PSU",
            "Households in the PSU (stage-2 fpc)",
            minimum=1,
        ),
        Column(
            "weight",
            "float",
            "Penimbang rumah tangga",
            "Household design weight",
            required=True,
            note="Must be > 0.",
        ),
        Column(
            "household_size",
            "int",
            "Jumlah anggota rumah tangga",
            "Household size",
            required=True,
            minimum=1,
            maximum=30,
        ),
        Column(
            "expenditure_per_capita",
            "float",
            "Pengeluaran per kapita sebulan (Rp)",
            "Monthly per-capita expenditure (Rp)",
            required=True,
            minimum=0,
        ),
        Column("head_female", "bool", "Kepala rumah tangga perempuan", "Female head"),
        Column(
            "head_education",
            "string",
            "Ijazah kepala rumah tangga",
            "Head's certificate",
            codes=EDUCATION,
        ),
        Column("head_sector", "string", "Lapangan usaha kepala", "Head's sector", codes=SECTOR),
        Column("members_under5", "int", "Anggota balita", "Members under five", minimum=0),
        Column("members_elderly", "int", "Anggota lansia (60+)", "Members aged 60+", minimum=0),
        *_HOUSING,
    ),
)

VILLAGES = TableSchema(
    "villages",
    key=("desa_code",),
    label_id="Indikator desa (Podes)",
    label_en="Village indicators (Podes-like)",
    source="Potensi Desa (Podes), BPS",
    columns=(
        _DESA,
        Column("households", "int", "Jumlah keluarga", "Families", minimum=0),
        Column("area_km2", "float", "Luas wilayah (km²)", "Area (km²)", minimum=0),
        Column("main_road", "string", "Permukaan jalan utama", "Main road surface", codes=ROAD),
        Column("has_puskesmas", "bool", "Ada puskesmas/pustu", "Has a puskesmas or pustu"),
        Column(
            "distance_puskesmas_km",
            "float",
            "Jarak ke puskesmas (km)",
            "Distance to puskesmas (km)",
            minimum=0,
        ),
        Column("has_sd", "bool", "Ada SD/sederajat", "Has a primary school"),
        Column("has_smp", "bool", "Ada SMP/sederajat", "Has a junior secondary school"),
        Column(
            "distance_smp_km",
            "float",
            "Jarak ke SMP (km)",
            "Distance to junior secondary (km)",
            minimum=0,
        ),
        Column("has_market", "bool", "Ada pasar", "Has a market"),
        Column(
            "share_pln",
            "float",
            "Persentase keluarga pengguna listrik PLN",
            "Share of families on PLN",
            minimum=0,
            maximum=1,
        ),
        Column("flood_prone", "bool", "Rawan banjir", "Flood-prone"),
        Column("dana_desa", "float", "Pagu Dana Desa (Rp)", "Dana Desa allocation (Rp)", minimum=0),
        Column(
            "kecamatan_capital",
            "bool",
            "Ibu kota kecamatan",
            "Kecamatan capital",
            note="Desa/kelurahan where the kecamatan office is (Podes).",
        ),
        Column(
            "distance_kecamatan_km",
            "float",
            "Jarak ke kantor camat (km)",
            "Distance to the kecamatan office (km)",
            minimum=0,
            maximum=1000,
        ),
        Column(
            "travel_kecamatan_min",
            "float",
            "Waktu tempuh ke kantor camat (menit)",
            "Travel time to the kecamatan office (minutes)",
            minimum=0,
            maximum=10080,
            note="Usual means of transport (Podes); 10,080 minutes is one week.",
        ),
        Column(
            "distance_kabupaten_km",
            "float",
            "Jarak ke kantor bupati/wali kota (km)",
            "Distance to the kabupaten/kota office (km)",
            minimum=0,
            maximum=2000,
        ),
        Column(
            "travel_kabupaten_min",
            "float",
            "Waktu tempuh ke kantor bupati/wali kota (menit)",
            "Travel time to the kabupaten/kota office (minutes)",
            minimum=0,
            maximum=10080,
        ),
        Column(
            "river_only",
            "bool",
            "Hanya dapat dicapai lewat sungai/air",
            "Reached only by river or water",
            note="Main road code `air`.",
        ),
        Column(
            "car_all_year",
            "bool",
            "Jalan dapat dilalui kendaraan roda 4 sepanjang tahun",
            "Road passable by four-wheeled vehicles all year",
        ),
        Column("has_polindes", "bool", "Ada polindes/poskesdes", "Has a polindes or poskesdes"),
        Column("has_sma", "bool", "Ada SMA/SMK/sederajat", "Has a senior secondary school"),
        Column(
            "signal_strong",
            "bool",
            "Sinyal telepon seluler kuat",
            "Strong mobile phone signal",
            note="Podes: kuat (strong) against lemah (weak) or tidak ada (none).",
        ),
        Column("internet_4g", "bool", "Ada sinyal internet 4G/LTE", "4G/LTE internet signal"),
    ),
)

BENEFICIARIES = TableSchema(
    "beneficiaries",
    key=("programme", "record"),
    label_id="Daftar penerima program",
    label_en="Programme beneficiary lists",
    source="Lists as agencies keep them (SIKS-NG, Dapodik/PIP, DPMD, Perkim); one file per programme",
    columns=(
        Column("programme", "string", "Program", "Programme", required=True),
        Column(
            "record",
            "string",
            "Nomor urut",
            "Record number",
            required=True,
            note="Row identifier within the list; the 1-based data row number when the file has none.",
        ),
        Column("year", "int", "Tahun", "Year", required=True, minimum=2000, maximum=2100),
        Column(
            "nik",
            "string",
            "NIK",
            "NIK",
            pii=True,
            note="As written on the list: may be missing or invalid.",
        ),
        Column("kk_number", "string", "Nomor KK", "KK number", pii=True),
        Column("name", "string", "Nama penerima", "Beneficiary name", required=True, pii=True),
        Column(
            "birth_date",
            "string",
            "Tanggal lahir",
            "Birth date",
            pii=True,
            note="Kept as written; placeholders such as 01-01-YYYY or 31-12-YYYY are common.",
        ),
        Column("address", "string", "Alamat", "Address", pii=True),
        _DESA,
        Column("amount", "float", "Nilai bantuan (Rp)", "Benefit amount (Rp)", minimum=0),
    ),
)

TABLES: dict[Kind, TableSchema] = {
    t.kind: t for t in (FAMILIES, PERSONS, SURVEY, VILLAGES, BENEFICIARIES)
}

HOUSING_COLUMNS: tuple[str, ...] = tuple(c.name for c in _HOUSING)


def table_schema(kind: str) -> TableSchema:
    """Return the schema of a release table kind."""
    return TABLES[kind]  # type: ignore[index]
