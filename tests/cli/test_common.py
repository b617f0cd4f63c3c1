"""What every command prints: language, progress bars, and text exactly as written."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
import rich.progress
from rich.console import Console

from rpkd.cli import common
from rpkd.cli.common import requested_lang
from rpkd.errors import MissingExtra


def test_language_of_error_messages_follows_the_command_line_then_the_environment() -> None:
    assert requested_lang(["release", "import", "d", "--lang", "en"], {}) == "en"
    assert requested_lang(["release", "import", "d", "--lang=en"], {}) == "en"
    assert requested_lang(["release", "import", "d"], {"RPKD_LANG": "en"}) == "en"
    assert requested_lang(["release", "import", "d"], {}) == "id"
    assert requested_lang(["--lang", "id"], {"RPKD_LANG": "en"}) == "id"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> tuple[Clock, list[rich.progress.Progress]]:
    """Draw progress on a (fake) terminal with a hand-moved clock; record the bars made."""
    clock, made = Clock(), []

    class Recorded(rich.progress.Progress):
        def __init__(self, *columns: Any, **options: Any) -> None:
            super().__init__(*columns, get_time=clock, auto_refresh=False, **options)
            made.append(self)

    monkeypatch.setattr(rich.progress, "Progress", Recorded)
    monkeypatch.setattr(
        common, "stderr", lambda: Console(file=io.StringIO(), force_terminal=True, markup=False)
    )
    return clock, made


def test_a_finished_stage_stops_its_clock(
    terminal: tuple[Clock, list[rich.progress.Progress]],
) -> None:
    # Issue 13: "families.parquet … 0:04:10" for a step of seconds.
    clock, made = terminal
    with common.progress("id") as update:
        update("calibrate", 0, 4)
        clock.now = 3.0
        update("calibrate", 2, 4)
        clock.now = 5.0
        update("rank", 0, 10)  # a new stage: calibrate is done at 5 s
        clock.now = 250.0
        update("rank", 5, 10)
        calibrate, rank = made[0].tasks
        assert (calibrate.description, rank.description) == ("Kalibrasi", "Pemeringkatan PMT")
        assert calibrate.finished and calibrate.finished_time == 5.0
        assert rich.progress.TimeElapsedColumn().render(calibrate).plain == "0:00:05"
        assert not rank.finished
    assert rank.finished and rank.finished_time == 245.0  # the block ended at 250 s
    clock.now = 10_000.0
    assert rich.progress.TimeElapsedColumn().render(calibrate).plain == "0:00:05"


def test_a_stage_that_reaches_its_total_stops_its_clock(
    terminal: tuple[Clock, list[rich.progress.Progress]],
) -> None:
    clock, made = terminal
    with common.progress("en") as update:
        update("write", 0, 2)
        clock.now = 2.0
        update("write", 2, 2)
        clock.now = 60.0
        (write,) = made[0].tasks
        assert write.description == "Writing files"
        assert write.finished_time == 2.0


def test_no_bars_when_standard_error_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with common.progress("id") as update:
        update("calibrate", 1, 2)
    assert capsys.readouterr().err == ""


Printer = Callable[[], None]


@pytest.mark.parametrize(
    "printer",
    [
        lambda: common.error(MissingExtra("pyspark", "spark"), "en"),
        lambda: common.note("install it with: pip install 'rpkd[spark]'"),
        lambda: common.usage_error("pip install 'rpkd[spark]'", "rpkd [x]", "en"),
        lambda: common.findings([MissingExtra("pyspark", "spark").finding()], "en"),
    ],
    ids=["error", "note", "usage_error", "findings"],
)
def test_messages_are_printed_without_markup(
    capsys: pytest.CaptureFixture[str], printer: Printer
) -> None:
    # Issue 13: Rich read "[spark]" as markup and printed pip install 'rpkd'.
    printer()
    assert "pip install 'rpkd[spark]'" in capsys.readouterr().err


def test_tables_are_printed_without_markup(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"hint": "pip install 'rpkd[spark]'", "[b]column[/b]": "[red]x[/red]"}]
    common.emit(rows, "table", "en", title="extras [spark]")
    out = capsys.readouterr().out
    assert "pip install 'rpkd[spark]'" in out and "extras [spark]" in out
    assert "[b]column[/b]" in out and "[red]x[/red]" in out


def test_cells_use_the_language_formats() -> None:
    assert common.cell(0.0523, "id", "percent") == "5,23%"
    assert common.cell(16718.699999999997, "id", "integer") == "16.719"
    assert common.cell(0.00876, "en", "index") == "0.88"
    assert common.cell(True, "id") == "ya"
