// Rilis data: show how much of an upload has been sent (a registry on a slow connection takes
// minutes). htmx fires htmx:xhr:progress on the form while the request body goes out.
document.addEventListener("htmx:xhr:progress", function (event) {
  var form = event.target;
  if (!form || !form.matches || !form.matches("form[data-upload]")) return;
  var bar = form.querySelector("progress[data-upload-progress]");
  var detail = event.detail || {};
  if (!bar || !detail.lengthComputable || !detail.total) return;
  var percent = Math.round((detail.loaded * 100) / detail.total);
  bar.hidden = false;
  bar.value = percent;
  bar.textContent = percent + "%";
});
