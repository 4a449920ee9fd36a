import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, signInThroughOutbox } from "./browser";

const base = process.env.CRM_E2E_URL ?? "http://localhost:3000";
const owner = process.env.SIGN_IN_EMAIL ?? "owner@vibrationfit.local";
const viewerEmail = `viewer-${Date.now()}@example.com`;
const tag = `e2e-${Date.now().toString(36)}`;
let browser: Browser;
let profileUrl = "";

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

async function ownerPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signInThroughOutbox(page, base, owner);
  return page;
}

describe("users: find, understand, annotate", () => {
  it("searches a user, opens the profile, adds a tag and a note that survive a reload", async () => {
    const page = await ownerPage();
    await page.goto(`${base}/users`);
    const email = (await page.locator("[data-testid=users-table] tbody tr").nth(4).getByTestId("user-email").textContent())?.trim();
    expect(email).toMatch(/@/);
    const term = (email ?? "").split("@")[0] ?? "";
    await page.getByLabel("Search users").fill(term.toUpperCase());
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((u) => new URL(u).searchParams.get("q") === term.toUpperCase());
    const rows = page.locator("[data-testid=users-table] tbody tr");
    await expect(rows.first().textContent()).resolves.toContain(email);
    expect(await page.getByTestId("users-count").textContent()).toMatch(/^\d+ users?$/);

    await rows.first().locator("a").first().click();
    await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
    profileUrl = page.url();
    await page.getByRole("heading", { name: "Unit economics" }).waitFor();
    await expect(
      page
        .getByText(email ?? "", { exact: true })
        .first()
        .isVisible(),
    ).resolves.toBe(true);
    await page.getByTestId("timeline").waitFor();

    await page.locator("#tag-input").fill(tag);
    await page.locator("#tag-input").press("Enter");
    await page.getByRole("textbox", { name: "Notes" }).fill("Called on launch day; wants the annual plan.");
    await page.getByRole("combobox", { name: "Priority" }).selectOption("vip");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();

    await page.reload();
    await page.getByRole("button", { name: `Remove tag ${tag}` }).waitFor();
    expect(await page.getByRole("textbox", { name: "Notes" }).inputValue()).toBe("Called on launch day; wants the annual plan.");
    expect(await page.getByRole("combobox", { name: "Priority" }).inputValue()).toBe("vip");
    expect(await page.getByRole("list", { name: "Edit history" }).textContent()).toContain(owner);

    // The tag is a filter now, and the CSV export follows the filter.
    await page.goto(`${base}/users?tags=${tag}`);
    expect(await page.locator("[data-testid=users-table] tbody tr").count()).toBe(1);
    const csv = await page.request.get(`${base}/api/users/export?tags=${tag}&tz=UTC`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toMatch(/^id,email,name,joined_at/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(email);

    // Invite a viewer for the next test.
    await page.goto(`${base}/settings/admins`);
    await page.locator("#invite-email").fill(viewerEmail);
    await page.locator("#invite-role").selectOption("viewer");
    await page.getByRole("button", { name: "Invite" }).click();
    await page.getByText(`Invited ${viewerEmail}`).waitFor();
    await page.context().close();
  });

  it("shows a viewer everything and no edit controls", async () => {
    expect(profileUrl).not.toBe("");
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInThroughOutbox(page, base, viewerEmail);
    await page.goto(profileUrl);
    await page.getByRole("heading", { name: "Unit economics" }).waitFor();
    await page.getByText("Viewers can read these; an admin can change them.").waitFor();
    expect(await page.getByText(tag, { exact: true }).count()).toBeGreaterThan(0);
    expect(await page.locator("#tag-input").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Save" }).count()).toBe(0);
    expect(await page.locator("#notes").count()).toBe(0);
    await page.screenshot({ path: "screenshots/e2e-viewer-profile-phone.png", fullPage: true });
    await context.close();
  });

  it("refuses the export to a signed-out client", async () => {
    const res = await fetch(`${base}/api/users/export`);
    expect(res.status).toBe(401);
  });
});
