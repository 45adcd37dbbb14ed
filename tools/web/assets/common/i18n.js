// The message catalogues: every text a person reads comes from messages/<langue>.json, by key.
// t("tablette.sync.hors_ligne", {n: 3}) replaces {n} with 3. A missing key shows the key
// itself (and is caught by the end-to-end tests), never an empty string.
let catalogue = {};
let language = "fr";

async function fetchCatalogue(name) {
  // Beside common/ wherever the app serves it (/messages/ for the tablet, /bureau/messages/ for
  // the office).
  const url = new URL(`../messages/${encodeURIComponent(name)}.json`, import.meta.url);
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`catalogue ${name}: ${response.status}`);
  return response.json();
}

// Loads French, then the first of the reader's languages (`preferred`, the browser's by
// default) that has a catalogue on top of it: a text the other catalogue lacks stays French.
export async function loadMessages(preferred = navigator.languages ?? []) {
  catalogue = await fetchCatalogue("fr");
  language = "fr";
  const available = await fetchCatalogue("langues");
  for (const tag of preferred) {
    const lang = String(tag).slice(0, 2).toLowerCase();
    if (lang === "fr") break;
    if (available.includes(lang)) {
      catalogue = { ...catalogue, ...(await fetchCatalogue(lang)) };
      language = lang;
      break;
    }
  }
  document.documentElement.lang = language;
}

export function t(key, vars = {}) {
  const text = catalogue[key];
  if (typeof text !== "string") return key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

// A message from the server ({cle, params}, as web::message_json makes it): a parameter is a
// value or a list of messages of its own, joined with the list separator. `replace` gives
// some parameters another value, in the message and in those it holds (a field's key, as
// the server names it, by the label the reader sees: {champ: "Nombre de WC"}).
export function tMessage(m, replace = {}) {
  const vars = {};
  for (const [name, value] of Object.entries(m.params ?? {})) {
    vars[name] = Array.isArray(value) ? value.map((v) => tMessage(v, replace)).join(t("commun.separateur_liste")) : value;
  }
  for (const name of Object.keys(replace)) if (name in vars) vars[name] = replace[name];
  return t(m.cle, vars);
}

// The text of an error answer's "erreur" object in the reader's language: its contexts, then
// the message (`replace` as for tMessage). Falls back to the server's French text when the
// answer has no key.
export function tError(e, replace = {}) {
  if (!e) return "";
  if (typeof e.cle !== "string") return e.message ?? "";
  return [...(e.contexte ?? []), e].map((m) => tMessage(m, replace)).join(t("commun.separateur_contexte"));
}

export function currentLanguage() {
  return language;
}

// Replaces the text of every element that has data-t="key" (static parts of index.html).
export function translateDocument(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-label]")) el.setAttribute("aria-label", t(el.dataset.tLabel));
}
