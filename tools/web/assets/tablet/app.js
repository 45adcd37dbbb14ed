// The inspector's tablet app: a thin view over the node's local API (/api/…, JSON on
// loopback). Every rule of the grid (computed values, relevance, norms) is evaluated by the
// core engine behind the API; this file only shows what the API returns and sends what the
// inspector types, one change at a time, in order. Texts come from the message catalogue.
import { h, add, clear, frenchDate } from "/common/dom.js";
import { loadMessages, t, tError, translateDocument } from "/common/i18n.js";
import { ApiError, api, enqueue, announce, errorNotice, takeKey } from "/tablet/api.js";
import { shownValue, controlFor, tableFor, useEditor } from "/tablet/answers.js";

const main = () => document.getElementById("contenu");

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
useEditor({ view: () => current.view, saved: (view) => updateView(view) });

const CLOSING_FIELDS = new Set(["conclusions", "suivi", "suivi_delai", "suivi_autre", "avis_titulaire"]);
const STATUS_LOCKED = new Set(["signed"]);

function itemStates(view) {
  const states = new Map();
  for (const s of view.report.sections) for (const it of s.items) states.set(it.key, it);
  return states;
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
    takeKey();
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
  const key = takeKey();
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
