import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as oneClick } from "@/app/api/unsubscribe/route";
import { GET as listMessagesRoute } from "@/app/api/v1/users/[userId]/messages/route";
import { provideDatabase } from "@/server/db";
import { ResendProvider } from "@/server/email/resend-provider";
import { deliverBatch, runCampaignDelivery, startCampaignSend } from "@/server/services/campaigns/deliver-campaign";
import {
  cancelCampaign,
  createCampaign,
  pauseCampaign,
  resumeCampaign,
  scheduleCampaign,
  zonedTimeToUtc,
} from "@/server/services/campaigns/manage-campaigns";
import { startDueCampaigns } from "@/server/services/campaigns/send-campaign";
import type { AdminActor } from "@/server/services/context";
import { unsubscribe, unsubscribeToken } from "@/server/services/messaging/unsubscribe";
import { createSegment } from "@/server/services/segments/manage-segments";
import { deliverCampaign, deliverCampaignBatch } from "~inngest/functions/deliver-campaign";
import { startFakeResend, type TFakeResend } from "../fixtures/fake-resend-server";
import { callerFor, createAdmins } from "../helpers/admins";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { uuid } from "../helpers/source-rows";

const USERS = 250; // three batches: 100, 100, 50

describe.each(engines())("campaign delivery on %s", (engine) => {
  let db: TTestDatabase;
  let fake: TFakeResend;
  let actor: AdminActor;
  let segmentId: string;
  let provider: ResendProvider;
  const ctx = () => ({ db: db.db, actor });
  const noSleep = async () => {};

  /** How many emails each address got from the provider: every recipient exactly once, nobody else. */
  const deliveredOnce = (campaignId: string) => {
    const counts = new Map<string, number>();
    for (const e of fake.sent) {
      if (!e.tags?.some((t) => t.name === "campaign_id" && t.value === campaignId)) continue;
      for (const to of e.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    }
    return counts;
  };
  const newCampaign = async (name: string) => {
    const c = await createCampaign(ctx(), {
      name,
      type: "email",
      segmentId,
      subject: 'Hi {{user.firstName | "there"}}',
      content: "Your week at VibrationFit.",
    });
    return startCampaignSend(db.db, actor, c.id);
  };

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    provideDatabase(db);
    const admins = await createAdmins(db.db, `camp-${engine}`);
    actor = { type: "admin", ...admins.admin };
    await db.execScript(`INSERT INTO app.users (id, email, name, created_at)
      SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'reader' || i || '@example.com', 'Reader ' || i, now() - i * interval '1 hour'
      FROM generate_series(1, ${USERS}) i`);
    const s = await createSegment(ctx(), {
      name: "Everyone",
      criteria: {
        type: "group",
        match: "all",
        conditions: [{ type: "condition", field: "email", op: "ends_with", value: "@example.com" }],
      },
    });
    segmentId = s.id;
    fake = await startFakeResend();
    provider = new ResendProvider(fake.apiKey, fake.url, 150);
  });
  afterAll(async () => {
    await fake?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    await db.execScript(
      "DROP TRIGGER IF EXISTS fail_recording ON crm_campaign_tracking; DROP TRIGGER IF EXISTS fail_count ON crm_campaigns;",
    );
  });

  it("snapshots the segment minus suppressed addresses into batches of 100, set-based", async () => {
    await unsubscribe(db.db, unsubscribeToken(uuid(7), "reader7@example.com"));
    const c = await newCampaign("Snapshot");
    expect(c).toMatchObject({ status: "sending", totalRecipients: USERS - 1 });
    const batches = await db.query<{ batch_no: number; n: number }>(
      "SELECT batch_no, count(*)::int AS n FROM crm_campaign_tracking WHERE campaign_id = $1 GROUP BY 1 ORDER BY 1",
      [c.id],
    );
    expect(batches).toEqual([
      { batch_no: 0, n: 100 },
      { batch_no: 1, n: 100 },
      { batch_no: 2, n: 49 },
    ]);
    const result = await runCampaignDelivery(db.db, c.id, { provider, sleep: noSleep });
    expect(result.finished).toBe(true);
    const counts = deliveredOnce(c.id);
    expect(counts.size).toBe(USERS - 1);
    expect(counts.has("reader7@example.com")).toBe(false);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const sent = fake.sent.find((e) => e.to[0] === "reader8@example.com" && e.tags?.some((t) => t.value === c.id));
    expect(sent?.subject).toBe("Hi Reader");
    expect(sent?.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(sent?.headers?.["List-Unsubscribe"]).toMatch(/^<http:\/\/localhost:3000\/api\/unsubscribe\?token=[\w-]+\.[\w-]+>$/);
    const [row] = await db.query<{ status: string; sent_count: number }>("SELECT status, sent_count FROM crm_campaigns WHERE id = $1", [
      c.id,
    ]);
    expect(row).toEqual({ status: "sent", sent_count: USERS - 1 });
  });

  it("sends each recipient exactly once through faults: crash after accept, 5xx and timeouts after accept, 429 storms, a database error mid-batch", async () => {
    const c = await newCampaign("Faults");
    // Database faults from triggers. Sequences are not rolled back with the failing transaction, so the
    // first two attempts to record a batch fail (the provider has accepted it each time: a worker dying
    // before it records), then one attempt fails at the campaign's counter, after the rows were updated.
    await db.execScript(`
      CREATE SEQUENCE IF NOT EXISTS fault_record_seq; CREATE SEQUENCE IF NOT EXISTS fault_count_seq;
      CREATE OR REPLACE FUNCTION fail_recording() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'sent' AND OLD.status = 'queued' AND nextval('fault_record_seq') <= 2 THEN
          RAISE EXCEPTION 'injected: the worker died before recording the batch';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER fail_recording BEFORE UPDATE ON crm_campaign_tracking FOR EACH ROW EXECUTE FUNCTION fail_recording();
      CREATE OR REPLACE FUNCTION fail_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.sent_count > OLD.sent_count AND nextval('fault_count_seq') <= 1 THEN
          RAISE EXCEPTION 'injected: database error mid-batch';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER fail_count BEFORE UPDATE ON crm_campaigns FOR EACH ROW EXECUTE FUNCTION fail_count();`);
    const waits: number[] = [];
    // Provider faults for the next requests, in order: 5xx after accept, a timeout after accept, a 429 storm.
    const tooMany = {
      status: 429,
      headers: { "retry-after": "2" },
      body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" },
    };
    fake.injectFaults({ status: 500, afterAccept: true }, { status: 200, afterAccept: true, delayMs: 400 }, tooMany, tooMany, tooMany);
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    const result = await runCampaignDelivery(db.db, c.id, { provider, sleep, maxAttempts: 12 });
    expect(result.finished).toBe(true);
    expect(result.attempts).toBe(11); // batch 0 took 9 attempts: 500, timeout, 3 × 429, 2 crashes, 1 counter error, then done
    expect(await db.query("SELECT 1 FROM crm_campaigns WHERE id = $1 AND last_error IS NULL", [c.id])).toHaveLength(1);
    expect(waits.filter((w) => w === 2000)).toHaveLength(3); // the 429s were honoured
    const counts = deliveredOnce(c.id);
    expect(counts.size).toBe(c.totalRecipients);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    const states = await db.query<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM crm_campaign_tracking WHERE campaign_id = $1 GROUP BY 1",
      [c.id],
    );
    expect(states).toEqual([{ status: "sent", n: c.totalRecipients }]);
    const [row] = await db.query<{ sent_count: number }>("SELECT sent_count FROM crm_campaigns WHERE id = $1", [c.id]);
    expect(row?.sent_count).toBe(c.totalRecipients);
  });

  it("stops between batches when paused or canceled, and resumes where it stopped", async () => {
    const c = await newCampaign("Pausable");
    expect(await deliverBatch(db.db, c.id, 0, { provider })).toMatchObject({ outcome: "sent", sent: 100 });
    await pauseCampaign(ctx(), c.id);
    const paused = await runCampaignDelivery(db.db, c.id, { provider, sleep: noSleep });
    expect(paused).toMatchObject({ finished: false, stoppedBecause: "paused" });
    expect(deliveredOnce(c.id).size).toBe(100);
    await resumeCampaign(ctx(), c.id);
    expect((await runCampaignDelivery(db.db, c.id, { provider, sleep: noSleep })).finished).toBe(true);
    expect(deliveredOnce(c.id).size).toBe(c.totalRecipients);

    const other = await newCampaign("Canceled");
    await deliverBatch(db.db, other.id, 0, { provider });
    await cancelCampaign(ctx(), other.id);
    expect(await runCampaignDelivery(db.db, other.id, { provider, sleep: noSleep })).toMatchObject({ stoppedBecause: "canceled" });
    expect(deliveredOnce(other.id).size).toBe(100);
  });

  it("checks every lifecycle transition on the server", async () => {
    const draft = await createCampaign(ctx(), { name: "Lifecycle", type: "email", segmentId, subject: "S", content: "C" });
    await expect(pauseCampaign(ctx(), draft.id)).rejects.toMatchObject({ message: "Cannot pause “Lifecycle”: it is draft" });
    await expect(createCampaign(ctx(), { name: "Push", type: "push", segmentId })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("not configured"),
    });
    const noAudience = await createCampaign(ctx(), { name: "Nobody", type: "email", subject: "S", content: "C" });
    await expect(startCampaignSend(db.db, actor, noAudience.id)).rejects.toMatchObject({
      message: "“Nobody” has no audience: choose a segment",
    });
    const empty = await createCampaign(ctx(), { name: "Empty", type: "email", segmentId });
    await expect(startCampaignSend(db.db, actor, empty.id)).rejects.toMatchObject({
      message: "“Empty” needs a template, or a subject and content",
    });
    const now = new Date("2026-11-27T12:00:00Z");
    const scheduled = await scheduleCampaign(ctx(), { id: draft.id, localTime: "2026-12-01T09:00", timezone: "America/New_York" }, now);
    expect(scheduled).toMatchObject({ status: "scheduled", scheduleTimezone: "America/New_York" });
    expect(scheduled.scheduledAt?.toISOString()).toBe("2026-12-01T14:00:00.000Z");
    await expect(scheduleCampaign(ctx(), { id: noAudience.id, localTime: "2026-11-27T06:00", timezone: "UTC" }, now)).rejects.toMatchObject(
      {
        message: "Schedule at least a minute from now, or send now",
      },
    );
    const sent = await newCampaign("Done");
    await runCampaignDelivery(db.db, sent.id, { provider, sleep: noSleep });
    await expect(cancelCampaign(ctx(), sent.id)).rejects.toMatchObject({
      message: "Cannot cancel “Done”: it is sent; duplicate it to send again",
    });
    expect(zonedTimeToUtc("2026-03-08T02:30", "America/New_York").toISOString()).toBe("2026-03-08T07:30:00.000Z"); // in the gap: 03:30 EDT
    expect(zonedTimeToUtc("2026-11-01T01:30", "America/New_York").toISOString()).toBe("2026-11-01T05:30:00.000Z"); // twice: the first
    expect(zonedTimeToUtc("2026-07-01T09:00", "Europe/Berlin").toISOString()).toBe("2026-07-01T07:00:00.000Z");
  });

  it("unsubscribes with one click (RFC 8058), and a suppressed address gets no later campaign", async () => {
    const res = await oneClick(
      new Request(`http://crm/api/unsubscribe?token=${unsubscribeToken(uuid(9), "reader9@example.com")}`, {
        method: "POST",
        body: "List-Unsubscribe=One-Click",
      }),
    );
    expect(res.status).toBe(200);
    const bad = await oneClick(new Request("http://crm/api/unsubscribe?token=forged.token", { method: "POST" }));
    expect(bad.status).toBe(400);
    const c = await newCampaign("After unsubscribe");
    await runCampaignDelivery(db.db, c.id, { provider, sleep: noSleep });
    expect(deliveredOnce(c.id).has("reader9@example.com")).toBe(false);
  });
});

describe("campaign orchestration (PGlite, in-process and through @inngest/test)", () => {
  let db: TTestDatabase;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  let segmentId: string;

  beforeAll(async () => {
    db = await createTestDatabase("pglite");
    provideDatabase(db);
    admins = await createAdmins(db.db, "orch");
    await db.execScript(`INSERT INTO app.users (id, email, name, created_at)
      SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'member' || i || '@example.com', 'Member ' || i, now()
      FROM generate_series(1, 120) i`);
    segmentId = (
      await createSegment(
        { db: db.db, actor: { type: "admin", ...admins.admin } },
        {
          name: "Members",
          criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "email", op: "contains", value: "member" }] },
        },
      )
    ).id;
  });
  afterAll(async () => db?.drop());

  it("sendToSegment snapshots, then delivers in the background to the local outbox; viewers cannot send", async () => {
    const caller = callerFor(db.db, admins.admin);
    const draft = await caller.messaging.campaigns.create({
      name: "Outbox run",
      type: "email",
      subject: "Hello {{user.firstName}}",
      content: "Hi",
    });
    expect((await caller.messaging.campaigns.audience({ segmentId, type: "email" })).eligible).toBe(120);
    await expect(
      callerFor(db.db, admins.viewer).messaging.campaigns.sendToSegment({ segmentId, campaignId: draft.id }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const { campaign, dispatched } = await caller.messaging.campaigns.sendToSegment({ segmentId, campaignId: draft.id });
    expect(campaign).toMatchObject({ status: "sending", totalRecipients: 120 });
    expect(dispatched.mode).toBe("in-process");
    await expect.poll(async () => (await caller.messaging.campaigns.get({ id: draft.id })).status, { timeout: 15_000 }).toBe("sent");
    const outbox = await db.query<{ n: number }>(
      "SELECT count(DISTINCT \"to\"[1])::int AS n FROM crm_email_outbox WHERE subject LIKE 'Hello Member%'",
    );
    expect(outbox[0]?.n).toBe(120);
    const total = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_email_outbox WHERE subject LIKE 'Hello Member%'");
    expect(total[0]?.n).toBe(120);
  });

  it("writes an in-app campaign's messages set-based, and the main app's API shows them", async () => {
    const ctxA = { db: db.db, actor: { type: "admin" as const, ...admins.admin } };
    const c = await createCampaign(ctxA, {
      name: "In-app",
      type: "in_app",
      segmentId,
      subject: "New audio",
      content: "A new guided audio is waiting for you.",
    });
    await startCampaignSend(db.db, ctxA.actor, c.id);
    expect((await runCampaignDelivery(db.db, c.id, { sleep: async () => {} })).finished).toBe(true);
    const rows = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM crm_messages WHERE channel = 'in_app' AND content = 'A new guided audio is waiting for you.'",
    );
    expect(rows[0]?.n).toBe(120);
    const { key } = await callerFor(db.db, admins.owner).messaging.apiKeys.create({ name: "app" });
    const res = await listMessagesRoute(new Request("http://crm/x", { headers: { authorization: `Bearer ${key}` } }), {
      params: Promise.resolve({ userId: uuid(5) }),
    });
    const body = (await res.json()) as { data: { content: string }[] };
    expect(body.data.map((m) => m.content)).toContain("A new guided audio is waiting for you.");
  });

  it("fans a campaign out into one event per batch and sends a batch, through @inngest/test", async () => {
    const ctxA = { db: db.db, actor: { type: "admin" as const, ...admins.admin } };
    const c = await createCampaign(ctxA, { name: "Inngest", type: "email", segmentId, subject: "Via Inngest", content: "Hi" });
    await startCampaignSend(db.db, ctxA.actor, c.id);
    const fanOut = new InngestTestEngine({ function: deliverCampaign, steps: [{ id: "fan-out-batches-0", handler: () => ({ ids: [] }) }] });
    const run = await fanOut.execute({
      events: [{ name: "crm/campaign.send.requested", data: { campaignId: c.id, requestedBy: "test" } }],
    });
    expect(run.error).toBeUndefined();
    expect(run.result).toEqual({ batches: 2 });
    const sendEvent = run.ctx.step.sendEvent as unknown as { mock: { calls: unknown[][] } };
    const fanned = (sendEvent.mock.calls[0]?.[1] ?? []) as { data: { batchNo: number } }[];
    expect(fanned.map((e) => e.data.batchNo)).toEqual([0, 1]);

    for (const batchNo of [0, 1]) {
      const batch = new InngestTestEngine({ function: deliverCampaignBatch });
      const r = await batch.execute({ events: [{ name: "crm/campaign.batch.requested", data: { campaignId: c.id, batchNo } }] });
      expect(r.error).toBeUndefined();
      expect(r.result).toMatchObject({ outcome: "sent", sent: batchNo === 0 ? 100 : 20, finished: batchNo === 1 });
    }
    expect((await callerFor(db.db, admins.viewer).messaging.campaigns.get({ id: c.id })).status).toBe("sent");
  });

  it("starts scheduled campaigns when their time comes", async () => {
    const ctxA = { db: db.db, actor: { type: "admin" as const, ...admins.admin } };
    const c = await createCampaign(ctxA, { name: "Scheduled", type: "email", segmentId, subject: "Later", content: "Hi" });
    await scheduleCampaign(ctxA, { id: c.id, localTime: "2026-12-01T09:00", timezone: "UTC" }, new Date("2026-11-30T00:00:00Z"));
    expect((await startDueCampaigns(db.db, { type: "system", job: "t" }, new Date("2026-12-01T08:59:00Z"))).started).toEqual([]);
    expect((await startDueCampaigns(db.db, { type: "system", job: "t" }, new Date("2026-12-01T09:00:00Z"))).started).toEqual([c.id]);
    expect((await callerFor(db.db, admins.viewer).messaging.campaigns.get({ id: c.id })).status).toBe("sending");
  });
});
