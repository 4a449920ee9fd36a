import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, signInThroughOutbox } from "./browser";

/*
 * The first hour, as a newcomer walks it: every page, signed out and in, on
 * the fresh embedded start CI runs. Each page is checked by axe-core (no
 * serious or critical WCAG 2 A/AA violation) and the whole walk by one
 * counter of console errors, page errors and failed requests, which must
 * stay at zero. The demo content must make every list non-empty.
 */
const base = process.env.CRM_E2E_URL ?? "http://localhost:3000";
const owner = process.env.SIGN_IN_EMAIL ?? "owner@vibrationfit.local";
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

type TViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

async function audit(page: Page, where: string): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations;
  })) as TViolation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${where}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join(", ")}`,
    );
}

function watch(page: Page, problems: string[]) {
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()} (${page.url()})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message} (${page.url()})`));
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().includes("/api/trpc/live.feed")) problems.push(`${r.status()} ${r.url()}`);
  });
}

describe("the first hour", () => {
  it("every page is alive, accessible, and quiet in the console", async () => {
    const problems: string[] = [];
    const violations: string[] = [];
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    watch(page, problems);
    const visit = async (path: string, ready?: () => Promise<unknown>) => {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState("load");
      if (ready) await ready();
      await page.waitForTimeout(300);
      violations.push(...(await audit(page, path)));
    };

    // Signed out: the pages anyone can reach (an unsubscribe link that is not valid says so).
    await visit("/sign-in");
    await visit("/sign-in/check-email");
    await visit("/unsubscribe?token=not-a-token");
    await signInThroughOutbox(page, base, owner);

    await visit("/", () => page.getByTestId("live-status").waitFor());
    await visit("/usage");
    await visit("/users", () => page.locator("table a[href^='/users/']").first().waitFor());
    const userHref = (await page.locator("table a[href^='/users/']").first().getAttribute("href")) ?? "";
    await visit(userHref);

    // The demo content: every list has something to show.
    await visit("/segments");
    const segments = page.locator("a[href^='/segments/']:not([href='/segments/new'])");
    expect(await segments.count()).toBeGreaterThanOrEqual(3);
    await visit((await segments.first().getAttribute("href")) ?? "");
    await visit("/segments/new", () => page.getByTestId("preview-count").waitFor());

    await visit("/campaigns");
    const sent = page.getByRole("link", { name: "Come back to your vision" });
    await sent.first().waitFor();
    await visit((await sent.first().getAttribute("href")) ?? "", () => page.getByTestId("funnel-opened").waitFor());
    expect(Number((await page.getByTestId("funnel-opened").textContent())?.replace(/[^0-9]/g, ""))).toBeGreaterThan(0);
    await page.screenshot({ path: "screenshots/e2e-demo-campaign.png", fullPage: true });
    await visit("/campaigns/new", () => page.getByTestId("audience-count").waitFor());

    await visit("/automations");
    await visit("/automations/new");
    await visit("/automations/new?start=welcome", () => page.getByRole("heading", { name: "New: Welcome series" }).waitFor());

    await visit("/templates");
    const templates = page.locator("a[href^='/templates/']:not([href='/templates/new'])");
    expect(await templates.count()).toBeGreaterThanOrEqual(2);
    await visit((await templates.first().getAttribute("href")) ?? "");
    await visit("/templates/new");

    await visit("/messages");
    const conversations = page.getByTestId("conversations").locator("a");
    expect(await conversations.count()).toBeGreaterThanOrEqual(3);
    await visit((await conversations.first().getAttribute("href")) ?? "");

    for (const path of [
      "/settings",
      "/settings/admins",
      "/settings/api-keys",
      "/settings/suppressions",
      "/settings/jobs",
      "/settings/messaging",
      "/dev/outbox",
    ])
      await visit(path);

    // Phone width: the dashboard and a list.
    await page.setViewportSize({ width: 390, height: 844 });
    await visit("/");
    await visit("/campaigns");

    expect({ violations, problems }).toEqual({ violations: [], problems: [] });
    await context.close();
  });
});
