// The questionnaire builder's progressive enhancement (studies/templates/studies/setup/questionnaire.html,
// question.html). Every page works without it: the Move buttons reorder by keyboard, every field of the question
// form shows, and the server checks everything.
(function () {
  "use strict";

  // The question form: only the groups and fields that apply to the chosen type. A field with an error stays.
  function showForKind(form) {
    var select = form.querySelector("select[name='kind']");
    if (!select) { return; }
    function apply() {
      var kind = select.value;
      form.querySelectorAll("[data-kinds]").forEach(function (element) {
        var kinds = element.getAttribute("data-kinds");
        var applies = !kinds || kinds.split(" ").indexOf(kind) !== -1;
        element.hidden = !applies && !element.querySelector(".errorlist");
      });
    }
    select.addEventListener("change", apply);
    apply();
  }

  function say(text, refused) {
    var message = document.querySelector("[data-builder-message]");
    if (!message) { return; }
    message.textContent = text;
    message.classList.toggle("refused", Boolean(refused));
  }

  function currentOrder(box) {
    return Array.prototype.map.call(box.querySelectorAll("li[data-question]"), function (item) {
      var section = item.closest(".builder-section").getAttribute("data-section");
      return [Number(item.getAttribute("data-question")), section ? Number(section) : null];
    });
  }

  function markEmpty(box) {
    box.querySelectorAll(".question-list").forEach(function (list) {
      var empty = list.querySelector("li.empty");
      if (empty) { empty.hidden = list.querySelector("li[data-question]") !== null; }
    });
  }

  function placeAt(list, item, y) {
    var after = Array.prototype.find.call(list.querySelectorAll("li[data-question]"), function (other) {
      if (other === item) { return false; }
      var rect = other.getBoundingClientRect();
      return y < rect.top + rect.height / 2;
    });
    list.insertBefore(item, after || null);
  }

  function putBack(box, places) {
    places.forEach(function (place) { place.list.appendChild(place.item); });
    markEmpty(box);
  }

  // The whole order goes to the server, which checks it (a question stays below the answers it reads); a
  // refusal puts everything back and says why.
  function send(box, places) {
    var token = document.querySelector("input[name='csrfmiddlewaretoken']");
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token ? token.value : "");
    body.append("order", JSON.stringify(currentOrder(box)));
    fetch(box.getAttribute("data-reorder-url"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (result.ok) {
          window.location.reload();  // the server's order, its Move buttons and the saved message
          return;
        }
        putBack(box, places);
        say(result.data.error || box.getAttribute("data-offline"), true);
      })
      .catch(function () {
        putBack(box, places);
        say(box.getAttribute("data-offline"), true);
      });
  }

  // Drag a question by its handle to another place, in its section or another.
  function setUpDragging(box) {
    var dragged = null;
    var places = [];
    box.querySelectorAll("li[data-question]").forEach(function (item) {
      var handle = item.querySelector(".drag-handle");
      if (!handle) { return; }
      handle.hidden = false;
      handle.draggable = true;  // the handle starts the drag; the item's text stays selectable
      handle.addEventListener("dragstart", function (event) {
        dragged = item;
        places = Array.prototype.map.call(box.querySelectorAll("li[data-question]"), function (li) {
          return { item: li, list: li.parentNode };
        });
        item.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.getAttribute("data-key"));
        if (event.dataTransfer.setDragImage) { event.dataTransfer.setDragImage(item, 0, 0); }
      });
      handle.addEventListener("dragend", function () {
        item.classList.remove("dragging");
        box.querySelectorAll(".drop-target").forEach(function (list) { list.classList.remove("drop-target"); });
      });
    });
    box.querySelectorAll(".question-list").forEach(function (list) {
      list.addEventListener("dragover", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        list.classList.add("drop-target");
      });
      list.addEventListener("dragleave", function () { list.classList.remove("drop-target"); });
      list.addEventListener("drop", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        var before = JSON.stringify(currentOrder(box));
        placeAt(list, dragged, event.clientY);
        dragged = null;
        markEmpty(box);
        if (JSON.stringify(currentOrder(box)) !== before) {
          say("", false);
          send(box, places);
        }
      });
    });
    markEmpty(box);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-question-form]").forEach(function (form) { showForKind(form); });
    var box = document.querySelector(".builder[data-reorder-url]");
    if (box) { setUpDragging(box); }
  });
})();
