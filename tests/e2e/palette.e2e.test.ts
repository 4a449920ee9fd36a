import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, signInThroughOutbox } from "./browser";

const base = process.env.CRM_E2E_URL ?? "http://localhost:3000";
const owner = process.env.SIGN_IN_EMAIL ?? "owner@vibrationfit.local";
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

describe("find anything (⌘K / Ctrl+K)", () => {
  it("finds a user by partial email and by id from any page, by keyboard alone", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await signInThroughOutbox(page, base, owner);
    // Someone to look for: the first hey.com user in the list.
    await page.goto(`${base}/users?q=hey.com`);
    const first = page.locator('table a[href^="/users/"]').first();
    await first.waitFor();
    const id = ((await first.getAttribute("href")) ?? "").split("/").pop() ?? "";
    const name = ((await first.textContent()) ?? "").trim();

    await page.goto(`${base}/campaigns`);
    const dialog = page.getByRole("dialog", { name: "Find anything" });
    // The shortcut works once the page is live (hydrated): under load that can follow the load event, so a press that
    // came too early is made again.
    const openPalette = async () => {
      for (let i = 0; i < 10; i++) {
        await page.keyboard.press("Control+K");
        if (
          await dialog.waitFor({ timeout: 2_000 }).then(
            () => true,
            () => false,
          )
        )
          return;
      }
      throw new Error("Control+K did not open the palette");
    };
    await openPalette();
    const box = dialog.getByRole("combobox");
    await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true);
    await box.fill("hey.co");
    await dialog.getByRole("option").first().waitFor();
    await page.screenshot({ path: "screenshots/e2e-palette.png" });
    // By id: exactly that user; Enter opens the profile.
    await box.fill(id);
    await expect.poll(async () => dialog.getByRole("option").first().textContent(), { timeout: 10_000 }).toContain(name);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${base}/users/${id}`);
    // Pages too, and Escape closes.
    await openPalette();
    await box.fill("suppress");
    await expect.poll(async () => dialog.getByRole("option").first().textContent()).toContain("Suppressions");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });
});
