// A tiny DOM helper: elements are built with textContent only (no innerHTML with data).

/**
 * h("div", {class: "row", dataset: {id: "x"}, onclick: fn}, "text", child, ...)
 * Attributes: `class`, `dataset` (object), `on<event>` (listener), anything else → setAttribute.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Show exactly one of the elements matched by `selector` (the others get `hidden`). */
export function showOnly(selector, visible) {
  for (const element of document.querySelectorAll(selector)) element.hidden = element !== visible;
}

/** "12:03:05" in local time. */
export function clock(ms) {
  const date = new Date(ms);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}
