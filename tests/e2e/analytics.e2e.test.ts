import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, signInThroughOutbox } from "./browser";

const base = process.env.CRM_E2E_URL ?? "http://localhost:3000";
const owner = process.env.SIGN_IN_EMAIL ?? "owner@vibrationfit.local";
const shots = "screenshots";
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signInThroughOutbox(page, base, owner);
});
afterAll(async () => browser?.close());

const number = async (label: string) => {
  const text = await page
    .locator("section p", { hasText: new RegExp(`^${label}$`, "i") })
    .first()
    .locator("xpath=following-sibling::p[1]")
    .textContent();
  return Number((text ?? "").replace(/[$,%]/g, ""));
};

describe("analytics pages on the demo data", () => {
  it("the dashboard shows KPIs with deltas, a feature chart with bars and the cohort triangle", async () => {
    await page.goto(`${base}/?range=90d`);
    await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
    expect(await number("Total users")).toBeGreaterThan(0);
    expect(await number("Active users")).toBeGreaterThan(0);
    expect(await page.locator("text=/vs [0-9$]/").count()).toBeGreaterThan(3);
    // visx draws bars as rects inside the chart's svg.
    await page.waitForSelector('[role="img"][aria-label^="Events"] svg rect');
    expect(await page.locator('[role="img"][aria-label^="Events"] svg rect').count()).toBeGreaterThanOrEqual(7);
    expect(await page.locator("table th[scope=row]").count()).toBe(6);
    await page.screenshot({ path: `${shots}/e2e-dashboard.png`, fullPage: true });
  });

  it("an admin can move the rollups forward from the page", async () => {
    await page.getByRole("button", { name: "Refresh rollups" }).click();
    await page.getByRole("button", { name: "Refresh rollups" }).waitFor();
    await page.waitForSelector("text=/rollups refreshed \\d\\d:\\d\\d UTC/");
    expect(await page.locator("main [role=alert]").count()).toBe(0);
  });

  it("the range picker keeps the range in the URL", async () => {
    await page.getByRole("button", { name: "7d" }).click();
    await page.waitForURL(/range=7d/);
    expect(await number("Total users")).toBeGreaterThan(0);
  });

  it("the usage page shows series, breakdowns and the top users by AI cost", async () => {
    await page.goto(`${base}/usage?range=30d`);
    await page.getByRole("heading", { name: "Usage", level: 1 }).waitFor();
    await page.waitForSelector('[role="img"][aria-label^="Assessments"] svg path');
    // Cost per day (area) and cost by model (bars), both drawn.
    expect(await page.locator('[role="img"][aria-label^="Cost"]').count()).toBe(2);
    expect(await page.locator('[role="img"][aria-label^="Cost"] svg path').count()).toBeGreaterThan(0);
    expect(await page.locator("table tbody tr").count()).toBe(10);
    await page.screenshot({ path: `${shots}/e2e-usage.png`, fullPage: true });
  });
});
