/* Drill-down on poverty maps: a click on an area of a map drawn inside an element with
   data-drill-url loads that area. With data-drill-target (a CSS selector) HTMX swaps that
   element with the answer and the address bar follows; without, the browser opens the page.
   "__AREA__" in the URL is replaced by the clicked area's code; areas drawn as context only
   (not "linked") open nothing. The tables beside the maps
   hold the same links, so nothing depends on this script. */
(function () {
  "use strict";

  /* The clicked area's code, if the page may open it: the chart marks such areas "linked"
     (an area drawn only as context, outside what the user may see, is not). */
  function areaOf(item) {
    var datum = item && item.datum;
    var properties = datum && datum.properties;
    if (!datum || datum.linked !== true) { return null; }
    return properties && properties.code ? String(properties.code) : null;
  }

  document.addEventListener("rpkd:chart", function (event) {
    var holder = event.target.closest("[data-drill-url]");
    var view = event.detail && event.detail.view;
    if (!holder || !view) { return; }
    view.addEventListener("click", function (_event, item) {
      var code = areaOf(item);
      if (!code) { return; }
      var url = holder.dataset.drillUrl.replace("__AREA__", encodeURIComponent(code));
      var target = holder.dataset.drillTarget;
      if (target && typeof htmx !== "undefined") {
        htmx.ajax("GET", url, { target: target, swap: "outerHTML" }).then(function () {
          window.history.pushState({}, "", url);
        });
      } else {
        window.location.assign(url);
      }
    });
  });
})();
