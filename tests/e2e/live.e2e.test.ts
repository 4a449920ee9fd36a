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

describe("live dashboard", () => {
  it("shows new activity and changing counters without a reload", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInThroughOutbox(page, base, owner);
    await page.getByTestId("live-status").getByText("Live").waitFor({ timeout: 20_000 });
    const sessionsBefore = Number((await page.getByTestId("live-sessions-today").textContent())?.replace(/[^0-9]/g, ""));
    const feedBefore = await page
      .getByTestId("live-feed")
      .locator("li")
      .count()
      .catch(() => 0);
    let navigations = 0;
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) navigations++;
    });

    // A script makes users active (the local demo endpoint inserts sessions and events into the app's tables).
    const res = await page.request.post(`${base}/api/dev/activity`);
    expect(res.status()).toBe(200);
    const { inserted } = (await res.json()) as { inserted: number };
    expect(inserted).toBeGreaterThan(0);

    await expect
      .poll(async () => Number((await page.getByTestId("live-sessions-today").textContent())?.replace(/[^0-9]/g, "")), { timeout: 10_000 })
      .toBeGreaterThan(sessionsBefore);
    await expect.poll(async () => page.getByTestId("live-feed").locator("li").count(), { timeout: 10_000 }).toBeGreaterThan(feedBefore);
    expect(Number((await page.getByTestId("live-active-now").textContent())?.replace(/[^0-9]/g, ""))).toBeGreaterThan(0);
    expect(navigations).toBe(0);
    // Newest first, by when it happened.
    const times = await page
      .getByTestId("live-feed")
      .locator("time")
      .evaluateAll((els) => els.map((e) => e.getAttribute("datetime") ?? ""));
    expect(times.length).toBeGreaterThan(1);
    expect([...times].sort().reverse()).toEqual(times);
    await page.screenshot({ path: "screenshots/e2e-live-dashboard.png" });
    await context.close();
  });

  it("refuses the demo activity's switch to a signed-out client", async () => {
    const put = await fetch(`${base}/api/dev/activity`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: '{"running":false}',
    });
    expect(put.status).toBe(401);
    expect((await fetch(`${base}/api/dev/activity`, { method: "POST" })).status).toBe(401);
  });

  it("refuses the stream to a signed-out client", async () => {
    const res = await fetch(`${base}/api/trpc/live.feed?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, {
      headers: { accept: "text/event-stream" },
    });
    const text = res.status === 200 ? await res.text().catch(() => "") : "";
    // Either a plain 401, or an SSE stream that carries only the UNAUTHORIZED error.
    expect(res.status === 401 || (text.includes("UNAUTHORIZED") && !text.includes('"type":"item"'))).toBe(true);
  });
});
