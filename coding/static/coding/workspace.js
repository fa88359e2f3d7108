// The coding workspace: select a span (mouse or keyboard), apply codes, memos; every action is saved at once.
// Offsets are Unicode code points, never UTF-16 units: every conversion goes through codepoints.js (read it first).
(function () {
  "use strict";
  var root = document.getElementById("workspace");
  if (!root) { return; }
  var data = JSON.parse(document.getElementById("workspace-data").textContent);
  var csrf = document.getElementById("csrf").value;
  var readonly = root.dataset.readonly === "true";
  var text = root.dataset;
  var FALLBACK = ["#1b6ca8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e", "#a16207", "#be185d"];
  var codesById = {};
  data.codes.forEach(function (code, i) {
    code.colour = /^#[0-9A-Fa-f]{6}$/.test(code.colour) ? code.colour : FALLBACK[i % FALLBACK.length];
    codesById[code.id] = code;
  });
  var selection = null;  // {start, end, anchor, focus} in code points of the whole version text

  var cpLength = CodePoints.cpLength;
  var unitsToCp = CodePoints.unitsToCp;
  var cpToUnits = CodePoints.cpToUnits;

  function clock(seconds) {
    var s = Math.floor(seconds);
    var m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  function post(url, body) {
    status(text.textSaving);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) { throw new Error(json.error || String(response.status)); }
        status(text.textSaved);
        return json;
      });
    }).catch(function (error) {
      status(text.textFailed + " " + error.message, true);
      throw error;
    });
  }

  function status(message, isError) {
    var box = document.getElementById("save-status");
    box.textContent = message;
    box.className = isError ? "error" : "";
  }

  // --- Rendering: each segment's text is cut into runs at coding boundaries; a run knows its code-point offset.
  function boundaries(segment, length) {
    var cuts = [0, length];
    data.codings.forEach(function (c) {
      [c.start - segment.offset, c.end - segment.offset].forEach(function (p) {
        if (p > 0 && p < length) { cuts.push(p); }
      });
    });
    return Array.from(new Set(cuts)).sort(function (a, b) { return a - b; });
  }

  function covering(start, end) {
    return data.codings.filter(function (c) { return c.start < end && start < c.end; })
      .sort(function (a, b) { return a.code - b.code || a.id - b.id; });
  }

  function renderSegment(segment) {
    var chars = Array.from(segment.text);
    var box = document.createElement("div");
    box.className = "segment";
    box.tabIndex = 0;
    box.dataset.offset = segment.offset;
    box.dataset.length = chars.length;
    var head = document.createElement("p");
    head.className = "segment-head";
    head.textContent = (segment.speaker || "—") + " · " + clock(segment.start) + "–" + clock(segment.end);
    var body = document.createElement("p");
    body.className = "segment-text";
    body.dir = "auto";
    var cuts = boundaries(segment, chars.length);
    var depth = 0;
    for (var i = 0; i + 1 < cuts.length; i += 1) {
      var run = document.createElement("span");
      run.className = "run";
      run.dataset.cp = segment.offset + cuts[i];
      run.textContent = chars.slice(cuts[i], cuts[i + 1]).join("");
      var over = covering(segment.offset + cuts[i], segment.offset + cuts[i + 1]);
      if (over.length) {
        // Stacked underlines, one per coding, in code colours (box-shadows: inline styles are barred by the CSP,
        // style properties set from script are not).
        run.style.boxShadow = over.map(function (c, level) {
          return "0 " + (3 * (level + 1)) + "px 0 0 " + codesById[c.code].colour;
        }).join(", ");
        run.title = over.map(function (c) { return codesById[c.code].name; }).join(", ");
        run.classList.add("coded");
        depth = Math.max(depth, over.length);
      }
      body.appendChild(run);
    }
    if (!chars.length) { body.appendChild(document.createTextNode("\u00a0")); }
    body.style.lineHeight = "calc(1.7em + " + (3 * depth) + "px)";
    box.appendChild(head);
    box.appendChild(body);
    box.setAttribute("aria-label", head.textContent + ": " + segment.text);
    return box;
  }

  function render() {
    var list = document.getElementById("segments");
    list.textContent = "";
    data.segments.forEach(function (segment) { list.appendChild(renderSegment(segment)); });
    renderLegend();
    renderCodings();
    renderMemos();
    if (selection) { showSelection(); }
  }

  function swatch(colour) {
    var s = document.createElement("span");
    s.className = "swatch";
    s.setAttribute("aria-hidden", "true");
    s.style.backgroundColor = colour;
    return s;
  }

  function renderLegend() {
    var legend = document.getElementById("legend");
    legend.textContent = "";
    var counts = {};
    data.codings.forEach(function (c) { counts[c.code] = (counts[c.code] || 0) + 1; });
    Object.keys(counts).forEach(function (id) {
      var item = document.createElement("li");
      item.appendChild(swatch(codesById[id].colour));
      item.appendChild(document.createTextNode(" " + codesById[id].name + " (" + counts[id] + ")"));
      legend.appendChild(item);
    });
  }

  // --- Selections: DOM points <-> code points.
  function pointToCp(node, offset) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    var run = element && element.closest(".run");
    if (run && node.nodeType === Node.TEXT_NODE) {
      return Number(run.dataset.cp) + unitsToCp(node.data, offset);
    }
    var body = element && element.closest(".segment-text");
    if (!body) { return null; }
    var runs = body.querySelectorAll(".run");
    if (run) { return Number(run.dataset.cp) + (offset > 0 ? cpLength(run.textContent) : 0); }
    if (offset < runs.length) { return Number(runs[offset].dataset.cp); }
    var segment = body.closest(".segment");
    return Number(segment.dataset.offset) + Number(segment.dataset.length);
  }

  function cpToPoint(cp) {
    var runs = document.querySelectorAll("#segments .run");
    for (var i = runs.length - 1; i >= 0; i -= 1) {
      var start = Number(runs[i].dataset.cp);
      if (start <= cp) {
        var node = runs[i].firstChild;
        return { node: node, offset: cpToUnits(node.data, Math.min(cp - start, cpLength(node.data))) };
      }
    }
    return null;
  }

  function readSelection() {
    var native = window.getSelection();
    if (!native.rangeCount || native.isCollapsed) { return; }
    var range = native.getRangeAt(0);
    var start = pointToCp(range.startContainer, range.startOffset);
    var end = pointToCp(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) { return; }
    selection = { start: start, end: end, anchor: start, focus: end };
    describeSelection();
  }

  function showSelection() {
    var a = cpToPoint(selection.start);
    var b = cpToPoint(selection.end);
    if (a && b) { window.getSelection().setBaseAndExtent(a.node, a.offset, b.node, b.offset); }
    describeSelection();
  }

  function versionText() { return data.segments.map(function (s) { return s.text; }).join("\n"); }

  function describeSelection() {
    var words = CodePoints.cpSlice(versionText(), selection.start, selection.end);
    document.getElementById("selection-status").textContent = "“" + words + "” [" + selection.start + "–" + selection.end + "]";
  }

  // Keyboard: in a focused segment, Shift+Arrow extends by a grapheme, Ctrl+Shift+Arrow by a word.
  function onKey(event) {
    var box = event.target.closest(".segment");
    if (!box || (event.key !== "ArrowRight" && event.key !== "ArrowLeft") || !event.shiftKey) { return; }
    event.preventDefault();
    var offset = Number(box.dataset.offset);
    var segment = data.segments.find(function (s) { return s.offset === offset; });
    if (!selection || selection.start < offset || selection.end > offset + Number(box.dataset.length)) {
      selection = { start: offset, end: offset, anchor: offset, focus: offset };
    }
    // Keys follow the reading direction: in right-to-left text ArrowLeft moves forward.
    var rtl = getComputedStyle(box.querySelector(".segment-text")).direction === "rtl";
    var forward = (event.key === "ArrowRight") !== rtl;
    var here = selection.focus - offset;
    var marks = CodePoints.stops(segment.text, event.ctrlKey || event.altKey, forward);
    var next = forward ? marks.find(function (m) { return m > here; }) :
      marks.slice().reverse().find(function (m) { return m < here; });
    if (next === undefined) { return; }
    var point = offset + next;
    selection = {
      start: Math.min(selection.anchor, point), end: Math.max(selection.anchor, point),
      anchor: selection.anchor, focus: point
    };
    if (selection.end > selection.start) { showSelection(); box.focus({ preventScroll: true }); }
  }

  // --- The palette: type-ahead filtering over code names; Enter ticks the first visible code.
  function renderPalette() {
    var list = document.getElementById("code-list");
    data.codes.forEach(function (code) {
      var item = document.createElement("li");
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = code.id;
      box.dataset.name = code.name.toLowerCase();
      label.appendChild(box);
      label.appendChild(swatch(code.colour));
      label.appendChild(document.createTextNode(" " + code.name));
      if (code.definition) { label.title = code.definition; }
      item.appendChild(label);
      list.appendChild(item);
    });
    var memoCode = document.getElementById("memo-code");
    data.codes.forEach(function (code) { memoCode.add(new Option(code.name, code.id)); });
    var search = document.getElementById("code-search");
    search.addEventListener("input", function () {
      var wanted = search.value.trim().toLowerCase();
      list.querySelectorAll("li").forEach(function (item) {
        item.hidden = wanted !== "" && item.querySelector("input").dataset.name.indexOf(wanted) < 0;
      });
    });
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var first = list.querySelector("li:not([hidden]) input");
      if (first) { first.checked = !first.checked; }
    });
  }

  function applyCodes() {
    if (!selection || selection.end <= selection.start) { status(text.textNoSelection, true); return; }
    var ticked = Array.from(document.querySelectorAll("#code-list input:checked")).map(function (b) { return Number(b.value); });
    if (!ticked.length) { status(text.textNoCodes, true); return; }
    var memo = document.getElementById("coding-memo");
    post(data.urls.codings, { codes: ticked, start: selection.start, end: selection.end, memo: memo.value })
      .then(function (json) {
        data.codings = data.codings.concat(json.codings);
        memo.value = "";
        document.querySelectorAll("#code-list input:checked").forEach(function (b) { b.checked = false; });
        // The span is coded: drop the selection, so the next mouse press starts a new one instead of dragging it.
        selection = null;
        window.getSelection().removeAllRanges();
        document.getElementById("selection-status").textContent = "";
        render();
      }).catch(function () {});
  }

  // --- The list of the coder's codings: edit memo or span, remove, play the moment in the audio.
  function button(label, handler) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", handler);
    return b;
  }

  function timesOf(coding) {
    var inside = data.segments.filter(function (s) {
      return s.offset < coding.end && coding.start < s.offset + cpLength(s.text) + 1;
    });
    return inside.length ? [inside[0].start, inside[inside.length - 1].end] : null;
  }

  function play(coding) {
    var player = document.getElementById("player");
    var times = timesOf(coding);
    if (!player || !times) { return; }
    if (!player.src) { player.src = data.playback; }
    player.currentTime = times[0];
    player.dataset.stopAt = times[1];
    player.play();
  }

  function renderCodings() {
    var list = document.getElementById("coding-list");
    list.textContent = "";
    data.codings.slice().sort(function (a, b) { return a.start - b.start || a.id - b.id; }).forEach(function (coding) {
      var item = document.createElement("li");
      item.dataset.coding = coding.id;
      var code = codesById[coding.code];
      item.appendChild(swatch(code.colour));
      var strong = document.createElement("strong");
      strong.textContent = " " + code.name + " ";
      item.appendChild(strong);
      var quote = document.createElement("q");
      quote.dir = "auto";
      quote.textContent = coding.text;
      item.appendChild(quote);
      if (coding.memo) {
        var memo = document.createElement("p");
        memo.className = "memo";
        memo.textContent = coding.memo;
        item.appendChild(memo);
      }
      if (data.playback) { item.appendChild(button(text.textPlay, function () { play(coding); })); }
      if (!readonly) {
        item.appendChild(button(text.textEdit, function () { editCoding(item, coding); }));
        item.appendChild(button(text.textRemove, function () { removeCoding(coding); }));
      }
      list.appendChild(item);
    });
  }

  function editCoding(item, coding) {
    var form = document.createElement("div");
    form.className = "edit stack";
    var label = document.createElement("label");
    label.textContent = text.textMemo;
    var area = document.createElement("textarea");
    area.value = coding.memo;
    label.appendChild(area);
    form.appendChild(label);
    var span = { start: coding.start, end: coding.end };
    form.appendChild(button(text.textUseSelection, function () {
      if (selection) { span = { start: selection.start, end: selection.end }; }
    }));
    form.appendChild(button(text.textSave, function () {
      post(data.urls.codings + coding.id + "/", { start: span.start, end: span.end, memo: area.value })
        .then(function (json) {
          data.codings = data.codings.map(function (c) { return c.id === coding.id ? json.coding : c; });
          render();
        }).catch(function () {});
    }));
    item.appendChild(form);
    area.focus();
  }

  function removeCoding(coding) {
    post(data.urls.codings + coding.id + "/delete/").then(function () {
      data.codings = data.codings.filter(function (c) { return c.id !== coding.id; });
      render();
    }).catch(function () {});
  }

  // --- Memos on this transcript, on a code, or free-standing.
  function renderMemos() {
    var list = document.getElementById("memo-list");
    list.textContent = "";
    data.memos.forEach(function (memo) {
      var item = document.createElement("li");
      var head = document.createElement("strong");
      var about = memo.about === "code" && codesById[memo.code] ? codesById[memo.code].name :
        (memo.about === "transcript" ? text.textAboutTranscript : text.textAboutFree);
      head.textContent = (memo.title || "") + " [" + about + "] ";
      item.appendChild(head);
      var body = document.createElement("span");
      body.dir = "auto";
      body.textContent = memo.text;
      item.appendChild(body);
      item.appendChild(button(text.textRemove, function () {
        post(data.urls.memos + memo.id + "/delete/").then(function () {
          data.memos = data.memos.filter(function (m) { return m.id !== memo.id; });
          renderMemos();
        }).catch(function () {});
      }));
      list.appendChild(item);
    });
  }

  function onMemo(event) {
    event.preventDefault();
    var about = document.getElementById("memo-about").value;
    var body = {
      about: about,
      code: about === "code" ? Number(document.getElementById("memo-code").value) : null,
      title: document.getElementById("memo-title").value,
      text: document.getElementById("memo-text").value
    };
    post(data.urls.memos, body).then(function (json) {
      data.memos.unshift(json.memo);
      document.getElementById("memo-text").value = "";
      document.getElementById("memo-title").value = "";
      renderMemos();
    }).catch(function () {});
  }

  function showMemoCode() {
    var codeField = document.getElementById("memo-code");
    var show = document.getElementById("memo-about").value === "code";
    codeField.hidden = !show;
    document.querySelector("label[for=memo-code]").hidden = !show;
  }

  renderPalette();
  render();
  showMemoCode();
  document.getElementById("segments").addEventListener("mouseup", readSelection);
  document.getElementById("segments").addEventListener("keyup", function (event) {
    if (event.shiftKey && !event.key.startsWith("Arrow")) { readSelection(); }
  });
  document.getElementById("segments").addEventListener("keydown", onKey);
  document.getElementById("apply-codes").addEventListener("click", applyCodes);
  document.getElementById("apply-codes").disabled = readonly;
  document.getElementById("memo-form").addEventListener("submit", onMemo);
  document.getElementById("memo-about").addEventListener("change", showMemoCode);
  var player = document.getElementById("player");
  if (player) {
    player.addEventListener("timeupdate", function () {
      if (player.dataset.stopAt && player.currentTime >= Number(player.dataset.stopAt)) {
        player.pause();
        delete player.dataset.stopAt;
      }
    });
  }
}());
