// The interviewer's notes on the interview page: Ctrl+Enter (or Cmd+Enter) saves the note being typed, without
// reloading the page (the interview goes on); each note's time plays the page's recording from that moment.
// Without this script the form is a plain POST that comes back to the page, and the times link to the recording.
(() => {
  "use strict";

  function mediaPlayer(section) {
    const media = section.dataset.media;
    if (!media) return null;
    return Array.from(document.querySelectorAll("audio")).find((audio) => audio.getAttribute("src") === media) || null;
  }

  // A note saved by this script comes back with its time as text: with a recording on the page it becomes a link.
  function linkTimes(section, root) {
    const media = section.dataset.media;
    if (!media) return;
    root.querySelectorAll("span.note-time[data-seek]").forEach((span) => {
      const link = document.createElement("a");
      link.className = "note-time";
      link.href = media + "#t=" + span.dataset.seek;
      link.dataset.seek = span.dataset.seek;
      link.textContent = span.textContent;
      span.replaceWith(link);
    });
  }

  function seekOnClick(section) {
    section.addEventListener("click", (event) => {
      const link = event.target.closest("a.note-time[data-seek]");
      const player = link && mediaPlayer(section);
      if (!player) return;
      event.preventDefault();
      player.currentTime = Number(link.dataset.seek);
      player.scrollIntoView({ block: "nearest" });
      player.play().catch(() => {});
    });
  }

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  async function send(section, form) {
    const text = form.querySelector("textarea");
    const status = document.getElementById("note-status");
    const error = document.getElementById("note-error");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    show(error, "");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json();
      if (!response.ok) {
        show(error, answer.error || form.dataset.textFailed);
        text.focus();
        return;
      }
      const list = document.getElementById("notes-list");
      list.insertAdjacentHTML("beforeend", answer.html);
      linkTimes(section, list.lastElementChild);
      document.getElementById("notes-empty").hidden = true;
      status.textContent = form.dataset.textSaved.replace("%s", answer.clock);
      text.value = "";
      text.focus();
    } catch (_failure) {
      show(error, form.dataset.textFailed);
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("notes");
    if (!section) return;
    seekOnClick(section);
    const form = document.getElementById("note-form");
    if (!form) return;
    let sending = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (sending) return;
      sending = true;
      try {
        await send(section, form);
      } finally {
        sending = false;
      }
    });
    form.querySelector("textarea").addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey) return;
      event.preventDefault();
      if (form.querySelector("textarea").value.trim()) form.requestSubmit();
    });
  });
})();
