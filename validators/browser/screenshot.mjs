// A screenshot of a tunnelhunt page, for the README (docs/report.md says
// how it is regenerated):
//
//   node validators/browser/screenshot.mjs PAGE.html OUT.png [SELECTOR]
//
// The window (1366×900) scrolled to SELECTOR when given. Same Chromium,
// flags and no-network rule as check.mjs.
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";

const [page, out, selector] = process.argv.slice(2);
if (!page || !out) {
  console.error("usage: screenshot.mjs PAGE.html OUT.png [SELECTOR]");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.TUNNELHUNT_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const tab = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const url = pathToFileURL(page).href;
  await tab.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await tab.goto(url, { waitUntil: "load" });
  if (selector) await tab.locator(selector).first().evaluate((e) => e.scrollIntoView());
  await tab.screenshot({ path: out });
} finally {
  await browser.close();
}
