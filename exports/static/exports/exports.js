// Follows an export being built: polls its JSON status until it is done or failed, then shows the download link.
(function () {
  "use strict";
  var box = document.getElementById("export-status");
  if (!box) { return; }
  var field = function (name) { return box.querySelector('[data-field="' + name + '"]'); };

  function show(state) {
    field("status").textContent = state.status;
    field("progress").value = state.progress;
    field("progress").textContent = state.progress + "%";
    if (state.status === "succeeded" && state.download_url) {
      field("download").href = state.download_url;
      field("download").hidden = false;
      field("message").textContent = box.dataset.textDone;
      return true;
    }
    if (state.status === "failed") {
      field("message").textContent = box.dataset.textFailed + " " + state.error;
      return true;
    }
    return false;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && show(state)) { return; }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
}());
