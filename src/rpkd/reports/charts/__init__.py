"""Vega-Lite charts of rpkd's results, built once here for the web pages and the documents.

Each function takes a result's JSON form (what ``to_json()`` gives: fractions, not percent)
and returns a Vega-Lite specification as a dict; the web page draws it with vega-embed, the
documents render the same specification to SVG or PNG with vl-convert (:func:`to_svg`,
:func:`to_png`). The data in a specification are the result's own numbers; percentages and
BPS's ×100 indices are computed inside the chart, so a chart never shows a number the result
does not hold. Words come from the :mod:`rpkd.locale` catalogue in the chart's language and
numbers follow its format (``5,8%`` in Indonesian): the specification carries its number and
time locale in ``config.locale``, and :func:`embed_options` gives the same to vega-embed.

Uncertainty is shown without hiding the estimate: headline figures carry their 95% interval
as a bar, the path to zero its projection band, and on maps an area whose CV exceeds the kit's
threshold (BPS: 25%) is drawn lighter and outlined with a dashed line, beside a small map of
the CV itself.

References
----------
Satyanarayan, A. et al. (2017), Vega-Lite: A Grammar of Interactive Graphics, IEEE TVCG 23(1).
BPS practice of flagging estimates with a relative standard error above 25% (kit ``precision``).
"""

from rpkd.reports.charts.areas import (
    area_interval_chart,
    area_map_chart,
    area_values,
    boundaries_json,
    cv_map_chart,
    reliability_labels,
    shapes,
)
from rpkd.reports.charts.base import (
    Spec,
    embed_options,
    format_locale,
    time_format_locale,
    to_png,
    to_svg,
)
from rpkd.reports.charts.figures import HEADLINE_KEYS, headline_chart, path_chart
from rpkd.reports.charts.poverty_map import poverty_figure
from rpkd.reports.charts.priority_map import priority_figure, priority_map_chart
from rpkd.reports.charts.profile import DESIL_INDICATORS, desil_chart, share_chart
from rpkd.reports.charts.targeting import accuracy_chart

__all__ = [
    "DESIL_INDICATORS",
    "HEADLINE_KEYS",
    "Spec",
    "accuracy_chart",
    "area_interval_chart",
    "area_map_chart",
    "area_values",
    "boundaries_json",
    "cv_map_chart",
    "desil_chart",
    "embed_options",
    "format_locale",
    "headline_chart",
    "path_chart",
    "poverty_figure",
    "priority_figure",
    "priority_map_chart",
    "reliability_labels",
    "shapes",
    "share_chart",
    "time_format_locale",
    "to_png",
    "to_svg",
]
