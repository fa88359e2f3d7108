// Time-zone pickers (a participant's booking page, a team member's profile): the zones are grouped by region; a
// search box above the list narrows it to the names that match ("Lagos", "new york"), and an empty picker takes the
// browser's own zone. Without JavaScript the grouped list alone works.
(function () {
  "use strict";

  function normalise(text) {
    return text.toLowerCase().replace(/[_/]/g, " ");
  }

  function addSearch(select) {
    var input = document.createElement("input");
    input.type = "search";
    input.id = select.id + "-search";
    input.className = "zone-search";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", select.id);
    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = select.getAttribute("data-zone-search");
    var wrapper = document.createElement("div");
    wrapper.className = "zone-search-field";
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    select.parentNode.insertBefore(wrapper, select);
    input.addEventListener("input", function () {
      var wanted = normalise(input.value.trim());
      var first = null;
      select.querySelectorAll("option").forEach(function (option) {
        var match = !wanted || !option.value || normalise(option.textContent).indexOf(wanted) !== -1;
        option.hidden = !match;
        option.disabled = !match && option.value !== select.value;
        if (match && option.value && first === null) { first = option; }
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (option) { return !option.hidden; });
      });
      // One match: take it, so a keyboard user types a city and goes on.
      var visible = select.querySelectorAll("option:not([hidden])");
      var named = Array.prototype.filter.call(visible, function (option) { return option.value; });
      if (named.length === 1) { select.value = named[0].value; }
    });
  }

  function detect(select) {
    if (select.value) { return; }
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone && select.querySelector('option[value="' + zone + '"]')) {
        select.value = zone;
        // Show the times in the detected zone at once; the person can still pick another.
        if (select.form && select.form.hasAttribute("data-autosubmit")) { select.form.submit(); }
      }
    } catch (e) { /* an old browser: the person picks the zone themselves */ }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-zone-search]").forEach(addSearch);
    document.querySelectorAll("select[data-detect-timezone]").forEach(detect);
  });
})();
