import { type ChildProcess, spawn } from "node:child_process";
import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as oneClick } from "@/app/api/unsubscribe/route";
import { GET as listMessagesRoute } from "@/app/api/v1/users/[userId]/messages/route";
import { provideDatabase } from "@/server/db";
import { connectPostgres } from "@/server/db/client";
import { ResendProvider } from "@/server/email/resend-provider";
import type { EmailProvider } from "@/server/email/types";
import { jobEvent, type TJobEvent } from "@/server/jobs/events";
import type { JobsPort } from "@/server/jobs/port";
import { cancelCampaign, pauseCampaign, resumeCampaign, scheduleCampaign } from "@/server/services/campaigns/lifecycle";
import { createCampaign } from "@/server/services/campaigns/manage-campaigns";
import { startCampaignSend, startDueCampaigns } from "@/server/services/campaigns/start-campaign";
import { type AdminActor, systemActor } from "@/server/services/context";
import { unsubscribe, unsubscribeToken } from "@/server/services/messaging/unsubscribe";
import { createSegment } from "@/server/services/segments/manage-segments";
import { zonedTimeToUtc } from "@/shared/zoned-time";
import { inngestFunction } from "~inngest/functions";
import { startFakeResend, type TFakeResend } from "../fixtures/fake-resend-server";
import { callerFor, createAdmins } from "../helpers/admins";
import { testClock, testCtx, testEngine } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { uuid } from "../helpers/source-rows";

const USERS = 250; // three batches: 100, 100, 50

/*
 * Delivery through the path the product takes: a campaign is started, the
 * delivery event is queued, and the job engine runs the fan-out and one job
 * per batch (in-process: the queue in Postgres; Inngest: the same jobs
 * through @inngest/test). Time is a test clock the engine reads, so waiting
 * out a 429 or a lease moves the clock instead of the test.
 */
describe.each(engines())("campaign delivery on %s", (engine) => {
  let db: TTestDatabase;
  let fake: TFakeResend;
  let actor: AdminActor;
  let segmentId: string;
  let provider: ResendProvider;
  const ctx = () => testCtx(db.db, actor);

  /** How many emails each address got from the provider: every recipient exactly once, nobody else. */
  const deliveredOnce = (campaignId: string) => {
    const counts = new Map<string, number>();
    for (const e of fake.sent) {
      if (!e.tags?.some((t) => t.name === "campaign_id" && t.value === campaignId)) continue;
      for (const to of e.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    }
    return counts;
  };
  const exactlyOnce = (campaignId: string, total: number) => {
    const counts = deliveredOnce(campaignId);
    expect(counts.size).toBe(total);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  };
  const status = async (id: string) =>
    (
      await db.query<{ status: string; sent_count: number; last_error: string | null }>(
        "SELECT status, sent_count, last_error FROM crm_campaigns WHERE id = $1",
        [id],
      )
    )[0];
  const newCampaign = async (name: string) => {
    const c = await createCampaign({
      ctx: ctx(),
      input: { name, type: "email", segmentId, subject: 'Hi {{user.firstName | "there"}}', content: "Your week at VibrationFit." },
    });
    const started = await startCampaignSend({ ctx: ctx(), input: { campaignId: c.id } });
    if (!started) throw new Error("not started");
    return started;
  };
  /** The provider, with something an admin does right after the first batch was accepted. */
  const afterFirstBatch = (act: () => Promise<unknown>): EmailProvider => {
    let done = false;
    return {
      mode: provider.mode,
      send: (m, o) => provider.send(m, o),
      getReceivedEmail: (id) => provider.getReceivedEmail(id),
      sendBatch: async (messages, options) => {
        const result = await provider.sendBatch(messages, options);
        if (!done) {
          done = true;
          await act();
        }
        return result;
      },
    };
  };
  /** What sendToSegment queues after the snapshot. */
  const askForDelivery = (campaignId: string, on = testEngine(db.db)) =>
    on.enqueue(jobEvent("crm/campaign.send.requested", { campaignId, requestedBy: "test" }));

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    provideDatabase(db);
    const admins = await createAdmins(db.db, `camp-${engine}`);
    actor = { type: "admin", ...admins.admin };
    await db.execScript(`INSERT INTO app.users (id, email, name, created_at)
      SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'reader' || i || '@example.com', 'Reader ' || i, now() - i * interval '1 hour'
      FROM generate_series(1, ${USERS}) i`);
    const s = await createSegment({
      ctx: ctx(),
      input: {
        name: "Everyone",
        criteria: {
          type: "group",
          match: "all",
          conditions: [{ type: "condition", field: "email", op: "ends_with", value: "@example.com" }],
        },
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
      "DROP TRIGGER IF EXISTS fail_recording ON crm_campaign_tracking; DROP TRIGGER IF EXISTS fail_count ON crm_campaigns; DELETE FROM crm_job_queue;",
    );
  });

  it("snapshots the segment minus suppressed addresses into batches of 100, and delivers each through the job engine", async () => {
    await unsubscribe({ ctx: testCtx(db.db), input: { token: unsubscribeToken(uuid(7), "reader7@example.com") } });
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
    // Recipient ids are time-ordered (UUID version 7, the time of the snapshot in their first 48 bits): a
    // million-row snapshot appends to the key instead of scattering over it.
    const ids = await db.query<{ id: string }>("SELECT id::text AS id FROM crm_campaign_tracking WHERE campaign_id = $1 ORDER BY id", [
      c.id,
    ]);
    expect(new Set(ids.map((r) => r.id)).size).toBe(USERS - 1);
    expect(ids.every((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(r.id))).toBe(true);
    const ms = Number.parseInt(ids[0]?.id.replace(/-/g, "").slice(0, 12) ?? "0", 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
    const runner = testEngine(db.db, { email: provider });
    await askForDelivery(c.id, runner);
    await runner.drain();
    exactlyOnce(c.id, USERS - 1);
    expect(deliveredOnce(c.id).has("reader7@example.com")).toBe(false);
    const sent = fake.sent.find((e) => e.to[0] === "reader8@example.com" && e.tags?.some((t) => t.value === c.id));
    expect(sent?.subject).toBe("Hi Reader");
    expect(sent?.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(sent?.headers?.["List-Unsubscribe"]).toMatch(/^<http:\/\/localhost:3000\/api\/unsubscribe\?token=[\w-]+\.[\w-]+>$/);
    expect(await status(c.id)).toEqual({ status: "sent", sent_count: USERS - 1, last_error: null });
    const jobs = await db.query<{ name: string; status: string; n: number }>(
      "SELECT name, status, count(*)::int AS n FROM crm_job_queue GROUP BY 1, 2 ORDER BY 1",
    );
    expect(jobs).toEqual([
      { name: "crm/campaign.batch.requested", status: "done", n: 3 },
      { name: "crm/campaign.send.requested", status: "done", n: 1 },
    ]);
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
    // Provider faults for the next requests, in order: 5xx after accept, a timeout after accept, a 429 storm.
    const tooMany = {
      status: 429,
      headers: { "retry-after": "2" },
      body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" },
    };
    fake.injectFaults({ status: 500, afterAccept: true }, { status: 200, afterAccept: true, delayMs: 400 }, tooMany, tooMany, tooMany);
    const clock = testClock();
    // Every request to the provider, with the (test) time it was made and how it ended.
    const calls: { key: string; at: number; outcome: string }[] = [];
    const watched: EmailProvider = {
      mode: provider.mode,
      send: (m, o) => provider.send(m, o),
      getReceivedEmail: (id) => provider.getReceivedEmail(id),
      sendBatch: async (messages, options) => {
        const call = { key: options?.idempotencyKey ?? "", at: clock().getTime(), outcome: "ok" };
        calls.push(call);
        try {
          return await provider.sendBatch(messages, options);
        } catch (err) {
          call.outcome = (err as { kind?: string }).kind ?? "error";
          throw err;
        }
      },
    };
    const runner = testEngine(db.db, { email: watched, clock, backoffMs: 10 });
    await askForDelivery(c.id, runner);
    await runner.drain({ advance: (to) => clock.set(to) });
    expect(await status(c.id)).toEqual({ status: "sent", sent_count: c.totalRecipients, last_error: null });
    // Eight faults, each costing one attempt of whichever batch met it (a batch waiting to retry lets the next one go):
    // 500, timeout, 3 × 429, 2 crashes before recording, 1 counter error; then each of the 3 batches once more.
    const [attempts] = await db.query<{ n: number }>(
      "SELECT sum(attempts)::int AS n FROM crm_job_queue WHERE name = 'crm/campaign.batch.requested'",
    );
    expect(attempts?.n).toBe(3 + 8);
    // Each 429's Retry-After (2 s) was honoured: that batch's next request came no sooner.
    const limited = calls.filter((c) => c.outcome === "rate_limited");
    expect(limited).toHaveLength(3);
    for (const l of limited) {
      const next = calls.slice(calls.indexOf(l) + 1).find((c) => c.key === l.key);
      expect(next).toBeDefined();
      expect((next?.at ?? 0) - l.at).toBeGreaterThanOrEqual(2000);
    }
    exactlyOnce(c.id, c.totalRecipients);
    const states = await db.query<{ status: string; n: number }>(
      "SELECT status, count(*)::int AS n FROM crm_campaign_tracking WHERE campaign_id = $1 GROUP BY 1",
      [c.id],
    );
    expect(states).toEqual([{ status: "sent", n: c.totalRecipients }]);
  });

  it("fails the campaign, with the reason, when the provider refuses a batch for good", async () => {
    const c = await newCampaign("Refused");
    fake.injectFaults({ status: 422, body: { statusCode: 422, name: "validation_error", message: "The domain is not verified" } });
    const runner = testEngine(db.db, { email: provider });
    await askForDelivery(c.id, runner);
    await runner.drain();
    expect(await status(c.id)).toMatchObject({ status: "failed", last_error: "Batch 0: The domain is not verified" });
  });

  it("pauses between batches; resume sends the rest, each recipient once", async () => {
    const c = await newCampaign("Pausable");
    // The admin presses pause while the first batch is with the provider.
    const runner = testEngine(db.db, { email: afterFirstBatch(() => pauseCampaign({ ctx: ctx(), input: { id: c.id } })) });
    await askForDelivery(c.id, runner);
    await runner.drain();
    expect((await status(c.id))?.status).toBe("paused");
    expect(deliveredOnce(c.id).size).toBe(100);
    // Through the admin's button: resume queues delivery again; the engine sends batches 1 and 2.
    await callerFor(db.db, actor).messaging.campaigns.resume({ id: c.id });
    await testEngine(db.db, { email: provider }).drain();
    expect((await status(c.id))?.status).toBe("sent");
    exactlyOnce(c.id, c.totalRecipients);

    const other = await newCampaign("Canceled");
    const second = testEngine(db.db, { email: afterFirstBatch(() => cancelCampaign({ ctx: ctx(), input: { id: other.id } })) });
    await askForDelivery(other.id, second);
    await second.drain();
    expect((await status(other.id))?.status).toBe("canceled");
    expect(deliveredOnce(other.id).size).toBe(100);
  });

  it("finishes a campaign whose runner died mid-batch, once a new runner takes the lapsed lease", async () => {
    const c = await newCampaign("Abandoned");
    const clock = testClock();
    // Runner A: the provider accepts batch 1, then A never hears back (it was killed, in effect).
    let batches = 0;
    let hung: (() => void) | null = null;
    const dying: EmailProvider = {
      mode: provider.mode,
      send: (m, o) => provider.send(m, o),
      getReceivedEmail: (id) => provider.getReceivedEmail(id),
      sendBatch: async (messages, options) => {
        const result = await provider.sendBatch(messages, options);
        if (++batches === 2) await new Promise<void>((r) => (hung = r));
        return result;
      },
    };
    const a = testEngine(db.db, { email: dying, clock, owner: "runner-a", leaseMs: 30_000 }).start();
    await askForDelivery(c.id, a);
    await expect.poll(() => batches, { timeout: 10_000 }).toBe(2);
    a.abandon();
    expect(deliveredOnce(c.id).size).toBe(200); // batches 0 and 1 reached the provider; only batch 0 is recorded
    expect((await status(c.id))?.sent_count).toBe(100);
    // Runner B (another process, or A's after a restart) waits out A's lease, then sends batch 1 again
    // under the same idempotency key (the provider answers with the first result) and batch 2.
    const b = testEngine(db.db, { email: provider, clock, owner: "runner-b" });
    await b.drain({ advance: (to) => clock.set(to) });
    expect(await status(c.id)).toEqual({ status: "sent", sent_count: c.totalRecipients, last_error: null });
    exactlyOnce(c.id, c.totalRecipients);
    (hung as (() => void) | null)?.();
  });

  // A real process killed with SIGKILL needs a database other processes can reach: Postgres.
  if (engine === "postgres")
    it("finishes a campaign after the process sending it is killed (SIGKILL) and another engine starts", async () => {
      const c = await newCampaign("Killed");
      fake.setLatency(300);
      // node itself (tsx as a loader), so SIGKILL reaches the process that runs the engine.
      const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "tests/fixtures/run-job-engine.ts"], {
        env: { ...process.env, JOB_DB_URL: db.url, JOB_RESEND_URL: fake.url, JOB_RESEND_KEY: fake.apiKey, JOB_LEASE_MS: "1500" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout?.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
          child.on("exit", (code) => reject(new Error(`the engine process exited (${code})`)));
        });
        await askForDelivery(c.id);
        // Killed while sending: after the first batch is recorded, before the last.
        await expect.poll(async () => (await status(c.id))?.sent_count, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(100);
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
        expect((await status(c.id))?.status).toBe("sending");
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
        fake.setLatency(0);
      }
      // A new engine: once the dead process's lease lapses, it takes the work and finishes.
      await testEngine(db.db, { email: provider, owner: "after-restart" }).drain({ timeoutMs: 30_000 });
      expect(await status(c.id)).toEqual({ status: "sent", sent_count: c.totalRecipients, last_error: null });
      exactlyOnce(c.id, c.totalRecipients);
    });

  it("starts a due scheduled campaign once with two runners on one database: never failed, nothing sent twice", async () => {
    const draft = await createCampaign({
      ctx: ctx(),
      input: { name: "Due twice", type: "email", segmentId, subject: "Scheduled hello", content: "Hi" },
    });
    const clock = testClock(new Date("2026-11-30T00:00:00Z"));
    await scheduleCampaign({
      ctx: testCtx(db.db, actor, { clock }),
      input: { id: draft.id, localTime: "2026-12-01T09:00", timezone: "UTC" },
    });
    clock.set(new Date("2026-12-01T09:00:30Z"));
    const other = engine === "postgres" ? connectPostgres(db.url as string, { max: 3 }) : null;
    const otherDb = (other?.db ?? db.db) as typeof db.db;
    try {
      const a = testEngine(db.db, { email: provider, clock, owner: "instance-a" });
      const b = testEngine(otherDb, { email: provider, clock, owner: "instance-b" });
      // Both instances' schedules fire in the same minute: one run is queued, whichever fired first.
      await Promise.all([a.tick("start-due-campaigns"), b.tick("start-due-campaigns"), a.tick("start-due-campaigns")]);
      const [ticks] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM crm_job_queue WHERE name = 'crm/campaigns.due.requested'",
      );
      expect(ticks?.n).toBe(1);
      // And two starters racing anyway (an Inngest cron beside a run by hand): one starts it, the other finds it started.
      const raced = await Promise.all([
        startDueCampaigns({ ctx: testCtx(db.db, systemActor("a"), { clock }), input: undefined }),
        startDueCampaigns({ ctx: testCtx(otherDb, systemActor("b"), { clock }), input: undefined }),
      ]);
      expect(raced.flatMap((r) => r.started)).toEqual([draft.id]);
      expect(raced.flatMap((r) => r.failed)).toEqual([]);
      await a.enqueue(jobEvent("crm/campaign.send.requested", { campaignId: draft.id, requestedBy: "schedule" }));
      await Promise.all([a.drain({ advance: (to) => clock.set(to) }), b.drain({ advance: (to) => clock.set(to) })]);
    } finally {
      await other?.close();
    }
    expect(await status(draft.id)).toMatchObject({ status: "sent", sent_count: USERS - 1, last_error: null });
    exactlyOnce(draft.id, USERS - 1);
    const [run] = await db.query<{ last_status: string }>("SELECT last_status FROM crm_job_runs WHERE job_id = 'start-due-campaigns'");
    expect(run?.last_status).toBe("ok");
  });

  it("a scheduled campaign that cannot start is failed with its reason, and the job run says so", async () => {
    const template = await callerFor(db.db, actor).messaging.templates.create({ name: `Later ${engine}`, subject: "S", body: "B" });
    const draft = await createCampaign({
      ctx: ctx(),
      input: { name: "Archived since", type: "email", segmentId, templateId: template.id },
    });
    const clock = testClock(new Date("2026-11-30T00:00:00Z"));
    await scheduleCampaign({
      ctx: testCtx(db.db, actor, { clock }),
      input: { id: draft.id, localTime: "2026-12-01T09:00", timezone: "UTC" },
    });
    await callerFor(db.db, actor).messaging.templates.archive({ id: template.id, archived: true });
    clock.set(new Date("2026-12-01T09:01:00Z"));
    const runner = testEngine(db.db, { email: provider, clock });
    await runner.tick("start-due-campaigns");
    await runner.drain({ advance: (to) => clock.set(to) });
    expect(await status(draft.id)).toMatchObject({
      status: "failed",
      last_error: "Could not start at its scheduled time: The campaign's template is archived: restore it or choose another",
    });
    const [run] = await db.query<{ last_status: string; last_error: string }>(
      "SELECT last_status, last_error FROM crm_job_runs WHERE job_id = 'start-due-campaigns'",
    );
    expect(run).toMatchObject({ last_status: "error", last_error: expect.stringContaining("1 scheduled campaign could not start") });
  });

  it("checks every lifecycle transition on the server", async () => {
    const draft = await createCampaign({ ctx: ctx(), input: { name: "Lifecycle", type: "email", segmentId, subject: "S", content: "C" } });
    await expect(pauseCampaign({ ctx: ctx(), input: { id: draft.id } })).rejects.toMatchObject({
      message: "Cannot pause “Lifecycle”: it is draft",
    });
    await expect(createCampaign({ ctx: ctx(), input: { name: "Push", type: "push", segmentId } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("not configured"),
    });
    const noAudience = await createCampaign({ ctx: ctx(), input: { name: "Nobody", type: "email", subject: "S", content: "C" } });
    await expect(startCampaignSend({ ctx: ctx(), input: { campaignId: noAudience.id } })).rejects.toMatchObject({
      message: "“Nobody” has no audience: choose a segment",
    });
    const empty = await createCampaign({ ctx: ctx(), input: { name: "Empty", type: "email", segmentId } });
    await expect(startCampaignSend({ ctx: ctx(), input: { campaignId: empty.id } })).rejects.toMatchObject({
      message: "“Empty” needs a template, or a subject and content",
    });
    const at = testCtx(db.db, actor, { clock: () => new Date("2026-11-27T12:00:00Z") });
    const scheduled = await scheduleCampaign({
      ctx: at,
      input: { id: draft.id, localTime: "2026-12-01T09:00", timezone: "America/New_York" },
    });
    expect(scheduled).toMatchObject({ status: "scheduled", scheduleTimezone: "America/New_York" });
    expect(scheduled.scheduledAt?.toISOString()).toBe("2026-12-01T14:00:00.000Z");
    await expect(
      scheduleCampaign({ ctx: at, input: { id: noAudience.id, localTime: "2026-11-27T06:00", timezone: "UTC" } }),
    ).rejects.toMatchObject({ message: "Schedule at least a minute from now, or send now" });
    const sent = await newCampaign("Done");
    const runner = testEngine(db.db, { email: provider });
    await askForDelivery(sent.id, runner);
    await runner.drain();
    await expect(cancelCampaign({ ctx: ctx(), input: { id: sent.id } })).rejects.toMatchObject({
      message: "Cannot cancel “Done”: it is sent; duplicate it to send again",
    });
    const audit = await db.query<{ action: string }>("SELECT action FROM crm_audit_log WHERE target_id = $1 ORDER BY id", [sent.id]);
    expect(audit.map((a) => a.action)).toEqual(["campaign.created", "campaign.sending", "campaign.sent"]);
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
    const runner = testEngine(db.db, { email: provider });
    await askForDelivery(c.id, runner);
    await runner.drain();
    expect(deliveredOnce(c.id).has("reader9@example.com")).toBe(false);
  });
});

describe.each(engines())("campaign orchestration on %s (through the job engine, and through @inngest/test)", (engine) => {
  let db: TTestDatabase;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  let segmentId: string;
  const adminCtx = () => testCtx(db.db, { type: "admin" as const, ...admins.admin });

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    provideDatabase(db);
    admins = await createAdmins(db.db, `orch-${engine}`);
    await db.execScript(`INSERT INTO app.users (id, email, name, created_at)
      SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'member' || i || '@example.com', 'Member ' || i, now()
      FROM generate_series(1, 220) i`);
    segmentId = (
      await createSegment({
        ctx: adminCtx(),
        input: {
          name: "Members",
          criteria: { type: "group", match: "all", conditions: [{ type: "condition", field: "email", op: "contains", value: "member" }] },
        },
      })
    ).id;
  });
  afterAll(async () => db?.drop());

  it("sendToSegment snapshots and queues delivery; the engine delivers to the local outbox; viewers cannot send", async () => {
    const caller = callerFor(db.db, admins.admin);
    const draft = await caller.messaging.campaigns.create({
      name: "Outbox run",
      type: "email",
      subject: "Hello {{user.firstName}}",
      content: "Hi",
    });
    expect((await caller.messaging.campaigns.audience({ segmentId, type: "email" })).eligible).toBe(220);
    await expect(
      callerFor(db.db, admins.viewer).messaging.campaigns.sendToSegment({ segmentId, campaignId: draft.id }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    const { campaign, dispatched } = await caller.messaging.campaigns.sendToSegment({ segmentId, campaignId: draft.id });
    expect(campaign).toMatchObject({ status: "sending", totalRecipients: 220 });
    expect(dispatched?.mode).toBe("in-process");
    const runner = testEngine(db.db).start();
    try {
      await expect.poll(async () => (await caller.messaging.campaigns.get({ id: draft.id })).status, { timeout: 15_000 }).toBe("sent");
    } finally {
      await runner.stop();
    }
    const outbox = await db.query<{ n: number; total: number }>(
      "SELECT count(DISTINCT \"to\"[1])::int AS n, count(*)::int AS total FROM crm_email_outbox WHERE subject LIKE 'Hello Member%'",
    );
    expect(outbox[0]).toEqual({ n: 220, total: 220 });
  });

  it("writes an in-app campaign's messages set-based, and the main app's API shows them", async () => {
    const c = await createCampaign({
      ctx: adminCtx(),
      input: { name: "In-app", type: "in_app", segmentId, subject: "New audio", content: "A new guided audio is waiting for you." },
    });
    await callerFor(db.db, admins.admin).messaging.campaigns.sendToSegment({ segmentId, campaignId: c.id });
    await testEngine(db.db).drain();
    const rows = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM crm_messages WHERE channel = 'in_app' AND content = 'A new guided audio is waiting for you.'",
    );
    expect(rows[0]?.n).toBe(220);
    const { key } = await callerFor(db.db, admins.owner).messaging.apiKeys.create({ name: "app" });
    const res = await listMessagesRoute(new Request("http://crm/x", { headers: { authorization: `Bearer ${key}` } }), {
      params: Promise.resolve({ userId: uuid(5) }),
    });
    const body = (await res.json()) as { data: { content: string }[] };
    expect(body.data.map((m) => m.content)).toContain("A new guided audio is waiting for you.");
  });

  it("with Inngest: fans out one event per batch, sends batches, and resume after a pause sends the rest", async () => {
    const c = await createCampaign({
      ctx: adminCtx(),
      input: { name: "Inngest", type: "email", segmentId, subject: "Via Inngest", content: "Hi" },
    });
    await startCampaignSend({ ctx: adminCtx(), input: { campaignId: c.id } });
    const fanOut = async () => {
      const run = await new InngestTestEngine({
        function: inngestFunction("deliver-campaign"),
        steps: [
          { id: "fan-out-batches-0", handler: () => ({ ids: [] }) },
          { id: "record-run", handler: () => null },
        ],
      }).execute({ events: [{ name: "crm/campaign.send.requested", data: { campaignId: c.id, requestedBy: "test" } }] });
      expect(run.error).toBeUndefined();
      const sendEvent = run.ctx.step.sendEvent as unknown as { mock: { calls: unknown[][] } };
      return ((sendEvent.mock.calls[0]?.[1] ?? []) as { data: { batchNo: number } }[]).map((e) => e.data.batchNo);
    };
    const batch = async (batchNo: number) => {
      const r = await new InngestTestEngine({ function: inngestFunction("deliver-campaign-batch") }).execute({
        events: [{ name: "crm/campaign.batch.requested", data: { campaignId: c.id, batchNo } }],
      });
      expect(r.error).toBeUndefined();
      return r.result;
    };
    expect(await fanOut()).toEqual([0, 1, 2]);
    expect(await batch(0)).toMatchObject({ outcome: "sent", sent: 100, finished: false });
    await pauseCampaign({ ctx: adminCtx(), input: { id: c.id } });
    expect(await batch(1)).toMatchObject({ outcome: "stopped", status: "paused" });
    // Resume asks for delivery again, through the jobs port (Inngest, in production): the event it sends starts the fan-out.
    const raised: TJobEvent[] = [];
    const recordingPort: JobsPort = {
      mode: "inngest",
      enqueue: async (events) => {
        raised.push(...(Array.isArray(events) ? events : [events as TJobEvent]));
        return { mode: "inngest", ids: ["evt"] };
      },
    };
    await resumeCampaign({
      ctx: testCtx(db.db, { type: "admin" as const, ...admins.admin }, { jobs: recordingPort }),
      input: { id: c.id },
    });
    expect(raised).toEqual([{ name: "crm/campaign.send.requested", data: { campaignId: c.id, requestedBy: admins.admin.email } }]);
    expect(await fanOut()).toEqual([1, 2]);
    expect(await batch(1)).toMatchObject({ outcome: "sent", sent: 100, finished: false });
    expect(await batch(2)).toMatchObject({ outcome: "sent", sent: 20, finished: true });
    expect((await callerFor(db.db, admins.viewer).messaging.campaigns.get({ id: c.id })).status).toBe("sent");
    const copies = await db.query<{ n: number; total: number }>(
      "SELECT count(DISTINCT \"to\"[1])::int AS n, count(*)::int AS total FROM crm_email_outbox WHERE subject = 'Via Inngest'",
    );
    expect(copies[0]).toEqual({ n: 220, total: 220 });
  });
});
