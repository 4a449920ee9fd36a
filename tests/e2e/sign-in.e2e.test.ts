import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, signInThroughOutbox } from "./browser";

const base = process.env.CRM_E2E_URL ?? "http://localhost:3000";
const owner = process.env.SIGN_IN_EMAIL ?? "owner@vibrationfit.local";
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

/** Outbox pages of the sign-in emails to `email`, newest first. */
async function signInEmails(page: Page, email: string): Promise<string[]> {
  await page.goto(`${base}/dev/outbox`);
  const links = page.getByRole("link", { name: /Your sign-in link/ }).filter({ hasText: `to ${email}` });
  return (await Promise.all((await links.all()).map((l) => l.getAttribute("href")))).filter((h): h is string => Boolean(h));
}

async function emailText(page: Page, href: string): Promise<string> {
  await page.goto(`${base}${href}`);
  return (await page.locator("pre").textContent()) ?? "";
}

const linkIn = (text: string) => text.match(/https?:\/\/\S+\/sign-in\/verify\?\S+/)?.[0]?.replace(/[)\]]+$/, "") ?? "";

async function requestLink(page: Page, email: string) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Work email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.waitForURL(/check-email/);
  return (await page.locator("main").textContent()) ?? "";
}

/**
 * The sign-in form posted the way a script would (no browser, every header
 * chosen by the sender): the form's hidden fields from the page, then a
 * multipart POST claiming another host.
 */
async function postSignInFormAs(email: string, headers: Record<string, string>) {
  const html = await (await fetch(`${base}/sign-in`)).text();
  const form = html.match(/<form[^>]*>([\s\S]*?)<\/form>/)?.[1] ?? "";
  const body = new FormData();
  for (const input of form.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?\/?>/g)) {
    body.set(input[1] ?? "", (input[2] ?? "").replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
  }
  body.set("email", email);
  return fetch(`${base}/sign-in`, { method: "POST", body, headers, redirect: "manual" });
}

async function waitForNewLink(page: Page, email: string, known: number): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const hrefs = await signInEmails(page, email);
    if (hrefs.length > known) return linkIn(await emailText(page, hrefs[0] ?? ""));
    await page.waitForTimeout(200);
  }
  throw new Error(`No new sign-in email to ${email}`);
}

describe("sign-in on the embedded default", () => {
  it("sends a signed-out visitor to the sign-in page", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/users`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await expect(page.getByRole("heading", { name: "Sign in" }).isVisible()).resolves.toBe(true);
    await page.close();
  });

  it("answers an address that was not invited exactly as an invited one, and emails it nothing", async () => {
    const page = await browser.newPage();
    const stranger = `stranger-${Date.now()}@example.com`;
    const strangerAnswer = await requestLink(page, stranger);
    const ownerAnswer = await requestLink(page, owner);
    expect(strangerAnswer.replace(stranger, "<address>")).toBe(ownerAnswer.replace(owner, "<address>"));
    expect(strangerAnswer).toContain("If stranger-");
    await page.waitForTimeout(1500);
    expect(await signInEmails(page, stranger)).toEqual([]);
    await page.close();
  });

  it("builds the link on APP_URL whatever Host the request claims, and a prefetch of the link uses nothing up", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const known = (await signInEmails(page, owner)).length;
    const forged = await postSignInFormAs(owner, {
      origin: "https://evil.test",
      "x-forwarded-host": "evil.test",
      "x-forwarded-proto": "https",
    });
    expect(forged.status).toBe(303);
    expect(forged.headers.get("location")).toContain("/sign-in/check-email");
    const link = await waitForNewLink(page, owner, known);
    expect(new URL(link).origin).toBe(new URL(base).origin);
    // A mail scanner fetches the link (and an old-style callback URL) before the admin does.
    const url = new URL(link);
    expect((await fetch(link)).status).toBe(200);
    const legacy = await fetch(`${base}/api/auth/callback/email?${url.searchParams}`, { redirect: "manual" });
    expect(legacy.status).toBe(303);
    expect(legacy.headers.get("location")).toContain("/sign-in/verify?");
    expect(legacy.headers.get("set-cookie")).toBeNull();
    // The admin opens it and presses the button: signed in.
    await page.goto(link);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => new URL(u).pathname === "/");
    await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor();
    // Used once: opening it again says so.
    await page.goto(link);
    expect(await page.locator("main").textContent()).toContain("This sign-in link was already used");
    await context.close();
  });

  it("keeps next-auth's own sign-in endpoint closed", async () => {
    const csrf = await fetch(`${base}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const res = await fetch(`${base}/api/auth/signin/email`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrf.headers.get("set-cookie") ?? "" },
      body: new URLSearchParams({ email: owner, csrfToken }),
      redirect: "manual",
    });
    expect(res.status).toBe(404);
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
      jobs: { mode: "in-process", durable: true },
    });
  });
});
