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

describe("sign-in on the embedded default", () => {
  it("sends a signed-out visitor to the sign-in page", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/users`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await expect(page.getByRole("heading", { name: "Sign in" }).isVisible()).resolves.toBe(true);
    await page.close();
  });

  it("refuses an address that was not invited, saying why", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel("Work email").fill("stranger@example.com");
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.waitForURL(/error=/);
    expect(await page.getByRole("alert").first().textContent()).toContain("has not been invited");
    await page.close();
  });

  it("signs the owner in through the link in the dev outbox and shows the dashboard with demo data", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await signInThroughOutbox(page, base, owner);
    await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
    const total = await page.locator("text=Total users").locator("xpath=..").locator("p").nth(1).textContent();
    expect(Number((total ?? "").replace(/,/g, ""))).toBeGreaterThan(0);
    await page.goto(`${base}/users`);
    expect(await page.locator("tbody tr").count()).toBe(50);
    await context.close();
  });

  it("refuses anonymous API calls", async () => {
    const res = await fetch(`${base}/api/trpc/admins.list`);
    expect(res.status).toBe(401);
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      database: { reachable: true, mode: "embedded" },
      jobs: { mode: "in-process", durable: false },
    });
  });
});
