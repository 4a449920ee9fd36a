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

const count = (text: string | null) => Number((text ?? "").replace(/[^0-9]/g, ""));

describe("segments: build, count live, save, recompute, open a member", () => {
  it("builds a segment with two groups and follows it to a member's profile", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInThroughOutbox(page, base, owner);
    await page.goto(`${base}/segments/new`);
    const preview = page.getByTestId("preview-count");
    await preview.waitFor();
    const proOnly = count(await preview.textContent());
    expect(proOnly).toBeGreaterThan(0);

    // Second group: any of (did vision.generated in the last 14 days, total spent more than $0).
    await page.getByRole("button", { name: "+ Group" }).last().click();
    const inner = page.getByTestId("criteria-group").nth(1);
    await inner.getByLabel("Field").first().selectOption("event");
    await inner.getByLabel("Did an event name").fill("vision.generated");
    await inner.getByRole("button", { name: "+ Condition" }).click();
    await inner.getByLabel("Field").nth(1).selectOption("total_spent");
    await inner.getByLabel("Total spent amount").fill("0");
    await inner.getByLabel("Match").selectOption("any");
    await expect
      .poll(async () => (await preview.evaluate((el) => getComputedStyle(el).opacity)) === "1" && count(await preview.textContent()), {
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
    const live = count(await preview.textContent());
    expect(live).toBeLessThanOrEqual(proOnly);

    const name = `Engaged pro users ${Date.now().toString(36)}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByRole("button", { name: "Save segment" }).click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { name }).waitFor();
    expect(count(await page.getByTestId("segment-count").textContent())).toBe(live);
    expect(await page.getByText("Did vision.generated at least once in the last 14 days").count()).toBe(1);

    await page.getByRole("button", { name: "Recompute" }).click();
    await page.getByRole("status").filter({ hasText: "Recompute requested" }).waitFor();

    await page.locator("[data-testid=users-table] tbody a").first().click();
    await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { name: "Unit economics" }).waitFor();
    await page.getByRole("button", { name: "Segments" }).click();
    await page.getByTestId("timeline").getByText(`Entered segment ${name}`).waitFor();
    await context.close();
  });
});
