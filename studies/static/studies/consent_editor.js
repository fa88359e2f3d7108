// Live preview of the consent editor: each text box's Markdown is sent to the server, which answers with the
// sanitised HTML participants will see (studies:consent_preview). Without this script the "Preview" button does the
// same by submitting the form, so nothing depends on it.
(function () {
  "use strict";

  var WAIT_MS = 500;  // typing pauses this long before a preview is asked for

  function start() {
    var form = document.querySelector("form[data-preview-url]");
    if (!form || !window.fetch || !window.FormData) { return; }
    var url = form.getAttribute("data-preview-url");
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
    if (!token) { return; }
    form.querySelectorAll("textarea[data-preview]").forEach(function (area) {
      var target = document.getElementById(area.getAttribute("data-preview"));
      if (target) { watch(area, target, url, token.value); }
    });
  }

  function watch(area, target, url, token) {
    var timer = null;
    var asked = 0;
    function refresh() {
      var mine = ++asked;
      var body = new FormData();
      body.append("text", area.value);
      fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": token } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          // Only the answer to the latest request counts: an older, slower one must not overwrite it.
          if (html !== null && mine === asked) { target.innerHTML = html; }
        })
        .catch(function () { /* offline for a moment: the next keystroke or the Preview button tries again */ });
    }
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, WAIT_MS);
    });
    if (area.value && !target.querySelector(":not(p.muted)")) { refresh(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
