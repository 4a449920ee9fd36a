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

describe("messaging: a template previewed for a real user, and a direct message that lands in the outbox", () => {
  it("writes a template, previews it for a real user, sends a message and finds the email", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // The previews are srcdoc frames: they live under the page's Content-Security-Policy, and must not break it.
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await signInThroughOutbox(page, base, owner);

    // A real user to preview for and write to.
    await page.goto(`${base}/users`);
    const firstRow = page.locator("[data-testid=users-table] tbody tr").nth(2);
    const userName = (await firstRow.locator("a").first().textContent())?.trim() ?? "";
    const href = (await firstRow.locator("a").first().getAttribute("href")) ?? "";
    const userId = href.split("/").pop() ?? "";
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
    const firstName = userName.split(" ")[0] ?? "";

    const stamp = Date.now().toString(36);
    await page.goto(`${base}/templates/new`);
    await page.getByLabel("Name", { exact: true }).fill(`Check-in ${stamp}`);
    await page.getByLabel("Subject").fill('Your week, {{user.firstName | "friend"}}');
    await page.getByLabel("Body (Markdown)").fill("# Hello {{user.firstName}}\n\nYour **{{user.plan}}** plan is ready.");
    const frame = page.frameLocator("iframe[title='Email preview']");
    await frame.getByText("Hello Alex").waitFor();
    await page.getByLabel("Preview for").fill(userName.slice(0, 6));
    await page.getByRole("list", { name: "Matching users" }).getByRole("button").filter({ hasText: userName }).first().click();
    await frame.getByText(`Hello ${firstName}`).waitFor();
    // An unknown variable is reported while typing, and blocks saving.
    await page.getByLabel("Body (Markdown)").fill("# Hello {{user.nickname}}");
    await page.getByTestId("template-problems").getByText("Unknown variable {{user.nickname}}").waitFor();
    expect(await page.getByRole("button", { name: "Save template" }).isDisabled()).toBe(true);
    await page.getByLabel("Body (Markdown)").fill("# Hello {{user.firstName}}\n\nYour **{{user.plan}}** plan is ready.");
    await page.getByRole("button", { name: "Save template" }).click();
    await page.waitForURL(/\/templates\/[0-9a-f-]{36}$/);
    await page.getByText("Version 1 · sent 0 times").waitFor();

    // A direct message by email and in-app.
    await page.goto(`${base}/messages/${userId}`);
    await page.getByRole("checkbox", { name: /Email to/ }).check();
    const subject = `Checking in ${stamp}`;
    await page.getByLabel("Subject").fill(subject);
    await page.locator("#msg-content").fill("Hi! How is the intensive going?\n\nReply any time.");
    await page.getByRole("button", { name: "Send" }).click();
    const thread = page.getByTestId("thread");
    await thread.getByText(subject).first().waitFor();
    const ours = thread.locator("li", { hasText: subject });
    await expect.poll(async () => ours.filter({ has: page.getByText("sent", { exact: true }) }).count()).toBe(2);
    expect(await ours.filter({ hasText: "email" }).count()).toBe(1);
    await page.getByTestId("conversations").getByText(userName).first().waitFor();

    await page.goto(`${base}/dev/outbox`);
    await page
      .getByRole("link", { name: new RegExp(subject) })
      .first()
      .click();
    await page.getByText("Hi! How is the intensive going?").first().waitFor();

    // The user answers the email (simulated locally, through the path of a real reply): it comes back into the thread, unread.
    await page
      .getByLabel("Reply", { exact: true })
      .fill("Day 5 done, feeling great!\n\nOn Monday VibrationFit wrote:\n> Hi! How is the intensive going?");
    await page.getByRole("button", { name: "Send the reply" }).click();
    await page.getByTestId("reply-outcome").getByText("The reply is in the user's conversation, unread.").waitFor();
    await page.goto(`${base}/messages/${userId}`);
    const reply = page.getByTestId("thread").locator("li", { hasText: "Day 5 done, feeling great!" });
    await reply.waitFor();
    expect(await reply.textContent()).not.toContain("On Monday VibrationFit wrote");
    expect(await reply.textContent()).toContain("email");
    await page.screenshot({ path: "screenshots/e2e-thread-email-reply.png", fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: "screenshots/e2e-thread-email-reply-phone.png", fullPage: true });
    expect(violations).toEqual([]);
    await context.close();
  });
});
