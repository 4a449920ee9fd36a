import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium, driven by playwright-core (no browser download); Playwright gives each launch a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The outbox page of the newest sign-in email to `email`, or null. */
async function newestSignInEmail(page: Page, baseUrl: string, email: string): Promise<string | null> {
  await page.goto(`${baseUrl}/dev/outbox`);
  const link = page.getByRole("link", { name: /Your sign-in link/ }).filter({ hasText: `to ${email}` });
  return (await link.count()) ? link.first().getAttribute("href") : null;
}

/**
 * Signs in through the real magic-link flow, reading the link from the dev
 * outbox. The link is emailed after the form's answer, so this waits for a
 * sign-in email newer than the ones already there.
 */
export async function signInThroughOutbox(page: Page, baseUrl: string, email: string) {
  const before = await newestSignInEmail(page, baseUrl, email);
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Work email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.waitForURL(/check-email/);
  let href: string | null = null;
  for (let i = 0; i < 50 && (!href || href === before); i++) {
    if (i) await page.waitForTimeout(200);
    href = await newestSignInEmail(page, baseUrl, email);
  }
  if (!href || href === before) throw new Error(`No new sign-in email to ${email} in the outbox`);
  await page.goto(`${baseUrl}${href}`);
  const text = await page.locator("pre").textContent();
  const link = (text ?? "").match(/https?:\/\/\S+\/sign-in\/verify\?\S+/)?.[0];
  if (!link) throw new Error("No sign-in link in the outbox email");
  // The link opens a page with a button; only the button's POST signs in.
  await page.goto(link.replace(/[)\]]+$/, ""));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => new URL(u).pathname === "/");
}
