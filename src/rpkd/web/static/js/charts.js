/* Draws every Vega-Lite chart of a page (and of HTMX-inserted parts) with the vendored
   vega-embed. The spec is JSON in a <script type="application/json">; expressions run in
   vega's interpreter, so the page needs no eval (Content-Security-Policy: script-src 'self'). */
(function () {
  "use strict";
  var LOCALES = {
    id: { decimal: ",", thousands: ".", grouping: [3], currency: ["Rp", ""] },
    en: { decimal: ".", thousands: ",", grouping: [3], currency: ["Rp", ""] }
  };

  function draw(root) {
    var lang = document.documentElement.lang === "en" ? "en" : "id";
    root.querySelectorAll("[data-vega-spec]").forEach(function (element) {
      if (element.dataset.vegaDrawn) { return; }
      var source = document.getElementById(element.dataset.vegaSpec);
      if (!source || typeof vegaEmbed === "undefined") { return; }
      element.dataset.vegaDrawn = "1";
      vegaEmbed(element, JSON.parse(source.textContent), {
        actions: false,
        renderer: "svg",
        ast: true,
        expr: vegaEmbed.expressionInterpreter,
        formatLocale: LOCALES[lang]
      }).then(function (result) {
        /* Pages may act on a drawn chart (e.g. a click on a map area): event "rpkd:chart". */
        element.dispatchEvent(new CustomEvent("rpkd:chart", { bubbles: true, detail: result }));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (event) { draw(event.target); });
})();
