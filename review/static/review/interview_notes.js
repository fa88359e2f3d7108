// The interviewer's notes beside the editor: a note's time plays the recording from there (the editor's own script
// follows the player and highlights the segment).
(() => {
  "use strict";
  document.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("interview-notes");
    const player = document.getElementById("player");
    if (!section || !player) return;
    section.addEventListener("click", (event) => {
      const button = event.target.closest(".seek-note");
      if (!button) return;
      player.currentTime = Math.max(0, Number(button.dataset.at));
      player.play().catch(() => {});
    });
  });
})();
