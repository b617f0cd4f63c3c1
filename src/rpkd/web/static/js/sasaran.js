/* Sasaran's rule editor: a preview whose rule does not parse answers 422 with the error's
   sentence; let HTMX put it in the page (HTMX swaps only 2xx answers by default). */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
