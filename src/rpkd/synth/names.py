"""Indonesian personal names for Central Kalimantan: Banjar, Dayak and Javanese families.

Written for rpkd (no external list). Banjar and Javanese families are mostly Muslim: men often
carry ``Muhammad``/``Ahmad``/``Abdul``, women ``Siti``/``Nur``/``Sri``; Dayak Ngaju families are
partly Christian (baptismal name plus a Dayak name kept as a family name) and partly Muslim or
Kaharingan; many older Javanese carry a single name (mononym).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

MUSLIM_MALE = (
    "Rahmat",
    "Rizki",
    "Fauzi",
    "Hidayat",
    "Syahrani",
    "Rusdi",
    "Hadi",
    "Arifin",
    "Ilham",
    "Fajar",
    "Rahmadi",
    "Zainal",
    "Saprudin",
    "Jumadi",
    "Mahmud",
    "Yusuf",
    "Ismail",
    "Hasan",
    "Husin",
    "Ali",
    "Iskandar",
    "Nasrullah",
    "Abdillah",
    "Saputra",
    "Ramadhan",
    "Akbar",
    "Firdaus",
    "Hairul",
    "Norhadi",
    "Gusti",
    "Anang",
    "Aulia",
    "Taufik",
    "Irwan",
    "Salman",
    "Sahrul",
    "Supian",
    "Bahrani",
    "Junaidi",
    "Maulana",
    "Rafi",
    "Faisal",
    "Haris",
    "Amin",
    "Kurniawan",
    "Riduan",
    "Mursidi",
    "Hamdani",
)
MUSLIM_FEMALE = (
    "Aisyah",
    "Fatimah",
    "Rahmah",
    "Hasanah",
    "Mahmudah",
    "Masliani",
    "Norhayati",
    "Jamilah",
    "Zubaidah",
    "Rusmini",
    "Hayati",
    "Salmah",
    "Aminah",
    "Halimah",
    "Khadijah",
    "Maimunah",
    "Nurul",
    "Rabiatul",
    "Fitriani",
    "Rahmawati",
    "Lestari",
    "Wahyuni",
    "Herlina",
    "Yuliana",
    "Normah",
    "Sarah",
    "Annisa",
    "Aulia",
    "Zahra",
    "Nabila",
    "Salsabila",
    "Husna",
    "Rukayah",
    "Mardiana",
    "Sumiati",
    "Ratna",
    "Dewi",
    "Intan",
    "Nurhasanah",
    "Raudah",
    "Hamidah",
    "Fauziah",
    "Jumiati",
)
JAVANESE_MALE = (
    "Sutrisno",
    "Suparman",
    "Sugiyono",
    "Slamet",
    "Bambang",
    "Budi",
    "Joko",
    "Wahyudi",
    "Hartono",
    "Sukardi",
    "Darmono",
    "Paijo",
    "Suroto",
    "Sunarto",
    "Agus",
    "Eko",
    "Tri",
    "Dwi",
    "Heru",
    "Santoso",
    "Setiawan",
    "Purnomo",
    "Wibowo",
    "Prasetyo",
    "Nugroho",
    "Susilo",
    "Suyanto",
    "Mulyono",
    "Sarwono",
    "Teguh",
    "Yanto",
    "Priyanto",
    "Gunawan",
    "Widodo",
    "Sugeng",
    "Kusnadi",
)
JAVANESE_FEMALE = (
    "Sulastri",
    "Sumarni",
    "Suwarni",
    "Sukinah",
    "Endang",
    "Wahyuningsih",
    "Purwanti",
    "Suharti",
    "Sriyati",
    "Tumini",
    "Painem",
    "Rukmini",
    "Lestari",
    "Astuti",
    "Wulandari",
    "Handayani",
    "Setyowati",
    "Rahayu",
    "Kartini",
    "Suprapti",
    "Mulyani",
    "Yuniarti",
    "Susanti",
    "Indah",
    "Ningsih",
    "Utami",
    "Pratiwi",
    "Kusumawati",
    "Sutinah",
    "Wagiyem",
    "Murtini",
    "Dwi Astuti",
)
CHRISTIAN_MALE = (
    "Yohanes",
    "Petrus",
    "Paulus",
    "Stefanus",
    "Markus",
    "Lukas",
    "Matius",
    "Agustinus",
    "Yosef",
    "Fransiskus",
    "Antonius",
    "Daniel",
    "Samuel",
    "Yakobus",
    "Andreas",
    "Thomas",
    "Kristian",
    "Natanael",
    "Yonatan",
    "Elias",
    "Timotius",
    "Simon",
    "Benediktus",
    "Hendrik",
    "Marthen",
)
CHRISTIAN_FEMALE = (
    "Maria",
    "Elisabeth",
    "Yuliana",
    "Natalia",
    "Kristina",
    "Debora",
    "Magdalena",
    "Agustina",
    "Veronika",
    "Theresia",
    "Ester",
    "Rut",
    "Sara",
    "Lidia",
    "Marta",
    "Yohana",
    "Priskila",
    "Monika",
    "Katarina",
    "Rosalina",
    "Fransiska",
    "Angelina",
    "Desi",
    "Lusiana",
    "Sinta",
)
DAYAK_GIVEN = (
    "Tingang",
    "Bungai",
    "Ringkai",
    "Nyahu",
    "Simpei",
    "Dehen",
    "Ilun",
    "Liun",
    "Tuah",
    "Dambung",
    "Kanon",
    "Garu",
    "Sahay",
    "Asang",
    "Bulau",
    "Lawang",
    "Itah",
    "Inan",
    "Inai",
    "Dadi",
    "Enjun",
    "Rambang",
    "Limin",
    "Tumbang",
    "Sangen",
    "Ranying",
    "Baun",
    "Linggu",
    "Ajun",
    "Dahiang",
)
DAYAK_FAMILY = (
    "Usop",
    "Djaya",
    "Mantir",
    "Bahen",
    "Ngabut",
    "Saleh",
    "Narang",
    "Rangka",
    "Dinan",
    "Toembak",
    "Tundan",
    "Lambung",
    "Pandong",
    "Aden",
    "Asi",
    "Kiting",
    "Riwut",
    "Bilak",
    "Anyu",
    "Ingan",
    "Sambung",
    "Tiring",
    "Ganang",
    "Luhing",
    "Basir",
    "Duwel",
    "Katingan",
    "Ugang",
)
MALE_PREFIX = ("Muhammad", "Ahmad", "Abdul", "Muhammad", "Muhammad")
FEMALE_PREFIX = ("Siti", "Nur", "Siti", "Nor", "Sri")


@dataclass(frozen=True)
class People:
    """Who is named: sex, ethnic group (0 Banjar, 1 Dayak, 2 Javanese), family and age."""

    female: NDArray[np.bool_]
    ethnic: NDArray[np.int64]
    christian: NDArray[np.bool_]
    family: NDArray[np.int64]
    age_years: NDArray[np.float64]


def _pick(rng: np.random.Generator, pool: tuple[str, ...], n: int) -> pa.Array:
    return pa.array(np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)], type=pa.string())


def _fill(
    rng: np.random.Generator, n: int, choices: list[tuple[NDArray[np.bool_], tuple[str, ...]]]
) -> pa.Array:
    """Return a token column: for each mask, a name drawn from its pool; elsewhere null."""
    out = np.full(n, None, dtype=object)
    for mask, pool in choices:
        count = int(mask.sum())
        if count:
            out[mask] = np.asarray(pool, dtype=object)[rng.integers(0, len(pool), count)]
    return pa.array(out, type=pa.string())


def generate(rng: np.random.Generator, people: People) -> pa.Array:
    """Return full names (one to four tokens) for ``people``."""
    n = len(people.female)
    f, m = people.female, ~people.female
    banjar, dayak, java = people.ethnic == 0, people.ethnic == 1, people.ethnic == 2
    christian = people.christian
    muslim = ~christian
    mononym = java & (rng.random(n) < np.where(people.age_years > 50, 0.45, 0.12))
    u = rng.random(n)
    prefix = _fill(
        rng,
        n,
        [
            (m & muslim & ~mononym & (u < np.where(banjar, 0.45, 0.25)), MALE_PREFIX),
            (f & muslim & ~mononym & (u < np.where(banjar, 0.40, 0.25)), FEMALE_PREFIX),
        ],
    )
    given = _fill(
        rng,
        n,
        [
            (m & muslim & (banjar | dayak), MUSLIM_MALE),
            (f & muslim & (banjar | dayak), MUSLIM_FEMALE),
            (m & muslim & java, JAVANESE_MALE),
            (f & muslim & java, JAVANESE_FEMALE),
            (m & christian, CHRISTIAN_MALE),
            (f & christian, CHRISTIAN_FEMALE),
        ],
    )
    second = rng.random(n) < 0.45
    middle = _fill(
        rng,
        n,
        [
            (second & ~mononym & m & muslim & ~java, MUSLIM_MALE),
            (second & ~mononym & f & muslim & ~java, MUSLIM_FEMALE),
            (second & ~mononym & m & java, JAVANESE_MALE),
            (second & ~mononym & f & java, JAVANESE_FEMALE),
            (second & dayak & christian, DAYAK_GIVEN),
        ],
    )
    # one Dayak family name per family: a fixed draw per family index
    family_pick = rng.integers(0, len(DAYAK_FAMILY), int(people.family.max(initial=0)) + 1)
    family_name = np.asarray(DAYAK_FAMILY, dtype=object)[family_pick[people.family]]
    surname = pa.array(family_name, type=pa.string(), mask=~(dayak & (rng.random(n) < 0.7)))
    return pc.binary_join_element_wise(prefix, given, middle, surname, " ", null_handling="skip")


def ghost_names(rng: np.random.Generator, n: int) -> pa.Array:
    """Return names for list rows that match nobody in the registry."""
    female = rng.random(n) < 0.5
    first = _fill(rng, n, [(female, MUSLIM_FEMALE), (~female, MUSLIM_MALE)])
    second = _fill(rng, n, [(female, JAVANESE_FEMALE), (~female, JAVANESE_MALE)])
    return pc.binary_join_element_wise(first, second, " ", null_handling="skip")
