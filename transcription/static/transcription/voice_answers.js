// Voice answers in the participant portal: record each answer with MediaRecorder (Opus in WebM, or AAC in MP4
// on Safari), show the elapsed time and a level meter, stop by itself at the question's limit, then send the
// recording at once as the body of one POST (progress shown; "Send again" keeps the recording on failure).
// Where recording is impossible (no MediaRecorder, no microphone, permission refused) each question offers a
// file input instead (phones open their recorder app), sent the same way. The server checks everything again.
// A recording can be paused and resumed (MediaRecorder.pause; the time limit counts recorded time only).
// "I need support" (a plain form at the top of the page) is told which question the person is at; leaving for it
// while an answer is recorded or sent drops that answer, so nothing said in that moment is sent unasked.
(function () {
  "use strict";
  var form = document.getElementById("support-form");
  if (!form) { return; }

  // The question that takes up most of the screen below the support bar (none when none is in view).
  function questionInView() {
    var top = Math.max(0, form.getBoundingClientRect().bottom);
    var best = null;
    var most = 0;
    document.querySelectorAll(".voice-question").forEach(function (item) {
      var rect = item.getBoundingClientRect();
      var shown = Math.min(rect.bottom, window.innerHeight) - Math.max(rect.top, top);
      if (shown > most) { most = shown; best = item; }
    });
    return best;
  }

  form.addEventListener("submit", function () {
    var leaving = { question: "", dropped: false };
    document.dispatchEvent(new CustomEvent("voice:leave", { detail: leaving }));
    var item = questionInView();
    var question = leaving.question || (item && item.dataset.question) || "";
    if (question) { form.querySelector('[data-field="support-question"]').value = question; }
    form.querySelector('[data-field="support-recording"]').value = leaving.dropped ? "dropped" : "";
  });
}());

(function () {
  "use strict";
  var root = document.getElementById("voice-answers");
  if (!root || root.dataset.recording !== "on") { return; }
  var texts = root.dataset;
  var busy = 0;           // recordings or uploads under way (warn before leaving the page)
  var current = null;     // the question being recorded
  var recorderNow = null; // its MediaRecorder
  var leaving = false;    // the person left for "I need support": no warning, nothing more is sent

  var TYPES = ["audio/webm;codecs=opus", "audio/mp4", "audio/ogg;codecs=opus", "audio/webm"];

  function pickType() {
    if (!window.MediaRecorder || typeof MediaRecorder.isTypeSupported !== "function") { return null; }
    for (var i = 0; i < TYPES.length; i += 1) {
      if (MediaRecorder.isTypeSupported(TYPES[i])) { return TYPES[i]; }
    }
    return "";  // the browser's own default
  }

  var mimeType = pickType();
  var canRecord = mimeType !== null && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function clock(seconds) {
    var whole = Math.max(0, Math.round(seconds));
    var rest = whole % 60;
    return Math.floor(whole / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function field(item, name) { return item.querySelector('[data-field="' + name + '"]'); }
  function action(item, name) { return item.querySelector('[data-action="' + name + '"]'); }

  function say(item, message) { field(item, "state").textContent = message; }
  function fail(item, message) { field(item, "error").textContent = message || ""; }

  function setRecordButtons(disabled) {
    root.querySelectorAll('[data-action="record"]').forEach(function (button) { button.disabled = disabled; });
  }

  function useFileInput(item, message) {
    var recorder = field(item, "recorder");
    if (recorder) { recorder.hidden = true; }
    field(item, "file").hidden = false;
    if (message) { fail(item, message); }
  }

  function updateFinish() {
    var items = root.querySelectorAll(".voice-question");
    var done = Array.prototype.every.call(items, function (item) { return item.dataset.state !== "empty"; });
    var form = document.querySelector('[data-field="finish"]');
    var hint = document.querySelector('[data-field="finish-hint"]');
    if (form) { form.hidden = !done; }
    if (hint) { hint.hidden = done; }
  }

  // Sending ------------------------------------------------------------------------------------------------

  function send(item, blob) {
    if (leaving) { return; }
    var progress = field(item, "progress");
    var retry = action(item, "retry");
    if (blob.size > (parseInt(item.dataset.maxBytes, 10) || Infinity)) { fail(item, texts.textTooLarge); return; }
    retry.hidden = true;
    fail(item, "");
    say(item, texts.textSending);
    progress.hidden = false;
    progress.value = 0;
    busy += 1;
    var request = new XMLHttpRequest();
    request.open("POST", item.dataset.uploadUrl);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("Content-Type", blob.type || "application/octet-stream");
    request.setRequestHeader("Accept", "application/json");
    request.upload.onprogress = function (event) {
      if (event.lengthComputable) { progress.value = Math.round(event.loaded * 100 / event.total); }
    };
    request.onload = function () {
      busy -= 1;
      progress.hidden = true;
      var data = null;
      try { data = JSON.parse(request.responseText); } catch (e) { data = null; }
      if (request.status === 201 && data) {
        item.dataset.state = "answered";
        say(item, texts.textSaved.replace("%s", data.duration));
        var record = action(item, "record");
        if (record) { record.textContent = texts.textRecordAgain; }
        var skip = item.querySelector(".voice-skip button");
        if (skip) { skip.textContent = texts.textDeleteAndSkip; }
        updateFinish();
        return;
      }
      say(item, "");
      // A refusal the server explains (too long, not audio…): recording again is the way on, not resending.
      if (data && data.error && request.status !== 429) { fail(item, data.error); return; }
      fail(item, request.status === 403 ? texts.textSession : (data && data.error) || texts.textFailed);
      retry.hidden = false;
      retry.onclick = function () { send(item, blob); };
    };
    request.onerror = function () {
      busy -= 1;
      progress.hidden = true;
      say(item, "");
      fail(item, texts.textFailed);
      retry.hidden = false;
      retry.onclick = function () { send(item, blob); };
    };
    request.send(blob);
  }

  function showPlayback(item, blob) {
    var audio = field(item, "playback");
    if (audio.src) { URL.revokeObjectURL(audio.src); }
    audio.src = URL.createObjectURL(blob);
    audio.hidden = false;
  }

  // Recording ----------------------------------------------------------------------------------------------

  function meter(stream, level) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return function () {}; }
    var context = new Context();
    var analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    var samples = new Float32Array(analyser.fftSize);
    var frame = 0;
    level.hidden = false;
    function draw() {
      analyser.getFloatTimeDomainData(samples);
      var sum = 0;
      for (var i = 0; i < samples.length; i += 1) { sum += samples[i] * samples[i]; }
      level.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      frame = window.requestAnimationFrame(draw);
    }
    draw();
    return function () {
      window.cancelAnimationFrame(frame);
      level.value = 0;
      level.hidden = true;
      context.close();
    };
  }

  function start(item) {
    if (current) { return; }
    var limit = parseInt(item.dataset.maxSeconds, 10) || 180;
    setRecordButtons(true);
    fail(item, "");
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var options = mimeType ? { mimeType: mimeType } : {};
      var recorder = new MediaRecorder(stream, options);
      var chunks = [];
      var recorded = 0;             // milliseconds recorded before the last pause
      var since = Date.now();       // when recording last started or resumed
      var timer = field(item, "timer");
      var pause = action(item, "pause");
      var stopMeter = meter(stream, field(item, "level"));
      var atLimit = false;
      current = item;
      recorderNow = recorder;
      busy += 1;
      function seconds() {
        return (recorded + (recorder.state === "recording" ? Date.now() - since : 0)) / 1000;
      }
      recorder.ondataavailable = function (event) { if (event.data && event.data.size) { chunks.push(event.data); } };
      recorder.onstop = function () {
        window.clearInterval(ticking);
        stopMeter();
        stream.getTracks().forEach(function (track) { track.stop(); });
        current = null;
        recorderNow = null;
        busy -= 1;
        setRecordButtons(false);
        action(item, "record").hidden = false;
        action(item, "stop").hidden = true;
        pause.hidden = true;
        timer.hidden = true;
        if (leaving) { return; }
        var blob = new Blob(chunks, { type: recorder.mimeType || mimeType || "audio/webm" });
        showPlayback(item, blob);
        send(item, blob);
        if (atLimit) { fail(item, texts.textAtLimit); }
      };
      // The limit is enforced here, on recorded time (the server refuses anything much longer, by its length).
      var ticking = window.setInterval(function () {
        timer.textContent = clock(seconds()) + " / " + clock(limit);
        if (seconds() >= limit && recorder.state !== "inactive") { atLimit = true; recorder.stop(); }
      }, 250);
      action(item, "stop").onclick = function () { if (recorder.state !== "inactive") { recorder.stop(); } };
      pause.onclick = function () {
        if (recorder.state === "recording") {
          recorded += Date.now() - since;
          recorder.pause();
          pause.textContent = texts.textResume;
          say(item, texts.textPaused);
        } else if (recorder.state === "paused") {
          since = Date.now();
          recorder.resume();
          pause.textContent = texts.textPause;
          say(item, texts.textRecording);
        }
      };
      recorder.start(1000);
      timer.textContent = "0:00 / " + clock(limit);
      timer.hidden = false;
      action(item, "record").hidden = true;
      action(item, "stop").hidden = false;
      pause.textContent = texts.textPause;
      pause.hidden = typeof recorder.pause !== "function";
      action(item, "stop").focus();
      say(item, texts.textRecording);
    }).catch(function () {
      // Refused permission or no microphone: every question falls back to choosing a file.
      setRecordButtons(false);
      root.querySelectorAll(".voice-question").forEach(function (other) { useFileInput(other, ""); });
      fail(item, texts.textDenied);
    });
  }

  // Wiring -------------------------------------------------------------------------------------------------

  root.querySelectorAll(".voice-question").forEach(function (item) {
    if (!field(item, "file")) { return; }  // closed interview or no consent: nothing to record
    if (canRecord) {
      field(item, "recorder").hidden = false;
      action(item, "record").addEventListener("click", function () { start(item); });
    } else {
      useFileInput(item, "");
    }
    action(item, "file").addEventListener("change", function (event) {
      var file = event.target.files && event.target.files[0];
      if (!file) { return; }
      showPlayback(item, file);
      send(item, file);
    });
  });
  if (!canRecord && root.querySelector('[data-action="file"]')) {
    root.querySelector('[data-field="unsupported"]').hidden = false;
  }

  document.addEventListener("voice:leave", function (event) {
    event.detail.dropped = busy > 0;
    if (current) { event.detail.question = current.dataset.question; }
    leaving = true;
    if (recorderNow && recorderNow.state !== "inactive") { recorderNow.stop(); }
  });

  // Back from the support page through the browser's page cache: this page records and sends again.
  window.addEventListener("pageshow", function (event) { if (event.persisted) { leaving = false; } });

  window.addEventListener("beforeunload", function (event) {
    if (busy > 0 && !leaving) {
      event.preventDefault();
      event.returnValue = texts.textLeave;
      return texts.textLeave;
    }
    return undefined;
  });
}());
