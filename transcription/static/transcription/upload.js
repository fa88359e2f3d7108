// Resumable chunked upload: Blob.slice + fetch, resuming from the offset the server reports.
// An upload's id is remembered (per file name, size and date) so choosing the same file again continues it.
// Messages come translated from the form's data-*-label attributes (transcription/interview.html); errors the
// server explains arrive translated in its JSON "error".
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var bar = document.getElementById("upload-progress");
  var message = document.getElementById("upload-message");
  var layout = document.getElementById("layout");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var chunkBytes = parseInt(form.dataset.chunkBytes, 10);
  var maxBytes = parseInt(form.dataset.maxBytes, 10);

  function showLayout() {
    form.querySelectorAll("[data-for]").forEach(function (part) {
      part.hidden = part.dataset.for.split(" ").indexOf(layout.value) < 0;
    });
  }
  layout.addEventListener("change", showLayout);
  showLayout();

  function label(name) { return form.getAttribute("data-" + name + "-label") || ""; }

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? "error" : "";
  }

  function request(method, url, body, contentType) {
    var headers = { "X-CSRFToken": csrf, Accept: "application/json" };
    if (contentType) { headers["Content-Type"] = contentType; }
    return fetch(url, { method: method, body: body, headers: headers, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          data.httpStatus = response.status;
          return data;
        });
      });
  }

  function storageKey(file) { return "upload:" + form.dataset.startUrl + ":" + file.name + ":" + file.size + ":" + file.lastModified; }

  function begin(file) {
    var known = window.localStorage.getItem(storageKey(file));
    var create = function () {
      return request("POST", form.dataset.startUrl, JSON.stringify({ size: file.size }), "application/json")
        .then(function (data) {
          if (data.httpStatus !== 201) { throw new Error(data.error || label("refused")); }
          window.localStorage.setItem(storageKey(file), data.id);
          return { id: data.id, offset: 0 };
        });
    };
    if (!known) { return create(); }
    return request("GET", form.dataset.startUrl + known + "/").then(function (data) {
      return data.httpStatus === 200 ? { id: known, offset: data.offset } : create();
    });
  }

  function send(file, state, done, total) {
    if (state.offset >= file.size) { return Promise.resolve(state); }
    var end = Math.min(file.size, state.offset + chunkBytes);
    var url = form.dataset.startUrl + state.id + "/?offset=" + state.offset;
    return request("PUT", url, file.slice(state.offset, end), "application/octet-stream")
      .catch(function () { return { httpStatus: 0 }; })
      .then(function (data) {
        if (data.httpStatus === 200 || data.httpStatus === 409) {
          if (typeof data.offset !== "number") { throw new Error(data.error || label("failed")); }
          state.offset = data.offset;
        } else if (data.httpStatus === 0 || data.httpStatus >= 500) {
          // The network dropped: ask the server how much arrived, then go on from there.
          return new Promise(function (resolve) { window.setTimeout(resolve, 3000); })
            .then(function () { return request("GET", form.dataset.startUrl + state.id + "/"); })
            .then(function (info) { if (typeof info.offset === "number") { state.offset = info.offset; } })
            .catch(function () { return null; })
            .then(function () { return send(file, state, done, total); });
        } else {
          throw new Error(data.error || label("failed"));
        }
        bar.value = Math.round(((done + state.offset) / total) * 100);
        return send(file, state, done, total);
      });
  }

  function chosen() {
    if (layout.value === "tracks") {
      return Array.prototype.map.call(form.querySelectorAll("[data-track-speaker]"), function (input) {
        return { file: input.files[0], speaker: input.dataset.trackSpeaker };
      });
    }
    return [{ file: document.getElementById("file-main").files[0], speaker: null }];
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var parts = chosen();
    if (parts.some(function (part) { return !part.file; })) { say(label("missing"), true); return; }
    if (parts.some(function (part) { return part.file.size > maxBytes; })) { say(label("too-large"), true); return; }
    var total = parts.reduce(function (sum, part) { return sum + part.file.size; }, 0);
    var ids = [], done = 0;
    form.dataset.busy = "1";
    bar.hidden = false;
    say("");
    var chain = Promise.resolve();
    parts.forEach(function (part) {
      chain = chain.then(function () { return begin(part.file); })
        .then(function (state) { return send(part.file, state, done, total); })
        .then(function (state) { ids.push(state.id); done += part.file.size; });
    });
    chain.then(function () {
      var speakers = layout.value === "tracks" ? parts.map(function (p) { return p.speaker; })
        : layout.value === "stereo" ? Array.prototype.map.call(form.querySelectorAll("[data-for=stereo] [data-speaker]"), function (s) { return s.value; })
        : [];
      var body = { layout: layout.value, uploads: ids, speakers: speakers,
                   expected_speakers: parseInt(document.getElementById("expected-speakers").value, 10) || 2,
                   translate_to_english: document.getElementById("translate").checked };
      say(label("finishing"));
      return request("POST", form.dataset.finishUrl, JSON.stringify(body), "application/json");
    }).then(function (data) {
      parts.forEach(function (part) { window.localStorage.removeItem(storageKey(part.file)); });
      if (data.httpStatus !== 201) { throw new Error(data.error || label("refused")); }
      window.location.reload();
    }).catch(function (error) {
      delete form.dataset.busy;
      say(error.message, true);
    });
  });
}());
