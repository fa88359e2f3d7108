// Progressive enhancement for participant pages; every page works without it (the server decides).
(function () {
  "use strict";

  // Skip logic: a question whose inputs carry data-show-if is shown only when the named earlier question
  // has one of the listed answers. Hidden questions are ignored by the server too.
  function answersOf(key) {
    var inputs = document.querySelectorAll('[name="q_' + key + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox")) {
        if (input.checked) { values.push(input.value); }
      } else if (input.value) { values.push(input.value); }
    });
    return values;
  }

  function applySkipLogic() {
    document.querySelectorAll("[data-show-if]").forEach(function (input) {
      var field = input.closest(".field");
      if (!field) { return; }
      var wanted = (input.getAttribute("data-show-values") || "").split("|");
      var shown = answersOf(input.getAttribute("data-show-if")).some(function (v) { return wanted.indexOf(v) !== -1; });
      field.classList.toggle("is-hidden", !shown);
    });
  }

  document.addEventListener("change", applySkipLogic);
  document.addEventListener("DOMContentLoaded", applySkipLogic);
})();
