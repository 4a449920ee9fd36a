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
    // The members, less the addresses that must get no marketing email (the demo campaign's hard bounces are among them).
    const card = page.getByTestId("audience-count").locator("..");
    await expect.poll(async () => card.textContent(), { timeout: 15_000 }).toContain(`of ${members.toLocaleString("en-US")} members`);
    const suppressed = Number(/(\d[\d,]*) unsubscribed or suppressed/.exec((await card.textContent()) ?? "")?.[1]?.replace(/,/g, "") ?? 0);
    const eligible = members - suppressed;
    expect(Number((await page.getByTestId("audience-count").textContent())?.replace(/[^0-9]/g, ""))).toBe(eligible);
    await page.getByRole("button", { name: "Save draft and review" }).click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    const campaignUrl = page.url();
    await expect
      .poll(async () => page.getByTestId("review-count").textContent(), { timeout: 15_000 })
      .toContain(`reach ${eligible.toLocaleString("en-US")} `);

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

    // Who opened: the recipients table, filtered to the funnel's "Opened" stage.
    const table = page.getByTestId("recipients-table");
    await table.waitFor();
    await page.getByLabel("Show recipients").selectOption("opened");
    await expect.poll(async () => table.locator("tbody tr").count(), { timeout: 15_000 }).toBe(3);
    await page.screenshot({ path: "screenshots/e2e-campaign-recipients.png", fullPage: true });
    // The CSV has the same filter, through the real route and the admin's session.
    const csv = await (await page.request.get(`${campaignUrl.replace("/campaigns/", "/api/campaigns/")}/recipients?filter=opened`)).text();
    expect(csv.trimEnd().split("\r\n")).toHaveLength(4);
    expect(csv).toContain(",https://vibrationfit.com/app,"); // the links each recipient clicked
    // Without a session: refused, nothing streamed.
    expect((await fetch(`${campaignUrl.replace("/campaigns/", "/api/campaigns/")}/recipients`)).status).toBe(401);
    const notOpened = await (
      await page.request.get(`${campaignUrl.replace("/campaigns/", "/api/campaigns/")}/recipients?filter=not_opened`)
    ).text();
    const ignoredCount = notOpened.trimEnd().split("\r\n").length - 1;
    expect(ignoredCount).toBeGreaterThan(50);

    // A recipient's profile lists the campaign with what they did.
    await table.locator("tbody tr").first().getByRole("link").click();
    await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
    const history = page.getByTestId("email-history");
    await expect.poll(async () => history.textContent(), { timeout: 15_000 }).toContain(`Winter check-in ${stamp}`);
    expect(await history.textContent()).toMatch(/opened/);
    await page.screenshot({ path: "screenshots/e2e-profile-campaigns.png", fullPage: true });

    // A segment of those who got it and did not open it.
    await page.goto(`${base}/segments/new`);
    await page.getByTestId("preview-count").waitFor();
    await page.getByLabel("Field").first().selectOption("engagement");
    await page.getByLabel("Campaign engagement operator").selectOption("received_not");
    await page.getByLabel("Campaign engagement action").selectOption("opened");
    await page.getByLabel("Campaign engagement campaign").selectOption({ label: `Winter check-in ${stamp}` });
    await page.getByLabel("Name", { exact: true }).fill(`Ignored winter ${stamp}`);
    await page.getByRole("button", { name: "Save segment" }).click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
    expect(Number((await page.getByTestId("segment-count").textContent())?.replace(/[^0-9]/g, ""))).toBe(ignoredCount);
    expect(await page.getByText(`Received but did not open campaign “Winter check-in ${stamp}” ever`).count()).toBe(1);
    await context.close();
  });
});
