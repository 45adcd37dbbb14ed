// The inspector's tablet app: a thin view over the node's local API (/api/…, JSON on
// loopback). Every rule of the grid (computed values, relevance, norms) is evaluated by the
// core engine behind the API; this file only shows what the API returns and sends what the
// inspector types, one change at a time, in order. Texts come from the message catalogue.
import { h, add, clear, frenchDate, frenchNumber } from "/common/dom.js";
import { loadMessages, t, tError, translateDocument } from "/common/i18n.js";

const KEY_STORAGE = "carnet.cle";
const main = () => document.getElementById("contenu");

// --- The local API ----------------------------------------------------------------------

// The per-launch secret comes in the address's fragment (#cle=…), which the browser never
// sends anywhere; it is kept in this origin's storage and taken out of the address bar.
function takeKey() {
  const m = location.hash.match(/^#cle=([A-Za-z0-9_-]{16,128})/);
  if (m) {
    localStorage.setItem(KEY_STORAGE, m[1]);
    history.replaceState(null, "", `${location.pathname}#/dossiers`);
  }
  return localStorage.getItem(KEY_STORAGE);
}
let key = null;

// `erreur` is the answer's error object ({cle, params, contexte}) when it has one.
class ApiError extends Error {
  constructor(status, code, message, erreur = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.erreur = erreur;
  }
}

// The replica can be busy for a moment (the background sync writing a page it pulled): such
// a request is tried again a few times before the error is shown.
async function api(method, path, body, contentType) {
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
function enqueue(work) {
  inFlight += 1;
  const run = queue.then(work).finally(() => (inFlight -= 1));
  queue = run.catch(() => {});
  return run;
}

// Typing not sent yet (fields waiting for a pause); sent before leaving the page, and the
// browser asks before closing while anything is still on its way.
const unsent = new Set();
window.addEventListener("pagehide", () => [...unsent].forEach((send) => send()));
window.addEventListener("beforeunload", (e) => {
  [...unsent].forEach((send) => send());
  if (inFlight > 0) e.preventDefault();
});
window.addEventListener("hashchange", () => [...unsent].forEach((send) => send()), { capture: true });

function announce(text) {
  const el = document.getElementById("annonce");
  el.textContent = "";
  setTimeout(() => (el.textContent = text), 50);
}

// Why a field's change was not saved, naming the field by its label: the node's message with
// its field parameter ("champ", the item's key) replaced by the label.
function fieldError(e, label) {
  let text = t("tablette.erreur.inconnue", { statut: "?" });
  if (e instanceof ApiError) text = e.erreur ? tError(e.erreur, { champ: label }) : e.message;
  return text.includes(label) ? text : t("tablette.saisie.erreur_de", { champ: label, message: text });
}

function errorNotice(e) {
  return h("p", { class: "notice error", role: "alert" }, e instanceof ApiError ? e.message : t("tablette.erreur.inconnue", { statut: "?" }));
}

// --- The sync indicator -----------------------------------------------------------------

let lastState = null;

function syncText(s) {
  const n = s.pending;
  const last = s.last_sync ? frenchDate(s.last_sync) : null;
  switch (s.sync.state) {
    case "non_enrolee": return ["offline", t("tablette.sync.non_enrolee", { n })];
    case "en_cours": return ["running", t("tablette.sync.en_cours")];
    case "hors_ligne": return ["offline", n > 0 ? t("tablette.sync.hors_ligne_attente", { n }) : t("tablette.sync.hors_ligne")];
    case "erreur":
    case "bloquee": return ["error", t("tablette.sync.erreur", { message: s.sync.erreur ? tError(s.sync.erreur) : (s.sync.message || "") })];
    default:
      if (n > 0) return ["pending", t("tablette.sync.attente", { n })];
      return ["ok", last ? t("tablette.sync.ok", { quand: last }) : t("tablette.sync.ok_jamais")];
  }
}

async function refreshState() {
  try {
    const s = await api("GET", "/api/etat");
    lastState = s;
    const [state, text] = syncText(s);
    const button = document.getElementById("sync");
    button.dataset.state = state;
    button.textContent = text;
    button.title = t("tablette.sync.bouton");
    const conflicts = document.getElementById("nav-conflits");
    conflicts.textContent = s.conflicts > 0 ? t("tablette.nav.conflits_n", { n: s.conflicts }) : t("tablette.nav.conflits");
  } catch (e) {
    const button = document.getElementById("sync");
    button.dataset.state = "error";
    button.textContent = e.message;
  }
}

// --- Screens ----------------------------------------------------------------------------

// Screens render only if no later navigation started while they waited for the API.
let routeSeq = 0;
const stale = (seq) => seq !== undefined && seq !== routeSeq;

async function showDossiers(seq) {
  const dossiers = await api("GET", "/api/dossiers");
  if (stale(seq)) return;
  const root = clear(main());
  add(root, h("h2", {}, t("tablette.dossiers.titre")));
  if (dossiers.length === 0) add(root, h("p", { class: "notice" }, t("tablette.dossiers.aucun")));
  for (const d of dossiers) {
    const card = h("section", { class: "card", "aria-labelledby": `d-${d.id}` },
      h("h3", { id: `d-${d.id}` }, d.name),
      h("p", { class: "muted" }, [d.reference, d.holder].filter(Boolean).join(" · ")),
      d.address ? h("p", {}, d.address) : null,
      h("p", {}, d.last_visit ? t("tablette.dossiers.derniere_visite", { date: frenchDate(d.last_visit) }) : t("tablette.dossiers.jamais_visite")));
    if (d.recommendations?.length) {
      add(card, h("details", {}, h("summary", {}, t("tablette.dossiers.recommandations", { n: d.recommendations.length })),
        h("ul", {}, d.recommendations.map((r) => h("li", {}, r)))));
    }
    if (d.inspections.length) {
      add(card, h("ul", {}, d.inspections.map((i) => h("li", {},
        h("a", { href: `#/inspection/${encodeURIComponent(i.id)}/visite` },
          t("tablette.dossiers.inspection", { date: i.visit_date ? frenchDate(i.visit_date) : "—", statut: t(i.status_libelle_cle) }))))));
    }
    const start = h("button", { type: "button", class: "primary" }, t("tablette.dossiers.commencer"));
    start.addEventListener("click", async () => {
      start.disabled = true;
      try {
        const created = await api("POST", "/api/inspections", { dossier: d.id });
        location.hash = `#/inspection/${encodeURIComponent(created.id)}/visite`;
      } catch (e) {
        start.disabled = false;
        add(card, errorNotice(e));
      }
    });
    add(card, h("div", { class: "row" }, start));
    add(root, card);
  }
}

// The inspection being edited: the latest view from the API, and the elements that show
// what the engine computes.
let current = null;

const CLOSING_FIELDS = new Set(["conclusions", "suivi", "suivi_delai", "suivi_autre", "avis_titulaire"]);
const STATUS_LOCKED = new Set(["signed"]);

function itemStates(view) {
  const states = new Map();
  for (const s of view.report.sections) for (const it of s.items) states.set(it.key, it);
  return states;
}

function shownValue(spec, value) {
  if (value === null || value === undefined) return "—";
  if (spec.type === "oui_non") return t(`tablette.oui_non.${value}`);
  if (spec.type === "case") return value === true || value === "oui" ? t("tablette.oui_non.oui") : t("tablette.oui_non.non");
  if (spec.type === "choix") return spec.choices?.find((c) => c.value === value)?.label ?? value;
  if (spec.type === "date") return frenchDate(value);
  if (["entier", "decimal", "montant", "pourcentage"].includes(spec.type)) {
    const unit = spec.type === "montant" ? " €" : spec.type === "pourcentage" ? " %" : spec.unit ? ` ${spec.unit}` : "";
    return `${frenchNumber(value)}${unit}`;
  }
  return String(value);
}

function inputText(spec, value) {
  if (value === null || value === undefined) return "";
  if (["entier", "decimal", "montant", "pourcentage"].includes(spec.type)) return frenchNumber(value);
  return String(value);
}

// One answer's control. An answer changes in two ways only: to a complete value the inspector
// gave (sent as {set: {KEY: TEXT}}), or cleared by its « Effacer » button (sent as
// {effacer: [KEY]}). Whatever else the control holds — an emptied field, a date with a part
// missing or an impossible one, a text the node refuses — is refused: the control is marked
// invalid, the reason names the item by its label in the status line the control is described
// by (announced), nothing is sent, and once the control is left it shows the saved answer
// again. `keyOf` is called when a change is sent, so that a row's position is the one it has
// then; `valueOf(view)` is the answer the node holds in a view of the inspection.
function controlFor(spec, keyOf, valueOf, idBase, { locked }) {
  const id = `f-${idBase}`;
  const status = h("p", { class: "saved", id: `${id}-etat`, "aria-live": "polite" });
  const wrap = h("div", { class: "field", dataset: { key: idBase } });
  const help = spec.help ? h("p", { class: "help", id: `${id}-aide` }, spec.help) : null;
  const described = [help ? `${id}-aide` : null, `${id}-etat`].filter(Boolean).join(" ");
  const unit = spec.type === "montant" ? "€" : spec.type === "pourcentage" ? "%" : spec.unit || "";
  let saved = valueOf(current.view);

  if (spec.computed) {
    add(wrap, h("p", { class: "label", id }, h("strong", {}, spec.label)),
      h("div", { class: "computed", "aria-live": "polite", "aria-labelledby": id, dataset: { computed: spec.key } }, shownValue(spec, saved)));
    return wrap;
  }

  // Set by each kind of control below: the elements marked invalid, how a stored answer (or
  // null) is shown in them, and whether a refusal shows the saved answer at once (a pick) or
  // once the control is left (typing).
  let targets = [];
  let show = () => {};
  let picked = true;
  const clearButton = locked ? null : h("button", {
    type: "button", class: "clear", hidden: saved === null, "aria-label": t("tablette.saisie.effacer_de", { champ: spec.label }),
  }, t("tablette.saisie.effacer"));
  // After « Effacer », in its place until the next change: puts the answer back (a clearing
  // made by a stray tap or key is one tap from undone).
  const undoButton = locked ? null : h("button", {
    type: "button", class: "clear", hidden: true, "aria-label": t("tablette.saisie.annuler_effacement_de", { champ: spec.label }),
  }, t("tablette.saisie.annuler_effacement"));
  let erased = null;

  const say = (text, error) => {
    status.textContent = text;
    status.className = error ? "error" : "saved";
    if (error) status.setAttribute("role", "alert");
    else status.removeAttribute("role");
  };
  const mark = (invalid) => {
    for (const el of targets) {
      if (invalid) el.setAttribute("aria-invalid", "true");
      else el.removeAttribute("aria-invalid");
    }
  };
  // The refusal of what the control holds now (null: none); `restored` once the saved answer
  // is shown again.
  let refusal = null;
  let restored = false;
  let afterRestore = () => {};
  const restore = () => {
    restored = true;
    show(saved);
    afterRestore();
    say(t(saved === null ? "tablette.saisie.refus_rien" : "tablette.saisie.refus_garde",
      { raison: refusal, valeur: shownValue(spec, saved) }), true);
  };
  const refuse = (reason, invalid = true) => {
    refusal = reason;
    restored = false;
    mark(invalid);
    say(reason, true);
    if (picked || !targets.includes(document.activeElement)) restore();
  };
  const editing = () => {
    if (refusal === null) return;
    refusal = null;
    mark(false);
    say("", false);
  };
  // Sends one change; resolves true once the node has it on disk (then says `done`).
  const put = (body, done = t("tablette.saisie.enregistre")) => {
    say(t("tablette.saisie.envoi"), false);
    return enqueue(async () => {
      const view = await api("PUT", `/api/inspections/${encodeURIComponent(current.view.id)}`, body());
      updateView(view);
      return view;
    }).then((view) => {
      saved = valueOf(view);
      if (clearButton) clearButton.hidden = saved === null;
      if (undoButton) undoButton.hidden = true;
      erased = null;
      refusal = null;
      mark(false);
      say(done, false);
      return true;
    }, (e) => {
      // A refusal of the value (400) marks the control invalid; any other failure still
      // means the answer was not saved.
      refuse(fieldError(e, spec.label), e instanceof ApiError && e.status === 400);
      return false;
    });
  };
  const send = (text) => put(() => ({ set: { [keyOf()]: text } }));
  clearButton?.addEventListener("click", async () => {
    const before = saved;
    if (!(await put(() => ({ effacer: [keyOf()] }), t("tablette.saisie.effacee")))) return;
    show(null);
    erased = before;
    undoButton.hidden = false;
    undoButton.focus();
  });
  undoButton?.addEventListener("click", async () => {
    if (erased === null) return;
    // The answer as text the node reads back: a box as oui/non, a number in French.
    const text = typeof erased === "boolean" ? (erased ? "oui" : "non") : inputText(spec, erased);
    if (!(await send(text))) return;
    show(saved);
    clearButton.focus();
  });

  if (spec.type === "oui_non") {
    const name = `${id}-r`;
    const options = ["oui", "non", "so"].map((v) => h("label", {},
      h("input", { type: "radio", name, value: v, checked: saved === v, disabled: locked, onchange: () => send(v) }),
      h("span", {}, t(`tablette.oui_non.${v}`))));
    targets = options.map((l) => l.querySelector("input"));
    show = (value) => targets.forEach((radio) => (radio.checked = radio.value === value));
    add(wrap, h("fieldset", { class: "choices", "aria-describedby": described },
      h("legend", { id }, spec.label), help, h("div", { class: "row" }, h("div", { class: "segmented" }, options), clearButton, undoButton)), status);
    return wrap;
  }
  if (spec.type === "case") {
    const box = h("input", { type: "checkbox", id, checked: saved === true, disabled: locked, "aria-describedby": described });
    box.addEventListener("change", () => send(box.checked ? "oui" : "non"));
    targets = [box];
    show = (value) => (box.checked = value === true);
    add(wrap, h("div", { class: "answer" }, h("label", { class: "check", for: id }, box, spec.label), clearButton, undoButton), help, status);
    return wrap;
  }
  if (spec.type === "photo") {
    const file = h("input", { type: "file", id, accept: "image/*", capture: "environment", disabled: locked, "aria-describedby": described });
    const preview = h("div", { class: "photo" });
    targets = [file];
    show = (value) => {
      file.value = "";
      if (value) showPhoto(preview, value);
      else clear(preview);
    };
    show(saved);
    file.addEventListener("change", () => {
      const chosen = file.files[0];
      if (!chosen) return;
      say(t("tablette.saisie.envoi"), false);
      enqueue(async () => {
        const view = await api("POST", `/api/inspections/${encodeURIComponent(current.view.id)}/photo?cle=${encodeURIComponent(keyOf())}`, chosen);
        updateView(view);
        return view;
      }).then((view) => {
        saved = valueOf(view) ?? view.photo ?? null;
        if (clearButton) clearButton.hidden = saved === null;
        if (undoButton) undoButton.hidden = true;
        erased = null;
        if (view.photo) showPhoto(preview, view.photo);
        mark(false);
        say(t("tablette.saisie.enregistre"), false);
      }, (e) => refuse(fieldError(e, spec.label), e instanceof ApiError && e.status === 400));
    });
    add(wrap, h("label", { for: id }, spec.label), help, h("div", { class: "answer" }, file, clearButton, undoButton), preview, status);
    return wrap;
  }

  const numeric = ["entier", "decimal", "montant", "pourcentage"].includes(spec.type);
  let input;
  let placeholder = null;
  if (spec.type === "choix") {
    // "— choisir —" stands for no answer; it cannot be picked to clear one.
    placeholder = h("option", { value: "", disabled: saved !== null, selected: saved === null }, t("tablette.saisie.aucun_choix"));
    input = h("select", { id, disabled: locked, "aria-describedby": described }, placeholder,
      (spec.choices || []).map((c) => h("option", { value: c.value, selected: c.value === saved }, c.label)));
  } else if (spec.type === "texte" && spec.long) {
    input = h("textarea", { id, disabled: locked, "aria-describedby": described });
  } else {
    input = h("input", {
      id, type: spec.type === "date" ? "date" : "text", disabled: locked, "aria-describedby": described,
      inputmode: numeric ? (spec.type === "entier" ? "numeric" : "decimal") : undefined, autocomplete: "off",
    });
  }
  targets = [input];
  picked = false;
  // The text last sent, or shown from the node: sent again only once it changes.
  let lastSent = "";
  show = (value) => {
    if (placeholder) placeholder.disabled = value !== null && value !== undefined;
    input.value = inputText(spec, value);
    lastSent = input.value;
  };
  show(saved);
  // What the control holds: a text to send (the node checks it), nothing, or an incomplete or
  // impossible date (the browser's date input then gives an empty value and says badInput).
  const read = () => {
    if (input.validity?.badInput) return { reason: t("tablette.saisie.date_incomplete", { champ: spec.label }) };
    if (input.value.trim() === "") return { empty: true };
    return { text: input.value };
  };
  // Sent when the control is left (or a choice picked, or the page left), and after a pause in
  // typing, so that a dying battery loses at most the last second and a half. A number that
  // ends with a sign or a separator ("1,") is still being typed: it waits for the control to
  // be left, as the node would read it as another number. `final`: the inspector is done with
  // the control; an empty one is then a refusal when there is an answer to keep.
  const unfinished = (text) => numeric && /[-+.,]\s*$/.test(text);
  let timer = null;
  const commit = (final) => {
    clearTimeout(timer);
    timer = null;
    unsent.delete(flush);
    const r = read();
    if (r.text !== undefined) {
      if (r.text === lastSent) return;
      if (!final && unfinished(r.text)) {
        unsent.add(flush);
        return;
      }
      lastSent = r.text;
      send(r.text);
    } else if (refusal === null && r.reason) {
      refuse(r.reason);
    } else if (refusal === null && final && saved !== null) {
      refuse(t("tablette.saisie.vide", { champ: spec.label }));
    }
  };
  const flush = () => commit(true);
  const later = () => {
    clearTimeout(timer);
    unsent.add(flush);
    timer = setTimeout(() => commit(false), 1500);
  };
  const typed = input.tagName === "TEXTAREA" || input.type === "text" || input.type === "date";
  input.addEventListener("input", () => {
    editing();
    if (typed) later();
  });
  // A date input fires "change" at each part typed (with the focus, for a moment, elsewhere):
  // only leaving it is final.
  input.addEventListener("change", () => (input.type === "date" ? later() : commit(true)));
  input.addEventListener("blur", () => {
    commit(true);
    if (refusal !== null && !restored) restore();
  });
  afterRestore = () => {
    clearTimeout(timer);
    timer = null;
    unsent.delete(flush);
  };
  add(wrap, h("label", { for: id }, spec.label), help,
    h("div", { class: "answer" }, unit ? h("div", { class: "with-unit" }, input, h("span", { class: "unit", "aria-hidden": "true" }, unit)) : input, clearButton, undoButton),
    status);
  return wrap;
}

async function showPhoto(el, sha) {
  try {
    const blob = await api("GET", `/api/pieces/${encodeURIComponent(sha)}`);
    add(clear(el), h("img", { src: URL.createObjectURL(blob), alt: t("tablette.saisie.photo_jointe") }));
  } catch (e) {
    add(clear(el), errorNotice(e));
  }
}

// A table item (or one of the canvas's own tables): one block per row, a button to add a
// row (saved with its first value) and one to delete each.
function tableFor(spec, tableKey, rows, locked) {
  const wrap = h("fieldset", { class: "table", dataset: { table: tableKey } }, h("legend", {}, spec.label));
  if (spec.help) add(wrap, h("p", { class: "help" }, spec.help));
  const list = h("div", {});
  add(wrap, list);
  const addRow = (row) => {
    const block = h("div", { class: "table-row", dataset: { row: row ? row.id : "" } });
    const title = h("p", { class: "muted" });
    const number = () => {
      const ids = current.view.tables[tableKey].map((r) => r.id);
      const i = ids.indexOf(block.dataset.row);
      return i < 0 ? null : i + 1;
    };
    const renumber = () => {
      const n = number();
      title.textContent = n ? t("tablette.tableau.ligne", { n }) : t("tablette.tableau.nouvelle_ligne");
    };
    block.renumber = renumber;
    add(block, title);
    for (const col of spec.columns) {
      const keyOf = () => {
        const n = number();
        return n ? `${tableKey}[${n}].${col.key}` : `${tableKey}[+].${col.key}`;
      };
      const control = controlFor(col, () => {
        const before = new Set(current.view.tables[tableKey].map((r) => r.id));
        const k = keyOf();
        if (!block.dataset.row) block.pendingIds = before;
        return k;
      }, (view) => view.tables[tableKey].find((r) => r.id === block.dataset.row)?.cells[col.key] ?? null,
      `${tableKey}-${row ? row.id : "n" + Math.random().toString(36).slice(2, 8)}-${col.key}`, { locked });
      add(block, control);
    }
    if (!locked) {
      const del = h("button", { type: "button", class: "danger" }, t("tablette.tableau.supprimer"));
      del.addEventListener("click", () => {
        if (!block.dataset.row) {
          block.remove();
          return;
        }
        enqueue(async () => {
          const view = await api("POST", `/api/inspections/${encodeURIComponent(current.view.id)}/supprimer-ligne`, { table: tableKey, position: number() });
          block.remove();
          updateView(view);
          announce(t("tablette.tableau.supprimee"));
        }).catch((e) => add(block, errorNotice(e)));
      });
      add(block, del);
    }
    add(list, block);
    renumber();
    return block;
  };
  for (const row of rows) addRow(row);
  if (!locked) {
    const addButton = h("button", { type: "button" }, t("tablette.tableau.ajouter"));
    addButton.addEventListener("click", () => {
      const block = addRow(null);
      block.querySelector("input, select, textarea")?.focus();
    });
    add(wrap, h("div", { class: "row" }, addButton));
  }
  return wrap;
}

function findingsList(findings) {
  if (!findings.length) return h("p", { class: "muted" }, t("tablette.constats.aucun"));
  return h("ul", { class: "findings" }, findings.map((f) => h("li", { class: f.status },
    h("span", { class: `badge ${f.status}` }, t(`tablette.constats.${f.status}`)), " ",
    f.message, f.reference ? h("span", { class: "muted" }, ` (${f.reference})`) : null)));
}

// After each save: what the engine computed from it, shown in place, without touching what
// the inspector may be typing elsewhere.
function updateView(view) {
  current.view = view;
  const states = itemStates(view);
  for (const el of main().querySelectorAll("[data-computed]")) {
    const st = states.get(el.dataset.computed);
    const spec = current.specs.get(el.dataset.computed);
    if (st && spec) el.textContent = shownValue(spec, st.value);
  }
  for (const el of main().querySelectorAll(".field[data-key]")) {
    const st = states.get(el.dataset.key);
    if (st) el.hidden = st.relevant === false;
  }
  const section = view.report.sections.find((s) => s.key === current.section);
  const box = document.getElementById("constats");
  if (box && section) add(clear(box), findingsList(section.findings));
  // Rows created by a save take the id the node gave them.
  for (const block of main().querySelectorAll(".table-row")) {
    const table = block.closest("[data-table]")?.dataset.table;
    if (!table) continue;
    if (!block.dataset.row && block.pendingIds) {
      const fresh = view.tables[table].find((r) => !block.pendingIds.has(r.id));
      if (fresh) block.dataset.row = fresh.id;
      block.pendingIds = null;
    }
    block.renumber?.();
  }
  renderHeader();
}

function renderHeader() {
  const el = document.getElementById("entete");
  if (!el) return;
  const r = current.view.report;
  let nonconform = 0;
  let unknown = 0;
  for (const s of r.sections) for (const f of s.findings) {
    if (f.status === "nonconform") nonconform += 1;
    if (f.status === "unknown") unknown += 1;
  }
  add(clear(el), 
    h("h2", {}, r.dossier.name),
    h("p", { class: "muted" }, `${r.grid.title} — ${t("tablette.inspection.statut", { statut: t(current.view.status_libelle_cle) })}`),
    h("p", {}, h("span", { class: "badge nonconform" }, t("tablette.inspection.nonconformes", { n: nonconform })), " ",
      h("span", { class: "badge unknown" }, t("tablette.inspection.a_verifier", { n: unknown }))));
}

// The inspection's own fields and tables have catalogue labels ("libelle_cle"): shown in the
// reader's language. The grid's labels are the grid file's.
function localiseLabels(node) {
  if (Array.isArray(node)) {
    node.forEach(localiseLabels);
  } else if (node && typeof node === "object") {
    if (typeof node.libelle_cle === "string") node.label = t(node.libelle_cle);
    Object.values(node).forEach(localiseLabels);
  }
}

async function showInspection(id, sectionKey, seq) {
  const view = await api("GET", `/api/inspections/${encodeURIComponent(id)}`);
  if (stale(seq)) return;
  localiseLabels(view.meta);
  current = { view, section: sectionKey, specs: new Map() };
  for (const s of view.form.sections) for (const it of s.items) current.specs.set(it.key, it);
  const locked = STATUS_LOCKED.has(view.status);
  const root = clear(main());
  add(root, h("div", { id: "entete" }));
  renderHeader();
  const base = `#/inspection/${encodeURIComponent(id)}`;
  const tabs = [["visite", t("tablette.inspection.visite")],
    ...view.form.sections.map((s) => [s.key, `${s.number}. ${s.title}`]),
    ["cloture", t("tablette.inspection.cloture")]];
  add(root, h("nav", { "aria-label": t("tablette.inspection.sections") }, h("ul", { class: "sections" },
    tabs.map(([k, label]) => h("li", {}, h("a", { href: `${base}/${k}`, "aria-current": k === sectionKey ? "page" : undefined }, label))),
    h("li", {}, h("a", { href: `#/rapport/${encodeURIComponent(id)}` }, t("tablette.inspection.apercu"))))));
  if (locked) add(root, h("p", { class: "notice" }, t("tablette.inspection.signee")));
  const form = h("form", { class: "card", onsubmit: (e) => e.preventDefault() });
  add(root, form);
  const metaSpec = new Map(view.meta.fields.map((f) => [f.key, f]));
  const metaControl = (key, extra = {}) => {
    const spec = { ...metaSpec.get(key), ...extra };
    return controlFor(spec, () => key, (v) => v.values[key] ?? null, key, { locked });
  };
  if (sectionKey === "visite") {
    add(form, h("h3", {}, t("tablette.inspection.visite")));
    for (const f of view.meta.fields) if (!CLOSING_FIELDS.has(f.key)) add(form, metaControl(f.key));
    for (const tbl of view.meta.tables) add(form, tableFor(tbl, tbl.key, view.tables[tbl.key] || [], locked));
  } else if (sectionKey === "cloture") {
    add(form, h("h3", {}, t("tablette.inspection.cloture")));
    for (const f of view.meta.fields) if (CLOSING_FIELDS.has(f.key)) add(form, metaControl(f.key, { long: f.type === "texte" }));
    add(root, lifecycle(view));
  } else {
    const section = view.form.sections.find((s) => s.key === sectionKey);
    if (!section) throw new ApiError(404, "not_found", t("tablette.erreur.section"));
    const states = itemStates(view);
    add(form, h("h3", {}, `${section.number}. ${section.title}`));
    if (section.help) add(form, h("p", { class: "help" }, section.help));
    for (const item of section.items) {
      if (item.heading) add(form, h("h4", {}, item.heading));
      const st = states.get(item.key) || {};
      const el = item.type === "tableau"
        ? tableFor(item, item.key, view.tables[item.key] || [], locked)
        : controlFor(item, () => item.key, (v) => itemStates(v).get(item.key)?.value ?? null, item.key, { locked });
      if (item.type === "tableau") el.classList.add("field"), (el.dataset.key = item.key);
      el.hidden = st.relevant === false;
      add(form, el);
    }
    add(root, h("section", { class: "card", "aria-labelledby": "constats-titre" },
      h("h3", { id: "constats-titre" }, t("tablette.constats.titre")), h("div", { id: "constats", "aria-live": "polite" })));
    updateView(view);
    const texts = h("form", { class: "card", onsubmit: (e) => e.preventDefault() });
    for (const prefix of ["remarques", "recommandations"]) {
      const k = `${prefix}.${section.key}`;
      add(texts, controlFor({ key: k, label: t(`tablette.inspection.${prefix}`), type: "texte", long: true },
        () => k, (v) => v.values[k] ?? null, k, { locked }));
    }
    add(root, texts);
  }
  const index = tabs.findIndex(([k]) => k === sectionKey);
  const next = tabs[index + 1];
  if (next) add(root, h("p", {}, h("a", { class: "button", href: `${base}/${next[0]}` }, t("tablette.inspection.suivante", { section: next[1] }))));
  main().focus();
}

function lifecycle(view) {
  const box = h("section", { class: "card", "aria-labelledby": "fin-titre" }, h("h3", { id: "fin-titre" }, t("tablette.inspection.fin")));
  const result = h("div", { "aria-live": "polite" });
  const act = (path, done) => enqueue(async () => {
    const v = await api("POST", `/api/inspections/${encodeURIComponent(view.id)}/${path}`);
    announce(done);
    await showInspection(v.id, "cloture");
  }).catch((e) => add(clear(result), errorNotice(e)));
  if (view.status === "draft" || view.status === "in_progress") {
    add(box, h("p", {}, t("tablette.inspection.cloturer_aide")),
      h("button", { type: "button", class: "primary", onclick: () => act("cloturer", t("tablette.inspection.cloturee")) }, t("tablette.inspection.cloturer")));
  } else if (view.status === "completed") {
    const confirm = h("button", { type: "button", class: "primary", hidden: true, onclick: () => act("signer", t("tablette.inspection.signee_annonce")) },
      t("tablette.inspection.confirmer_signature"));
    const sign = h("button", { type: "button", class: "primary" }, t("tablette.inspection.signer"));
    sign.addEventListener("click", () => {
      sign.hidden = true;
      confirm.hidden = false;
      confirm.focus();
    });
    add(box, h("p", {}, t("tablette.inspection.signer_aide")), h("div", { class: "row" }, sign, confirm));
  } else {
    const signed = view.report.signed;
    add(box, h("p", {}, t("tablette.inspection.signee_par", { qui: signed.by_name || signed.by || "", quand: frenchDate(signed.at || "") })));
  }
  add(box, result);
  return box;
}

async function showReport(id, seq) {
  const html = await api("GET", `/api/inspections/${encodeURIComponent(id)}/rapport`);
  if (stale(seq)) return;
  const root = clear(main());
  const frame = h("iframe", { class: "report", title: t("tablette.rapport.cadre"), sandbox: "allow-same-origin allow-modals" });
  frame.srcdoc = html;
  const print = h("button", { type: "button", class: "primary" }, t("tablette.rapport.imprimer"));
  print.addEventListener("click", () => frame.contentWindow.print());
  add(root, h("h2", {}, t("tablette.rapport.titre")),
    h("div", { class: "row no-print" }, print, h("a", { class: "button", href: `#/inspection/${encodeURIComponent(id)}/visite` }, t("tablette.rapport.retour"))),
    frame);
  main().focus();
}

async function showConflicts(seq) {
  const conflicts = await api("GET", "/api/conflits");
  if (stale(seq)) return;
  const root = clear(main());
  add(root, h("h2", {}, t("tablette.conflits.titre")));
  if (!conflicts.length) {
    add(root, h("p", { class: "notice" }, t("tablette.conflits.aucun")));
    return;
  }
  add(root, h("p", {}, t("tablette.conflits.aide")));
  for (const c of conflicts) {
    const result = h("div", { "aria-live": "polite" });
    const choose = (keep) => enqueue(async () => {
      await api("POST", `/api/conflits/${encodeURIComponent(c.id)}`, { garder: keep });
      announce(t("tablette.conflits.resolu"));
      await showConflicts();
      await refreshState();
    }).catch((e) => add(clear(result), errorNotice(e)));
    add(root, h("section", { class: "card conflict", "aria-labelledby": `c-${c.id}` },
      h("h3", { id: `c-${c.id}` }, `${c.dossier_name || c.dossier} — ${c.label}`),
      h("div", { class: "side-by-side" },
        h("div", {}, h("p", { class: "muted" }, t("tablette.conflits.mienne")), h("p", { class: "value" }, c.mine_text)),
        h("div", {}, h("p", { class: "muted" }, t("tablette.conflits.leur", { qui: c.who, quand: frenchDate(c.when) })), h("p", { class: "value" }, c.theirs_text))),
      h("p", {}, t(c.kept === "mine" ? "tablette.conflits.retenu_mienne" : "tablette.conflits.retenu_leur")),
      h("div", { class: "row" },
        h("button", { type: "button", onclick: () => choose("mine") }, t("tablette.conflits.garder_mienne")),
        h("button", { type: "button", onclick: () => choose("theirs") }, t("tablette.conflits.garder_leur"))),
      result));
  }
}

// --- Start ------------------------------------------------------------------------------

function setNav(screen) {
  for (const a of document.querySelectorAll("header nav a")) {
    if (a.dataset.nav === screen) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function route() {
  // A new launch's address opened in the same tab: take its key.
  if (location.hash.startsWith("#cle=")) {
    key = takeKey();
    refreshState();
  }
  const parts = (location.hash || "#/dossiers").replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  setNav(parts[0] === "inspection" || parts[0] === "rapport" ? "dossiers" : parts[0]);
  routeSeq += 1;
  const seq = routeSeq;
  try {
    if (parts[0] === "inspection" && parts[1]) await showInspection(parts[1], parts[2] || "visite", seq);
    else if (parts[0] === "rapport" && parts[1]) await showReport(parts[1], seq);
    else if (parts[0] === "conflits") await showConflicts(seq);
    else await showDossiers(seq);
  } catch (e) {
    if (!stale(seq)) add(clear(main()), errorNotice(e));
  }
}

async function start() {
  // Before anything that waits: the address may change (another screen) while the catalogue
  // loads, and the key in its fragment would be lost.
  key = takeKey();
  await loadMessages();
  translateDocument();
  document.title = t("tablette.titre");
  if (!key) {
    add(clear(main()), h("p", { class: "notice error", role: "alert" }, t("tablette.erreur.cle")));
    return;
  }
  document.getElementById("sync").addEventListener("click", async () => {
    try {
      await api("POST", "/api/synchroniser");
    } catch (e) {
      announce(e.message);
    }
    refreshState();
  });
  window.addEventListener("hashchange", route);
  await refreshState();
  setInterval(refreshState, 2000);
  await route();
}

start();
