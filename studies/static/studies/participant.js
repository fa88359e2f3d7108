// Progressive enhancement for participant pages; every page works without it (the server decides).
(function () {
  "use strict";

  // Questionnaire logic (studies/logic.py does the same on the server, whose result is the one that counts):
  // items are read in page order; a hidden item's answers do not count, a calculated value is computed from the
  // answers before it, and piped answers (${key}) show the words of an earlier answer.
  function number(value) {
    if (value === null || value === undefined || value === "" || Array.isArray(value)) { return null; }
    var n = Number(String(value).trim());
    return isNaN(n) ? null : n;
  }

  function evaluate(tree, answers) {
    if ("num" in tree) { return tree.num; }
    if ("ref" in tree) { return number(answers[tree.ref]); }
    var values = tree.args.map(function (arg) { return evaluate(arg, answers); });
    if (values.some(function (v) { return v === null; })) { return null; }
    if (tree.op === "neg") { return -values[0]; }
    if (tree.op === "/") { return values[1] === 0 ? null : values[0] / values[1]; }
    if (tree.op === "+") { return values[0] + values[1]; }
    return tree.op === "-" ? values[0] - values[1] : values[0] * values[1];
  }

  function tidy(value) {
    if (value === null) { return null; }
    return Number.isInteger(value) ? value : Math.round(value * 10000) / 10000;
  }

  function answered(value) {
    return !(value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0));
  }

  function holds(condition, answers) {
    var op = condition.op, wanted = condition.value, given = answers[condition.key];
    var absent = ["neq", "not_selected", "not_answered"];
    if (!answered(given)) { return absent.indexOf(op) !== -1; }
    if (op === "answered") { return true; }
    if (op === "not_answered") { return false; }
    var same;
    if (Array.isArray(given)) {
      same = given.map(String).indexOf(String(wanted)) !== -1;
      if (op === "eq" || op === "selected") { return same; }
      return (op === "neq" || op === "not_selected") ? !same : false;
    }
    var left = number(given), right = number(wanted);
    var numeric = left !== null && right !== null;
    var mixed = !numeric && (left !== null || right !== null);
    if (!numeric) { left = String(given); right = String(wanted); }
    if (op === "eq" || op === "selected") { return left === right; }
    if (op === "neq" || op === "not_selected") { return left !== right; }
    if (mixed) { return false; }
    return { gt: left > right, gte: left >= right, lt: left < right, lte: left <= right }[op];
  }

  function valuesOf(item) {
    var found = {};
    item.querySelectorAll("[name^='q_']").forEach(function (input) {
      var key = input.name.slice(2);
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.type === "checkbox" && input.closest("ul")) {
          found[key] = found[key] || [];
          if (input.checked) { found[key].push(input.value); }
        } else if (input.checked) { found[key] = input.type === "checkbox" ? true : input.value; }
      } else if (input.value !== "") { found[key] = input.value; }
    });
    return found;
  }

  function wordsOf(key) {
    var chosen = [];
    document.querySelectorAll('[name="q_' + key + '"]').forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && input.checked) {
        var label = input.closest("label");
        chosen.push(label ? label.textContent.trim() : input.value);
      } else if (input.tagName === "SELECT" && input.selectedIndex > 0) {
        chosen.push(input.options[input.selectedIndex].text);
      } else if (input.type !== "radio" && input.type !== "checkbox" && input.value) { chosen.push(input.value); }
    });
    return chosen.join(", ");
  }

  function applyLogic() {
    var answers = {};
    document.querySelectorAll(".q-item").forEach(function (item) {
      var conditions = item.getAttribute("data-conditions");
      var shown = true;
      if (conditions) {
        var list = JSON.parse(conditions);
        var results = list.map(function (c) { return holds(c, answers); });
        shown = item.getAttribute("data-match") === "any" ? results.indexOf(true) !== -1 : results.indexOf(false) === -1;
      }
      item.classList.toggle("is-hidden", !shown);
      if (!shown) { return; }
      var calc = item.getAttribute("data-calc");
      if (calc) {
        var value = tidy(evaluate(JSON.parse(calc), answers));
        var key = item.getAttribute("data-key");
        if (value !== null) { answers[key] = value; }
        item.querySelectorAll("output").forEach(function (out) { out.textContent = value === null ? "—" : String(value); });
        return;
      }
      var found = valuesOf(item);
      Object.keys(found).forEach(function (key) { answers[key] = found[key]; });
    });
    document.querySelectorAll("[data-pipe]").forEach(function (span) {
      var key = span.getAttribute("data-pipe");
      var calcOut = document.querySelector('output[data-value="' + key + '"]');
      var words = calcOut ? (answered(answers[key]) ? String(answers[key]) : "") : (answered(answers[key]) ? wordsOf(key) : "");
      span.textContent = words || "…";
    });
  }

  // A slider beside each slider question's number box: moving either sets the other; the box stays empty (no
  // answer) until the person moves the slider or types, so an untouched slider never answers for them.
  function setUpSliders() {
    document.querySelectorAll("input.slider").forEach(function (box) {
      var range = document.createElement("input");
      range.type = "range";
      range.min = box.min;
      range.max = box.max;
      range.step = box.step || "1";
      range.className = "slider-range";
      var label = box.id ? document.querySelector('label[for="' + box.id + '"]') : null;
      if (label) { range.setAttribute("aria-label", label.textContent.trim()); }
      range.value = box.value !== "" ? box.value : String((Number(box.min) + Number(box.max)) / 2);
      range.classList.toggle("untouched", box.value === "");
      range.addEventListener("input", function () {
        box.value = range.value;
        range.classList.remove("untouched");
        applyLogic();
      });
      box.addEventListener("input", function () {
        if (box.value !== "") { range.value = box.value; range.classList.remove("untouched"); }
      });
      box.insertAdjacentElement("beforebegin", range);
    });
  }

  // Sections one at a time, with Back and Next, when a questionnaire has more than one; the send button shows on
  // the last. After a refused submission the first section with an error opens.
  function setUpSteps() {
    var box = document.querySelector(".q-steps");
    if (!box) { return; }
    var steps = Array.prototype.slice.call(box.querySelectorAll(":scope > .q-step"));
    if (steps.length < 2) { return; }
    var form = box.closest("form");
    var send = form.querySelector("button[type=submit]");
    var after = Array.prototype.slice.call(form.children).filter(function (el) {
      return el !== send && box.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    var nav = document.createElement("div");
    nav.className = "q-nav";
    var progress = document.createElement("p");
    progress.className = "q-progress";
    progress.setAttribute("aria-live", "polite");
    var back = document.createElement("button");
    back.type = "button";
    back.className = "secondary";
    back.textContent = box.getAttribute("data-back") || "Back";
    var next = document.createElement("button");
    next.type = "button";
    next.textContent = box.getAttribute("data-next") || "Next";
    nav.appendChild(back);
    nav.appendChild(next);
    box.insertAdjacentElement("afterend", nav);
    box.insertAdjacentElement("beforebegin", progress);
    var current = 0;
    function show(index, focus) {
      current = index;
      steps.forEach(function (step, i) { step.hidden = i !== index; });
      var last = index === steps.length - 1;
      back.hidden = index === 0;
      next.hidden = last;
      send.hidden = !last;
      after.forEach(function (el) { el.hidden = !last; });
      progress.textContent = (box.getAttribute("data-progress") || "Part %(n)s of %(total)s")
        .replace("%(n)s", index + 1).replace("%(total)s", steps.length);
      if (focus) {
        var heading = steps[index].querySelector("h2") || steps[index];
        if (heading.tabIndex < 0 && heading.tagName !== "H2") { heading.tabIndex = -1; }
        heading.focus();
      }
    }
    back.addEventListener("click", function () { show(Math.max(0, current - 1), true); });
    next.addEventListener("click", function () { show(Math.min(steps.length - 1, current + 1), true); });
    var withError = steps.findIndex(function (step) { return step.querySelector(".has-error"); });
    show(withError === -1 ? 0 : withError, false);
  }

  document.addEventListener("change", applyLogic);
  document.addEventListener("input", applyLogic);
  document.addEventListener("DOMContentLoaded", function () { setUpSliders(); applyLogic(); setUpSteps(); });
})();
