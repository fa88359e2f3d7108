// The transcript editor: plain DOM, one delegated listener per event type, word spans only for segments in view.
// Every change becomes an operation (text, speaker, rename_speaker, times, split, merge) sent by autosave with the
// version it was made on; the server refuses it (409) when someone saved in between. Offsets sent to the server
// are Unicode code points (JavaScript strings count UTF-16 units, so they are converted).
(function () {
  "use strict";
  const dataNode = document.getElementById("editor-data");
  const root = document.getElementById("editor");
  if (!dataNode || !root) return;
  const data = JSON.parse(dataNode.textContent);
  const segs = data.segments;
  const list = document.getElementById("segments");
  const player = document.getElementById("player");
  const text = (name) => root.dataset["text" + name] || "";
  const $ = (id) => document.getElementById(id);
  let base = data.version;
  let ops = [];
  const pendingText = new Set();
  let selected = 0;
  let saving = false;
  let conflicted = false;
  let saveTimer = null;
  let current = -1;
  let currentWord = null;

  // ---- rendering -----------------------------------------------------------------------------------------
  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(r).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }

  function wordTexts(seg) {
    if (!seg.w || !seg.w.length) return null;
    const parts = seg.w.map((w, k) => (k === 0 ? String(w[2]).replace(/^\s+/, "") : String(w[2])));
    return parts.join("") === seg.t ? parts : null;
  }

  function headOf(seg) {
    const head = document.createElement("div");
    head.className = "seg-head";
    const time = document.createElement("button");
    time.type = "button";
    time.className = "seg-time";
    time.textContent = clock(seg.s);
    const speaker = document.createElement("span");
    speaker.className = "seg-speaker";
    speaker.textContent = seg.sp || "—";
    head.append(time, " ", speaker);
    for (const flag of seg.f || []) {
      const badge = document.createElement("span");
      badge.className = "flag flag-" + flag;
      badge.textContent = (data.flagLabels && data.flagLabels[flag]) || flag;
      head.append(" ", badge);
    }
    return head;
  }

  function segmentNode(i) {
    const seg = segs[i];
    const node = document.createElement("div");
    node.className = "segment" + (seg.f && seg.f.length ? " flagged" : "");
    node.dataset.i = String(i);
    const body = document.createElement("div");
    body.className = "seg-text";
    body.contentEditable = "true";
    body.dir = "auto";
    body.spellcheck = true;
    body.setAttribute("role", "textbox");
    body.setAttribute("aria-label", text("Segment").replace("%s", String(i + 1)));
    body.textContent = seg.t;
    node.append(headOf(seg), body);
    return node;
  }

  // Word spans cost thousands of nodes on a long transcript, so only segments near the viewport get them.
  const observer = "IntersectionObserver" in window ? new IntersectionObserver(onVisible, { rootMargin: "400px 0px" }) : null;
  function onVisible(entries) {
    for (const entry of entries) {
      if (entry.isIntersecting) addWords(entry.target);
    }
  }

  function addWords(node) {
    if (node.dataset.words === "1") return;
    const body = node.querySelector(".seg-text");
    if (body === document.activeElement) return;
    const parts = wordTexts(segs[Number(node.dataset.i)]);
    if (!parts) return;
    const fragment = document.createDocumentFragment();
    parts.forEach((part, k) => {
      const lead = part.match(/^\s*/)[0];
      if (lead) fragment.append(lead);
      const span = document.createElement("span");
      span.className = "w";
      span.dataset.w = String(k);
      span.textContent = part.slice(lead.length);
      fragment.append(span);
    });
    body.textContent = "";
    body.append(fragment);
    node.dataset.words = "1";
  }

  function observe(node) {
    if (observer) observer.observe(node);
  }

  function render() {
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < segs.length; i++) fragment.append(segmentNode(i));
    list.textContent = "";
    list.append(fragment);
    for (const node of list.children) observe(node);
    refreshSpeakers();
    select(0, false);
    flagStatus();
  }

  function nodeAt(i) {
    return list.children[i] || null;
  }

  function renumberFrom(i) {
    for (let k = i; k < list.children.length; k++) {
      const node = list.children[k];
      node.dataset.i = String(k);
      node.querySelector(".seg-text").setAttribute("aria-label", text("Segment").replace("%s", String(k + 1)));
    }
  }

  function replaceNodes(index, removeCount, newIndexes) {
    for (let k = 0; k < removeCount; k++) {
      const old = nodeAt(index);
      if (observer) observer.unobserve(old);
      old.remove();
    }
    const after = nodeAt(index);
    for (const i of newIndexes) {
      const node = segmentNode(i);
      list.insertBefore(node, after);
      observe(node);
    }
    renumberFrom(index);
    current = -1;
  }

  // ---- selection and segment tools ------------------------------------------------------------------------
  function select(i, focus) {
    if (i < 0 || i >= segs.length) return;
    const old = list.querySelector(".segment.selected");
    if (old) old.classList.remove("selected");
    selected = i;
    const node = nodeAt(i);
    node.classList.add("selected");
    $("tool-index").textContent = text("Segment").replace("%s", String(i + 1));
    $("tool-speaker").value = segs[i].sp;
    $("tool-start").value = segs[i].s.toFixed(2);
    $("tool-end").value = segs[i].e.toFixed(2);
    if (focus) {
      node.scrollIntoView({ block: "center" });
      node.querySelector(".seg-text").focus();
    }
  }

  function refreshSpeakers() {
    const names = [...new Set(segs.map((s) => s.sp).filter(Boolean))].sort();
    const options = $("speaker-list"), from = $("rename-from");
    options.textContent = "";
    from.textContent = "";
    for (const name of names) {
      const a = document.createElement("option");
      a.value = name;
      options.append(a);
      const b = document.createElement("option");
      b.value = name;
      b.textContent = name;
      from.append(b);
    }
  }

  function refreshHead(i) {
    const node = nodeAt(i);
    node.replaceChild(headOf(segs[i]), node.querySelector(".seg-head"));
  }

  // ---- operations -----------------------------------------------------------------------------------------
  function codePoints(s) {
    return Array.from(s).length;
  }

  function flushText() {
    for (const i of pendingText) ops.push({ op: "text", index: i, text: segs[i].t });
    pendingText.clear();
  }

  function push(op) {
    flushText();
    ops.push(op);
    changed();
  }

  function changed() {
    $("save-status").textContent = text("Unsaved");
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 1200);
  }

  function onInput(event) {
    const body = event.target.closest(".seg-text");
    if (!body) return;
    const i = Number(body.parentNode.dataset.i);
    const seg = segs[i];
    seg.t = body.textContent.replace(/\s*\n\s*/g, " ");
    if (seg.w && seg.w.length && !wordTexts(seg)) seg.w = [];
    pendingText.add(i);
    changed();
  }

  function caretOffset(body) {
    const selection = window.getSelection();
    if (!selection.rangeCount || !body.contains(selection.anchorNode)) return null;
    const range = document.createRange();
    range.setStart(body, 0);
    range.setEnd(selection.anchorNode, selection.anchorOffset);
    return range.toString().length;
  }

  function splitPoint(seg, offset) {
    // Same rule as the server (review/services/edits.py split_point): the first word starting at the offset.
    if (seg.w && seg.w.length && wordTexts(seg)) {
      const parts = wordTexts(seg);
      let position = 0;
      for (let k = 0; k < parts.length; k++) {
        const begins = position + codePoints(parts[k]) - codePoints(parts[k].replace(/^\s+/, ""));
        if (k > 0 && begins >= offset) return [Number(seg.w[k][0]), k];
        position += codePoints(parts[k]);
      }
    }
    const length = Math.max(codePoints(seg.t), 1);
    return [seg.s + ((seg.e - seg.s) * offset) / length, seg.w ? seg.w.length : 0];
  }

  function splitSelected() {
    const i = selected, seg = segs[i];
    const units = caretOffset(nodeAt(i).querySelector(".seg-text"));
    const offset = units === null ? 0 : codePoints(seg.t.slice(0, units));
    if (!offset || offset >= codePoints(seg.t)) {
      $("save-status").textContent = text("Cursor");
      return;
    }
    flushText();
    const chars = Array.from(seg.t);
    let [at, word] = splitPoint(seg, offset);
    at = Math.min(Math.max(at, seg.s), seg.e);
    const left = { ...seg, t: chars.slice(0, offset).join("").trimEnd(), e: at, w: (seg.w || []).slice(0, word) };
    const right = { ...seg, t: chars.slice(offset).join("").trimStart(), s: at, w: (seg.w || []).slice(word), f: [...(seg.f || [])] };
    segs.splice(i, 1, left, right);
    replaceNodes(i, 1, [i, i + 1]);
    push({ op: "split", index: i, offset: offset });
    select(i + 1, true);
  }

  function mergeSelected() {
    const i = selected;
    if (i + 1 >= segs.length) return;
    flushText();
    const a = segs[i], b = segs[i + 1];
    const merged = {
      ...a,
      t: (a.t + " " + b.t).trim(),
      e: Math.max(a.e, b.e),
      w: [...(a.w || []), ...(b.w || [])],
      f: [...new Set([...(a.f || []), ...(b.f || [])])],
    };
    segs.splice(i, 2, merged);
    replaceNodes(i, 2, [i]);
    push({ op: "merge", index: i });
    select(i, true);
  }

  function setSpeaker() {
    const name = $("tool-speaker").value.trim();
    if (segs[selected].sp === name) return;
    segs[selected].sp = name;
    refreshHead(selected);
    refreshSpeakers();
    push({ op: "speaker", index: selected, speaker: name });
  }

  function setTimes() {
    const start = Number($("tool-start").value), end = Number($("tool-end").value);
    if (!(start >= 0) || !(end >= start) || $("tool-start").value === "" || $("tool-end").value === "") {
      $("save-status").textContent = text("Times");
      return;
    }
    const seg = segs[selected];
    if (seg.s === start && seg.e === end) return;
    seg.s = start;
    seg.e = end;
    refreshHead(selected);
    push({ op: "times", index: selected, start: start, end: end });
  }

  function rename(event) {
    event.preventDefault();
    const from = $("rename-from").value, to = $("rename-to").value.trim();
    if (!from || !to) return;
    segs.forEach((seg, i) => {
      if (seg.sp === from) {
        seg.sp = to;
        refreshHead(i);
      }
    });
    refreshSpeakers();
    $("rename-to").value = "";
    if (segs[selected].sp === to) $("tool-speaker").value = to;
    push({ op: "rename_speaker", from: from, to: to });
  }

  function insertMark(mark) {
    const body = nodeAt(selected).querySelector(".seg-text");
    if (document.activeElement !== body) {
      body.focus();
      const range = document.createRange();
      range.selectNodeContents(body);
      range.collapse(false);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    const units = caretOffset(body);
    const before = units === null ? "" : body.textContent.slice(0, units);
    document.execCommand("insertText", false, (before && !/\s$/.test(before) ? " " : "") + mark);
  }

  // ---- autosave ------------------------------------------------------------------------------------------
  async function save() {
    if (conflicted) return;
    if (saving) {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 500);
      return;
    }
    flushText();
    if (!ops.length) return;
    const sending = ops;
    ops = [];
    saving = true;
    $("save-status").textContent = text("Saving");
    try {
      const response = await fetch(data.saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": $("csrf").value },
        body: JSON.stringify({ base: base, ops: sending }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        base = body.version;
        $("save-status").textContent = text("Saved").replace("%s", String(base));
      } else {
        ops = sending.concat(ops);
        if (response.status === 409) conflicted = true;
        const message = body.error || String(response.status);
        $("save-status").textContent = text("Failed") + " " + message;
        if (response.status === 409 || response.status === 400) {
          $("conflict").textContent = message;
          $("conflict").hidden = false;
          conflicted = true;
        }
      }
    } catch (error) {
      ops = sending.concat(ops);
      $("save-status").textContent = text("Failed") + " " + error;
      saveTimer = setTimeout(save, 5000);
    } finally {
      saving = false;
    }
  }

  // Marks for redaction name a saved version (static/review/mark.js): send what is pending and wait for it.
  // Resolves to the version the page now shows, or null when the edits could not be saved.
  async function settled() {
    clearTimeout(saveTimer);
    while (saving) await new Promise((resolve) => setTimeout(resolve, 50));
    await save();
    return conflicted || ops.length || pendingText.size ? null : base;
  }

  // ---- playback ------------------------------------------------------------------------------------------
  function segmentAt(t) {
    let lo = 0, hi = segs.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid].s <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  function inView(node) {
    const box = node.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  }

  function highlight() {
    if (!player) return;
    const t = player.currentTime;
    const i = segmentAt(t);
    if (i !== current) {
      const old = list.querySelector(".segment.current");
      if (old) old.classList.remove("current");
      current = i;
      if (i >= 0) {
        const node = nodeAt(i);
        node.classList.add("current");
        addWords(node);
        const editing = list.contains(document.activeElement);
        if (!editing && !inView(node)) node.scrollIntoView({ block: "center" });
      }
    }
    if (currentWord) currentWord.classList.remove("w-current");
    currentWord = null;
    if (i >= 0 && segs[i].w && segs[i].w.length) {
      const words = segs[i].w;
      let k = words.length - 1;
      while (k >= 0 && words[k][0] > t) k--;
      if (k >= 0 && t <= words[k][1] + 0.3) {
        currentWord = nodeAt(i).querySelector('.w[data-w="' + k + '"]');
        if (currentWord) currentWord.classList.add("w-current");
      }
    }
  }

  function tick() {
    highlight();
    if (player && !player.paused) requestAnimationFrame(tick);
  }

  function seek(t) {
    if (!player) return;
    player.currentTime = Math.max(0, t);
    highlight();
  }

  function togglePlay() {
    if (!player) return;
    if (player.paused) player.play().catch(() => {});
    else player.pause();
  }

  function setRate(delta) {
    if (!player) return;
    player.playbackRate = Math.min(2, Math.max(0.5, Math.round((player.playbackRate + delta) * 10) / 10));
    $("rate").textContent = player.playbackRate.toFixed(1) + "×";
  }

  // ---- flagged segments ----------------------------------------------------------------------------------
  function flagged() {
    const out = [];
    segs.forEach((seg, i) => {
      if (seg.f && seg.f.length) out.push(i);
    });
    return out;
  }

  function flagStatus() {
    const all = flagged();
    const at = all.indexOf(selected);
    $("flag-status").textContent = all.length
      ? text("Flagged").replace("%1", at >= 0 ? String(at + 1) : "–").replace("%2", String(all.length))
      : text("NoFlags");
  }

  function walkFlagged(step) {
    const all = flagged();
    if (!all.length) return;
    const next = step > 0 ? all.find((i) => i > selected) : [...all].reverse().find((i) => i < selected);
    const target = next === undefined ? (step > 0 ? all[0] : all[all.length - 1]) : next;
    select(target, true);
    seek(segs[target].s);
    flagStatus();
  }

  // The first segment flagged "distress" that ends after a mark's window opens (found by time, so splits and
  // merges since the page was loaded do not matter).
  function jumpToDistress(from) {
    const i = segs.findIndex((seg) => (seg.f || []).includes("distress") && seg.e >= from);
    if (i < 0) return;
    select(i, true);
    seek(segs[i].s);
    flagStatus();
  }

  function jumpToTime(t) {
    const i = Math.max(segmentAt(t + 0.001), 0);
    if (!segs.length) return;
    select(i, true);
    seek(segs[i].s);
    flagStatus();
  }

  // ---- events --------------------------------------------------------------------------------------------
  list.addEventListener("input", onInput);
  list.addEventListener("click", (event) => {
    const node = event.target.closest(".segment");
    if (!node) return;
    const i = Number(node.dataset.i);
    if (i !== selected) select(i, false);
    flagStatus();
    const word = event.target.closest(".w");
    const seg = segs[i];
    if (word && seg.w[Number(word.dataset.w)]) seek(Number(seg.w[Number(word.dataset.w)][0]));
    else seek(seg.s);
    if (event.target.closest(".seg-time")) togglePlay();
  });
  list.addEventListener("focusin", (event) => {
    const node = event.target.closest(".segment");
    if (node && Number(node.dataset.i) !== selected) select(Number(node.dataset.i), false);
  });
  list.addEventListener("paste", (event) => {
    event.preventDefault();
    const plain = (event.clipboardData.getData("text/plain") || "").replace(/\s*\n\s*/g, " ");
    document.execCommand("insertText", false, plain);
  });
  // Toolbar buttons keep the caret where it is in the text.
  root.querySelector(".tools").addEventListener("mousedown", (event) => {
    if (event.target.closest("button")) event.preventDefault();
  });
  $("split").addEventListener("click", splitSelected);
  $("merge").addEventListener("click", mergeSelected);
  $("tool-speaker").addEventListener("change", setSpeaker);
  $("tool-start").addEventListener("change", setTimes);
  $("tool-end").addEventListener("change", setTimes);
  $("rename-form").addEventListener("submit", rename);
  root.querySelectorAll(".insert-mark").forEach((button) => button.addEventListener("click", () => insertMark(button.dataset.mark)));
  $("play").addEventListener("click", togglePlay);
  $("back5").addEventListener("click", () => player && seek(player.currentTime - 5));
  $("slower").addEventListener("click", () => setRate(-0.1));
  $("faster").addEventListener("click", () => setRate(0.1));
  document.querySelectorAll(".jump-distress").forEach((button) =>
    button.addEventListener("click", () => jumpToDistress(Number(button.dataset.from)))
  );
  // The participant's comments (member checking): to the segment at the commented segment's start, found by time.
  document.querySelectorAll(".jump-comment").forEach((button) =>
    button.addEventListener("click", () => jumpToTime(Number(button.dataset.from)))
  );
  $("next-flag").addEventListener("click", () => walkFlagged(1));
  $("prev-flag").addEventListener("click", () => walkFlagged(-1));
  if (player) {
    player.addEventListener("play", () => requestAnimationFrame(tick));
    player.addEventListener("timeupdate", highlight);
    player.addEventListener("seeked", highlight);
  }

  document.addEventListener("keydown", (event) => {
    const inText = event.target.closest && event.target.closest(".seg-text");
    if (inText && event.key === "Enter" && !event.altKey) {
      event.preventDefault(); // one segment is one paragraph; Alt+Enter splits it
      return;
    }
    let handled = true;
    if (event.key === "Escape" || (event.ctrlKey && event.code === "Space")) togglePlay();
    else if (event.altKey && event.code === "KeyB") seek(player ? player.currentTime - 5 : 0);
    else if (event.altKey && event.code === "Comma") setRate(-0.1);
    else if (event.altKey && event.code === "Period") setRate(0.1);
    else if (event.altKey && event.code === "ArrowDown") walkFlagged(1);
    else if (event.altKey && event.code === "ArrowUp") walkFlagged(-1);
    else if (event.altKey && event.key === "Enter") splitSelected();
    else if (event.altKey && event.code === "KeyM") mergeSelected();
    else handled = false;
    if (handled) event.preventDefault();
  });
  window.addEventListener("beforeunload", (event) => {
    if (ops.length || pendingText.size) {
      save();
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") save();
  });

  const started = performance.now();
  render();
  const renderMs = performance.now() - started;
  // For mark.js, the tests and the benchmark: the editor's state, never sent anywhere.
  window.reviewEditor = {
    segments: segs, version: () => base, pending: () => ops.length + pendingText.size, renderMs: renderMs, settled: settled,
  };
})();
