from __future__ import annotations

import pytest

from rpkd import regions
from rpkd.errors import UnknownRegion


def test_parse_code_accepts_dotted_and_plain_forms() -> None:
    assert regions.parse_code("6203012001") == "62.03.01.2001"
    assert regions.parse_code("620301") == "62.03.01"
    assert regions.parse_code(" 62.03 ") == "62.03"
    assert regions.parse_code(62) == "62"


@pytest.mark.parametrize("bad", ["6", "62.3", "620", "62.03.01.201", "abc", "62-03", ""])
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(UnknownRegion) as refused:
        regions.parse_code(bad)
    assert (refused.value.code, refused.value.param) == ("region_malformed", "region")
    assert refused.value.params == {"code": bad}


def test_unknown_code_names_the_code_in_both_languages() -> None:
    with pytest.raises(UnknownRegion) as refused:
        regions.region("6299")
    assert (refused.value.code, refused.value.params) == ("region_unknown", {"code": "62.99"})
    assert refused.value.message("en").startswith("region code 62.99 is not in the Kemendagri")
    assert refused.value.message("id").startswith("kode wilayah 62.99 tidak ada")


def test_a_desa_has_no_kecamatan_inside() -> None:
    with pytest.raises(UnknownRegion) as refused:
        regions.descendants("62.03.01.1006", "kecamatan")
    assert refused.value.params == {"code": "62.03.01.1006", "level": "desa", "depth": "kecamatan"}


def test_kapuas_counts_match_kemendagri_2025() -> None:
    # Kepmendagri 300.2.2-2138/2025: 17 kecamatan, 214 desa and 17 kelurahan (reference/kapuas/SOURCES.md).
    kapuas = regions.region("62.03")
    assert kapuas.name == "Kabupaten Kapuas" and kapuas.level == "kabupaten"
    assert len(regions.children("62.03")) == 17
    villages = regions.descendants("62.03", "desa")
    assert len(villages) == 231
    assert sum(v.level == "kelurahan" for v in villages) == 17


def test_national_counts_match_sources() -> None:
    # reference/indonesia/SOURCES.md: 38 provinsi, 416 kabupaten + 98 kota, 7,285 kecamatan.
    provinces = [r for r in regions.children("62")]
    assert len(provinces) == 14  # Kalimantan Tengah: 13 kabupaten + 1 kota
    assert sum(r.level == "kota" for r in provinces) == 1


def test_hierarchy_navigation() -> None:
    chain = regions.ancestors("62.03.01.1006")
    assert [r.depth for r in chain] == ["provinsi", "kabupaten", "kecamatan", "desa"]
    assert regions.ancestor("6203012001", "kecamatan").name == "Selat"
    assert regions.contains("62.03", "62.03.01.1006") and not regions.contains("62.03", "62.04.01")


def test_find_by_name_needs_the_kecamatan_for_shared_names() -> None:
    # "Sidomulyo" is a desa in Mantangai and in Tamban Catur (reference/kapuas/SOURCES.md).
    found = regions.find("Sidomulyo", depth="desa", within="62.03")
    assert {r.code for r in found} == {"62.03.09.2034", "62.03.13.2009"}


def test_boundaries_ship_for_kapuas_only() -> None:
    kec = regions.boundaries("62.03", "kecamatan")
    assert len(kec["features"]) == 17
    one = regions.boundaries("62.03.01", "desa")
    assert {f["properties"]["parent_code"] for f in one["features"]} == {"62.03.01"}
    with pytest.raises(UnknownRegion) as refused:
        regions.boundaries("11.01", "desa")
    assert refused.value.code == "boundaries_missing"
    assert refused.value.params == {"code": "11.01", "depth": "desa", "available": "62.03"}
