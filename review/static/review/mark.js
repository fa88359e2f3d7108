// Marking words for redaction in the editor. A selection inside one segment's text (mouse, touch, or Shift+arrow
// keys) shows the bar under the segments; its button or Alt+R sends the selection as the segment's index and
// CODE-POINT offsets into that segment's text, with the version the page shows (never the words). The server
// (Python str) counts code points, JavaScript strings count UTF-16 units ("🙂".length === 2), so every count goes
// through Array.from(). Alt+K moves to the kind; the result is announced in the #mark-status live region.
(function () {
  "use strict";
  const bar = document.getElementById("mark-bar");
  const list = document.getElementById("segments");
  if (!bar || !list) return;
  const status = document.getElementById("mark-status");
  const kind = document.getElementById("mark-kind-choice");
  const button = document.getElementById("mark-selection");
  const text = (name) => bar.dataset["text" + name] || "";
  let chosen = null; // the last selection in the text: {segment, start, endSegment, end, words, body}
  let busy = false;

  function codePoints(s) {
    return Array.from(s).length;
  }

  function say(message) {
    status.textContent = message;
  }

  // One end of a range: its segment and the code points before it in the text as the server stores it. Saved
  // text is stripped (review/services/edits.py), so spaces typed at the start of a segment do not count.
  function endPoint(container, offset) {
    const element = container.nodeType === Node.ELEMENT_NODE ? container : container.parentElement;
    const node = element && element.closest(".segment");
    if (!node || !list.contains(node)) return null;
    const body = node.querySelector(".seg-text");
    let units = 0; // an end in the segment's heading (time, speaker) stands before its text
    if (body.contains(container)) {
      const range = document.createRange();
      range.setStart(body, 0);
      range.setEnd(container, offset);
      units = range.toString().length;
    }
    const all = body.textContent;
    const lead = codePoints(all.match(/^\s*/)[0]);
    const stored = Array.from(all.trim());
    const at = Math.min(Math.max(codePoints(all.slice(0, units)) - lead, 0), stored.length);
    return { segment: Number(node.dataset.i), offset: at, stored: stored, body: body };
  }

  // undefined: the selection is not about the transcript (focus went to the bar), so the last one is kept.
  function read() {
    const selection = window.getSelection();
    if (!selection || !selection.rangeCount) return undefined;
    const range = selection.getRangeAt(0);
    if (!list.contains(range.startContainer) && !list.contains(range.endContainer)) return undefined;
    if (range.collapsed) return null;
    const from = endPoint(range.startContainer, range.startOffset);
    const to = endPoint(range.endContainer, range.endOffset);
    if (!from || !to) return null;
    // What the server will store, when both ends are in one segment (else it refuses, and says why).
    const words = (from.segment === to.segment ? from.stored.slice(from.offset, to.offset).join("") : range.toString()).trim();
    if (!words) return null;
    return { segment: from.segment, start: from.offset, endSegment: to.segment, end: to.offset, words: words, body: from.body };
  }

  function clip(words) {
    const chars = Array.from(words.replace(/\s+/g, " "));
    return chars.length > 80 ? chars.slice(0, 79).join("") + "…" : chars.join("");
  }

  function show() {
    bar.hidden = !chosen;
    document.getElementById("mark-words").textContent = chosen ? clip(chosen.words) : "";
  }

  function onSelection() {
    if (busy) return;
    const found = read();
    if (found === undefined) return;
    chosen = found;
    show();
  }

  async function send(picked, version) {
    const response = await fetch(bar.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": document.getElementById("csrf").value },
      body: JSON.stringify({
        version: version,
        segment: picked.segment,
        start: picked.start,
        end_segment: picked.endSegment,
        end: picked.end,
        kind: kind.value,
      }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) return text("Failed") + " " + (body.error || String(response.status));
    chosen = null;
    show();
    return body.message + (body.mark && body.mark.text === picked.words ? "" : " " + text("Differs"));
  }

  async function mark() {
    if (busy) return;
    if (!chosen) {
      say(text("Empty"));
      return;
    }
    const picked = chosen;
    busy = true;
    button.disabled = true;
    say(text("Marking"));
    try {
      // A mark names a saved version: edits still waiting are sent first (static/review/editor.js).
      const version = window.reviewEditor ? await window.reviewEditor.settled() : null;
      say(version === null ? text("Unsaved") : await send(picked, version));
      if (!chosen) {
        picked.body.focus();
        const selection = window.getSelection();
        if (selection.rangeCount && !selection.isCollapsed) selection.collapseToEnd();
      }
    } catch (error) {
      say(text("Offline"));
    } finally {
      busy = false;
      button.disabled = false;
    }
  }

  document.addEventListener("selectionchange", onSelection);
  list.addEventListener("input", onSelection);
  // Pressing the button keeps the selection (and the caret) where they are in the text.
  button.addEventListener("mousedown", (event) => event.preventDefault());
  bar.addEventListener("submit", (event) => {
    event.preventDefault();
    mark();
  });
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.code === "KeyR") mark();
    else if (event.code === "KeyK" && chosen) kind.focus();
    else if (event.code === "KeyK") say(text("Empty"));
    else return;
    event.preventDefault();
  });
})();
