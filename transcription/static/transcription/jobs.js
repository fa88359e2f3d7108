// Live job state without reloading the page: polls the page's JSON endpoint and updates each job's row.
(function () {
  "use strict";
  var root = document.getElementById("recordings");
  if (!root) { return; }
  var url = root.dataset.statusUrl;
  var ACTIVE = { queued: true, running: true };

  function remaining(iso) {
    var seconds = Math.max(0, Math.round((Date.parse(iso) - Date.now()) / 1000));
    if (seconds < 90) { return seconds + " s"; }
    return Math.round(seconds / 60) + " min";
  }

  function detail(job) {
    if (job.status === "running" && job.eta) { return root.dataset.textEta.replace("%s", remaining(job.eta)); }
    if (job.status === "queued" && job.queue_position) {
      return root.dataset.textQueue.replace("%s", String(job.queue_position));
    }
    return "";
  }

  function show(job) {
    var box = root.querySelector('.job-state[data-job="' + job.id + '"]');
    if (!box) { return false; }
    var status = box.querySelector('[data-field="status_label"]');
    var bar = box.querySelector('[data-field="progress"]');
    var error = box.querySelector('[data-field="error"]');
    var retry = box.querySelector('[data-field="retry"]');
    status.textContent = job.status_label;
    status.className = "badge status-" + job.status;
    bar.value = job.progress;
    bar.textContent = job.progress + "%";
    box.querySelector('[data-field="detail"]').textContent = detail(job);
    error.textContent = (job.status === "failed" || job.status === "cancelled") ? job.error : "";
    if (retry) { retry.hidden = job.status !== "failed"; }
    return true;
  }

  function jobsOf(data) {
    if (data.jobs) { return data.jobs; }
    return (data.recordings || []).map(function (r) { return r.job; }).filter(Boolean);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var jobs = jobsOf(data), active = false, missing = false;
        jobs.forEach(function (job) {
          if (!show(job)) { missing = true; }
          if (ACTIVE[job.status]) { active = true; }
        });
        if (missing && !document.querySelector("#upload-form[data-busy]")) { window.location.reload(); return; }
        window.setTimeout(poll, active ? 2000 : 10000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  poll();
}());
