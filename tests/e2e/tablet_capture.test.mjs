// An inspector captures a whole shelter inspection on a phone-sized screen with the network to
// the central node cut, signs it, the network comes back and the sync indicator clears. On the
// way: computed values and findings follow each answer, a saved answer survives the tablet's
// service being killed, every input has a label, and each screen is kept as a screenshot at
// phone and tablet size.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { writeFileSync } from "node:fs";
import { Central, Tablet, PHONE, TABLET, workdir, removeWorkdir, launchBrowser, openPage, screenshot,
  checkLabelsAndTexts, waitForSync } from "./lib/carnet.mjs";

const root = workdir("capture");
const central = new Central(root);
const claire = new Tablet(root, "claire");
let browser;

before(async () => {
  central.setUp([["insp-namur-07", "Claire Lambert"]], [["ma-0042", "insp-namur-07"]]);
  await central.start();
  claire.enroll(central, "insp-namur-07");
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await claire.stop();
  await central.stop();
  removeWorkdir(root);
});

// Sets one answer through the form, whatever its control, and waits until the node says it
// is saved.
async function answer(page, key, value) {
  const field = page.locator(`.field[data-key="${key}"]`).first();
  await field.waitFor();
  const radios = field.locator('input[type="radio"]');
  if (await radios.count()) {
    await field.locator("label", { hasText: { oui: "Oui", non: "Non", so: "Sans objet" }[value] }).click();
  } else if (await field.locator('input[type="checkbox"]').count()) {
    await field.locator('input[type="checkbox"]').setChecked(value === "oui");
  } else if (await field.locator("select").count()) {
    await field.locator("select").selectOption(value);
  } else {
    const input = field.locator("input, textarea").first();
    await input.fill(value);
    await input.press("Tab");
  }
  await field.locator(".saved", { hasText: "Enregistré sur la tablette" }).waitFor({ timeout: 10000 });
}

async function section(page, inspection, key) {
  await page.goto(`${claire.origin}/#/inspection/${inspection}/${key}`);
  try {
    await page.locator("form.card").first().waitFor({ timeout: 15000 });
  } catch (e) {
    await screenshot(page, `echec-section-${key}`);
    throw new Error(`section ${key} not shown: ${await page.locator("main").innerText()}`);
  }
}

async function both(page, name) {
  await screenshot(page, `${name}-telephone`);
  await page.setViewportSize(TABLET);
  await screenshot(page, `${name}-tablette`);
  await page.setViewportSize(PHONE);
}

test("a whole shelter inspection captured offline at phone size, signed, synced when the network is back", async () => {
  await claire.serve();
  const page = await openPage(browser, PHONE);
  await page.goto(claire.url);
  await page.getByRole("heading", { name: "Dossiers assignés" }).waitFor();
  await waitForSync(page, "ok");

  // The network to the central node is cut.
  await central.stop();
  await page.locator("#sync").click();
  await waitForSync(page, "offline");

  const card = page.locator("section.card", { hasText: "Maison d'accueil Le Relais" });
  await card.getByText("Dernière visite : 10/05/2023").waitFor();
  await card.getByText(/Recommandations de la visite précédente/).click();
  await checkLabelsAndTexts(page, "dossiers");
  await both(page, "01-dossiers");
  await card.getByRole("button", { name: "Commencer une inspection" }).click();
  await page.waitForURL(/#\/inspection\/[^/]+\/visite$/);
  const inspection = decodeURIComponent(page.url().split("/inspection/")[1].split("/")[0]);

  // Visit and people met; the previous visit's recommendations come from the dossier.
  await answer(page, "accompagnateur", "insp-namur-03");
  await page.locator('[data-table="personnes"]').getByRole("button", { name: "Ajouter une ligne" }).click();
  const person = page.locator('[data-table="personnes"] .table-row').last();
  await person.getByLabel("Nom, prénom", { exact: true }).fill("Mme Dubois");
  await person.getByLabel("Nom, prénom", { exact: true }).press("Tab");
  await person.locator(".saved", { hasText: "Enregistré" }).first().waitFor();
  await person.getByLabel("Fonction", { exact: true }).fill("directrice");
  await person.getByLabel("Fonction", { exact: true }).press("Tab");
  await person.locator(".saved", { hasText: "Enregistré" }).nth(1).waitFor();
  await person.getByText("Ligne 1").waitFor();
  const previous = page.locator('[data-table="recommandations_precedentes"] .table-row');
  assert.equal(await previous.count(), 2, "the previous visit's two recommendations");
  await checkLabelsAndTexts(page, "visite");
  await both(page, "02-visite");

  // I. Introduction: the board's composition is computed and checked as the inspector types.
  await section(page, inspection, "introduction");
  await answer(page, "introduction.mixite", "oui");
  await answer(page, "introduction.ca_hommes", "4");
  await answer(page, "introduction.ca_femmes", "3");
  await page.locator('[data-computed="introduction.ca_administrateurs"]').getByText("7").waitFor();
  await answer(page, "introduction.ca_hommes", "8");
  await page.locator('[data-computed="introduction.ca_administrateurs"]').getByText("11").waitFor();
  await page.locator("#constats li.nonconform").first().waitFor();
  await answer(page, "introduction.ca_hommes", "4");
  // A yes/no answer can be cleared, and given again.
  const mixite = page.locator('.field[data-key="introduction.mixite"]');
  await mixite.getByRole("button", { name: /^Effacer la réponse/ }).click();
  await mixite.locator(".saved", { hasText: "Enregistré sur la tablette" }).waitFor();
  assert.equal(await mixite.locator("input:checked").count(), 0);
  await answer(page, "introduction.mixite", "oui");
  await checkLabelsAndTexts(page, "introduction");
  await both(page, "03-section-introduction");

  // The service is killed right after a save (a battery dying): nothing shown as saved is lost.
  await section(page, inspection, "agrement");
  await answer(page, "agrement.capacite", "30");
  await claire.stop("SIGKILL");
  await claire.serve();
  await page.goto(claire.url);
  await page.getByRole("heading", { name: "Dossiers assignés" }).waitFor();
  page.errors = page.errors.filter((e) => !e.includes("ERR_CONNECTION_REFUSED"));  // polls while it was down
  await section(page, inspection, "agrement");
  assert.equal(await page.locator('[id="f-agrement.capacite"]').inputValue(), "30");
  await answer(page, "agrement.places_subventionnees", "24");
  await answer(page, "agrement.subvention_art95", "oui");

  await section(page, inspection, "personnel");
  for (const [k, v] of [["personnel.art94.etp_directeur", "1"], ["personnel.art94.etp_as", "1"],
    ["personnel.art94.etp_educateur", "2,5"], ["personnel.art95.etp", "0,75"]]) await answer(page, k, v);
  await both(page, "04-section-personnel");

  await section(page, inspection, "fonctionnement");
  for (const [k, v] of [["fonctionnement.annee", "2024"], ["fonctionnement.nuitees_totales", "7300"],
    ["fonctionnement.nuitees_agreees", "6850"], ["fonctionnement.nuitees_enfants", "2050"],
    ["fonctionnement.annee_prec", "2023"], ["fonctionnement.nuitees_totales_prec", "7100"],
    ["fonctionnement.nuitees_agreees_prec", "6700"], ["fonctionnement.nuitees_enfants_prec", "1900"],
    ["fonctionnement.rapport_activites", "oui"], ["fonctionnement.rapport_activites_annee", "2024"],
    ["fonctionnement.rapport_activites_envoi", "2025-02-26"], ["fonctionnement.pac_conforme", "oui"],
    ["fonctionnement.roi_conforme", "non"],
    ["remarques.fonctionnement", "Le ROI ne mentionne pas la procédure de plainte (annexe 7)."]]) await answer(page, k, v);
  await page.locator('[data-computed="fonctionnement.taux_occupation"]').getByText(/%/).waitFor();
  await both(page, "05-section-fonctionnement");

  await section(page, inspection, "dossier_individuel");
  await answer(page, "dossier_individuel.pai_conforme", "oui");
  await answer(page, "dossier_individuel.pai_30_jours", "oui");
  await section(page, inspection, "participation");
  await answer(page, "participation.paf_gite", "8,50");
  await answer(page, "participation.paf_gite_couvert", "13,10");

  // VII. Buildings, with a photo taken through the file input.
  await section(page, inspection, "batiments");
  for (const [k, v] of [["batiments.attestation_incendie_conforme", "oui"], ["batiments.attestation_incendie_expiration", "2026-06-30"],
    ["batiments.nb_heberges", "26"], ["batiments.nb_douches", "3"], ["batiments.nb_lavabos", "7"],
    ["batiments.temperature", "19"], ["batiments.nb_wc", "2"],
    ["recommandations.batiments", "Installer un WC supplémentaire au premier étage."]]) await answer(page, k, v);
  // A long remark is saved after a pause in typing, without leaving the field.
  const remark = page.locator('[id="f-remarques.batiments"]');
  await remark.click();
  await page.keyboard.type("Escalier de secours dégagé.");
  await page.locator('.field[data-key="remarques.batiments"] .saved', { hasText: "Enregistré sur la tablette" }).waitFor({ timeout: 10000 });
  const photos = page.locator('[data-table="batiments.photos"]');
  await photos.getByRole("button", { name: "Ajouter une ligne" }).click();
  const jpeg = path.join(claire.dir, "..", "extincteur.jpg");
  writeFileSync(jpeg, Buffer.from("/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=", "base64"));
  await photos.locator('input[type="file"]').last().setInputFiles(jpeg);
  await photos.locator(".photo img").waitFor({ timeout: 10000 });
  await checkLabelsAndTexts(page, "batiments");
  await both(page, "06-section-batiments");

  // Conclusions, follow-up, completion and signature.
  await section(page, inspection, "cloture");
  await answer(page, "conclusions", "Service bien tenu ; deux points à régulariser.");
  await answer(page, "suivi", "avec_delai");
  await answer(page, "suivi_delai", "60");
  await page.getByRole("button", { name: "Clôturer l'inspection" }).click();
  await page.getByRole("button", { name: "Signer le rapport" }).click();
  await both(page, "07-cloture");
  await page.getByRole("button", { name: "Confirmer la signature" }).click();
  await page.getByText(/Signé par Claire Lambert/).waitFor();
  await page.getByText("Ce rapport est signé").waitFor();

  // The report preview, printable.
  await page.getByRole("link", { name: "Aperçu du rapport" }).click();
  const report = page.frameLocator("iframe.report");
  await report.getByText("Maison d'accueil Le Relais").first().waitFor();
  await report.getByText(/Service bien tenu/).waitFor();
  await both(page, "08-apercu-rapport");

  // Still offline: the changes wait on the tablet.
  assert.equal(await page.locator("#sync").getAttribute("data-state"), "offline");
  assert.match(await page.locator("#sync").innerText(), /Hors ligne — \d+ changement\(s\) en attente/);

  // The network comes back: the background sync sends everything and the indicator clears.
  await central.start(central.port);
  await waitForSync(page, "ok", 60000);
  assert.match(await page.locator("#sync").innerText(), /Synchronisé/);
  await both(page, "09-synchronise");

  const listed = central.json("inspection", "list");
  const mine = listed.find((i) => i.id === inspection);
  assert.equal(mine?.status, "signed");
  central.cmd("report", "verify", inspection);
  const html = central.cmd("report", inspection, "--format", "html");
  assert.match(html, /Mme Dubois/);
  assert.match(html, /Installer un WC supplémentaire/);
  assert.match(html, /Escalier de secours dégagé/);
  assert.deepEqual(page.errors, []);
});
