"""What every chart shares: the language's number and time locale, colours, the look, and
rendering to SVG and PNG for documents (vl-convert)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rpkd import locale
from rpkd.errors import MissingExtra
from rpkd.locale import Lang

if TYPE_CHECKING:
    import altair as alt

Spec = dict[str, Any]

_NUMBER_LOCALES: dict[Lang, dict[str, Any]] = {
    "id": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["Rp", ""]},
}
_DAYS = {
    "id": ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
    "en": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
}
_MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}  # fmt: skip
ESTIMATE_COLOUR = "#1f4e79"
TARGET_COLOUR = "#c0392b"
MISSING_COLOUR = "#d9d9d9"
OUTSIDE_COLOUR = "#f2f2f2"
"""Areas drawn as context only (outside what the reader may see)."""
SELECTED_COLOUR = "#1a5fd0"
"""The outline of the area a page is about."""
UNRELIABLE_OPACITY = 0.35
WIDTH = 520


def altair() -> Any:
    try:
        import altair as alt
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingExtra("altair", "reports") from exc
    return alt


def format_locale(lang: Lang) -> dict[str, Any]:
    """Return the d3-format number locale of ``lang`` (``1.234,5`` in Indonesian)."""
    return dict(_NUMBER_LOCALES[lang])


def time_format_locale(lang: Lang) -> dict[str, Any]:
    """Return the d3-time-format locale of ``lang`` (month and day names)."""
    return {
        "dateTime": "%A, %e %B %Y %X",
        "date": "%d/%m/%Y" if lang == "id" else "%m/%d/%Y",
        "time": "%H.%M.%S" if lang == "id" else "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": _DAYS[lang],
        "shortDays": [d[:3] for d in _DAYS[lang]],
        "months": _MONTHS[lang],
        "shortMonths": [m[:3] for m in _MONTHS[lang]],
    }


def embed_options(lang: Lang) -> dict[str, Any]:
    """Return vega-embed options for a page in ``lang``: its number and time locale, SVG."""
    return {
        "formatLocale": format_locale(lang),
        "timeFormatLocale": time_format_locale(lang),
        "renderer": "svg",
        "actions": False,
    }


def finish(chart: alt.TopLevelMixin, lang: Lang, datasets: Mapping[str, Sequence[Any]]) -> Spec:
    """Return the chart's specification with its data, the language's locale and rpkd's look.

    Charts name their data (``alt.Data(name=...)``) and ``datasets`` holds the rows of each
    name: they go into the specification's top-level ``datasets`` after Altair has built and
    validated the rest, so that Altair never walks thousands of boundary coordinates.
    """
    spec: Spec = chart.to_dict()
    spec["datasets"] = {name: list(rows) for name, rows in datasets.items()}
    config = spec.setdefault("config", {})
    config["locale"] = {"number": format_locale(lang), "time": time_format_locale(lang)}
    config.setdefault("font", "Helvetica, Arial, sans-serif")
    config.setdefault("view", {"stroke": None})
    config.setdefault("axis", {"labelFontSize": 11, "titleFontSize": 11})
    config.setdefault("legend", {"labelFontSize": 11, "titleFontSize": 11})
    return spec


def label(key: str, lang: Lang) -> str:
    return locale.label(f"chart.{key}", lang)


def caption(lang: Lang, key: str) -> dict[str, Any]:
    """Return a chart title from the catalogue's ``chart.<key>``, left-aligned."""
    return heading(label(key, lang))


def heading(text: str) -> dict[str, Any]:
    """Return a chart title of ``text``, left-aligned (centred, a title wider than a tall narrow
    map, as Kapuas', would push the map right by half its excess)."""
    return {"text": text, "anchor": "start", "fontSize": 13}


def _converter() -> Any:
    try:
        import vl_convert
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise MissingExtra("vl-convert-python", "reports") from exc
    return vl_convert


def to_svg(spec: Spec, lang: Lang = "id") -> str:
    """Return the chart drawn as SVG (documents; the page draws the same specification)."""
    svg: str = _converter().vegalite_to_svg(
        spec, format_locale=format_locale(lang), time_format_locale=time_format_locale(lang)
    )
    return svg


def to_png(spec: Spec, lang: Lang = "id", *, scale: float = 2.0) -> bytes:
    """Return the chart drawn as PNG (``scale`` 2: sharp on paper and high-density screens)."""
    png: bytes = _converter().vegalite_to_png(
        spec,
        scale=scale,
        format_locale=format_locale(lang),
        time_format_locale=time_format_locale(lang),
    )
    return png
