from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rpkd import params
from rpkd.errors import InvalidInput, NotFound


@pytest.fixture(scope="module")
def kit() -> params.Kit:
    return params.load_kit(None)


def test_extreme_line_switches_basis_in_2025(kit: params.Kit) -> None:
    # facts.md §2.2: USD 1.90 PPP 2011 until 2024 (Rp351,957.4 in March 2023), USD 2.15 PPP 2017 from 2025.
    old = kit.poverty_line("extreme", "62.03", date(2024, 3, 1))
    new = kit.poverty_line("extreme", "62.03", date(2025, 3, 1))
    assert (old.value, new.value) == (351957.4, 391000.0)
    assert "1.90" in old.basis and "2.15" in new.basis


def test_province_line_applies_to_its_districts_and_national_elsewhere(kit: params.Kit) -> None:
    # Kalimantan Tengah 2024 line Rp623,954; national March 2024 line Rp582,932 (facts.md §2.1).
    assert kit.poverty_line("poverty", "62.03", date(2024, 6, 1)).value == 623954
    assert kit.poverty_line("poverty", "62.03", date(2023, 6, 1)).value == 596184
    assert kit.poverty_line("poverty", "11.01", date(2024, 6, 1)).value == 582932


def test_every_line_has_a_source(kit: params.Kit) -> None:
    assert all(line.source and line.basis for line in kit.poverty_lines)


def test_workspace_file_overrides_the_kit(tmp_path: Path) -> None:
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "poverty_lines.toml").write_text(
        '[[line]]\nkind = "poverty"\nregion = "62.03"\nvalue = 600000\n'
        'valid_from = 2024-03-01\nbasis = "BPS Kapuas"\nsource = "Kapuas Dalam Angka"\n'
    )
    line = params.load_kit(tmp_path).poverty_line("poverty", "62.03.01", date(2024, 6, 1))
    assert line.value == 600000


def test_no_line_is_an_error(kit: params.Kit) -> None:
    with pytest.raises(InvalidInput) as missing:
        kit.poverty_line("extreme", "62.03", date(2010, 1, 1))
    assert (missing.value.code, missing.value.param) == ("line_missing", "line")
    assert missing.value.message("en") == "no extreme line for 62.03 on 1 January 2010"


def test_a_section_the_caller_reads_is_required(tmp_path: Path) -> None:
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "sae.toml").write_text("[ebp]\nseed = 1\n", encoding="utf-8")
    kit = params.load_kit(tmp_path)
    assert kit.document("sae", sections=("ebp",))["ebp"] == {"seed": 1}
    with pytest.raises(InvalidInput) as caught:
        kit.document("sae", sections=("ebp", "priority"))
    assert (caught.value.code, caught.value.param) == ("params_section_missing", "sae")
    assert caught.value.message("en") == (
        "parameters sae have no [priority] section: a workspace's params/sae.toml replaces the "
        "kit's whole file, so copy the kit's file and change its keys there"
    )


def test_a_broken_workspace_file_and_a_missing_topic_are_named(tmp_path: Path) -> None:
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "bands.toml").write_text("[band\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as broken:
        params.load_kit(tmp_path)
    assert (broken.value.code, broken.value.param) == ("params_invalid", "bands")
    with pytest.raises(NotFound) as missing:
        params.load_kit(None).document("rainfall")
    assert missing.value.params == {"kit": "kapuas", "topic": "rainfall"}
