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

/** Signs in through the real magic-link flow, reading the link from the dev outbox. */
export async function signInThroughOutbox(page: Page, baseUrl: string, email: string) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Work email").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.waitForURL(/check-email/);
  await page.goto(`${baseUrl}/dev/outbox`);
  await page
    .getByRole("link", { name: /Your sign-in link/ })
    .first()
    .click();
  const text = await page.locator("pre").textContent();
  const link = (text ?? "").match(/https?:\/\/\S+callback\/email\S+/)?.[0];
  if (!link) throw new Error("No sign-in link in the outbox email");
  await page.goto(link.replace(/[)\]]+$/, ""));
  await page.waitForURL((u) => new URL(u).pathname === "/");
}
