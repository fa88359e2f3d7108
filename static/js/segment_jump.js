// A link ending in #segment-N (a search hit) opens the page at segment N (0-based) of #segments, which the editor
// and the coding workspace draw with their own scripts: this runs after them (deferred, listed last), scrolls
// the segment into view and moves the keyboard focus to it (the workspace's segment box, the editor's text).
(function () {
  "use strict";
  var match = /^#segment-(\d+)$/.exec(window.location.hash);
  var list = document.getElementById("segments");
  if (!match || !list) return;
  var node = list.querySelectorAll(".segment")[Number(match[1])];
  if (!node) return;
  var target = node.hasAttribute("tabindex") ? node : node.querySelector("[contenteditable]");
  if (!target) {
    target = node;
    node.setAttribute("tabindex", "-1");
  }
  node.classList.add("jumped");
  node.scrollIntoView({ block: "center" });
  target.focus({ preventScroll: true });
})();
