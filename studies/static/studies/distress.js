// The live interview page: Alt+Shift+D presses the distress control from anywhere on the page, and the guide
// shows one question at a time with Previous and Next (without this script every question is listed).
(() => {
  "use strict";

  function distressShortcut() {
    const form = document.getElementById("distress-form");
    if (!form) return;
    let sent = false;
    form.addEventListener("submit", () => { sent = true; });
    document.addEventListener("keydown", (event) => {
      // event.code, not event.key: with Alt held, macOS types a symbol instead of "D".
      if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey || event.code !== "KeyD") return;
      event.preventDefault();
      if (sent) return;
      sent = true;
      form.requestSubmit();
    });
  }

  function guideStepper() {
    const list = document.getElementById("guide");
    const nav = document.getElementById("guide-nav");
    const position = document.getElementById("guide-position");
    if (!list || !nav || !position) return;
    const items = Array.from(list.querySelectorAll(".guide-question"));
    if (items.length < 2) return;
    // The question in view survives a trip to the assessment and back (this tab only).
    const key = "guide-position-" + list.dataset.interview;
    let current = Math.min(Number(sessionStorage.getItem(key)) || 0, items.length - 1);
    const [previous, next] = nav.querySelectorAll("[data-guide-step]");

    function show(index) {
      current = Math.max(0, Math.min(index, items.length - 1));
      items.forEach((item, i) => { item.hidden = i !== current; });
      list.start = current + 1;
      previous.disabled = current === 0;
      next.disabled = current === items.length - 1;
      position.textContent = list.dataset.positionLabel
        .replace("%(number)s", String(current + 1))
        .replace("%(count)s", String(items.length));
      sessionStorage.setItem(key, String(current));
    }

    nav.addEventListener("click", (event) => {
      const button = event.target.closest("[data-guide-step]");
      if (!button) return;
      show(current + Number(button.dataset.guideStep));
      // Focus stays on the button pressed unless it just became disabled.
      if (button.disabled) (button === next ? previous : next).focus();
    });
    list.classList.add("stepped");
    nav.hidden = false;
    show(current);
  }

  document.addEventListener("DOMContentLoaded", () => {
    distressShortcut();
    guideStepper();
  });
})();
