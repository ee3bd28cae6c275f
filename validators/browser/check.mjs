// Load tunnelhunt's HTML pages in headless Chromium and check them.
//
//   node validators/browser/check.mjs SPEC.json
//
// SPEC: {"artefacts": DIR, "pages": [{"name", "path", "kind": "report" |
// "page" | "index", "expect": {...}}]}. For every page: zero console
// errors (CSP violations included), zero network requests (everything is
// routed and any request but the page's own file fails the check), no
// dialog, axe-core without serious or critical violations, a screenshot
// of the window in DIR/<name>.png (and of a report's hosts, timeline and
// alerts, a rule page's queries and scenarios in DIR/<name>-<n>.png). Per kind, the behaviour the spec states
// (see checkReport / checkRulePage / checkIndex). Prints one JSON object
// per page and exits 1 when any check failed, 2 on bad input.
import { chromium } from "playwright-core";
import { readFileSync, mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const CHROMIUM = process.env.TUNNELHUNT_CHROMIUM || "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let spec;
try {
  spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
} catch (e) {
  console.error(`check.mjs: cannot read the spec: ${e.message}`);
  process.exit(2);
}
mkdirSync(spec.artefacts, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), "tunnelhunt-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1366, height: 900 },
  offline: true, serviceWorkers: "block",
});
let failed = false;
try {
  for (const item of spec.pages) {
    const result = await checkPage(item);
    failed ||= result.problems.length > 0;
    console.log(JSON.stringify(result));
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

async function checkPage(item) {
  const url = pathToFileURL(item.path).href;
  const problems = [];
  const requests = [];
  const page = await context.newPage();
  // The machine running the tests may be busy: be patient, not flaky.
  page.setDefaultTimeout(120000);
  await page.route("**/*", (route) => {
    const asked = route.request().url();
    if (asked === url) return route.continue();
    requests.push(asked);
    return route.abort();
  });
  page.on("request", (r) => { if (r.url() !== url && !requests.includes(r.url())) requests.push(r.url()); });
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => { problems.push(`dialog opened: ${d.message()}`); d.dismiss(); });
  await page.goto(url, { waitUntil: "load" });
  const figures = {};
  try {
    if (item.kind === "report") await checkReport(page, item.expect || {}, problems, figures);
    if (item.kind === "page") await checkRulePage(page, problems, figures);
    if (item.kind === "index") await checkIndex(page, item.expect || {}, problems, figures);
    if (item.canaries) await checkCanaries(page, problems);
    await checkAccessibility(page, problems, figures);
  } catch (e) {
    problems.push(`check failed: ${e.message}`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(spec.artefacts, `${item.name}.png`) });
  const parts = { report: ["#hosts", "#timeline", "#alerts"], page: ["div.queries", "table"] }[item.kind] || [];
  for (const [i, selector] of parts.entries()) {
    // The window scrolled to the part, not an element or full-page
    // screenshot: those wait for layout to settle over the whole element,
    // which a long page on a busy machine may not do within the timeout.
    const found = await page.evaluate((sel) => {
      const e = document.querySelector(sel);
      if (e) e.scrollIntoView();
      return Boolean(e);
    }, selector);
    if (found) await page.screenshot({ path: join(spec.artefacts, `${item.name}-${i + 1}.png`) });
  }
  for (const r of requests) problems.push(`network request: ${r}`);
  await page.close();
  return { name: item.name, problems, figures };
}

function expectEqual(problems, what, got, want) {
  if (got !== want) problems.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

// The alert table: filters change the rows to the counts the scan's own
// JSON lines give, a row expands to why it fired, the timeline draws.
async function checkReport(page, expect, problems, figures) {
  const rows = () => page.locator("#alert-rows > tr").count();
  const matching = async () => Number((await page.locator("#alert-count").textContent()).match(/of (\d+) matching/)?.[1]);
  figures.alerts = await matching();
  expectEqual(problems, "alerts before filtering", figures.alerts, expect.total);
  for (const [host, count] of Object.entries(expect.by_host || {})) {
    await page.selectOption("#f-host", host);
    expectEqual(problems, `alerts on host ${host}`, await matching(), count);
    expectEqual(problems, `rows on host ${host}`, await rows(), Math.min(count, expect.page_rows));
  }
  await page.selectOption("#f-host", "");
  for (const [branch, count] of Object.entries(expect.by_branch || {})) {
    await page.selectOption("#f-branch", branch);
    expectEqual(problems, `alerts of branch ${branch}`, await matching(), count);
  }
  await page.selectOption("#f-branch", "");
  for (const [level, count] of Object.entries(expect.at_least_level || {})) {
    await page.selectOption("#f-level", level);
    expectEqual(problems, `alerts at level ${level} or higher`, await matching(), count);
  }
  await page.selectOption("#f-level", "");
  if (expect.text) {
    await page.fill("#f-text", expect.text.query);
    expectEqual(problems, `alerts mentioning ${expect.text.query}`, await matching(), expect.text.count);
    await page.fill("#f-text", "");
  }
  if (expect.time) {
    await page.fill("#f-from", expect.time.from);
    await page.fill("#f-to", expect.time.to);
    expectEqual(problems, `alerts from ${expect.time.from} to ${expect.time.to}`, await matching(), expect.time.count);
    await page.click("#f-clear");
  }
  expectEqual(problems, "alerts after clearing the filters", await matching(), expect.total);
  if (expect.total > 0) {
    const first = page.locator("#alert-rows > tr").first().locator("details");
    await first.locator("summary").click();
    const why = await first.locator(".why").textContent();
    if (!why.includes("Source")) problems.push("an expanded row does not say where the event is");
    const link = page.locator("#alert-rows > tr").first().locator("a[href^='#rule-']");
    if (await link.count() === 1) {
      const target = (await link.getAttribute("href")).slice(1);
      if (await page.locator(`[id="${target}"]`).count() !== 1) problems.push(`the rule link #${target} leads nowhere`);
    } else {
      problems.push("the first alert does not link to its detection page");
    }
  }
  figures.timeline_marks = await page.locator("#timeline-hosts svg rect").count();
  if (expect.timed > 0 && figures.timeline_marks === 0) problems.push("the timeline draws nothing");
  if (expect.timed > 0) {
    await page.locator("#timeline-hosts svg rect").first().click();
    const narrowed = await matching();
    if (!(narrowed >= 1 && narrowed <= expect.total)) problems.push(`a timeline mark selects ${narrowed} alerts`);
    await page.click("#f-clear");
    await page.evaluate(() => window.scrollTo(0, 0));
  }
}

async function checkRulePage(page, problems, figures) {
  const tabs = page.locator("[role=tab]");
  figures.tabs = await tabs.count();
  if (figures.tabs < 2) problems.push(`only ${figures.tabs} query tabs`);
  else {
    await tabs.nth(1).click();
    const shown = await page.locator(".tab-panel:not([hidden])").count();
    expectEqual(problems, "query panels shown after choosing a tab", shown, 1);
    await tabs.nth(0).click();
  }
  if (await page.locator("article.rule h3", { hasText: "Its logic, in words" }).count() !== 1) problems.push("no logic section");
}

async function checkIndex(page, expect, problems, figures) {
  const visibleRows = () => page.locator("#rule-index tbody tr:not([hidden])").count();
  figures.rules = await visibleRows();
  expectEqual(problems, "rules listed", figures.rules, expect.rules);
  if (expect.search) {
    await page.fill("#search", expect.search.query);
    expectEqual(problems, `rules found by "${expect.search.query}"`, await visibleRows(), expect.search.count);
    await page.fill("#search", "");
  }
}

// Hostile values: nothing they carry may run, and the page keeps its
// shape (no value widens it past the window, every section is there).
async function checkCanaries(page, problems) {
  const state = await page.evaluate(() => ({
    pwned: window.__pwned,
    scripts: document.scripts.length,
    width: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    sections: document.querySelectorAll("main > section").length,
    javascriptLinks: Array.from(document.querySelectorAll("a[href]")).filter((a) => /^\s*javascript:/i.test(a.getAttribute("href"))).length,
    images: document.images.length,
  }));
  if (state.pwned !== undefined) problems.push(`a canary ran: window.__pwned = ${state.pwned}`);
  expectEqual(problems, "script elements", state.scripts, 2);
  expectEqual(problems, "javascript: links", state.javascriptLinks, 0);
  expectEqual(problems, "images", state.images, 0);
  if (state.width > state.viewport + 2) problems.push(`a value widens the page to ${state.width}px (window ${state.viewport}px)`);
  expectEqual(problems, "report sections", state.sections, 7);
  // Open every row: the canaries in the details must not run either.
  await page.evaluate(() => document.querySelectorAll("#alert-rows details").forEach((d) => { d.open = true; }));
  const after = await page.evaluate(() => ({ pwned: window.__pwned, width: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  if (after.pwned !== undefined) problems.push(`a canary ran after expanding rows: ${after.pwned}`);
  if (after.width > after.viewport + 2) problems.push(`an expanded row widens the page to ${after.width}px`);
}

// axe-core, evaluated through the DevTools protocol (the page's CSP lets
// no script tag in, rightly).
async function checkAccessibility(page, problems, figures) {
  const violations = await page.evaluate(async (source) => {
    (0, eval)(source);
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  }, axeSource);
  figures.axe = violations.map((v) => `${v.id}:${v.impact}`);
  for (const v of violations) {
    if (v.impact === "serious" || v.impact === "critical") problems.push(`axe ${v.impact}: ${v.id} (${v.help}), ${v.nodes} nodes`);
  }
}
