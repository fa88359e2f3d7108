// Moves the keyboard focus to a form's error summary, so screen readers and keyboard users start there.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});
