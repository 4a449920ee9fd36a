import { createHmac, randomBytes } from "node:crypto";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, signInThroughOutbox } from "./browser";

const base = process.env.CRM_E2E_URL ?? "http://localhost:3000";
const owner = process.env.SIGN_IN_EMAIL ?? "owner@vibrationfit.local";
const secret = process.env.CRM_E2E_WEBHOOK_SECRET;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

/** A webhook signed the way Resend (Svix) signs them. */
async function postWebhook(body: Record<string, unknown>) {
  if (!secret) throw new Error("CRM_E2E_WEBHOOK_SECRET is not set (the app must run with the same RESEND_WEBHOOK_SECRET)");
  const raw = JSON.stringify(body);
  const id = `msg_${randomBytes(8).toString("hex")}`;
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac("sha256", Buffer.from(secret.replace(/^whsec_/, ""), "base64"))
    .update(`${id}.${ts}.${raw}`)
    .digest("base64");
  const res = await fetch(`${base}/api/webhooks/resend`, {
    method: "POST",
    headers: { "content-type": "application/json", "svix-id": id, "svix-timestamp": ts, "svix-signature": `v1,${sig}` },
    body: raw,
  });
  expect(res.status).toBe(200);
}

describe("campaigns: build, review, send, track", () => {
  it("sends a campaign to a segment, reaches 100%, and shows opens and clicks from signed webhooks", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInThroughOutbox(page, base, owner);
    const stamp = Date.now().toString(36);

    // An audience: everyone with a hey.com address.
    await page.goto(`${base}/segments/new`);
    await page.getByTestId("preview-count").waitFor(); // the builder is live (hydrated)
    await page.getByLabel("Field").first().selectOption("email");
    await page.getByLabel("Email value").fill("@hey.com");
    await page.getByLabel("Name", { exact: true }).fill(`hey.com ${stamp}`);
    await page.getByRole("button", { name: "Save segment" }).click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    const members = Number((await page.getByTestId("segment-count").textContent())?.replace(/[^0-9]/g, ""));
    expect(members).toBeGreaterThan(100);

    await page.goto(`${base}/campaigns/new`);
    await page.getByTestId("audience-count").waitFor(); // the form is live (hydrated)
    await page.getByLabel("Name").fill(`Winter check-in ${stamp}`);
    await page.getByLabel("Audience (segment)").selectOption({ label: `hey.com ${stamp}` });
    await page.getByLabel("Write it here").check();
    await page.getByLabel("Subject").fill(`Winter check-in ${stamp}, {{user.firstName | "friend"}}`);
    await page.getByLabel(/^Message/).fill("Your winter vision is ready.\n\n[Open the app](https://vibrationfit.com/app)");
    await expect
      .poll(async () => Number((await page.getByTestId("audience-count").textContent())?.replace(/[^0-9]/g, "")), { timeout: 15_000 })
      .toBe(members);
    await page.getByRole("button", { name: "Save draft and review" }).click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    const campaignUrl = page.url();
    await expect
      .poll(async () => page.getByTestId("review-count").textContent(), { timeout: 15_000 })
      .toContain(members.toLocaleString("en-US"));

    await page.getByRole("button", { name: "Send now…" }).click();
    await page.getByRole("button", { name: "Yes, send" }).click();
    await expect.poll(async () => page.getByTestId("progress-percent").textContent(), { timeout: 60_000 }).toBe("100%");
    await page.getByText("sent", { exact: true }).first().waitFor();

    // The emails are in the local outbox; their ids are what the provider's webhooks report.
    await page.goto(`${base}/dev/outbox`);
    const links = page.getByRole("link", { name: new RegExp(`Winter check-in ${stamp}`) });
    expect(await links.count()).toBeGreaterThanOrEqual(3);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await links.nth(i).getAttribute("href")) ?? "").split("/").pop() ?? "");
    const now = new Date().toISOString();
    for (const [i, emailId] of ids.entries()) {
      await postWebhook({ type: "email.delivered", created_at: now, data: { email_id: emailId } });
      await postWebhook({ type: "email.opened", created_at: now, data: { email_id: emailId } });
      if (i < 2)
        await postWebhook({
          type: "email.clicked",
          created_at: now,
          data: { email_id: emailId, click: { link: "https://vibrationfit.com/app" } },
        });
    }

    await page.goto(campaignUrl);
    await expect.poll(async () => page.getByTestId("funnel-opened").textContent(), { timeout: 15_000 }).toBe("3");
    expect(await page.getByTestId("funnel-clicked").textContent()).toBe("2");
    expect(await page.getByTestId("links").textContent()).toContain("https://vibrationfit.com/app");
    await page.screenshot({ path: "screenshots/e2e-campaign-report.png", fullPage: true });
    await context.close();
  });
});
