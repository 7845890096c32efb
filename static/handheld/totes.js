// Totes on the cart: each cart position has a colour (the same palette on the cart's labels and
// on the screen), so "tote 3 (green)" is found at a glance. Labels come from the server's verdicts.

export const TOTE_COLOURS = ["#d62828", "#1d4ed8", "#15803d", "#facc15", "#7e22ce", "#ea580c", "#111827", "#f8fafc"];

export function toteColour(position) {
  const index = ((Number(position) || 1) - 1) % TOTE_COLOURS.length;
  return TOTE_COLOURS[index];
}

/** Text colour readable on the tote colour. */
export function toteInk(position) {
  return [4, 8].includes(((Number(position) || 1) - 1) % TOTE_COLOURS.length + 1) ? "#111" : "#fff";
}

/** Paint a badge element as tote `position`. */
export function paintTote(element, position) {
  if (!position) {
    element.style.background = "";
    element.style.color = "";
    delete element.dataset.position;
    return;
  }
  element.style.background = toteColour(position);
  element.style.color = toteInk(position);
  element.dataset.position = String(position);
}
