/* Live refresh of the study dashboard: every few seconds, fetch each panel's HTML fragment and swap the
   panel's body when its content changed. No inline script (the Content-Security-Policy forbids it).
   A panel holding the keyboard focus is left alone until focus moves on, so a refresh never pulls the
   reader's place away; open <details> stay open; the pause button stops updates (WCAG 2.2.2); hidden tabs
   do not poll. */
(function () {
  "use strict";
  var root = document.querySelector("[data-dashboard]");
  if (!root || !window.fetch) { return; }
  var interval = parseInt(root.getAttribute("data-interval"), 10) || 5000;
  var status = document.getElementById("dashboard-updated");
  var alert = document.getElementById("dashboard-alert");
  var toggle = document.getElementById("dashboard-toggle");
  var panels = Array.prototype.slice.call(root.querySelectorAll("[data-refresh-url]"));
  var last = new Map();
  var paused = false;
  var stopped = false;
  var busy = false;
  var timer = null;

  // CSRF tokens are masked afresh on every render; they are not a change worth swapping a panel for.
  function comparable(html) {
    return html.replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, "");
  }

  function swap(panel, html) {
    var body = panel.querySelector("[data-panel-body]");
    var key = comparable(html);
    if (last.get(panel) === key) { return; }
    if (body.contains(document.activeElement)) { return; }
    var open = Array.prototype.map.call(body.querySelectorAll("details"), function (d) { return d.open; });
    body.innerHTML = html;
    Array.prototype.forEach.call(body.querySelectorAll("details"), function (d, i) { if (open[i]) { d.open = true; } });
    last.set(panel, key);
    panel.dispatchEvent(new CustomEvent("dashboard:updated", { bubbles: true }));
  }

  function load(panel) {
    var body = panel.querySelector("[data-panel-body]");
    body.setAttribute("aria-busy", "true");
    return fetch(panel.getAttribute("data-refresh-url"), {
      credentials: "same-origin", cache: "no-store", redirect: "manual",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      // A redirect means the session ended (to the sign-in page); a 403/404 that the role was taken away.
      if (response.type === "opaqueredirect" || response.status === 403 || response.status === 404) {
        stopped = true;
        throw new Error("expired");
      }
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) { swap(panel, html); })
      .finally(function () { body.removeAttribute("aria-busy"); });
  }

  function round() {
    timer = null;
    if (paused || stopped || busy) { return; }
    if (document.hidden) { schedule(); return; }
    busy = true;
    Promise.all(panels.map(load)).then(function () {
      status.textContent = status.getAttribute("data-updated-label").replace("%s", new Date().toLocaleTimeString());
      alert.textContent = "";
    }).catch(function () {
      alert.textContent = alert.getAttribute(stopped ? "data-expired-label" : "data-error-label");
    }).then(function () { busy = false; schedule(); });
  }

  function schedule() {
    if (!paused && !stopped && timer === null) { timer = window.setTimeout(round, interval); }
  }

  toggle.addEventListener("click", function () {
    paused = !paused;
    toggle.setAttribute("aria-pressed", paused ? "true" : "false");
    toggle.textContent = toggle.getAttribute(paused ? "data-resume-label" : "data-pause-label");
    if (paused) {
      if (timer !== null) { window.clearTimeout(timer); timer = null; }
      status.textContent = status.getAttribute("data-paused-label");
    } else {
      round();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer !== null) { window.clearTimeout(timer); round(); }
  });

  schedule();
}());
