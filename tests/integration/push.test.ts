import { afterAll, beforeAll, describe, expect, it } from "vitest";
import webpush from "web-push";
import { GET as clickRoute } from "@/app/api/push/click/[token]/route";
import { GET as publicKeyRoute } from "@/app/api/v1/push/public-key/route";
import { DELETE as deleteOneRoute } from "@/app/api/v1/users/[userId]/push-subscriptions/[subscriptionId]/route";
import { DELETE as deleteByEndpointRoute, POST as subscribeRoute } from "@/app/api/v1/users/[userId]/push-subscriptions/route";
import { resetEnvCache } from "@/lib/env";
import { provideDatabase } from "@/server/db";
import { resetPushSender } from "@/server/push";
import { spacedPushSender } from "@/server/push/spaced-sender";
import type { PushSender } from "@/server/push/types";
import { MAX_CLICKS_PER_DELIVERY } from "@/server/services/push/record-click";
import { startFakePushService, type TFakePushService, type TSubscriber } from "../fixtures/fake-push-service";
import { callerFor, createAdmins } from "../helpers/admins";
import { testEngine } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

const vapid = webpush.generateVAPIDKeys();
const PUSH_ENV = {
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
  VAPID_SUBJECT: "mailto:crm@vibrationfit.com",
  PUSH_SERVICE_HOSTS: "127.0.0.1:*",
  PUSH_SEND_RATE: "10000",
};

function configurePush(on: boolean) {
  for (const [k, v] of Object.entries(PUSH_ENV)) {
    if (on) process.env[k] = v;
    else delete process.env[k];
  }
  resetEnvCache();
  resetPushSender();
}

describe.each(engines())("Web Push on %s", (engine) => {
  let db: TTestDatabase;
  let fake: TFakePushService;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  let auth: { authorization: string };
  let segmentId: string;
  /** Users 1–5: Ana has two browsers, Ben, Cy and Eve one each, Dee none. */
  const devices: Record<string, TSubscriber[]> = {};
  const admin = () => callerFor(db.db, admins.admin);

  const subscribe = (userId: string, body: unknown, headers: Record<string, string> = auth) =>
    subscribeRoute(
      new Request(`http://crm/api/v1/users/${userId}/push-subscriptions`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
      { params: Promise.resolve({ userId }) },
    );
  const json = async (res: Response) => (await res.json()) as { data?: Record<string, unknown>; error?: { message: string } };

  async function sendCampaign(name: string, extra: Record<string, unknown> = {}) {
    const c = await admin().messaging.campaigns.create({
      name,
      type: "push",
      segmentId,
      subject: 'Hi {{user.firstName | "friend"}}',
      content: "Your {{user.plan}} plan has a new session waiting.",
      pushUrl: "/intensive",
      ...extra,
    });
    await admin().messaging.campaigns.sendToSegment({ segmentId, campaignId: c.id });
    return c;
  }
  const rows = <T>(sql: string, params: unknown[] = []) => db.query<T & Record<string, unknown>>(sql, params);

  beforeAll(async () => {
    fake = await startFakePushService({ vapidPublicKey: vapid.publicKey });
    configurePush(true);
    db = await createTestDatabase(engine);
    provideDatabase(db);
    admins = await createAdmins(db.db, `push-${engine}`);
    await insertSourceRows(db, {
      users: [
        { id: uuid(1), email: "ana@example.com", name: "Ana Lima", created_at: "2026-01-01T00:00:00Z", last_active_at: null },
        { id: uuid(2), email: "ben@example.com", name: "Ben <b>Ode</b>", created_at: "2026-01-02T00:00:00Z", last_active_at: null },
        { id: uuid(3), email: "cy@example.com", name: null, created_at: "2026-01-03T00:00:00Z", last_active_at: null },
        { id: uuid(4), email: "dee@example.com", name: "Dee", created_at: "2026-01-04T00:00:00Z", last_active_at: null },
        { id: uuid(5), email: "eve@example.com", name: "Eve", created_at: "2026-01-05T00:00:00Z", last_active_at: null },
      ],
    });
    const { key } = await callerFor(db.db, admins.owner).messaging.apiKeys.create({ name: "main app" });
    auth = { authorization: `Bearer ${key}` };
    const seg = await admin().segments.create({
      name: "Everyone",
      criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "email", op: "contains", value: "@" }] },
    });
    segmentId = seg.id;
    for (const [n, count] of [
      [1, 2],
      [2, 1],
      [3, 1],
      [5, 1],
    ] as const) {
      devices[uuid(n)] = [];
      for (let i = 0; i < count; i++) {
        const s = fake.subscribe();
        devices[uuid(n)]?.push(s);
        expect((await subscribe(uuid(n), { ...s.subscription, userAgent: "Firefox 140" })).status).toBe(201);
      }
    }
  });
  afterAll(async () => {
    configurePush(false);
    await fake?.close();
    await db?.drop();
  });

  it("takes subscriptions from the main app: validated, bounded, idempotent per endpoint", async () => {
    const keyRes = await publicKeyRoute(new Request("http://crm/api/v1/push/public-key", { headers: auth }));
    expect((await json(keyRes)).data).toEqual({ configured: true, publicKey: vapid.publicKey });
    const first = devices[uuid(1)]?.[0] as TSubscriber;
    // The same browser again: 200, the same row.
    const again = await subscribe(uuid(1), first.subscription);
    expect(again.status).toBe(200);
    expect((await rows<{ n: number }>("SELECT count(*)::int AS n FROM crm_push_subscriptions"))[0]?.n).toBe(5);

    const bad = async (body: unknown, status: number, message: RegExp, userId = uuid(1)) => {
      const res = await subscribe(userId, body);
      expect(res.status).toBe(status);
      expect(JSON.stringify(await res.json())).toMatch(message);
    };
    const keys = first.subscription.keys;
    await bad({ endpoint: first.subscription.endpoint }, 400, /keys is missing/);
    await bad({ ...first.subscription, keys: { ...keys, auth: "c2hvcnQ" } }, 400, /keys.auth must be 16 bytes/);
    await bad({ ...first.subscription, keys: { ...keys, p256dh: keys.auth } }, 400, /keys.p256dh must be 65 bytes/);
    await bad("{not json", 400, /not valid JSON/);
    // Anywhere but a push service: the CRM would POST wherever it was told.
    await bad(
      { ...first.subscription, endpoint: "https://internal.example.com/admin" },
      400,
      /internal.example.com is not a known push service/,
    );
    await bad({ ...first.subscription, endpoint: "http://169.254.169.254/latest" }, 400, /must be an https:\/\/ URL/);
    await bad({ ...fake.subscribe().subscription }, 404, /No user has this id/, uuid(99));
    expect((await subscribe(uuid(1), first.subscription, {})).status).toBe(401);
    expect((await rows<{ n: number }>("SELECT count(*)::int AS n FROM crm_push_subscriptions"))[0]?.n).toBe(5);

    // Removed by id and by endpoint; a removed one is a 404 the second time.
    const spare = fake.subscribe();
    const created = await json(await subscribe(uuid(4), spare.subscription));
    const del = (id: string) =>
      deleteOneRoute(new Request("http://crm/x", { method: "DELETE", headers: auth }), {
        params: Promise.resolve({ userId: uuid(4), subscriptionId: id }),
      });
    expect((await del(String(created.data?.id))).status).toBe(200);
    expect((await del(String(created.data?.id))).status).toBe(404);
    await subscribe(uuid(4), spare.subscription);
    const byEndpoint = await deleteByEndpointRoute(
      new Request(`http://crm/x?endpoint=${encodeURIComponent(spare.subscription.endpoint)}`, { method: "DELETE", headers: auth }),
      { params: Promise.resolve({ userId: uuid(4) }) },
    );
    expect(byEndpoint.status).toBe(200);
    expect((await rows<{ n: number }>("SELECT count(*)::int AS n FROM crm_push_subscriptions WHERE user_id = $1", [uuid(4)]))[0]?.n).toBe(
      0,
    );
  });

  it("sends a push campaign to a segment: each device one encrypted, personalised notification; the report counts users once", async () => {
    const audience = await admin().messaging.campaigns.audience({ segmentId, type: "push" });
    expect(audience).toMatchObject({ members: 5, eligible: 4, devices: 5, withoutDevice: 1 });
    const c = await sendCampaign("Welcome push");
    await testEngine(db.db).drain();

    const one = (s: TSubscriber | undefined) => {
      const inbox = fake.inbox(s?.id ?? "");
      expect(inbox).toHaveLength(1);
      return inbox[0]?.json as { title: string; body: string; url: string; tag: string };
    };
    const [ana1, ana2] = devices[uuid(1)] ?? [];
    expect(one(ana1)).toMatchObject({ title: "Hi Ana", body: "Your free plan has a new session waiting.", tag: `campaign-${c.id}` });
    expect(one(ana2)).toMatchObject({ title: "Hi Ana" });
    // Merge values are text, never markup; an empty name falls back.
    expect(one(devices[uuid(2)]?.[0]).title).toBe("Hi Ben");
    expect(one(devices[uuid(3)]?.[0]).title).toBe("Hi friend");
    expect(one(devices[uuid(1)]?.[0]).url).toMatch(/^http:\/\/localhost:3000\/api\/push\/click\/[0-9a-f]{32}\.[A-Za-z0-9_-]{32}$/);
    const message = fake.inbox(ana1?.id ?? "")[0];
    expect(message).toMatchObject({ ttl: 86_400, urgency: "normal", topic: c.id.replace(/-/g, "") });

    const after = await admin().messaging.campaigns.get({ id: c.id });
    expect(after).toMatchObject({ status: "sent", totalRecipients: 4, sentCount: 4, failedCount: 0 });
    expect(await admin().messaging.campaigns.funnel({ id: c.id })).toMatchObject({
      recipients: 4,
      sent: 4,
      delivered: 4,
      clicked: 0,
      failed: 0,
    });
    const perDevice = await rows<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM crm_push_deliveries WHERE campaign_id = $1 GROUP BY 1",
      [c.id],
    );
    expect(perDevice).toEqual([{ status: "accepted", n: 5 }]);
  });

  it("records a click and redirects to the campaign's link; refuses forged tokens and links no longer allowed", async () => {
    const [c] = await rows<{ id: string }>("SELECT id FROM crm_campaigns WHERE name = 'Welcome push'");
    const url = String(fake.inbox(devices[uuid(2)]?.[0]?.id ?? "")[0]?.json.url);
    const click = (u: string) => clickRoute(new Request(u), { params: Promise.resolve({ token: u.split("/").pop() ?? "" }) });
    const res = await click(url);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("https://vibrationfit.com/intensive");
    await click(url); // a second click: total 2, unique 1
    const funnel = await admin().messaging.campaigns.funnel({ id: c?.id ?? "" });
    expect(funnel).toMatchObject({ delivered: 4, clicked: 1, clickRate: 0.25 });
    const clicks = await admin().messaging.campaigns.clickRates({ id: c?.id ?? "" });
    expect(clicks.links).toEqual([{ link: "https://vibrationfit.com/intensive", total: 2, unique: 1 }]);

    // Replayed again and again: still redirected, counted up to the cap per device.
    for (let i = 0; i < 25; i++) expect((await click(url)).status).toBe(303);
    expect((await admin().messaging.campaigns.clickRates({ id: c?.id ?? "" })).links).toEqual([
      { link: "https://vibrationfit.com/intensive", total: MAX_CLICKS_PER_DELIVERY, unique: 1 },
    ]);
    // A forged or edited token: 404, nothing recorded, no redirect.
    const forged = url.replace(/.$/, (ch) => (ch === "A" ? "B" : "A"));
    const refused = await click(forged);
    expect(refused.status).toBe(404);
    expect(refused.headers.get("location")).toBeNull();
    expect((await click("http://localhost:3000/api/push/click/..%2F..%2Fevil")).status).toBe(404);
    // A link that was allowed when saved but is not any more (the allowed origins changed): no redirect.
    await db.query("UPDATE crm_campaigns SET push_url = 'https://evil.example.com/' WHERE id = $1", [c?.id]);
    const foreign = await click(url);
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get("location")).toBeNull();
    expect((await admin().messaging.campaigns.clickRates({ id: c?.id ?? "" })).links[0]?.total).toBe(MAX_CLICKS_PER_DELIVERY);
    // Saving a foreign link is refused in the first place.
    await expect(
      admin().messaging.campaigns.create({
        name: "Away",
        type: "push",
        segmentId,
        subject: "x",
        content: "y",
        pushUrl: "https://evil.example.com/x",
      }),
    ).rejects.toThrow(/Link: Notifications may only lead to https:\/\/vibrationfit.com/);
  });

  it("removes a subscription its push service calls gone (410); the next campaign skips it", async () => {
    const eve = devices[uuid(5)]?.[0] as TSubscriber;
    fake.expire(eve.id);
    const c = await sendCampaign("Second push");
    await testEngine(db.db).drain();
    expect(await admin().messaging.campaigns.funnel({ id: c.id })).toMatchObject({ recipients: 4, delivered: 3, failed: 1 });
    const [eveRow] = await rows<{ status: string; error: string }>(
      "SELECT status, error FROM crm_campaign_tracking WHERE campaign_id = $1 AND user_id = $2",
      [c.id, uuid(5)],
    );
    expect(eveRow).toMatchObject({ status: "failed", error: expect.stringMatching(/Subscription gone \(410\)/) });
    expect((await rows<{ n: number }>("SELECT count(*)::int AS n FROM crm_push_subscriptions WHERE user_id = $1", [uuid(5)]))[0]?.n).toBe(
      0,
    );

    const before = fake.requests.filter((r) => r.subscriptionId === eve.id).length;
    const next = await sendCampaign("Third push");
    await testEngine(db.db).drain();
    expect(await admin().messaging.campaigns.funnel({ id: next.id })).toMatchObject({ recipients: 3, delivered: 3, failed: 0 });
    expect(fake.requests.filter((r) => r.subscriptionId === eve.id).length).toBe(before);
  });

  it("gives each device exactly one notification through a 429 storm, 5xx and a crash after the push service accepted", async () => {
    fake.reset();
    // The first two attempts to record accepted devices fail: the worker died after the push service took them.
    await db.execScript(`
      CREATE SEQUENCE IF NOT EXISTS push_fault_seq;
      CREATE OR REPLACE FUNCTION push_fail_recording() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'accepted' AND OLD.status = 'queued' AND nextval('push_fault_seq') <= 2 THEN
          RAISE EXCEPTION 'injected: the worker died before recording what the push service accepted';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER push_fail_recording BEFORE UPDATE ON crm_push_deliveries FOR EACH ROW EXECUTE FUNCTION push_fail_recording();`);
    // Then a 429 storm with Retry-After, and 503s without.
    fake.fail(429, { times: 6, retryAfter: "1" });
    fake.fail(503, { times: 2 });
    const c = await sendCampaign("Stormy push");
    await testEngine(db.db, { backoffMs: 10 }).drain();
    await db.execScript("DROP TRIGGER push_fail_recording ON crm_push_deliveries;");

    expect(await admin().messaging.campaigns.get({ id: c.id })).toMatchObject({ status: "sent", sentCount: 3, failedCount: 0 });
    for (const n of [1, 2, 3]) {
      for (const s of devices[uuid(n)] ?? []) {
        const inbox = fake.inbox(s.id);
        expect(inbox.map((m) => m.json.tag)).toEqual([`campaign-${c.id}`]);
      }
    }
    // The storm and the crashes cost requests, not notifications: repeats carried the campaign's Topic and replaced the held message.
    const statuses = fake.requests.map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(4);
    const perDevice = await rows<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM crm_push_deliveries WHERE campaign_id = $1 GROUP BY 1",
      [c.id],
    );
    expect(perDevice).toEqual([{ status: "accepted", n: 4 }]);
  });

  it("sends a one-on-one push from the conversation, recorded in the thread", async () => {
    fake.reset();
    const sent = await admin().messaging.directMessages.send({
      userId: uuid(1),
      channels: ["push", "in_app"],
      subject: "Your coach wrote",
      content: "I looked at your vision board: great progress.",
      pushUrl: "/messages",
    });
    expect(sent.map((m) => [m.channel, m.status]).sort()).toEqual([
      ["in_app", "sent"],
      ["push", "sent"],
    ]);
    for (const s of devices[uuid(1)] ?? []) {
      expect(fake.inbox(s.id).map((m) => m.json)).toEqual([
        expect.objectContaining({ title: "Your coach wrote", body: "I looked at your vision board: great progress." }),
      ]);
    }
    const push = sent.find((m) => m.channel === "push");
    const url = String(fake.inbox(devices[uuid(1)]?.[0]?.id ?? "")[0]?.json.url);
    const res = await clickRoute(new Request(url), { params: Promise.resolve({ token: url.split("/").pop() ?? "" }) });
    expect(res.headers.get("location")).toBe("https://vibrationfit.com/messages");
    const thread = await admin().messaging.directMessages.conversation({ userId: uuid(1) });
    expect(thread.find((m) => m.id === push?.id)).toMatchObject({ channel: "push", status: "sent", clickedAt: expect.any(Date) });

    // Refused before anything is written: no device, a title too long.
    await expect(
      admin().messaging.directMessages.send({ userId: uuid(4), channels: ["push"], subject: "Hi", content: "x" }),
    ).rejects.toThrow(/Dee has not turned on notifications on any device/);
    await expect(
      admin().messaging.directMessages.send({ userId: uuid(1), channels: ["push"], subject: "x".repeat(101), content: "x" }),
    ).rejects.toThrow(/title is at most 100 characters/);
  });

  it("says plainly when push is not configured, and stores nothing", async () => {
    configurePush(false);
    try {
      const keyRes = await publicKeyRoute(new Request("http://crm/api/v1/push/public-key", { headers: auth }));
      expect((await json(keyRes)).data).toEqual({ configured: false, publicKey: null });
      const res = await subscribe(uuid(4), fake.subscribe().subscription);
      expect(res.status).toBe(409);
      expect((await json(res)).error?.message).toMatch(/Push is not configured/);
      await expect(
        admin().messaging.campaigns.create({ name: "No", type: "push", segmentId, subject: "x", content: "y", pushUrl: "/" }),
      ).rejects.toThrow(/Push is not configured/);
    } finally {
      configurePush(true);
    }
  });
});

describe("the push rate limiter", () => {
  it("starts at most the rate in any window, reaches the rate, and does not wait for slow pushes", async () => {
    const starts: number[] = [];
    const slow: PushSender = {
      configured: true,
      publicKey: null,
      send: async () => {
        starts.push(performance.now());
        await new Promise((r) => setTimeout(r, 150)); // a slow push service: the next push does not wait for this one
        return { kind: "accepted", status: 201 };
      },
    };
    const sender = spacedPushSender(slow, 20);
    const t0 = performance.now();
    const target = { endpoint: "http://127.0.0.1:1/x", p256dh: "", auth: "" };
    await Promise.all(Array.from({ length: 50 }, () => sender.send(target, "{}", { ttlSeconds: 60, urgency: "normal" })));
    const elapsed = performance.now() - t0;
    let worst = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while ((starts[i] as number) - (starts[j] as number) >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBe(20);
    // 50 at 20 a second: the first 20 at once, then two more windows; never much slower.
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(5000);
  });
});
