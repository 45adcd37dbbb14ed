// Every answer is safe: what the inspector types changes the stored answer only when it is a
// complete, valid value, and clearing an answer is an explicit « Effacer » (issue 17). For every
// kind of input (integer, decimal, date, yes/no, choice, text, table cells) the test makes
// partial edits, impossible values, pastes, empties the field and leaves it, and after each step
// reads the stored answer through the local API (not the page). A refused input marks the field
// invalid, says why with the item's label (never its key) in a message tied to the field and
// announced, and the field shows the saved answer again once left. At phone and tablet size.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { mkdirSync } from "node:fs";
import { Tablet, SAMPLES, ARTIFACTS, PHONE, TABLET, workdir, removeWorkdir, launchBrowser, openPage, checkLabelsAndTexts, until }
  from "./lib/carnet.mjs";

const root = workdir("answers");
const tablet = new Tablet(root, "claire");
let key;
let browser;
let dateOrder;  // the order of a date input's parts in this browser: "dmy", "mdy" or "ymd"

async function api(method, p, body) {
  const init = { method, headers: { Authorization: `Bearer ${key}` } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const r = await fetch(`${tablet.origin}${p}`, init);
  return { status: r.status, body: await r.json() };
}

// The stored answer of KEY ("batiments.nb_wc", or TABLE[N].COLUMN for row N's cell), as the
// local API gives it; null when there is none.
async function stored(inspection, k) {
  const view = (await api("GET", `/api/inspections/${inspection}`)).body;
  const cell = k.match(/^(.+)\[(\d+)\]\.(\w+)$/);
  if (!cell) return view.values[k] ?? null;
  const rows = view.tables[cell[1]];
  assert.ok(rows.length >= Number(cell[2]), `row ${cell[2]} of ${cell[1]} is still there`);
  return rows[Number(cell[2]) - 1].cells[cell[3]] ?? null;
}

async function newInspection() {
  const created = await api("POST", "/api/inspections", { dossier: "ma-0042", date: "2026-03-10" });
  assert.equal(created.status, 201);
  return created.body.id;
}

// The answers every browser run starts from.
const SEED = {
  "batiments.nb_wc": "2",
  "batiments.attestation_incendie_conforme": "oui",
  "batiments.attestation_incendie_expiration": "2026-06-30",
  "remarques.batiments": "Escalier de secours dégagé.",
  "batiments.attestations_sites[+].site": "Site A",
  "batiments.attestations_sites[+].date_expiration": "2026-06-30",
  "personnel.art94.etp_directeur": "1,5",
  "personnel.art94.personnel[+].nom": "Mme Dubois",
  "personnel.art94.personnel[+].etp_subv": "0,5",
  suivi: "avec_delai",
};

before(async () => {
  tablet.cmd("init", "--inspector", "insp-07", "--name", "Claire Lambert");
  tablet.cmd("dossier", "import", path.join(SAMPLES, "dossiers.json"));
  await tablet.serve();
  key = new URL(tablet.url).hash.replace("#cle=", "");
  browser = await launchBrowser();
  dateOrder = await probeDateOrder();
});

// Chromium lays a date input's parts out in its own locale's order (Debian's, without the
// French locale data, shows mm/dd/yyyy): a blank input typed "01", "02", "2003" tells which.
async function probeDateOrder() {
  const page = await openPage(browser, PHONE);
  await page.setContent('<input type="date" id="d">');
  await page.focus("#d");
  await page.keyboard.type("01022003");
  const value = await page.inputValue("#d");
  await page.context().close();
  const order = { "2003-01-02": "mdy", "2003-02-01": "dmy" }[value];
  assert.ok(order, `date input order not recognised: ${value}`);
  return order;
}

// The keys that type the date DD/MM/YYYY into a date input whose first part has the focus.
function dateKeys(dmy) {
  const [d, m, y] = dmy.split("/");
  return dateOrder === "dmy" ? `${d}${m}${y}` : `${m}${d}${y}`;
}

after(async () => {
  await browser?.close();
  await tablet.stop();
  removeWorkdir(root);
});

test("the local API clears an answer only when asked to, never for a blank value", async () => {
  const id = await newInspection();
  assert.equal((await api("PUT", `/api/inspections/${id}`, { set: SEED })).status, 200);
  const pending = () => tablet.json("changes").pending;
  const before = pending();
  const refused = [
    [{ set: { "batiments.nb_wc": "" } }, /effacer/],
    [{ set: { "batiments.attestation_incendie_expiration": "   " } }, /effacer/],
    [{ set: { "remarques.batiments": "\t\n" } }, /effacer/],
    [{ set: { "batiments.attestations_sites[1].date_expiration": "" } }, /effacer/],
    [{ set: { "batiments.attestation_incendie_expiration": "30/02/2026" } }, /date valide/],
    [{ set: { "batiments.nb_wc": null } }, /texte/],
    [{ effacer: "batiments.nb_wc" }, /effacer/],
    [{ effacer: [2] }, /effacer/],
    [{ effacer: [] }, /set/],
    [{ set: { "batiments.nb_wc": "3" }, effacer: ["batiments.nb_wc"] }, /batiments\.nb_wc/],
    [{ effacer: ["batiments.attestations_sites[+].site"] }, /ligne/],
    [{ effacer: ["batiments.inconnu"] }, /inconnu/],
  ];
  for (const [body, message] of refused) {
    const r = await api("PUT", `/api/inspections/${id}`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body.erreur ?? r.body.status)}`);
    assert.match(r.body.erreur.message, message, JSON.stringify(body));
  }
  assert.equal(pending(), before, "no refused request wrote anything");
  assert.equal(await stored(id, "batiments.nb_wc"), 2);
  assert.equal(await stored(id, "batiments.attestation_incendie_expiration"), "2026-06-30");
  assert.equal(await stored(id, "batiments.attestations_sites[1].date_expiration"), "2026-06-30");

  // The explicit form: a list of keys to clear, alone or beside values, all or nothing.
  const cleared = await api("PUT", `/api/inspections/${id}`,
    { set: { "batiments.nb_douches": "3" }, effacer: ["batiments.nb_wc", "batiments.attestations_sites[1].date_expiration"] });
  assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
  assert.equal(await stored(id, "batiments.nb_wc"), null);
  assert.equal(await stored(id, "batiments.nb_douches"), 3);
  assert.equal(await stored(id, "batiments.attestations_sites[1].date_expiration"), null);
  assert.equal(await stored(id, "batiments.attestations_sites[1].site"), "Site A");
});

// --- The browser ------------------------------------------------------------------------

// Counts the page's writes, and keeps their bodies: a test step waits for them to end.
function watchWrites(page) {
  const writes = { pending: 0, bodies: [] };
  const isWrite = (r) => r.method() !== "GET" && new URL(r.url()).pathname.startsWith("/api/inspections/");
  page.on("request", (r) => {
    if (!isWrite(r)) return;
    writes.pending += 1;
    writes.bodies.push(r.postData());
  });
  const done = (r) => {
    if (isWrite(r)) writes.pending -= 1;
  };
  page.on("requestfinished", done);
  page.on("requestfailed", done);
  return writes;
}

// A pause in typing longer than the one after which the page sends a text.
function pause() {
  return new Promise((resolve) => setTimeout(resolve, 1800));
}

async function settle(writes) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await until(() => writes.pending === 0, "the page's writes to end", 10000);
}

// Leaves the control with the keyboard (a date input takes one Tab per part).
async function leave(page, control) {
  for (let i = 0; i < 6; i += 1) {
    await page.keyboard.press("Tab");
    if (!(await control.evaluate((el) => el === document.activeElement))) return;
  }
  throw new Error("the control kept the focus");
}

// What the control tells an assistive technology: aria-invalid, the texts it is described by,
// and whether one of them is announced.
function feedback(control) {
  return control.evaluate((el) => {
    const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    const described = ids.map((i) => document.getElementById(i)).filter(Boolean);
    return {
      invalid: el.getAttribute("aria-invalid") === "true",
      text: described.map((d) => d.textContent).join(" "),
      announced: described.some((d) => d.getAttribute("role") === "alert" || ["polite", "assertive"].includes(d.getAttribute("aria-live"))),
    };
  });
}

// Puts the focus in a date input's first part, as a tap on it does (focus() goes back to the
// part that had it last).
async function firstPart(input) {
  const box = await input.boundingBox();
  await input.click({ position: { x: 14, y: box.height / 2 } });
}

// A screenshot of one field (the sections are many screens long).
async function shoot(locator, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await locator.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

async function paste(page, text) {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press("Control+V");
}

async function openSection(page, inspection, section) {
  await page.goto(`${tablet.origin}/#/inspection/${inspection}/${section}`);
  await page.locator("form.card").first().waitFor({ timeout: 15000 });
}

async function runAt(viewport, size) {
  const id = await newInspection();
  assert.equal((await api("PUT", `/api/inspections/${id}`, { set: SEED })).status, 200);
  const page = await openPage(browser, viewport);
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: tablet.origin });
  await page.goto(tablet.url);
  await page.getByRole("heading", { name: "Dossiers assignés" }).waitFor();
  const writes = watchWrites(page);
  const clearRequests = () => writes.bodies.filter((b) => b && JSON.parse(b).effacer).length;
  let clears = 0;

  // The stored answer after `step`: `expected` (the seed's, unless the step gave a valid one).
  const expectStored = async (k, expected, step) => {
    await settle(writes);
    assert.deepEqual(await stored(id, k), expected, `${size}, ${k}: ${step}`);
    assert.equal(clearRequests(), clears, `${size}, ${k}: ${step}: no clearing but by « Effacer »`);
  };
  // A refused input: marked invalid, told with the label (not the key) and announced; once the
  // field is left it shows the saved answer again.
  const expectRefused = async (control, label, k, shownAfter, step) => {
    await until(async () => (await feedback(control)).invalid, `${size}, ${k}: ${step}: marked invalid`, 10000).catch(async (e) => {
      const state = await control.evaluate((el) => ({ value: el.value, badInput: el.validity.badInput, focused: el === document.activeElement }));
      throw new Error(`${e.message} (${JSON.stringify({ ...state, ...(await feedback(control)) })})`);
    });
    const f = await feedback(control);
    assert.ok(f.text.includes(label), `${size}, ${k}: ${step}: the message names « ${label} »: ${f.text}`);
    assert.ok(!f.text.includes(k.replace(/\[\d+\]\..*$/, "")), `${size}, ${k}: ${step}: the message does not name the key: ${f.text}`);
    assert.ok(!/Enregistré/.test(f.text), `${size}, ${k}: ${step}: not shown as saved: ${f.text}`);
    assert.ok(f.announced, `${size}, ${k}: ${step}: the message is announced`);
    if (await control.evaluate((el) => el === document.activeElement)) await leave(page, control);
    await until(async () => (await control.inputValue()) === shownAfter,
      `${size}, ${k}: ${step}: the field shows « ${shownAfter} » again (it shows « ${await control.inputValue()} »)`, 5000);
  };
  // « Effacer »: the answer is cleared, and the focus goes to « Annuler l'effacement » in its
  // place (the button pressed is gone).
  const clearAnswer = async (field, k, label) => {
    await field.getByRole("button", { name: `Effacer la réponse : ${label}` }).click();
    clears += 1;
    await expectStored(k, null, "« Effacer »");
    const undo = field.getByRole("button", { name: `Annuler l'effacement : ${label}` });
    await until(() => undo.evaluate((el) => el === document.activeElement), `${size}, ${k}: the focus on « Annuler l'effacement »`, 5000);
    return undo;
  };
  const typeInto = async (control, text) => {
    await control.focus();
    await page.keyboard.press("Control+A");
    if (text === "") await page.keyboard.press("Backspace");
    else await page.keyboard.type(text);
  };

  // -- VII. Bâtiments: integer, date, yes/no, text, and a table's text and date cells.
  await openSection(page, id, "batiments");
  {
    const k = "batiments.nb_wc";
    const label = "Nombre de WC";
    const field = page.locator(`.field[data-key="${k}"]`);
    const input = page.locator(`[id="f-${k}"]`);
    assert.equal(await input.inputValue(), "2");
    // Emptied and left: not a clearing.
    await typeInto(input, "");
    await leave(page, input);
    await expectStored(k, 2, "emptied and left");
    await expectRefused(input, label, k, "2", "emptied and left");
    // Not a number, and a pause in typing (which sends it): refused while the field has the
    // focus; once left, the field shows the saved answer.
    await typeInto(input, "abc");
    await expectRefused(input, label, k, "2", "« abc » and a pause");
    await expectStored(k, 2, "« abc » and a pause");
    await shoot(field, `reponses-entier-refuse-${size}`);
    for (const text of ["-1", "2,5", "1 2", "2e"]) {
      await typeInto(input, text);
      await leave(page, input);
      await expectRefused(input, label, k, "2", `« ${text} »`);
      await expectStored(k, 2, `« ${text} »`);
    }
    await input.focus();
    await page.keyboard.press("Control+A");
    await paste(page, "douze");
    await leave(page, input);
    await expectRefused(input, label, k, "2", "« douze » pasted");
    await expectStored(k, 2, "« douze » pasted");
    // A partial edit that is a complete value is saved: "2" → "23" → "3".
    await input.focus();
    await page.keyboard.press("End");
    await page.keyboard.type("3");
    await leave(page, input);
    await expectStored(k, 23, "« 23 »");
    assert.equal((await feedback(input)).invalid, false, "a saved value clears the invalid mark");
    await input.focus();
    await page.keyboard.press("Home");
    await page.keyboard.press("Delete");
    await leave(page, input);
    await expectStored(k, 3, "« 3 » by deleting the first digit");
    // « Effacer », undone, and again.
    const undo = await clearAnswer(field, k, label);
    assert.equal(await input.inputValue(), "");
    await page.keyboard.press("Enter");
    await expectStored(k, 3, "« Annuler l'effacement »");
    assert.equal(await input.inputValue(), "3");
    assert.ok(await undo.isHidden(), "« Annuler l'effacement » is gone once used");
    await clearAnswer(field, k, label);
    assert.equal(await input.inputValue(), "");
    // Empty, nothing saved: leaving it is not an error.
    await input.focus();
    await leave(page, input);
    await expectStored(k, null, "left empty with nothing saved");
    assert.equal((await feedback(input)).invalid, false);
  }
  {
    const k = "batiments.attestation_incendie_expiration";
    const label = "Date expiration";
    const field = page.locator(`.field[data-key="${k}"]`);
    const input = page.locator(`[id="f-${k}"]`);
    assert.equal(await input.inputValue(), "2026-06-30");
    // Backspace on one part: the date is incomplete, not cleared.
    await firstPart(input);
    await page.keyboard.press("Backspace");
    await expectStored(k, "2026-06-30", "Backspace on the first part");
    await expectRefused(input, label, k, "2026-06-30", "Backspace on the first part");
    // Backspace on the year.
    await firstPart(input);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Backspace");
    await expectStored(k, "2026-06-30", "Backspace on the year");
    await expectRefused(input, label, k, "2026-06-30", "Backspace on the year");
    // An impossible date, typed.
    await firstPart(input);
    await page.keyboard.type(dateKeys("30/02/2026"));
    await expectStored(k, "2026-06-30", "30/02/2026 typed");
    await expectRefused(input, label, k, "2026-06-30", "30/02/2026 typed");
    await shoot(field, `reponses-date-refusee-${size}`);
    // Every part emptied.
    await firstPart(input);
    for (let i = 0; i < 3; i += 1) {
      await page.keyboard.press("Backspace");
      if (i < 2) await page.keyboard.press("Tab");
    }
    await expectStored(k, "2026-06-30", "every part emptied");
    await leave(page, input).catch(() => {});
    await expectRefused(input, label, k, "2026-06-30", "every part emptied");
    // An impossible date, pasted.
    await firstPart(input);
    await paste(page, "30/02/2026");
    await leave(page, input).catch(() => {});
    await expectStored(k, "2026-06-30", "30/02/2026 pasted");
    // A complete valid date, typed part by part.
    await firstPart(input);
    await page.keyboard.type(dateKeys("31/07/2026"));
    await leave(page, input);
    await expectStored(k, "2026-07-31", "31/07/2026 typed");
    assert.equal((await feedback(input)).invalid, false);
    await clearAnswer(field, k, label);
    assert.equal(await input.inputValue(), "");
  }
  {
    const k = "batiments.attestation_incendie_conforme";
    const label = "Conforme à l'Annexe 8 du C.R.";
    const field = page.locator(`.field[data-key="${k}"]`);
    const yes = field.locator('input[value="oui"]');
    assert.ok(await yes.isChecked());
    // Space on the chosen answer and leaving the group change nothing.
    await yes.focus();
    await page.keyboard.press("Space");
    await leave(page, yes);
    await expectStored(k, "oui", "Space on « Oui », left");
    // The arrow keys choose another complete answer.
    await yes.focus();
    await page.keyboard.press("ArrowRight");
    await expectStored(k, "non", "arrow to « Non »");
    await field.locator("label", { hasText: "Sans objet" }).click();
    await expectStored(k, "so", "« Sans objet » tapped");
    await (await clearAnswer(field, k, label)).click();
    await expectStored(k, "so", "« Annuler l'effacement »");
    assert.ok(await field.locator('input[value="so"]').isChecked());
    await clearAnswer(field, k, label);
    assert.equal(await field.locator("input:checked").count(), 0);
  }
  {
    const k = "remarques.batiments";
    const label = "Remarques";
    const field = page.locator(`.field[data-key="${k}"]`);
    const input = page.locator(`[id="f-${k}"]`);
    const saved = SEED[k];
    await typeInto(input, "");
    await leave(page, input);
    await expectStored(k, saved, "emptied and left");
    await expectRefused(input, label, k, saved, "emptied and left");
    await typeInto(input, "   ");
    await leave(page, input);
    await expectStored(k, saved, "blanks");
    await expectRefused(input, label, k, saved, "blanks");
    // A partial edit of a text is a complete text: saved after a pause, without leaving.
    await input.focus();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(" Extincteurs");
    await until(async () => (await stored(id, k)) === `${saved} Extincteurs`, "the text saved after a pause", 10000);
    await input.focus();
    await page.keyboard.press("Control+A");
    await paste(page, "Extincteurs vérifiés le 02/03/2026.");
    await leave(page, input);
    await expectStored(k, "Extincteurs vérifiés le 02/03/2026.", "pasted");
    await clearAnswer(field, k, label);
  }
  {
    const table = "batiments.attestations_sites";
    const row = page.locator(`[data-table="${table}"] .table-row`).first();
    const site = row.getByLabel("Site d'hébergement", { exact: true });
    const date = row.getByLabel("Date expiration", { exact: true });
    await typeInto(site, "");
    await leave(page, site);
    await expectStored(`${table}[1].site`, "Site A", "cell emptied and left");
    await expectRefused(site, "Site d'hébergement", `${table}[1].site`, "Site A", "cell emptied and left");
    await firstPart(date);
    await page.keyboard.press("Backspace");
    await expectStored(`${table}[1].date_expiration`, "2026-06-30", "Backspace on the cell's first part");
    await expectRefused(date, "Date expiration", `${table}[1].date_expiration`, "2026-06-30", "Backspace on the cell's first part");
    await firstPart(date);
    await page.keyboard.type(dateKeys("31/02/2026"));
    await expectStored(`${table}[1].date_expiration`, "2026-06-30", "31/02/2026 in the cell");
    await expectRefused(date, "Date expiration", `${table}[1].date_expiration`, "2026-06-30", "31/02/2026 in the cell");
    await firstPart(date);
    await page.keyboard.type(dateKeys("01/09/2026"));
    await leave(page, date);
    await expectStored(`${table}[1].date_expiration`, "2026-09-01", "01/09/2026 in the cell");
    await clearAnswer(row, `${table}[1].date_expiration`, "Date expiration");
    assert.equal(await stored(id, `${table}[1].site`), "Site A", "the row and its other cells stay");
  }
  await checkLabelsAndTexts(page, `batiments ${size}`);

  // -- III. Personnel: a decimal, and a table's decimal cell.
  await openSection(page, id, "personnel");
  {
    const k = "personnel.art94.etp_directeur";
    const label = "ETP directeur présents (art. 94 C.R.)";
    const field = page.locator(`.field[data-key="${k}"]`);
    const input = page.locator(`[id="f-${k}"]`);
    assert.equal(await input.inputValue(), "1,5");
    for (const text of ["", ",", "1,2,3", "un", "-0,5"]) {
      await typeInto(input, text);
      await leave(page, input);
      await expectStored(k, 1.5, `« ${text} »`);
      await expectRefused(input, label, k, "1,5", `« ${text} »`);
    }
    // "1,5" → Backspace → "1," and a pause (which would read as 1): nothing sent; then "1,75".
    await input.focus();
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    await pause();
    await expectStored(k, 1.5, "« 1, » and a pause");
    await page.keyboard.type("75");
    await leave(page, input);
    await expectStored(k, 1.75, "« 1,75 »");
    await clearAnswer(field, k, label);
  }
  {
    const row = page.locator('[data-table="personnel.art94.personnel"] .table-row').first();
    const k = "personnel.art94.personnel[1].etp_subv";
    const cell = row.getByLabel("ETP subv", { exact: true });
    for (const text of ["", "abc", "-1"]) {
      await typeInto(cell, text);
      await leave(page, cell);
      await expectStored(k, 0.5, `cell « ${text} »`);
      await expectRefused(cell, "ETP subv", k, "0,5", `cell « ${text} »`);
    }
    await typeInto(cell, "0,8");
    await leave(page, cell);
    await expectStored(k, 0.8, "cell « 0,8 »");
  }

  // -- Closing: a choice.
  await openSection(page, id, "cloture");
  {
    const k = "suivi";
    const label = "Suivi souhaité";
    const field = page.locator(`.field[data-key="${k}"]`);
    const select = field.locator("select");
    assert.equal(await select.inputValue(), "avec_delai");
    // The placeholder cannot be picked once there is an answer, and a control that says
    // "nothing" (as a script or an assistive tool could make it) sends nothing.
    assert.ok(await select.locator('option[value=""]').evaluate((o) => o.disabled), "« — choisir — » is not a choice");
    await select.evaluate((el) => {
      el.value = "";
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await expectStored(k, "avec_delai", "the select emptied");
    await leave(page, select).catch(() => {});
    await until(async () => (await select.inputValue()) === "avec_delai", "the choice shown again", 5000);
    // The keyboard picks another complete choice.
    await select.focus();
    await page.keyboard.press("ArrowDown");
    await leave(page, select);
    await settle(writes);
    const now = await stored(id, k);
    assert.ok(["aucun", "sans_delai", "autre"].includes(now), `${size}: a choice of the list: ${now}`);
    await clearAnswer(field, k, label);
    assert.equal(await select.inputValue(), "");
  }
  await checkLabelsAndTexts(page, `cloture ${size}`);

  // The page never sent a blank value in place of a clearing.
  for (const body of writes.bodies) {
    const set = body ? JSON.parse(body).set ?? {} : {};
    for (const [k, v] of Object.entries(set)) assert.ok(String(v).trim() !== "", `${size}: « ${k} » sent blank`);
  }
  assert.deepEqual(page.errors.filter((e) => !e.includes("400 (Bad Request)")), []);
  await page.context().close();
}

test("every answer is safe at phone size", async () => {
  await runAt(PHONE, "telephone");
});

test("every answer is safe at tablet size", async () => {
  await runAt(TABLET, "tablette");
});
