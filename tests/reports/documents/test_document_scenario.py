"""The RPKD's Bab V §5.4 from a chosen scenario given as values: the sentence and the table
say exactly the numbers given; no scenario, or one that could not run, is an author's slot."""

from __future__ import annotations

from datetime import date

from rpkd.reports.documents.evidence import (
    ChosenScenario,
    Evidence,
    Figure,
    ReleaseFacts,
    ScenarioYear,
)
from rpkd.reports.documents.model import Paragraph, Slot, Table
from rpkd.reports.documents.programmes import scenario_blocks

RELEASE = ReleaseFacts("r1", "62.03", date(2025, 3, 1), "", 1000, 4000, 800)


def _evidence(**kw: object) -> Evidence:
    return Evidence(
        kind="rpkd",
        district_code="62.03",
        district_name="Kabupaten Kapuas",
        made_on=date(2025, 12, 1),
        year=2025,
        quarter=4,
        min_families=10,
        release=RELEASE,
        **kw,  # type: ignore[arg-type]
    )


def _figure(key: str, estimate: float, low: float, high: float) -> Figure:
    return Figure(key, estimate, 0.01, low, high, 800)


def _chosen() -> ChosenScenario:
    years = tuple(
        ScenarioYear(
            year,
            cost,
            {
                "p0": _figure("p0", 0.039, 0.027, 0.055),
                "extreme": _figure("extreme", 0.0112, 0.005, 0.02),
            },
            {
                "p0": _figure("p0", p0, 0.02, 0.045),
                "extreme": _figure("extreme", ext, 0.002, 0.017),
            },
        )
        for year, cost, p0, ext in ((2026, 29e9, 0.0333, 0.0083), (2027, 34e9, 0.0298, 0.0058))
    )
    return ChosenScenario("Menuju nol 2027", "RPKD 2025-2029", "r1", date(2025, 3, 1), 20, 7, years)


def test_the_chosen_scenario_is_a_sentence_and_a_table_of_its_numbers() -> None:
    blocks = scenario_blocks(_evidence(scenario=_chosen()), "id")
    sentence, cost, table = blocks
    assert isinstance(sentence, Paragraph) and isinstance(cost, Paragraph)
    assert sentence.text.startswith("Skenario terpilih rencana ini adalah “Menuju nol 2027”.")
    assert "Pada tahun 2027" in sentence.text
    assert "diperkirakan 0,58% (interval kepercayaan 95%: 0,20%–1,70%)" in sentence.text
    assert "dibanding 1,12% tanpa skenario" in sentence.text
    assert "(P0) diperkirakan 2,98% (2,00%–4,50%), dibanding 3,90%" in sentence.text
    assert (
        cost.text == "Biaya skenario menurut registri berjumlah Rp63.000.000.000 selama 2026–2027."
    )
    assert isinstance(table, Table) and table.key == "scenario.years"
    assert [table.text(i, "cost", "id") for i in range(2)] == [
        "Rp29.000.000.000",
        "Rp34.000.000.000",
    ]
    assert [table.text(i, "extreme_scenario", "id") for i in range(2)] == ["0,83%", "0,58%"]
    assert table.text(1, "extreme_ci", "id") == "0,20%–1,70%"
    assert "rilis r1 (keadaan 1 Maret 2025), 20 tarikan dengan benih 7" in table.source


def test_no_chosen_scenario_is_a_slot_saying_how_to_choose_one() -> None:
    (slot,) = scenario_blocks(_evidence(), "id")
    assert isinstance(slot, Slot) and "rpkd scenario save BERKAS --chosen" in slot.text
    (english,) = scenario_blocks(_evidence(), "en")
    assert "rpkd scenario save FILE --chosen" in english.text  # type: ignore[attr-defined]


def test_a_scenario_that_could_not_run_is_a_slot_naming_why() -> None:
    ev = _evidence(missing={"scenario": "document_scenario_missing"})
    (slot,) = scenario_blocks(ev, "id")
    assert isinstance(slot, Slot)
    assert slot.text.startswith("Skenario terpilih tidak dapat diisi dari data: skenario terpilih")
