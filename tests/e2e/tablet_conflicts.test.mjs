// Two inspectors counted the same thing differently on their tablets: the conflict shows on
// the tablet side by side (mine / theirs / who / when), the inspector picks a value, and it
// reaches the other tablet.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { Central, Tablet, PHONE, TABLET, workdir, removeWorkdir, launchBrowser, openPage, screenshot,
  checkLabelsAndTexts, waitForSync, until } from "./lib/carnet.mjs";

const root = workdir("conflicts");
const central = new Central(root);
const claire = new Tablet(root, "claire");
const marc = new Tablet(root, "marc");
let browser;

before(async () => {
  central.setUp([["insp-namur-07", "Claire Lambert"], ["insp-namur-03", "Marc Dupont"]],
    [["ma-0042", "insp-namur-07"], ["ma-0042", "insp-namur-03"]]);
  await central.start();
  claire.enroll(central, "insp-namur-07");
  marc.enroll(central, "insp-namur-03");
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await claire.stop();
  await central.stop();
  removeWorkdir(root);
});

function wc(tablet, id) {
  const view = tablet.json("inspection", "show", id);
  return view.sections.find((s) => s.key === "batiments").items.find((i) => i.key === "batiments.nb_wc").value;
}

test("a conflict between two tablets is settled on the tablet and reaches the other one", async () => {
  const { id } = claire.json("inspection", "start", "--dossier", "ma-0042", "--date", "2025-03-10");
  claire.cmd("sync");
  marc.cmd("sync");
  claire.cmd("inspection", "set", id, "batiments.nb_wc=2");
  marc.cmd("inspection", "set", id, "batiments.nb_wc=3");
  marc.cmd("sync");
  claire.cmd("sync");
  assert.equal(claire.json("conflicts", "list").length, 1);

  await claire.serve();
  const page = await openPage(browser, PHONE);
  await page.goto(claire.url);
  await page.getByRole("link", { name: "Conflits (1)" }).click();
  const conflict = page.locator("section.conflict");
  await conflict.waitFor();
  await conflict.getByText("Ma valeur", { exact: true }).waitFor();
  assert.equal((await conflict.locator(".side-by-side .value").allInnerTexts()).join("|"), "2|3");
  await conflict.getByText(/Valeur de insp-namur-03/).waitFor();
  await checkLabelsAndTexts(page, "conflits");
  await screenshot(page, "10-conflits-telephone");
  await page.setViewportSize(TABLET);
  await screenshot(page, "10-conflits-tablette");
  await conflict.getByRole("button", { name: "Garder ma valeur" }).click();
  await page.getByText("Aucun conflit ne vous concerne.").waitFor();
  // The background sync sends the decision.
  await until(() => central.json("conflicts", "list").every((c) => c.status !== "open"), "the decision at the central node");
  await waitForSync(page, "ok", 30000);

  marc.cmd("sync");
  assert.equal(wc(marc, id), 2);
  assert.equal(wc(claire, id), 2);
  const open = central.json("conflicts", "list").filter((c) => c.status === "open");
  assert.equal(open.length, 0, "the office sees the conflict settled");
  assert.deepEqual(page.errors, []);
});
