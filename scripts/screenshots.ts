import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { launchChromium, signInThroughOutbox } from "../tests/e2e/browser";

/** Screenshots of the main screens at desktop and phone width, for a human to look at. */
const base = process.env.CRM_E2E_URL ?? "http://localhost:3000";
const email = process.env.SIGN_IN_EMAIL ?? "owner@vibrationfit.local";
const out = "screenshots";
/**
 * Playwright hides the caret by writing an inline style on every input; taken before the page hydrates, that
 * shows up as a hydration mismatch in the browser's console. The caret is left alone instead.
 */
const shot = (page: Page, name: string) => page.screenshot({ path: `${out}/${name}.png`, fullPage: true, caret: "initial" });

async function main() {
  mkdirSync(out, { recursive: true });
  const browser = await launchChromium();
  try {
    for (const [label, viewport] of [
      ["desktop", { width: 1280, height: 860 }],
      ["phone", { width: 390, height: 844 }],
    ] as const) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${base}/sign-in`);
      await shot(page, `${label}-sign-in`);
      await signInThroughOutbox(page, base, email);
      await page.waitForTimeout(800);
      await shot(page, `${label}-dashboard`);
      for (const p of ["usage", "users", "settings", "settings/admins", "segments", "campaigns", "dev/outbox"]) {
        await page.goto(`${base}/${p}`);
        await page.waitForTimeout(300);
        await shot(page, `${label}-${p.replace(/\//g, "-")}`);
      }
      // A profile: the first user of the list sorted by total spent (a paying user with history).
      await page.goto(`${base}/users?sort=spent`);
      await page.locator("[data-testid=users-table] tbody a").first().click();
      await page.waitForURL(/\/users\/[0-9a-f-]{36}/);
      await page.getByTestId("timeline").waitFor();
      await shot(page, `${label}-user-profile`);
      await page.goto(`${base}/users?plan=pro&sort=aiCost`);
      await shot(page, `${label}-users-filtered`);
      await page.goto(`${base}/segments/new`);
      await page.getByTestId("preview-count").waitFor();
      await shot(page, `${label}-segment-builder`);
      await page.goto(`${base}/segments`);
      const first = page.locator("[data-testid=segments-list] a").first();
      if (await first.count()) {
        await first.click();
        await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
        await shot(page, `${label}-segment`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  console.log(`Screenshots in ${out}/`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
