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

describe("automations: the welcome series from its starting point, tested on one user, turned on, counted", () => {
  it("builds, tests in the outbox, turns on, enrols from a profile and sees the step counts move", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    await signInThroughOutbox(page, base, owner);

    await page.goto(`${base}/automations`);
    await page.getByRole("link", { name: "New automation" }).click();
    await page.getByTestId("automation-starters").waitFor();
    await page.getByRole("link", { name: /Welcome series/ }).click();
    await page.getByRole("heading", { name: "New: Welcome series" }).waitFor();
    const name = `Welcome series ${Date.now().toString(36)}`;
    await page.getByLabel("Name", { exact: true }).fill(name);

    // The starting point leaves the email's template to choose: saving says so, and saves nothing.
    await page.getByRole("button", { name: "Save automation" }).click();
    await page.getByRole("alert").filter({ hasText: "Choose a template" }).waitFor();
    expect(page.url()).toContain("/automations/new");
    await page.getByLabel("Email template").selectOption({ index: 1 });
    // Whoever is enrolled below may have done an assessment already: keep them in the flow to watch it.
    await page.getByLabel("reaches the goal").uncheck();
    await page.getByRole("button", { name: "Save automation" }).click();
    await page.waitForURL(/\/automations\/[0-9a-f-]{36}$/);
    await page.getByRole("heading", { name }).waitFor();
    expect(await page.getByText("Draft", { exact: true }).count()).toBeGreaterThan(0);

    // Test mode: one user, at once, into the outbox.
    await page.getByLabel("Choose a user").fill("an");
    await page.getByRole("list", { name: "Matching users" }).getByRole("button").first().click();
    await page.getByRole("button", { name: "Run test" }).click();
    const timeline = page.getByTestId("test-timeline");
    await expect.poll(async () => timeline.locator(":scope > li").count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    await page.getByText(/Test run completed/).waitFor({ timeout: 20_000 });
    expect(await timeline.getByText(/not sent: kept for this test/).count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: "screenshots/e2e-automation-test-mode.png", fullPage: true });

    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByRole("button", { name: "Pause" }).waitFor();
    const automationUrl = page.url();

    // Enrol a user by hand from their profile.
    await page.goto(`${base}/users`);
    await page.locator("table a[href^='/users/']").first().click();
    await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
    await page.getByLabel("Automation to enrol in").selectOption({ label: name });
    await page.getByRole("button", { name: "Enrol", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Enrolled" }).waitFor();
    await page.getByTestId("user-automation-runs").getByText(name).waitFor();

    // The automation's page: the welcome went out and the person waits a day.
    await page.goto(automationUrl);
    await expect
      .poll(async () => page.getByTestId("step-counts-day1").textContent(), { timeout: 40_000, interval: 1000 })
      .toContain("1 here now");
    expect(await page.getByTestId("step-counts-welcome").textContent()).toContain("1 passed");
    expect(await page.getByTestId("automation-summary").textContent()).toMatch(/Entered\s*1/);
    await page.screenshot({ path: "screenshots/e2e-automation-live.png", fullPage: true });

    // The users list: tick two users and enrol just them; then, nothing ticked, everyone shown (the two are kept out now).
    await page.goto(`${base}/users`);
    const boxes = page.getByRole("checkbox", { name: /^Select (?!all)/ });
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    expect(await page.getByRole("status").filter({ hasText: "selected" }).textContent()).toContain("2 selected");
    await page.getByRole("button", { name: "Enrol in automation…" }).click();
    await page.getByLabel("Enrol the 2 selected users in").selectOption({ label: name });
    await page.getByRole("button", { name: "Enrol", exact: true }).click();
    const outcome = page.getByRole("status").filter({ hasText: /enrolled/ });
    await outcome.waitFor();
    const [, enrolled, kept] = (await outcome.textContent())?.match(/^(\d+) enrolled(?:; (\d+) kept out)?/) ?? [];
    expect(Number(enrolled) + Number(kept ?? 0)).toBe(2);
    await page.screenshot({ path: "screenshots/e2e-users-selection.png", fullPage: true });
    await page.getByRole("button", { name: "Clear selection" }).click();
    await page.getByRole("button", { name: "Enrol in automation…" }).click();
    await page.getByLabel(/Enrol the \d+ users shown in/).selectOption({ label: name });
    await page.getByRole("button", { name: "Enrol", exact: true }).click();
    await outcome.waitFor();
    expect(Number((await outcome.textContent())?.match(/; (\d+) kept out/)?.[1])).toBeGreaterThanOrEqual(2);
    await page.goto(automationUrl);
    await expect
      .poll(async () =>
        Number((await page.getByTestId("automation-summary").textContent())?.match(/Entered\s*([\d,]+)/)?.[1]?.replace(",", "")),
      )
      .toBeGreaterThan(1);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole("heading", { name }).waitFor();
    await page.screenshot({ path: "screenshots/e2e-automation-phone.png", fullPage: true });
    await page.goto(`${automationUrl}/edit`);
    await page.getByRole("button", { name: "Save and publish a new version" }).waitFor();
    await page.screenshot({ path: "screenshots/e2e-automation-builder-phone.png", fullPage: true });

    expect(problems).toEqual([]);
    await context.close();
  });
});
