// Moves the keyboard focus to a form's error summary, so screen readers and keyboard users start there. Its links
// then move the focus to their field: a link to a fragment only scrolls, and would hide the question above the
// field, so the field's label (or, for a group of choices, its legend) is scrolled into view first.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    const choice = field.type === "radio" || field.type === "checkbox";
    const legend = choice && field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
    const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
    (legend || label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
});
