// A small, safe way to build the DOM: text always goes through textContent (never innerHTML),
// so nothing that comes from the data can become markup.
//   h("button", {class: "primary", onclick: fn, "aria-label": "…"}, "Texte", child)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

// Appends children to `el`, skipping null, undefined and false (Element.append would write
// them as text) and flattening arrays.
export function add(el, ...children) {
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// A unique id for label/for pairs.
let counter = 0;
export function uid(prefix = "c") {
  counter += 1;
  return `${prefix}-${counter}`;
}

// "2025-03-10" → "10/03/2025"; "2025-03-10T14:03:07Z" → "10/03/2025 14:03".
export function frenchDate(iso) {
  if (typeof iso !== "string" || iso.length < 10) return iso ?? "";
  const [y, m, d] = iso.slice(0, 10).split("-");
  let out = `${d}/${m}/${y}`;
  if (iso.length >= 16 && iso[10] === "T") {
    const local = new Date(iso);
    if (!Number.isNaN(local.getTime())) {
      const two = (n) => String(n).padStart(2, "0");
      out = `${two(local.getDate())}/${two(local.getMonth() + 1)}/${local.getFullYear()} ${two(local.getHours())}:${two(local.getMinutes())}`;
    }
  }
  return out;
}

// A number as the API gives it ("12.5", 3) → "12,5".
export function frenchNumber(n) {
  if (n === null || n === undefined) return "";
  return String(n).replace(".", ",");
}
