// What the end-to-end tests share: real carnet and carnet-central processes on loopback (real
// TLS, real encrypted replicas in temporary directories), and Debian's Chromium driven by
// playwright-core. Paths come from the environment, set by CTest (tests/CMakeLists.txt):
//   CARNET_BIN, CARNET_CENTRAL_BIN   the programs under test
//   CARNET_SAMPLES                   tools/samples
//   CARNET_E2E_ARTIFACTS             where screenshots and PDFs are kept
//   CHROMIUM                         the browser (default /usr/bin/chromium)
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests through ctest (tools/dev test)`);
  return value;
}

export const BIN = required("CARNET_BIN");
export const CENTRAL_BIN = required("CARNET_CENTRAL_BIN");
export const SAMPLES = required("CARNET_SAMPLES");
export const ARTIFACTS = required("CARNET_E2E_ARTIFACTS");
export const PHONE = { width: 360, height: 640 };
export const TABLET = { width: 800, height: 1280 };

export function workdir(name) {
  return mkdtempSync(path.join(tmpdir(), `carnet-e2e-${name}-`));
}

export function removeWorkdir(dir) {
  rmSync(dir, { recursive: true, force: true });
}

// Runs a program to completion; throws with its stderr unless it exits with `expect`.
export function run(bin, args, { env = {}, expect = 0 } = {}) {
  const r = spawnSync(bin, args, { env: { ...process.env, ...env }, encoding: "utf8", timeout: 120000 });
  if (r.status !== expect) {
    throw new Error(`${path.basename(bin)} ${args.join(" ")} exited with ${r.status} (expected ${expect}):\n${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

// Starts a long-running program and resolves once `ready(stdout)` returns a value.
function start(bin, args, env, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`${path.basename(bin)} did not start:\n${err}`)), 20000);
    child.stdout.on("data", (d) => {
      out += d;
      const value = ready(out);
      if (value !== undefined) {
        clearTimeout(timer);
        resolve({ child, value });
      }
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(bin)} exited with ${code}:\n${err}`));
    });
  });
}

function stopChild(child, signal = "SIGTERM") {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.on("exit", () => resolve());
    child.kill(signal);
  });
}

// The first complete JSON object printed (the programs pretty-print it over several lines).
function firstJson(text) {
  const start = text.indexOf("{");
  if (start < 0) return undefined;
  for (let end = text.indexOf("}", start); end >= 0; end = text.indexOf("}", end + 1)) {
    try {
      return JSON.parse(text.slice(start, end + 1));
    } catch {
      // not complete yet
    }
  }
  return undefined;
}

// A central node with its own data directory.
export class Central {
  constructor(root) {
    this.dir = path.join(root, "central");
    this.port = 0;
    this.child = null;
  }
  cmd(...args) {
    return run(CENTRAL_BIN, ["--data", this.dir, ...args]);
  }
  json(...args) {
    return JSON.parse(this.cmd(...args, "--json"));
  }
  // init, inspectors, the sample dossiers; `assignments` are [dossier, inspector] pairs.
  setUp(inspectors, assignments) {
    this.cmd("init");
    for (const [id, name] of inspectors) this.cmd("inspector", "add", id, "--name", name);
    this.cmd("dossier", "import", path.join(SAMPLES, "dossiers.json"));
    for (const [dossier, inspector] of assignments) this.cmd("assign", dossier, inspector);
  }
  // Serves on `port` (0: any; a restart passes the same port so the tablets find it again).
  async start(port = this.port, extra = []) {
    const { child, value } = await start(CENTRAL_BIN, ["--data", this.dir, "serve", "--listen", `127.0.0.1:${port}`, "--json", ...extra], {},
      (out) => firstJson(out)?.listening);
    this.child = child;
    this.port = Number(value.split(":").pop());
    this.url = `https://127.0.0.1:${this.port}`;
    return this;
  }
  async stop() {
    await stopChild(this.child);
    this.child = null;
  }
}

// A tablet: an encrypted replica unlocked by a passphrase file, and its `carnet serve`.
export class Tablet {
  constructor(root, name) {
    this.name = name;
    this.dir = path.join(root, name);
    this.passphrase = path.join(root, `${name}.passphrase`);
    writeFileSync(this.passphrase, `phrase de passe de test (${name})\n`);
    chmodSync(this.passphrase, 0o600);
    this.child = null;
  }
  get env() {
    return { CARNET_PASSPHRASE_FILE: this.passphrase };
  }
  cmd(...args) {
    return run(BIN, ["--data", this.dir, ...args], { env: this.env });
  }
  // The same, for a command expected to exit with `expect` (`sync` is 4 when a change was refused).
  cmdExpecting(expect, ...args) {
    return run(BIN, ["--data", this.dir, ...args], { env: this.env, expect });
  }
  json(...args) {
    return JSON.parse(this.cmd(...args, "--json"));
  }
  enroll(central, inspector) {
    const e = central.json("enroll", inspector);
    this.cmd("enroll", "--central", central.url, "--code", e.code, "--ca-fingerprint", e.ca_fingerprint, "--device-name", `tablette ${this.name}`);
    this.cmd("sync");
  }
  // Starts `carnet serve`; resolves with the launch address (with this launch's key).
  async serve(extra = ["--sync-interval", "1"]) {
    const { child, value } = await start(BIN, ["--data", this.dir, "serve", "--json", ...extra], this.env, (out) => firstJson(out)?.url);
    this.child = child;
    this.url = value;
    this.origin = new URL(value).origin;
    return value;
  }
  async stop(signal = "SIGTERM") {
    await stopChild(this.child, signal);
    this.child = null;
  }
}

export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing: run tools/dev test (it installs Debian's chromium)`);
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu", "--lang=fr-BE"] });
}

// A page that fails the test on any script error or message missing from the catalogue.
export async function openPage(browser, viewport, { ignoreHTTPSErrors = false } = {}) {
  const context = await browser.newContext({ viewport, ignoreHTTPSErrors, locale: "fr-BE" });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") page.errors.push(m.text());
  });
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// Every form control on the page has a label (a <label for>, a wrapping label, aria-label,
// aria-labelledby, or for radios the legend of their fieldset), and no text shows a raw
// catalogue key.
export async function checkLabelsAndTexts(page, where) {
  const problems = await page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden" || el.closest("[hidden]")) continue;
      const labelled = el.labels?.length > 0 || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") ||
        (el.type === "radio" && el.closest("fieldset")?.querySelector("legend")?.textContent.trim());
      if (!labelled) out.push(`no label: ${el.outerHTML.slice(0, 120)}`);
    }
    const text = document.body.innerText;
    const keys = text.match(/\b(tablette|bureau|commun)\.[a-z_]+\.[a-z_.]+/g);
    if (keys) out.push(`catalogue keys shown: ${keys.join(", ")}`);
    return out;
  });
  assert.deepEqual(problems, [], `${where}: ${problems.join("; ")}`);
}

// Waits until the page's sync indicator has `state` ("ok", "offline", "pending", "error").
export async function waitForSync(page, state, timeout = 30000) {
  await page.waitForFunction((s) => document.getElementById("sync")?.dataset.state === s, state, { timeout });
}

// Polls `check` (sync or async) every 200 ms until it returns a truthy value; fails after
// `timeout` ms with `what`.
export async function until(check, what, timeout = 30000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
