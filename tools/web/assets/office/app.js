// The central office's web app: a thin view over the office API (/bureau/api/…, JSON over
// HTTPS on the central node). The session is an HttpOnly cookie the page never sees; every
// state-changing request carries the session's CSRF token in X-CSRF-Token. The report is the
// server's page (/bureau/rapport/ID), shown in a frame and printed from it. Texts come from
// the message catalogue; nothing from the data ever becomes markup (dom.js).
import { h, add, clear, frenchDate } from "/bureau/common/dom.js";
import { loadMessages, t, tError, tMessage, translateDocument } from "/bureau/common/i18n.js";

const main = () => document.getElementById("contenu");
let session = null; // {utilisateur, role, csrf}
let loginNotice = null; // shown on the login screen (expired session, logout)

// --- The API ------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && session) headers["X-CSRF-Token"] = session.csrf;
  let response;
  try {
    response = await fetch(`/bureau/api/${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", t("bureau.erreur.reseau"));
  }
  const type = response.headers.get("Content-Type") || "";
  const json = type.startsWith("application/json") ? await response.json() : null;
  if (!response.ok) {
    const message = tError(json?.erreur) || t("bureau.erreur.inconnue", { statut: response.status });
    throw new ApiError(response.status, json?.erreur?.code || `http_${response.status}`, message);
  }
  return json;
}

// A session that ended (expired, closed elsewhere) sends back to the login screen.
function sessionEnded() {
  session = null;
  loginNotice = t("bureau.connexion.expiree");
  showNav();
  go("#/connexion");
}

// Goes to a screen; shows it again when it is the current one.
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function announce(text) {
  const el = document.getElementById("annonce");
  el.textContent = "";
  setTimeout(() => (el.textContent = text), 50);
}

function errorNotice(e) {
  return h("p", { class: "notice error", role: "alert" }, e instanceof ApiError ? capitalise(e.message) : t("bureau.erreur.inconnue", { statut: "?" }));
}

function capitalise(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

// Runs an action from a button: disables it meanwhile, shows the error beside it.
async function act(button, where, work) {
  button.disabled = true;
  try {
    await work();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return sessionEnded();
    button.disabled = false;
    add(clear(where), errorNotice(e));
  }
}

function scrollTable(headers, rows) {
  return h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": t("bureau.tableau") },
    h("table", { class: "list" }, h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, rows)));
}

function when(iso) {
  return iso ? frenchDate(iso) : t("bureau.jamais");
}

// --- Login --------------------------------------------------------------------------------

function showLogin() {
  const root = clear(main());
  const error = h("div", { "aria-live": "assertive" });
  const name = h("input", { type: "text", id: "nom", name: "nom", autocomplete: "username", required: true, autocapitalize: "none" });
  const password = h("input", { type: "password", id: "mot-de-passe", name: "mot_de_passe", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("bureau.connexion.bouton"));
  const form = h("form", { class: "card login", novalidate: true },
    h("h2", {}, t("bureau.connexion.titre")),
    loginNotice ? h("p", { class: "notice", role: "status" }, loginNotice) : null,
    h("div", { class: "field" }, h("label", { for: "nom" }, t("bureau.connexion.nom")), name),
    h("div", { class: "field" }, h("label", { for: "mot-de-passe" }, t("bureau.connexion.mot_de_passe")), password),
    error, h("div", { class: "row" }, submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(error);
    if (!name.value || !password.value) {
      add(error, h("p", { class: "notice error", role: "alert" }, t("bureau.connexion.vide")));
      return;
    }
    submit.disabled = true;
    try {
      session = await api("POST", "connexion", { nom: name.value, mot_de_passe: password.value });
      loginNotice = null;
      password.value = "";
      showNav();
      go("#/apercu");
    } catch (err) {
      submit.disabled = false;
      password.value = "";
      // The server's message: the tries left before a wait, or how long to wait.
      const text = t("bureau.connexion.refus", { message: capitalise(err.message) });
      add(error, h("p", { class: "notice error", role: "alert" }, text));
      password.focus();
    }
  });
  add(root, form);
  name.focus();
}

// --- Overview -----------------------------------------------------------------------------

async function showOverview() {
  const o = await api("GET", "apercu");
  const root = clear(main());
  add(root, h("h2", {}, t("bureau.apercu.titre")));
  add(root, h("section", { class: "card", "aria-labelledby": "a-attente" },
    h("h3", { id: "a-attente" }, t("bureau.apercu.attente")),
    h("ul", { class: "counts" },
      h("li", {}, h("a", { class: "button", href: "#/conflits" }, t("bureau.apercu.conflits", { n: o.conflits_ouverts }))),
      h("li", {}, h("a", { class: "button", href: "#/quarantaine" }, t("bureau.apercu.quarantaine", { n: o.quarantaine_ouverte }))))));
  add(root, h("section", { class: "card", "aria-labelledby": "a-inspections" },
    h("h3", { id: "a-inspections" }, t("bureau.apercu.inspections")),
    h("ul", { class: "counts" }, o.inspections.map((s) => h("li", {},
      h("a", { class: "button", href: "#/inspections", dataset: { status: s.status } }, t("bureau.apercu.statut", { statut: t(s.libelle_cle), n: s.n })))))));
  add(root, h("section", { class: "card", "aria-labelledby": "a-appareils" },
    h("h3", { id: "a-appareils" }, t("bureau.apercu.appareils")),
    o.appareils.length === 0 ? h("p", {}, t("bureau.appareils.aucun"))
      : scrollTable([t("bureau.appareils.nom"), t("bureau.appareils.inspecteur"), t("bureau.appareils.derniere_synchro")],
        o.appareils.map((d) => h("tr", {}, h("td", {}, d.name, d.revoked ? h("span", { class: "badge nonconform" }, ` ${t("bureau.appareils.revoque")}`) : null),
          h("td", {}, d.inspector_name || d.inspector), h("td", {}, when(d.last_sync)))))));
  main().focus();
}

// --- Inspections and reports --------------------------------------------------------------

async function showInspections() {
  const list = await api("GET", "inspections");
  const root = clear(main());
  add(root, h("h2", {}, t("bureau.inspections.titre")));
  if (!list.length) {
    add(root, h("p", { class: "notice" }, t("bureau.inspections.aucune")));
    return;
  }
  add(root, scrollTable(
    [t("bureau.inspections.dossier"), t("bureau.inspections.grille"), t("bureau.inspections.statut"), t("bureau.inspections.date"),
      t("bureau.inspections.inspecteur"), t("bureau.inspections.rapport")],
    list.map((i) => h("tr", { dataset: { inspection: i.id } },
      h("td", {}, i.dossier_name || i.dossier, h("br"), h("span", { class: "muted" }, i.dossier)),
      h("td", {}, `${i.grid} v${i.grid_version}`),
      h("td", {}, h("span", { class: `badge ${i.status === "signed" ? "conform" : ""}` }, t(i.status_libelle_cle))),
      h("td", {}, i.visit_date ? frenchDate(i.visit_date) : "—"),
      h("td", {}, i.inspector_name || i.inspector || "—"),
      h("td", {}, h("a", { class: "button", href: `#/rapport/${encodeURIComponent(i.id)}`,
        "aria-label": t("bureau.inspections.ouvrir_de", { dossier: i.dossier_name || i.dossier, date: i.visit_date ? frenchDate(i.visit_date) : "—" }) },
      t("bureau.inspections.ouvrir")))))));
  main().focus();
}

function showReport(id) {
  const root = clear(main());
  const src = `/bureau/rapport/${encodeURIComponent(id)}`;
  const frame = h("iframe", { class: "report", title: t("bureau.rapport.cadre"), src });
  const print = h("button", { type: "button", class: "primary" }, t("bureau.rapport.imprimer"));
  print.addEventListener("click", () => frame.contentWindow.print());
  add(root, h("h2", {}, t("bureau.rapport.titre")),
    h("p", { class: "muted" }, t("bureau.rapport.audit")),
    h("div", { class: "row no-print" }, print,
      h("a", { class: "button", href: src, target: "_blank", rel: "noopener" }, t("bureau.rapport.seul")),
      h("a", { class: "button", href: "#/inspections" }, t("bureau.rapport.retour"))),
    frame);
  main().focus();
}

// --- Conflicts ----------------------------------------------------------------------------

async function showConflicts(done) {
  const conflicts = await api("GET", "conflits");
  const root = clear(main());
  add(root, h("h2", {}, t("bureau.conflits.titre")));
  if (done) add(root, h("p", { class: "notice", role: "status" }, done));
  if (!conflicts.length) {
    add(root, h("p", { class: "notice" }, t("bureau.conflits.aucun")));
    main().focus();
    return;
  }
  add(root, h("p", {}, t("bureau.conflits.aide")));
  for (const c of conflicts) {
    const result = h("div", { "aria-live": "polite" });
    const title = `${c.dossier_name || c.dossier} — ${c.label}`;
    const side = (label, text, name, author, time) => h("div", {},
      h("p", { class: "muted" }, label), h("p", { class: "value" }, text),
      h("p", { class: "muted" }, t("bureau.conflits.par", { qui: name || author, quand: frenchDate(time) })));
    const choose = (button, keep, text) => act(button, result, async () => {
      await api("POST", `conflits/${encodeURIComponent(c.id)}`, { garder: keep });
      announce(t("bureau.conflits.resolu", { valeur: text }));
      await showConflicts(t("bureau.conflits.resolu", { valeur: text }));
    });
    const keepWinner = h("button", { type: "button", class: "primary", "aria-label": t("bureau.conflits.garder_retenue_de", { valeur: c.winner_text, champ: title }) },
      t("bureau.conflits.garder_retenue"));
    keepWinner.addEventListener("click", () => choose(keepWinner, "retenue", c.winner_text));
    const keepLoser = h("button", { type: "button", "aria-label": t("bureau.conflits.garder_autre_de", { valeur: c.loser_text, champ: title }) },
      t("bureau.conflits.garder_autre"));
    keepLoser.addEventListener("click", () => choose(keepLoser, "ecartee", c.loser_text));
    add(root, h("section", { class: "card conflict", "aria-labelledby": `c-${c.id}`, dataset: { conflict: c.id } },
      h("h3", { id: `c-${c.id}` }, title),
      h("div", { class: "side-by-side" },
        side(t("bureau.conflits.retenue"), c.winner_text, c.winner_name, c.winner.author, c.winner.time),
        side(t("bureau.conflits.autre"), c.loser_text, c.loser_name, c.loser.author, c.loser.time)),
      h("div", { class: "row" }, keepWinner, keepLoser), result));
  }
  main().focus();
}

// --- Quarantine ---------------------------------------------------------------------------

async function showQuarantine(done) {
  const list = await api("GET", "quarantaine");
  const root = clear(main());
  add(root, h("h2", {}, t("bureau.quarantaine.titre")));
  if (done) add(root, h("p", { class: "notice", role: "status" }, done));
  if (!list.length) {
    add(root, h("p", { class: "notice" }, t("bureau.quarantaine.aucun")));
    main().focus();
    return;
  }
  add(root, h("p", {}, t("bureau.quarantaine.aide")));
  for (const q of list) {
    const result = h("div", { "aria-live": "polite" });
    const review = (button, decision, message) => act(button, result, async () => {
      await api("POST", `quarantaine/${encodeURIComponent(q.id)}`, { decision });
      announce(message);
      await showQuarantine(message);
    });
    const reject = h("button", { type: "button", class: "danger" }, t("bureau.quarantaine.rejeter"));
    reject.addEventListener("click", () => review(reject, "rejeter", t("bureau.quarantaine.rejete", { n: q.id })));
    const apply = h("button", { type: "button", class: "primary" }, t("bureau.quarantaine.appliquer"));
    apply.addEventListener("click", () => review(apply, "appliquer", t("bureau.quarantaine.applique", { n: q.id })));
    add(root, h("section", { class: "card", "aria-labelledby": `q-${q.id}`, dataset: { quarantine: q.id } },
      h("h3", { id: `q-${q.id}` }, t("bureau.quarantaine.changement", { n: q.id, dossier: q.dossier, champ: q.field })),
      h("p", { class: "notice error" }, t("bureau.quarantaine.raison", { raison: q.raison ? tMessage(q.raison) : q.reason })),
      h("dl", { class: "facts" },
        h("dt", {}, t("bureau.quarantaine.valeur")), h("dd", {}, q.value_text),
        h("dt", {}, t("bureau.quarantaine.inspecteur")), h("dd", {}, q.inspector_name || q.inspector),
        h("dt", {}, t("bureau.quarantaine.ecrit")), h("dd", {}, frenchDate(q.written)),
        h("dt", {}, t("bureau.quarantaine.recu")), h("dd", {}, frenchDate(q.received))),
      h("div", { class: "row" }, reject, apply), result));
  }
  main().focus();
}

// --- Dossiers and assignments -------------------------------------------------------------

async function showDossiers(done) {
  const { dossiers, inspecteurs } = await api("GET", "dossiers");
  const root = clear(main());
  add(root, h("h2", {}, t("bureau.dossiers.titre")));
  if (done) add(root, h("p", { class: "notice", role: "status" }, done));
  if (!dossiers.length) add(root, h("p", { class: "notice" }, t("bureau.dossiers.aucun")));
  const change = (button, where, dossier, inspector, on, message) => act(button, where, async () => {
    await api("POST", "affectations", { dossier: dossier.id, inspecteur: inspector, affecter: on });
    announce(message);
    await showDossiers(message);
  });
  for (const d of dossiers) {
    const result = h("div", { "aria-live": "polite" });
    const assigned = new Set(d.inspecteurs.map((i) => i.id));
    const list = d.inspecteurs.length === 0 ? h("p", { class: "muted" }, t("bureau.dossiers.personne"))
      : h("ul", { class: "people" }, d.inspecteurs.map((i) => {
        const remove = h("button", { type: "button", class: "danger", "aria-label": t("bureau.dossiers.retirer_de", { qui: i.name || i.id, dossier: d.name }) },
          t("bureau.dossiers.retirer"));
        remove.addEventListener("click", () => change(remove, result, d, i.id, false, t("bureau.dossiers.retire", { qui: i.name || i.id, dossier: d.name })));
        return h("li", {}, h("span", {}, i.name || i.id), remove);
      }));
    const free = inspecteurs.filter((i) => !assigned.has(i.id));
    const selectId = `aff-${d.id}`;
    const form = h("form", { class: "row assign" });
    if (free.length) {
      const select = h("select", { id: selectId }, free.map((i) => h("option", { value: i.id }, i.name || i.id)));
      const assign = h("button", { type: "submit" }, t("bureau.dossiers.affecter"));
      add(form, h("label", { for: selectId }, t("bureau.dossiers.ajouter", { dossier: d.name })), select, assign);
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        const who = free.find((i) => i.id === select.value);
        change(assign, result, d, select.value, true, t("bureau.dossiers.affecte", { qui: who?.name || select.value, dossier: d.name }));
      });
    }
    add(root, h("section", { class: "card", "aria-labelledby": `d-${d.id}`, dataset: { dossier: d.id } },
      h("h3", { id: `d-${d.id}` }, d.name),
      h("p", { class: "muted" }, [d.reference, d.id].filter(Boolean).join(" · ")),
      h("h4", {}, t("bureau.dossiers.inspecteurs")), list, form, result));
  }
  main().focus();
}

// --- Devices (admin) ----------------------------------------------------------------------

async function showDevices(done) {
  const { appareils, inspecteurs } = await api("GET", "appareils");
  const root = clear(main());
  add(root, h("h2", {}, t("bureau.appareils.titre")));
  if (done) add(root, h("p", { class: "notice", role: "status" }, done));

  // A new enrollment code, as text and as a QR code.
  const shown = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card" }, h("h3", {}, t("bureau.enrolement.titre")), h("p", {}, t("bureau.enrolement.aide")));
  if (inspecteurs.length) {
    const select = h("select", { id: "enr-inspecteur" }, inspecteurs.map((i) => h("option", { value: i.id }, i.name || i.id)));
    const create = h("button", { type: "submit", class: "primary" }, t("bureau.enrolement.creer"));
    add(form, h("div", { class: "field" }, h("label", { for: "enr-inspecteur" }, t("bureau.enrolement.inspecteur")), select),
      h("div", { class: "row" }, create), shown);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      act(create, shown, async () => {
        const c = await api("POST", "enrolements", { inspecteur: select.value });
        create.disabled = false;
        const who = inspecteurs.find((i) => i.id === c.inspecteur);
        const img = h("img", { class: "qr", alt: t("bureau.enrolement.qr_alt", { code: c.code }),
          src: `data:image/svg+xml,${encodeURIComponent(c.qr_svg)}` });
        add(clear(shown), h("div", { class: "enrollment" },
          h("p", {}, t("bureau.enrolement.pour", { qui: who?.name || c.inspecteur })),
          h("p", { class: "code", id: "code-enrolement" }, c.code),
          h("p", {}, t("bureau.enrolement.expire", { quand: frenchDate(c.expire) })),
          h("p", { class: "muted" }, t("bureau.enrolement.empreinte", { empreinte: c.ca_fingerprint })),
          img,
          h("p", { class: "muted small" }, c.lien)));
        announce(t("bureau.enrolement.cree", { code: c.code }));
      });
    });
  } else {
    add(form, h("p", { class: "notice" }, t("bureau.enrolement.aucun_inspecteur")));
  }
  add(root, form);

  if (!appareils.length) {
    add(root, h("p", { class: "notice" }, t("bureau.appareils.aucun")));
    main().focus();
    return;
  }
  const rows = appareils.map((d) => {
    const result = h("div", { "aria-live": "polite" });
    const cell = h("td", {});
    if (d.revoked) {
      add(cell, h("span", { class: "badge nonconform" }, t("bureau.appareils.revoque")));
    } else {
      const revoke = h("button", { type: "button", class: "danger", "aria-label": t("bureau.appareils.revoquer_de", { nom: d.name }) },
        t("bureau.appareils.revoquer"));
      const confirm = h("button", { type: "button", class: "danger", hidden: true }, t("bureau.appareils.confirmer", { nom: d.name }));
      const cancel = h("button", { type: "button", hidden: true }, t("bureau.appareils.annuler"));
      revoke.addEventListener("click", () => {
        revoke.hidden = true;
        confirm.hidden = false;
        cancel.hidden = false;
        confirm.focus();
      });
      cancel.addEventListener("click", () => {
        revoke.hidden = false;
        confirm.hidden = true;
        cancel.hidden = true;
        revoke.focus();
      });
      confirm.addEventListener("click", () => act(confirm, result, async () => {
        await api("POST", `appareils/${encodeURIComponent(d.id)}/revoquer`, {});
        const message = t("bureau.appareils.revoque_annonce", { nom: d.name });
        announce(message);
        await showDevices(message);
      }));
      add(cell, h("div", { class: "row" }, revoke, confirm, cancel), result);
    }
    return h("tr", { dataset: { device: d.id } }, h("td", {}, d.name), h("td", {}, d.inspector_name || d.inspector),
      h("td", {}, when(d.last_sync)), h("td", {}, frenchDate(d.certificate_expires)), cell);
  });
  add(root, h("h3", {}, t("bureau.appareils.liste")),
    scrollTable([t("bureau.appareils.nom"), t("bureau.appareils.inspecteur"), t("bureau.appareils.derniere_synchro"),
      t("bureau.appareils.certificat"), t("bureau.appareils.etat")], rows));
  main().focus();
}

// --- Audit log ----------------------------------------------------------------------------

async function showAudit() {
  const { entrees, verification: v } = await api("GET", "journal?limite=100");
  const root = clear(main());
  add(root, h("h2", {}, t("bureau.journal.titre")));
  add(root, v.ok
    ? h("p", { class: "notice", role: "status", id: "verification" }, t("bureau.journal.integre", { n: v.entries, tete: v.head }))
    : h("p", { class: "notice error", role: "alert", id: "verification" },
      t("bureau.journal.altere", { probleme: v.problem ? tMessage(v.problem) : "", n: v.first_bad })));
  add(root, h("p", {}, t("bureau.journal.derniers", { n: entrees.length })));
  add(root, scrollTable([t("bureau.journal.numero"), t("bureau.journal.date"), t("bureau.journal.type"), t("bureau.journal.acteur"),
    t("bureau.journal.objet"), t("bureau.journal.detail")],
  entrees.map((e) => h("tr", {}, h("td", {}, String(e.seq)), h("td", {}, frenchDate(e.time)), h("td", {}, e.kind),
    h("td", {}, e.actor), h("td", {}, e.subject), h("td", {}, e.detail)))));
  main().focus();
}

// --- Start --------------------------------------------------------------------------------

function showNav() {
  const nav = document.getElementById("nav");
  nav.hidden = !session;
  for (const a of nav.querySelectorAll("[data-admin]")) a.hidden = session?.role !== "admin";
}

function setNav(screen) {
  for (const a of document.querySelectorAll("header nav a")) {
    if (a.dataset.nav === screen) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

const SCREENS = {
  apercu: showOverview,
  inspections: showInspections,
  rapport: showReport,
  conflits: showConflicts,
  quarantaine: showQuarantine,
  dossiers: showDossiers,
  appareils: showDevices,
  journal: showAudit,
};

async function route() {
  const parts = (location.hash || "#/apercu").replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (!session || parts[0] === "connexion") {
    if (session && parts[0] === "connexion") {
      go("#/apercu");
      return;
    }
    setNav("");
    document.title = t("bureau.connexion.titre_page");
    showLogin();
    return;
  }
  const screen = SCREENS[parts[0]] ? parts[0] : "apercu";
  setNav(screen === "rapport" ? "inspections" : screen);
  document.title = `${t(`bureau.nav.${screen === "rapport" ? "inspections" : screen}`)} — ${t("bureau.titre")}`;
  try {
    if (screen === "rapport") await showReport(parts[1] || "");
    else await SCREENS[screen]();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return sessionEnded();
    add(clear(main()), errorNotice(e));
  }
}

async function start() {
  await loadMessages();
  translateDocument();
  document.title = t("bureau.titre");
  try {
    session = await api("GET", "session");
  } catch {
    session = null;
  }
  showNav();
  document.getElementById("deconnexion").addEventListener("click", async () => {
    try {
      await api("POST", "deconnexion", {});
    } catch {
      // ended anyway
    }
    session = null;
    loginNotice = t("bureau.connexion.au_revoir");
    showNav();
    go("#/connexion");
  });
  window.addEventListener("hashchange", route);
  await route();
}

start();
