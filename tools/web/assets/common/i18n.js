// The message catalogue: every text a person reads comes from messages/<langue>.json, by key.
// t("tablette.sync.hors_ligne", {n: 3}) replaces {n} with 3. A missing key shows the key
// itself (and is caught by the end-to-end tests), never an empty string.
let catalogue = {};
let language = "fr";

export async function loadMessages(lang = "fr") {
  // Beside common/ wherever the app serves it (/messages/ for the tablet, /bureau/messages/ for
  // the office).
  const url = new URL(`../messages/${encodeURIComponent(lang)}.json`, import.meta.url);
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`catalogue ${lang}: ${response.status}`);
  catalogue = await response.json();
  language = lang;
  document.documentElement.lang = lang;
}

export function t(key, vars = {}) {
  const text = catalogue[key];
  if (typeof text !== "string") return key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

export function currentLanguage() {
  return language;
}

// Replaces the text of every element that has data-t="key" (static parts of index.html).
export function translateDocument(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-label]")) el.setAttribute("aria-label", t(el.dataset.tLabel));
}
