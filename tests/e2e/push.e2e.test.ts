import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakePushService, type TFakePushService, type TSubscriber } from "../fixtures/fake-push-service";
import { launchChromium, signInThroughOutbox } from "./browser";

/*
 * Push end to end: the built app (run by .ci/run with VAPID keys and
 * PUSH_SERVICE_HOSTS=127.0.0.1:*) sends to a local push service in this
 * process, which checks VAPID against the key the API publishes and decrypts
 * every notification.
 */
const base = process.env.CRM_E2E_URL ?? "http://localhost:3000";
const owner = process.env.SIGN_IN_EMAIL ?? "owner@vibrationfit.local";
let browser: Browser;
let fake: TFakePushService | undefined;
const registered: { userId: string; id: string }[] = [];
let apiKey = "";

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...(init.headers ?? {}) },
  });

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  // Later runs against the same app do not meet this run's (closed) push service.
  for (const r of registered) await api(`/users/${r.userId}/push-subscriptions/${r.id}`, { method: "DELETE" });
  await fake?.close();
  await browser?.close();
});

describe("push: subscribe, build, review devices, send, see the report", () => {
  it("sends an encrypted, personalised notification to every subscribed device and shows clicks", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await signInThroughOutbox(page, base, owner);
    const stamp = Date.now().toString(36);

    // The main app's key, made where an owner makes one.
    await page.goto(`${base}/settings/api-keys`);
    await page.getByLabel("Name").fill(`push e2e ${stamp}`);
    await page.getByRole("button", { name: "Create key" }).click();
    apiKey = ((await page.getByTestId("new-api-key").textContent()) ?? "").trim();
    const published = (await (await api("/push/public-key")).json()) as { data: { configured: boolean; publicKey: string } };
    expect(published.data.configured).toBe(true);
    fake = await startFakePushService({ vapidPublicKey: published.data.publicKey });

    // Three hey.com users turn notifications on: the first in two browsers.
    await page.goto(`${base}/users?q=hey.com`);
    // The search matches hey.com addresses; each row links to the profile (named by the user's name).
    const rows = page.locator('table a[href^="/users/"]');
    await rows.first().waitFor();
    const userIds: string[] = [];
    for (let i = 0; userIds.length < 3 && i < (await rows.count()); i++) {
      const id = ((await rows.nth(i).getAttribute("href")) ?? "").split("/").pop() ?? "";
      if (!userIds.includes(id)) userIds.push(id);
    }
    const devices: TSubscriber[] = [];
    for (const [i, userId] of userIds.entries()) {
      for (let k = 0; k < (i === 0 ? 2 : 1); k++) {
        const s = fake.subscribe();
        const res = await api(`/users/${userId}/push-subscriptions`, { method: "POST", body: JSON.stringify(s.subscription) });
        expect(res.status).toBe(201);
        registered.push({ userId, id: ((await res.json()) as { data: { id: string } }).data.id });
        devices.push(s);
      }
    }

    await page.goto(`${base}/segments/new`);
    await page.getByTestId("preview-count").waitFor();
    await page.getByLabel("Field").first().selectOption("email");
    await page.getByLabel("Email value").fill("@hey.com");
    await page.getByLabel("Name", { exact: true }).fill(`hey.com push ${stamp}`);
    await page.getByRole("button", { name: "Save segment" }).click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);

    await page.goto(`${base}/campaigns/new`);
    await page.getByTestId("audience-count").waitFor();
    await page.getByLabel("Channel").selectOption("push");
    await page.getByLabel("Name").fill(`Push ${stamp}`);
    await page.getByLabel("Audience (segment)").selectOption({ label: `hey.com push ${stamp}` });
    await page.getByLabel(/^Title/).fill('A new session, {{user.firstName | "friend"}}');
    await page.getByLabel(/^Text/).fill("Your {{user.plan}} plan has a guided session waiting.");
    await page.getByLabel(/^A click opens/).fill("/intensive");
    await expect.poll(async () => page.getByTestId("audience-count").textContent(), { timeout: 15_000 }).toBe("3");
    await expect(page.getByRole("region", { name: "Notification preview" }).textContent()).resolves.toContain("A new session");
    await page.screenshot({ path: "screenshots/e2e-push-editor.png", fullPage: true });
    await page.getByRole("button", { name: "Save draft and review" }).click();
    await page.waitForURL(/\/campaigns\/[0-9a-f-]{36}$/);
    const campaignUrl = page.url();
    await expect.poll(async () => page.getByTestId("review-devices").textContent(), { timeout: 15_000 }).toBe("4");
    expect(await page.getByTestId("review-count").textContent()).toContain("reach 3 people on 4 devices");

    await page.getByRole("button", { name: "Send now…" }).click();
    await page.getByRole("button", { name: "Yes, send" }).click();
    await expect.poll(async () => page.getByTestId("progress-percent").textContent(), { timeout: 60_000 }).toBe("100%");
    await expect.poll(async () => page.getByTestId("funnel-accepted").textContent(), { timeout: 15_000 }).toBe("3");

    // Every device holds one notification, decrypted, with its user's name filled in as text.
    for (const d of devices) {
      const inbox = fake.inbox(d.id);
      expect(inbox).toHaveLength(1);
      expect(String(inbox[0]?.json.title)).toMatch(/^A new session, [^{]+$/);
      expect(inbox[0]?.json.body).toMatch(/^Your \w+ plan has a guided session waiting\.$/);
    }
    // A click goes through the CRM, is counted, and lands on the main app.
    const click = await fetch(String(fake.inbox(devices[0]?.id ?? "")[0]?.json.url), { redirect: "manual" });
    expect(click.status).toBe(303);
    expect(click.headers.get("location")).toBe("https://vibrationfit.com/intensive");
    await page.reload();
    await expect.poll(async () => page.getByTestId("funnel-clicked").textContent(), { timeout: 20_000 }).toBe("1");
    await page.getByTestId("recipients-table").waitFor();
    expect(await page.getByTestId("recipients-table").textContent()).toContain("2 of 2 accepted");
    await page.screenshot({ path: "screenshots/e2e-push-report.png", fullPage: true });

    // A one-on-one push from the conversation, beside in-app and email.
    await page.goto(`${base}/messages/${userIds[0]}`);
    const push = page.getByRole("checkbox", { name: /Push to 2 devices/ });
    await push.waitFor();
    await push.check();
    await page.getByRole("checkbox", { name: "In-app" }).uncheck();
    await page.getByPlaceholder("Subject (the notification's title)").fill(`Your coach wrote ${stamp}`);
    await page.getByPlaceholder("Write a message").fill("Great progress on your vision board this week.");
    await page.getByRole("button", { name: "Send" }).click();
    const sent = page
      .getByTestId("thread")
      .getByRole("listitem")
      .filter({ hasText: `Your coach wrote ${stamp}` });
    await expect.poll(async () => sent.textContent(), { timeout: 15_000 }).toMatch(/push.*sent/);
    for (const d of devices.slice(0, 2)) {
      expect(fake.inbox(d.id).map((m) => m.json.title)).toContain(`Your coach wrote ${stamp}`);
    }
    await page.screenshot({ path: "screenshots/e2e-push-conversation.png", fullPage: true });
    // The profile lists the user's devices by push service, and the push campaign among what was sent.
    await page.goto(`${base}/users/${userIds[0]}`);
    await expect.poll(() => page.getByTestId("push-devices").locator("li").count()).toBe(2);
    expect(await page.getByTestId("email-history").textContent()).toContain("push campaign");

    // At phone width the report still reads.
    await page.goto(campaignUrl);
    await page.getByTestId("funnel-accepted").waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: "screenshots/e2e-push-report-phone.png", fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
