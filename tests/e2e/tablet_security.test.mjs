// The tablet's local API cannot be used by any other page the tablet's browser opens: not
// read, not written, not reached through another host name (DNS rebinding), even by a page
// that somehow knows the launch key. And the app works with the keyboard alone.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { Central, Tablet, TABLET, workdir, removeWorkdir, launchBrowser, openPage, screenshot } from "./lib/carnet.mjs";

const root = workdir("security");
const central = new Central(root);
const tablet = new Tablet(root, "claire");
let browser;
let evil;

// A page of another origin (another port of the same loopback address) that tries the API.
function startEvilSite(target, key) {
  const page = `<!doctype html><html><body><form id="f" method="post" action="${target}/api/inspections" enctype="text/plain">
<input name='{"dossier":"ma-0042","x":"' value='"}'></form><script src="/evil.js"></script></body></html>`;
  const script = `
window.results = {};
async function attempt(name, url, init) {
  try { const r = await fetch(url, init); window.results[name] = "read:" + r.status + ":" + (await r.text()).slice(0, 80); }
  catch (e) { window.results[name] = "blocked"; }
}
(async () => {
  await attempt("read_state", "${target}/api/etat");
  await attempt("read_with_key", "${target}/api/etat", { headers: { Authorization: "Bearer ${key}" } });
  await attempt("write_with_key", "${target}/api/inspections", { method: "POST", headers: { Authorization: "Bearer ${key}", "Content-Type": "application/json" }, body: JSON.stringify({ dossier: "ma-0042" }) });
  await attempt("write_blind", "${target}/api/inspections", { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ dossier: "ma-0042" }) });
  window.results.done = true;
})();`;
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      if (req.url === "/evil.js") {
        res.writeHead(200, { "Content-Type": "text/javascript" });
        res.end(script);
      } else {
        res.writeHead(200, { "Content-Type": "text/html" });
        res.end(page);
      }
    });
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function request(port, path, headers, method = "GET") {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  central.setUp([["insp-namur-07", "Claire Lambert"]], [["ma-0042", "insp-namur-07"]]);
  await central.start();
  tablet.enroll(central, "insp-namur-07");
  await tablet.serve();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  evil?.close();
  await tablet.stop();
  await central.stop();
  removeWorkdir(root);
});

test("a page from another origin fails to call the local API", async () => {
  const key = new URL(tablet.url).hash.replace("#cle=", "");
  const port = Number(new URL(tablet.url).port);
  const inspections = () => tablet.json("inspection", "list").length;
  assert.equal(inspections(), 0);

  // The right host with the key works (so that the refusals below mean something).
  const ok = await request(port, "/api/etat", { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${key}` });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers["access-control-allow-origin"], undefined);
  // No key, a wrong key, another host name (DNS rebinding), a preflight.
  assert.equal((await request(port, "/api/etat", { Host: `127.0.0.1:${port}` })).status, 401);
  assert.equal((await request(port, "/api/etat", { Host: `127.0.0.1:${port}`, Authorization: "Bearer nope" })).status, 401);
  assert.equal((await request(port, "/api/etat", { Host: `attacker.example:${port}`, Authorization: `Bearer ${key}` })).status, 403);
  assert.equal((await request(port, "/", { Host: `attacker.example:${port}` })).status, 403);
  const preflight = await request(port, "/api/inspections", { Host: `127.0.0.1:${port}`, Origin: "http://127.0.0.1:1", "Access-Control-Request-Method": "POST" }, "OPTIONS");
  assert.equal(preflight.status, 403);
  assert.equal(preflight.headers["access-control-allow-origin"], undefined);
  const foreign = await request(port, "/api/etat", { Host: `127.0.0.1:${port}`, Origin: "http://127.0.0.1:1", Authorization: `Bearer ${key}` });
  assert.equal(foreign.status, 403);

  // In the browser: every attempt from the other origin is blocked or refused.
  evil = await startEvilSite(tablet.origin, key);
  const page = await openPage(browser, TABLET);
  await page.goto(`http://127.0.0.1:${evil.address().port}/`);
  await page.waitForFunction(() => window.results?.done === true, null, { timeout: 20000 });
  const results = await page.evaluate(() => window.results);
  assert.equal(results.read_state, "blocked");
  assert.equal(results.read_with_key, "blocked");
  assert.equal(results.write_with_key, "blocked");
  // The blind write gets an opaque answer; the node must have refused it.
  assert.ok(["blocked", "read:0:"].includes(results.write_blind), results.write_blind);
  // A cross-site form post (a navigation, which CORS does not stop).
  await Promise.all([page.waitForNavigation(), page.evaluate(() => document.getElementById("f").submit())]);
  assert.match(await page.content(), /autre page refusée|clé de session/);
  assert.equal(inspections(), 0, "nothing was written by the other origin");
  await screenshot(page, "securite-page-etrangere");
});

// Presses Tab until the focused element matches `selector` (at most `max` times).
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`keyboard: never reached ${selector}`);
}

test("an inspection started, answered, given a photo row, completed and signed with the keyboard alone", async () => {
  const page = await openPage(browser, TABLET);
  await page.goto(tablet.url);
  await page.getByRole("heading", { name: "Dossiers assignés" }).waitFor();
  const card = page.locator("section.card", { hasText: "Maison d'accueil Le Relais" });
  await card.getByRole("button", { name: "Commencer une inspection" }).waitFor();
  await tabTo(page, 'section.card[aria-labelledby="d-ma-0042"] button.primary');
  await page.keyboard.press("Enter");
  await page.waitForURL(/#\/inspection\/[^/]+\/visite$/);
  await tabTo(page, 'nav a[href$="/introduction"]');
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/introduction$/);
  await page.locator('.field[data-key="introduction.mixite"]').waitFor();
  await tabTo(page, '.field[data-key="introduction.mixite"] input[type="radio"]');
  await page.keyboard.press("Space");
  await page.locator('.field[data-key="introduction.mixite"] .saved', { hasText: "Enregistré" }).waitFor();
  await tabTo(page, '[id="f-introduction.ca_hommes"]');
  await page.keyboard.type("3");
  await page.keyboard.press("Tab");
  await page.locator('.field[data-key="introduction.ca_hommes"] .saved', { hasText: "Enregistré" }).waitFor();
  await page.keyboard.type("2");
  await page.keyboard.press("Tab");
  await page.locator('[data-computed="introduction.ca_administrateurs"]').getByText("5").waitFor();
  // A row added, filled and a photo attached, with the keyboard.
  await page.goto(`${tablet.origin}/#/inspection/${encodeURIComponent(page.url().split("/inspection/")[1].split("/")[0])}/batiments`);
  await page.locator('[data-table="batiments.photos"]').waitFor();
  await tabTo(page, '[data-table="batiments.photos"] .row button');
  await page.keyboard.press("Enter");
  const row = page.locator('[data-table="batiments.photos"] .table-row').last();
  await tabTo(page, '[data-table="batiments.photos"] .table-row:last-child input[type="file"]');
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Space")]);
  await chooser.setFiles({ name: "registre.png", mimeType: "image/png",
    buffer: Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64") });
  await row.locator(".photo img").waitFor({ timeout: 10000 });
  await tabTo(page, '[data-table="batiments.photos"] .table-row:last-child input[type="text"]');  // past the photo's « Effacer »
  await page.keyboard.type("Registre des présences");
  await page.keyboard.press("Tab");
  await row.locator(".saved", { hasText: "Enregistré" }).last().waitFor();

  // Follow-up chosen, completed and signed, with the keyboard.
  await page.goto(page.url().replace(/\/batiments$/, "/cloture"));
  await page.locator('[id="f-suivi"]').waitFor();
  await tabTo(page, '[id="f-suivi"]');
  await page.keyboard.press("ArrowDown");
  await page.locator('.field[data-key="suivi"] .saved', { hasText: "Enregistré" }).waitFor();
  await tabTo(page, "section.card button.primary");
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Signer le rapport" }).waitFor();
  await tabTo(page, "section.card button.primary:not([hidden])");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement?.textContent === "Confirmer la signature");
  await page.keyboard.press("Enter");
  await page.getByText(/Signé par Claire Lambert/).waitFor();

  const shown = tablet.json("inspection", "list");
  assert.equal(shown.length, 1);
  const view = tablet.json("inspection", "show", shown[0].id);
  const intro = view.sections.find((s) => s.key === "introduction");
  assert.equal(intro.items.find((i) => i.key === "introduction.ca_hommes").value, 3);
  assert.equal(view.status, "signed");
  const photos = view.sections.find((s) => s.key === "batiments").items.find((i) => i.key === "batiments.photos");
  assert.equal(photos.rows.length, 1);
  assert.match(String(photos.rows[0].photo), /^[0-9a-f]{64}$/);
  assert.equal(photos.rows[0].legende, "Registre des présences");
  assert.deepEqual(page.errors, []);
});
