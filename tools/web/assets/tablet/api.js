// The tablet app's side of the node's local API (/api/…, JSON on loopback): the per-launch
// key, requests and their errors, the queue that sends changes one after the other in the
// order the inspector made them, and the announcements made to screen readers.
import { h } from "/common/dom.js";
import { t, tError } from "/common/i18n.js";

const KEY_STORAGE = "carnet.cle";

// --- The local API ----------------------------------------------------------------------

// The per-launch secret comes in the address's fragment (#cle=…), which the browser never
// sends anywhere; it is kept in this origin's storage and taken out of the address bar.
export function takeKey() {
  const m = location.hash.match(/^#cle=([A-Za-z0-9_-]{16,128})/);
  if (m) {
    localStorage.setItem(KEY_STORAGE, m[1]);
    history.replaceState(null, "", `${location.pathname}#/dossiers`);
  }
  key = localStorage.getItem(KEY_STORAGE);
  return key;
}
let key = null;

// `erreur` is the answer's error object ({cle, params, contexte}) when it has one.
export class ApiError extends Error {
  constructor(status, code, message, erreur = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.erreur = erreur;
  }
}

// The replica can be busy for a moment (the background sync writing a page it pulled): such
// a request is tried again a few times before the error is shown.
export async function api(method, path, body, contentType) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await apiOnce(method, path, body, contentType);
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== "busy" || attempt >= 4) throw e;
      await new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)));
    }
  }
}

async function apiOnce(method, path, body, contentType) {
  const headers = { Authorization: `Bearer ${key}` };
  let payload;
  if (body instanceof Blob) {
    payload = body;
    headers["Content-Type"] = contentType || body.type || "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: "omit", cache: "no-store" });
  } catch {
    throw new ApiError(0, "network", t("tablette.erreur.service"));
  }
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    let message = t("tablette.erreur.inconnue", { statut: response.status });
    let code = `http_${response.status}`;
    let erreur = null;
    if (type.startsWith("application/json")) {
      erreur = (await response.json()).erreur ?? null;
      message = tError(erreur) || message;
      code = erreur?.code || code;
    }
    if (response.status === 401) {
      message = t("tablette.erreur.cle");
      erreur = null;
    }
    throw new ApiError(response.status, code, message, erreur);
  }
  if (type.startsWith("application/json")) return response.json();
  if (type.startsWith("text/html")) return response.text();
  return response.blob();
}

// Changes go to the API one after the other, in the order the inspector made them.
let queue = Promise.resolve();
let inFlight = 0;
export function enqueue(work) {
  inFlight += 1;
  const run = queue.then(work).finally(() => (inFlight -= 1));
  queue = run.catch(() => {});
  return run;
}

// Typing not sent yet (fields waiting for a pause); sent before leaving the page, and the
// browser asks before closing while anything is still on its way.
export const unsent = new Set();
window.addEventListener("pagehide", () => [...unsent].forEach((send) => send()));
window.addEventListener("beforeunload", (e) => {
  [...unsent].forEach((send) => send());
  if (inFlight > 0) e.preventDefault();
});
window.addEventListener("hashchange", () => [...unsent].forEach((send) => send()), { capture: true });

export function announce(text) {
  const el = document.getElementById("annonce");
  el.textContent = "";
  setTimeout(() => (el.textContent = text), 50);
}

// Why a field's change was not saved, naming the field by its label: the node's message with
// its field parameter ("champ", the item's key) replaced by the label.
export function fieldError(e, label) {
  let text = t("tablette.erreur.inconnue", { statut: "?" });
  if (e instanceof ApiError) text = e.erreur ? tError(e.erreur, { champ: label }) : e.message;
  return text.includes(label) ? text : t("tablette.saisie.erreur_de", { champ: label, message: text });
}

export function errorNotice(e) {
  return h("p", { class: "notice error", role: "alert" }, e instanceof ApiError ? e.message : t("tablette.erreur.inconnue", { statut: "?" }));
}
