// The central office's web app (carnet-central serve, /bureau/) in Chromium against real
// processes: a clerk signs in, finds a report signed on a tablet, opens and prints it (A4 PDF);
// a conflict made on two tablets is resolved with the keyboard alone and reaches both tablets;
// assignments, quarantine review and devices (an enrollment QR code, a revocation) are used with
// the keyboard alone too; every screen is kept as screenshots at phone and tablet size; wrong
// passwords get a French answer and the sixth attempt is paused.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { ARTIFACTS, Central, Tablet, PHONE, TABLET, workdir, removeWorkdir, launchBrowser, openPage, screenshot,
  checkLabelsAndTexts } from "./lib/carnet.mjs";

const root = workdir("office");
const central = new Central(root);
const claire = new Tablet(root, "claire");
const marc = new Tablet(root, "marc");
const PASSWORDS = { jean: "Jean-mot-de-passe-du-bureau", marie: "Marie-mot-de-passe-admin" };
let browser;
let signed; // an inspection signed on Claire's tablet
let disputed; // an inspection whose batiments.nb_wc Claire and Marc set differently
let spare; // a second tablet of Claire's, enrolled with the QR code's link

function addUser(name, role) {
  const file = path.join(root, `${name}.password`);
  writeFileSync(file, `${PASSWORDS[name]}\n`);
  chmodSync(file, 0o600);
  central.cmd("user", "add", name, "--role", role, "--password-file", file);
}

before(async () => {
  central.setUp([["insp-namur-07", "Claire Lambert"], ["insp-namur-03", "Marc Dupont"]],
    [["ma-0042", "insp-namur-07"], ["ma-0042", "insp-namur-03"]]);
  addUser("jean", "office");
  addUser("marie", "admin");
  await central.start();
  claire.enroll(central, "insp-namur-07");
  marc.enroll(central, "insp-namur-03");

  // A report signed on a tablet, as tools/demo.sh makes one.
  signed = claire.cmd("inspection", "start", "--dossier", "ma-0042", "--date", "2025-03-10").trim();
  claire.cmd("inspection", "set", signed, "accompagnateur=insp-namur-03", "personnes[+1].nom=Mme Dubois",
    "introduction.mixite=oui", "introduction.ca_hommes=4", "introduction.ca_femmes=3", "batiments.nb_wc=2",
    "conclusions=Service bien tenu ; deux points à régulariser.", "suivi=avec_delai", "suivi_delai=60");
  claire.cmd("inspection", "complete", signed);
  claire.cmd("inspection", "sign", signed);
  claire.cmd("sync");

  // Both tablets count the toilets of another visit offline, and disagree.
  disputed = claire.cmd("inspection", "start", "--dossier", "ma-0042", "--date", "2025-04-02").trim();
  claire.cmd("sync");
  marc.cmd("sync");
  marc.cmd("inspection", "set", disputed, "batiments.nb_wc=3");
  claire.cmd("inspection", "set", disputed, "batiments.nb_wc=2");
  marc.cmd("sync");
  claire.cmd("sync");
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await central.stop();
  removeWorkdir(root);
});

// The page's script errors, less the refusals the tests cause on purpose (the browser logs
// every 401, 409 and 429 answer as an error).
function unexpected(page) {
  return page.errors.filter((e) => !/the server responded with a status of (401|403|409|429)/.test(e));
}

async function both(page, name) {
  await screenshot(page, `bureau-${name}-telephone`);
  await page.setViewportSize(TABLET);
  await screenshot(page, `bureau-${name}-tablette`);
  await page.setViewportSize(PHONE);
}

async function signIn(page, name) {
  await page.goto(`${central.url}/bureau/`);
  await page.getByLabel("Nom d'utilisateur").fill(name);
  await page.getByLabel("Mot de passe").fill(PASSWORDS[name]);
  await page.getByRole("button", { name: "Se connecter" }).click();
  await page.getByRole("heading", { name: "Aperçu" }).waitFor();
}

// Presses Tab until the focused element matches `test` (evaluated in the page); fails after `max`.
async function tabTo(page, test, arg, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(test, arg)) return;
  }
  throw new Error(`nothing focusable matched after ${max} Tab presses`);
}

// Tabs to the element matching `selector` (a CSS selector, or an accessible name for the
// focused element's aria-label or text) and presses `key` on it.
async function pressOn(page, selector, key = "Enter", max = 120) {
  await tabTo(page, (sel) => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    if (sel.css) return el.matches(sel.css);
    const name = el.getAttribute("aria-label") || el.textContent || "";
    return new RegExp(sel.name).test(name.trim());
  }, selector, max);
  await page.keyboard.press(key);
}

function reportItem(report, key) {
  for (const s of report.sections) for (const it of s.items || []) if (it.key === key) return it;
  return undefined;
}

test("the office signs in, finds the signed report, opens it and prints it on A4", async () => {
  const page = await openPage(browser, PHONE, { ignoreHTTPSErrors: true });
  await page.goto(`${central.url}/`);
  await page.waitForURL(/\/bureau\/#?\/?.*$/);
  await page.getByRole("heading", { name: "Connexion du personnel du bureau" }).waitFor();
  await checkLabelsAndTexts(page, "connexion");
  await both(page, "01-connexion");
  await signIn(page, "jean");

  const overview = page.locator("main");
  await overview.getByRole("link", { name: "Conflits ouverts : 1" }).waitFor();
  await overview.getByRole("link", { name: "Changements en quarantaine à examiner : 0" }).waitFor();
  await overview.getByRole("link", { name: "signée : 1" }).waitFor();
  await overview.getByText("tablette claire").waitFor();
  assert.equal(await page.getByRole("link", { name: "Appareils", exact: true }).count(), 0, "office clerks do not manage devices");
  await checkLabelsAndTexts(page, "apercu");
  await both(page, "02-apercu");

  await page.getByRole("link", { name: "Inspections", exact: true }).click();
  const row = page.locator(`tr[data-inspection="${signed}"]`);
  await row.getByText("signée").waitFor();
  await row.getByText("Claire Lambert").waitFor();
  await row.getByText("10/03/2025").waitFor();
  await checkLabelsAndTexts(page, "inspections");
  await both(page, "03-inspections");

  await row.getByRole("link", { name: /Ouvrir le rapport/ }).click();
  const frame = page.frameLocator("iframe.report");
  await frame.getByText(/Service bien tenu/).waitFor();
  await page.getByRole("button", { name: "Imprimer le rapport" }).waitFor();
  await checkLabelsAndTexts(page, "rapport");
  await both(page, "04-rapport");

  // The report on its own page, printed to A4.
  await page.goto(`${central.url}/bureau/rapport/${encodeURIComponent(signed)}`);
  const headings = await page.locator("h2").allInnerTexts();
  for (const n of ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]) {
    assert.ok(headings.some((x) => x.trim().startsWith(`${n}. `)), `section ${n} in ${headings.join(" | ")}`);
  }
  const pdf = path.join(ARTIFACTS, "bureau-rapport.pdf");
  await page.pdf({ path: pdf, format: "A4", printBackground: true });
  assert.ok(statSync(pdf).size > 5000, "a PDF with content");
  assert.equal(readFileSync(pdf).subarray(0, 5).toString(), "%PDF-");

  // Each opening is an audited export under the clerk's name.
  const exports = central.json("audit", "list", "--limit", "30").filter((e) => e.kind === "report_export" && e.subject === signed);
  assert.ok(exports.length >= 2, "the framed and the printed openings are audited");
  assert.ok(exports.every((e) => e.actor === "jean" && e.detail.includes("via=bureau")));
  assert.deepEqual(unexpected(page), []);
});

test("a conflict from two tablets is resolved with the keyboard alone and reaches both tablets", async () => {
  const page = await openPage(browser, PHONE, { ignoreHTTPSErrors: true });
  await page.goto(`${central.url}/bureau/`);
  await page.getByLabel("Nom d'utilisateur").waitFor();
  // The name field has the focus; no click from here on.
  await page.keyboard.type("jean");
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORDS.jean);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Aperçu" }).waitFor();
  await tabTo(page, () => document.activeElement?.getAttribute("href") === "#/conflits");
  await page.keyboard.press("Enter");
  const card = page.locator("section.conflict");
  await card.getByText("Valeur retenue pour l'instant").waitFor();
  await card.getByText(/Marc Dupont|Claire Lambert/).first().waitFor();
  const kept = (await card.locator(".side-by-side > div").nth(0).locator(".value").innerText()).trim();
  const other = (await card.locator(".side-by-side > div").nth(1).locator(".value").innerText()).trim();
  assert.deepEqual([kept, other].sort(), ["2", "3"]);
  await checkLabelsAndTexts(page, "conflits");
  await both(page, "05-conflits");

  await tabTo(page, () => document.activeElement?.textContent === "Garder l'autre valeur");
  await page.keyboard.press("Space");
  await page.getByText(`Conflit résolu avec « ${other} »`).first().waitFor();
  await page.getByText("Aucun conflit ouvert.").waitFor();
  await both(page, "06-conflit-resolu");

  for (const tablet of [claire, marc]) {
    tablet.cmd("sync");
    const open = tablet.json("conflicts", "list").filter((c) => c.entity_id === disputed);
    assert.deepEqual(open, [], `${tablet.name}: no conflict left`);
    const item = reportItem(tablet.json("inspection", "show", disputed), "batiments.nb_wc");
    assert.equal(String(item?.value), other, `${tablet.name} has the office's choice`);
  }
  const resolved = central.json("conflicts", "list", "--all").find((c) => c.entity_id === disputed);
  assert.equal(resolved.status, "resolved");
  assert.equal(resolved.resolved_by, "jean");
  assert.deepEqual(unexpected(page), []);
});

test("assignments and devices with the keyboard alone, an enrollment QR code, the audit log and an expired session", async () => {
  const page = await openPage(browser, PHONE, { ignoreHTTPSErrors: true });
  await signIn(page, "jean");

  await page.getByRole("link", { name: "Quarantaine", exact: true }).click();
  await page.getByText("Aucun changement à examiner.").waitFor();
  await checkLabelsAndTexts(page, "quarantaine");
  await both(page, "07-quarantaine");

  // Assignments with the keyboard alone: the menu, the inspector's list, the buttons.
  await pressOn(page, { css: 'a[href="#/dossiers"]' });
  const sis = page.locator('section[data-dossier="sis-0107"]');
  await sis.getByText("Aucun inspecteur affecté.").waitFor();
  await tabTo(page, () => document.activeElement?.matches('section[data-dossier="sis-0107"] select'), undefined, 120);
  await page.keyboard.type("Marc");
  assert.equal(await sis.getByLabel(/Affecter un inspecteur au dossier/).inputValue(), "insp-namur-03");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Affecter");
  await page.keyboard.press("Enter");
  await page.locator("#contenu").getByText("Marc Dupont est affecté au dossier Service d'insertion sociale Le Tremplin.").waitFor();
  assert.deepEqual(central.json("dossier", "list").find((d) => d.id === "sis-0107").inspectors, ["insp-namur-03"]);
  await checkLabelsAndTexts(page, "dossiers");
  await both(page, "08-dossiers");
  await pressOn(page, { name: "^Retirer Marc Dupont du dossier Service d'insertion sociale Le Tremplin" });
  await page.locator("#contenu").getByText("Marc Dupont n'est plus affecté au dossier Service d'insertion sociale Le Tremplin.").waitFor();
  assert.deepEqual(central.json("dossier", "list").find((d) => d.id === "sis-0107").inspectors, []);

  await page.getByRole("link", { name: "Journal d'audit" }).click();
  await page.getByText(/Journal intègre : \d+ entrée\(s\)/).waitFor();
  await page.locator("td", { hasText: "conflict_resolution" }).first().waitFor();
  await checkLabelsAndTexts(page, "journal");
  await both(page, "09-journal");

  // The office role is refused the admin API.
  const refused = await page.evaluate(async () => (await fetch("/bureau/api/appareils")).status);
  assert.equal(refused, 403);

  // A session that ended sends back to the login screen with a French notice.
  await page.context().clearCookies();
  await page.getByRole("link", { name: "Inspections", exact: true }).click();
  await page.getByText("Votre session a expiré ou a été fermée : veuillez vous reconnecter.").waitFor();
  await page.getByLabel("Nom d'utilisateur").waitFor();

  // The administrator: devices, an enrollment code as text and QR code, a revocation confirmed.
  const admin = await openPage(browser, PHONE, { ignoreHTTPSErrors: true });
  await signIn(admin, "marie");
  // Devices with the keyboard alone: an enrollment code, then a revocation cancelled and confirmed.
  await pressOn(admin, { css: 'a[href="#/appareils"]' });
  await admin.getByRole("heading", { name: "Appareils enrôlés" }).waitFor();
  await tabTo(admin, () => document.activeElement?.tagName === "SELECT", undefined, 120);
  await admin.keyboard.type("Claire");
  assert.equal(await admin.getByLabel("Inspecteur de la tablette").inputValue(), "insp-namur-07");
  await pressOn(admin, { name: "^Créer un code d'enrôlement$" });
  await admin.locator("#code-enrolement").waitFor();
  const code = (await admin.locator("#code-enrolement").innerText()).trim();
  assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  const qr = admin.getByRole("img", { name: `Code QR d'enrôlement (code ${code})` });
  await qr.waitFor();
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 100), "the QR code is drawn");
  assert.match(await admin.locator(".enrollment").innerText(), new RegExp(`carnet://enroll\\?central=.*&code=${code}&ca=`));
  await checkLabelsAndTexts(admin, "appareils");
  await both(admin, "10-appareils-enrolement");
  // The link in the QR code enrolls a new tablet as it is.
  const link = (await admin.locator(".enrollment").innerText()).split(/\s+/).find((w) => w.startsWith("carnet://enroll?"));
  spare = new Tablet(root, "claire-bis");
  spare.cmd("enroll", "--link", link, "--device-name", "tablette de secours");
  assert.equal(spare.json("status").inspector, "insp-namur-07");

  await pressOn(admin, { name: "^Révoquer l'appareil tablette marc$" });
  await pressOn(admin, { name: "^Annuler$" });
  assert.equal(central.json("device", "list").find((d) => d.name === "tablette marc").revoked, false);
  await pressOn(admin, { name: "^Révoquer l'appareil tablette marc$" });
  await pressOn(admin, { name: "^Confirmer la révocation de tablette marc$" });
  await admin.getByText("Appareil tablette marc révoqué").first().waitFor();
  assert.equal(central.json("device", "list").find((d) => d.name === "tablette marc").revoked, true);

  await admin.getByRole("button", { name: "Se déconnecter" }).click();
  await admin.getByText("Vous êtes déconnecté.").waitFor();
  assert.deepEqual(unexpected(page), []);
  assert.deepEqual(unexpected(admin), []);
});

test("a change refused by the central node is reviewed in the quarantine screen with the keyboard alone", async () => {
  // Claire's spare tablet edits an inspection that Claire signed meanwhile on her own tablet.
  const late = claire.cmd("inspection", "start", "--dossier", "ma-0042", "--date", "2025-05-20").trim();
  claire.cmd("inspection", "set", late, "suivi=aucun", "batiments.nb_wc=2");
  claire.cmd("sync");
  spare.cmd("sync");
  claire.cmd("inspection", "complete", late);
  claire.cmd("inspection", "sign", late);
  claire.cmd("sync");
  spare.cmd("inspection", "set", late, "batiments.nb_wc=5");
  spare.cmdExpecting(4, "sync");  // refused: the inspector is told by the exit code
  const held = central.json("quarantine", "list");
  assert.equal(held.length, 1, "the late edit is held, not applied");

  const page = await openPage(browser, PHONE, { ignoreHTTPSErrors: true });
  await signIn(page, "jean");
  await page.getByRole("link", { name: "Changements en quarantaine à examiner : 1" }).click();
  const card = page.locator("section.card", { hasText: "batiments.nb_wc" });
  await card.getByText("5", { exact: true }).waitFor();
  await checkLabelsAndTexts(page, "quarantaine");
  await both(page, "07-quarantaine-un-changement");
  // A signed report cannot take it; rejecting keeps it, reviewed, never applied.
  // With the keyboard alone.
  await pressOn(page, { name: "^Appliquer" });
  await card.locator(".notice.error", { hasText: /sign/ }).last().waitFor();
  assert.equal(central.json("quarantine", "list").length, 1);
  await pressOn(page, { name: "^Rejeter" });
  await page.getByText("Aucun changement à examiner.").waitFor();
  assert.equal(central.json("quarantine", "list").length, 0);
  assert.equal(central.json("quarantine", "list", "--all").length, 1, "kept, reviewed");
  const item = reportItem(central.json("inspection", "show", late), "batiments.nb_wc");
  assert.equal(String(item.value), "2", "the signed value stands");
  assert.deepEqual(unexpected(page), []);
});

// Last: each failure says how many tries are left, then how long the next one must wait.
test("a wrong password gets a French message with the tries left, then the wait", async () => {
  const page = await openPage(browser, PHONE, { ignoreHTTPSErrors: true });
  await page.goto(`${central.url}/bureau/`);
  for (let i = 1; i <= 5; i++) {
    await page.getByLabel("Nom d'utilisateur").fill("jean");
    await page.getByLabel("Mot de passe").fill(`mauvais mot de passe ${i}`);
    await page.getByRole("button", { name: "Se connecter" }).click();
    const told = i === 5 ? "Nom d'utilisateur ou mot de passe incorrect : prochain essai possible dans 2 s."
      : i === 4 ? "Nom d'utilisateur ou mot de passe incorrect : encore 1 essai avant une attente."
        : `Nom d'utilisateur ou mot de passe incorrect : encore ${5 - i} essais avant une attente.`;
    await page.getByRole("alert").getByText(told).waitFor();
  }
  await checkLabelsAndTexts(page, "connexion refusée");
  await both(page, "11-trop-de-tentatives");
  assert.deepEqual(unexpected(page), []);
});
