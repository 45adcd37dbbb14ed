// The tablet's local API at its edges: bad input gets one French message and the right HTTP
// status, and nothing is written; the page renders each refusal from the message catalogue
// (its key and parameters), so another catalogue changes the text with no code change.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { Tablet, SAMPLES, PHONE, workdir, removeWorkdir, launchBrowser, openPage } from "./lib/carnet.mjs";
import path from "node:path";

const root = workdir("api");
const tablet = new Tablet(root, "claire");
let key;
const refusals = [];  // every error answer of the first test, for the catalogue test

async function api(method, p, body, headers = {}) {
  const init = { method, headers: { Authorization: `Bearer ${key}`, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" || body instanceof Buffer ? body : JSON.stringify(body);
    if (!init.headers["Content-Type"]) init.headers["Content-Type"] = "application/json";
  }
  const r = await fetch(`${tablet.origin}${p}`, init);
  const type = r.headers.get("content-type") || "";
  return { status: r.status, body: type.startsWith("application/json") ? await r.json() : await r.text() };
}

before(async () => {
  tablet.cmd("init", "--inspector", "insp-07", "--name", "Claire Lambert");
  tablet.cmd("dossier", "import", path.join(SAMPLES, "dossiers.json"));
  await tablet.serve();
  key = new URL(tablet.url).hash.replace("#cle=", "");
});

after(async () => {
  await tablet.stop();
  removeWorkdir(root);
});

test("bad requests are refused with a French message and write nothing", async () => {
  const pending = () => tablet.json("changes").pending;
  const created = await api("POST", "/api/inspections", { dossier: "ma-0042", date: "2025-03-10" });
  assert.equal(created.status, 201);
  const id = created.body.id;
  const before = pending();

  const cases = [
    ["POST", "/api/inspections", "{pas du json", 400, /JSON invalide/],
    ["POST", "/api/inspections", { dossier: "inconnu" }, 404, /inconnu/],
    ["POST", "/api/inspections", { date: "2025-03-10" }, 400, /dossier/],
    ["PUT", `/api/inspections/${id}`, { set: { "batiments.nb_wc": "deux" } }, 400, /batiments\.nb_wc/],
    ["PUT", `/api/inspections/${id}`, { set: { "batiments.nb_wc": "2", "batiments.inconnu": "1" } }, 400, /inconnu/],
    ["PUT", `/api/inspections/${id}`, { set: { "batiments.nb_wc": 2 } }, 400, /texte/],
    ["PUT", `/api/inspections/${id}`, { set: {} }, 400, /set/],
    ["PUT", "/api/inspections/nope", { set: { "batiments.nb_wc": "2" } }, 404, /inspection/],
    ["POST", `/api/inspections/${id}/supprimer-ligne`, { table: "personnes", position: 3 }, 400, /pas de ligne 3/],
    ["POST", `/api/inspections/${id}/supprimer-ligne`, { table: "personnes", position: -1 }, 400, /ligne/],
    ["POST", `/api/inspections/${id}/photo`, Buffer.from("x"), 400, /cle/, { "Content-Type": "image/jpeg" }],
    ["POST", `/api/inspections/${id}/signer`, undefined, 409, /./],
    ["GET", "/api/pieces/abc", undefined, 400, /empreinte/],
    ["GET", `/api/pieces/${"0".repeat(64)}`, undefined, 404, /absente/],
    ["POST", "/api/conflits/nope", { garder: "both" }, 400, /mine ou theirs/],
    ["POST", "/api/conflits/nope", { garder: "mine" }, 404, /conflit inconnu/],
    ["GET", "/api/rien", undefined, 404, /inconnu/],
    ["DELETE", `/api/inspections/${id}`, undefined, 404, /inconnu/],
  ];
  for (const [method, p, body, status, message, headers] of cases) {
    const r = await api(method, p, body, headers);
    assert.equal(r.status, status, `${method} ${p} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.erreur?.message ?? "", message, `${method} ${p}`);
    assert.ok(r.body.erreur.code, "a stable code");
    refusals.push(r.body.erreur);
  }
  assert.equal(pending(), before, "no refused request wrote anything");

  // Completing needs the follow-up; signing needs an enrolled tablet (not this one).
  assert.equal((await api("PUT", `/api/inspections/${id}`, { set: { "batiments.nb_wc": "2" } })).status, 200);
  const incomplete = await api("POST", `/api/inspections/${id}/cloturer`);
  assert.equal(incomplete.status, 409);
  assert.match(incomplete.body.erreur.message, /il manque : suivi souhaité/);
  refusals.push(incomplete.body.erreur);
  assert.equal((await api("PUT", `/api/inspections/${id}`, { set: { suivi: "aucun" } })).status, 200);
  assert.equal((await api("POST", `/api/inspections/${id}/cloturer`)).status, 200);
  const sign = await api("POST", `/api/inspections/${id}/signer`);
  assert.equal(sign.status, 409);
  assert.match(sign.body.erreur.message, /enrôl|carnet enroll/);
  refusals.push(sign.body.erreur);
  const view = await api("GET", `/api/inspections/${id}`);
  assert.equal(view.body.status, "completed");
  assert.equal(view.body.report.sections.find((s) => s.key === "batiments").items.find((i) => i.key === "batiments.nb_wc").value, 2);
});

test("a body over the limit is refused before it is read", async () => {
  const r = await api("POST", "/api/inspections", Buffer.alloc(34 * 1024 * 1024, 65), { "Content-Type": "application/json" })
    .catch((e) => ({ status: "cut", body: String(e) }));
  assert.ok(r.status === 413 || r.status === "cut", JSON.stringify(r).slice(0, 200));
  const still = await api("GET", "/api/etat");
  assert.equal(still.status, 200, "the service keeps serving");
});

test("the page renders every refusal from the catalogue: the server's French, and another language without code", async () => {
  assert.ok(refusals.length >= 18);
  const browser = await launchBrowser();
  try {
    const page = await openPage(browser, PHONE);
    // A made-up language: the French catalogue with every text of the C++ code's keys marked.
    const french = JSON.parse(await (await fetch(`${tablet.origin}/messages/fr.json`)).text());
    const other = Object.fromEntries(Object.entries(french).map(([k, v]) => [k, /^(coeur|stockage|sync|outils)\./.test(k) ? `«${v}»` : v]));
    // The server's list of catalogues gets the made-up one: nothing else changes.
    await page.route("**/messages/langues.json", (route) => route.fulfill({ contentType: "application/json", body: JSON.stringify(["fr", "xx"]) }));
    await page.route("**/messages/xx.json", (route) => route.fulfill({ contentType: "application/json", body: JSON.stringify(other) }));
    await page.goto(tablet.url);
    await page.getByRole("heading", { name: "Dossiers assignés" }).waitFor();
    const rendered = await page.evaluate(async (errors) => {
      const i18n = await import("/common/i18n.js");
      const fr = errors.map((e) => i18n.tError(e));
      await i18n.loadMessages(["xx-XX", "fr"]);
      const xx = errors.map((e) => i18n.tError(e));
      await i18n.loadMessages(["fr"]);
      return { fr, xx };
    }, refusals);
    refusals.forEach((e, i) => {
      assert.equal(typeof e.cle, "string", `a key for « ${e.message} »`);
      assert.ok(e.cle in french, `${e.cle} is in the catalogue`);
      assert.equal(rendered.fr[i], e.message, `${e.cle}: the page's French is the server's`);
      assert.notEqual(rendered.xx[i], e.message, `${e.cle}: another catalogue changes the text`);
      assert.ok(rendered.xx[i].includes("«"), `${e.cle}: rendered from the other catalogue: ${rendered.xx[i]}`);
    });
    // A reader whose browser asks for Dutch gets the screens from a Dutch catalogue when the
    // node has one, and French for what that catalogue lacks.
    const context = await browser.newContext({ locale: "nl-BE", viewport: PHONE });
    const dutch = await context.newPage();
    await dutch.route("**/messages/langues.json", (route) => route.fulfill({ contentType: "application/json", body: JSON.stringify(["fr", "nl"]) }));
    await dutch.route("**/messages/nl.json", (route) =>
      route.fulfill({ contentType: "application/json", body: JSON.stringify({ "tablette.dossiers.titre": "Toegewezen dossiers" }) }));
    await dutch.goto(tablet.url);
    await dutch.getByRole("heading", { name: "Toegewezen dossiers" }).waitFor();
    assert.equal(await dutch.evaluate(() => document.documentElement.lang), "nl");
    await dutch.getByRole("link", { name: "Conflits", exact: true }).waitFor();
    await context.close();
  } finally {
    await browser.close();
  }
});
