// Paint each code's colour swatch from its data attribute: inline styles are blocked by the page's CSP.
document.querySelectorAll(".code-swatch[data-colour]").forEach((swatch) => {
  const colour = swatch.dataset.colour;
  if (/^#[0-9A-Fa-f]{6}$/.test(colour)) swatch.style.backgroundColor = colour;
});
