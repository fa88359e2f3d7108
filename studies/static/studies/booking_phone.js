// The booking page: the phone number is asked for only while a phone interview is chosen (without this script the
// field is always shown and its help says so; the server asks for it only for a phone slot either way).
(function () {
  "use strict";

  function update() {
    var holder = document.querySelector("[data-phone-field]");
    if (!holder) { return; }
    var chosen = document.querySelector('input[name="slot"]:checked');
    var byPhone = !!chosen && chosen.getAttribute("data-mode") === "phone";
    var refused = !!holder.querySelector(".has-error");
    holder.classList.toggle("is-hidden", !byPhone && !refused);
  }

  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "slot") { update(); }
  });
  document.addEventListener("DOMContentLoaded", update);
})();
