import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { provideDatabase } from "@/server/db";
import { connectPostgres } from "@/server/db/client";
import { jobDefinitions } from "@/server/jobs/definitions";
import { JOB_EVENT_NAMES, jobEvent } from "@/server/jobs/events";
import { assertEveryEventHandled } from "@/server/jobs/in-process-engine";
import { jobsPortFor } from "@/server/runtime";
import { sourceTablesDdl } from "@/server/services/demo-data/source-tables";
import { getHealth } from "@/server/services/health/get-health";
import { inngestFunction } from "~inngest/functions";
import { callerFor, createAdmins, type TTestAdmin } from "../helpers/admins";
import { testClock, testCtx, testEngine } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";

const heartbeatRow = async (db: TTestDatabase) =>
  (
    await db.query<{ run_count: number; last_runner: string; last_status: string }>(
      "SELECT run_count, last_runner, last_status FROM crm_job_runs WHERE job_id = 'heartbeat'",
    )
  )[0];

describe("the job catalogue", () => {
  it("has a job for every event, and every job's event is in the catalogue", () => {
    expect(() => assertEveryEventHandled(jobDefinitions)).not.toThrow();
    expect(jobDefinitions.map((d) => d.event).sort()).toEqual([...JOB_EVENT_NAMES].sort());
  });

  it("refuses an event whose payload does not fit the catalogue", async () => {
    const db = await createTestDatabase("pglite", { sourceTables: false });
    try {
      await expect(
        testEngine(db.db).enqueue({ name: "crm/campaign.batch.requested", data: { campaignId: "nope", batchNo: -1 } } as never),
      ).rejects.toThrow(/campaignId|batchNo/);
      expect(await db.query("SELECT 1 FROM crm_job_queue")).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});

describe.each(engines())("jobs on %s", (engine) => {
  let db: TTestDatabase;
  let admin: TTestAdmin;
  let viewer: TTestAdmin;
  beforeAll(async () => {
    db = await createTestDatabase(engine, { sourceTables: false });
    provideDatabase(db);
    ({ admin, viewer } = await createAdmins(db.db, `jobs-${engine}`));
  });
  afterAll(async () => db?.drop());

  it("runs the heartbeat as an Inngest function (through @inngest/test), records its run, and health shows it", async () => {
    const t = new InngestTestEngine({ function: inngestFunction("heartbeat") });
    const { result, error } = await t.execute({ events: [{ name: "crm/heartbeat.requested", data: { requestedBy: "test" } }] });
    expect(error).toBeUndefined();
    expect(result).toEqual({ ok: true });
    expect(await heartbeatRow(db)).toEqual({ run_count: 1, last_runner: "inngest", last_status: "ok" });
    const health = await getHealth({ ctx: testCtx(db.db), input: { detail: true } });
    expect(health.lastJobRuns).toEqual([expect.objectContaining({ jobId: "heartbeat", lastStatus: "ok", runner: "inngest" })]);
  });

  it("an admin's 'Run now' is a row in the queue, audited, that the in-process engine runs", async () => {
    const dispatched = await callerFor(db.db, admin).system.runHeartbeat();
    expect(dispatched.mode).toBe("in-process");
    const [queued] = await db.query<{ name: string; status: string }>("SELECT name, status FROM crm_job_queue WHERE id = $1", [
      Number(dispatched.ids[0]),
    ]);
    expect(queued).toEqual({ name: "crm/heartbeat.requested", status: "queued" });
    await testEngine(db.db).drain();
    expect(await heartbeatRow(db)).toEqual({ run_count: 2, last_runner: "in-process", last_status: "ok" });
    expect(await db.query("SELECT status FROM crm_job_queue WHERE id = $1", [Number(dispatched.ids[0])])).toEqual([{ status: "done" }]);
    const audits = await db.query<{ actor_email: string }>("SELECT actor_email FROM crm_audit_log WHERE action = 'job.requested'");
    expect(audits).toEqual([{ actor_email: admin.email }]);
  });

  it("purges expired sign-in links, sessions, rate-limit rows and old queue rows on each beat, and keeps live ones", async () => {
    await db.query(
      "INSERT INTO crm_auth_verification_tokens (identifier, token, expires) VALUES ('a@x.com', 'old', now() - interval '1 minute'), ('a@x.com', 'live', now() + interval '10 minutes')",
    );
    await db.query(
      "INSERT INTO crm_auth_sessions (session_token, user_id, expires) VALUES ('gone', $1, now() - interval '1 day'), ('kept', $1, now() + interval '1 day')",
      [admin.id],
    );
    await db.query(
      "INSERT INTO crm_rate_limits (key, tat, allowed) VALUES ('old', now() - interval '1 minute', true), ('live', now() + interval '1 minute', true)",
    );
    await db.query(
      "INSERT INTO crm_job_queue (name, status, max_attempts, finished_at) VALUES ('crm/heartbeat.requested', 'done', 1, now() - interval '8 days'), ('crm/heartbeat.requested', 'failed', 1, now() - interval '8 days')",
    );
    const t = new InngestTestEngine({ function: inngestFunction("heartbeat") });
    const { error } = await t.execute({ events: [{ name: "crm/heartbeat.requested", data: { requestedBy: "test" } }] });
    expect(error).toBeUndefined();
    expect(await db.query("SELECT token FROM crm_auth_verification_tokens")).toEqual([{ token: "live" }]);
    expect(await db.query("SELECT session_token FROM crm_auth_sessions")).toEqual([{ session_token: "kept" }]);
    expect(await db.query("SELECT key FROM crm_rate_limits")).toEqual([{ key: "live" }]);
    // A failed row is kept a month (its error may still be read); a done one a week.
    expect(await db.query("SELECT status FROM crm_job_queue WHERE finished_at < now() - interval '7 days'")).toEqual([
      { status: "failed" },
    ]);
  });

  it("the refresh-analytics function rolls up new source rows and records its run", async () => {
    await db.execScript(sourceTablesDdl("app"));
    await db.query(
      "INSERT INTO app.users (id, email, name, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 'r@example.com', 'R', '2026-01-01T00:00:00Z')",
    );
    await db.query(
      "INSERT INTO app.sessions (user_id, started_at) SELECT '00000000-0000-4000-8000-000000000001', '2026-01-02T10:00:00Z'::timestamptz + g * interval '1 day' FROM generate_series(0, 4) g",
    );
    // Before: the dashboard's header is told the rollups are five rows behind, none rolled up.
    const caller = callerFor(db.db, viewer);
    expect(await caller.analytics.rollupStatus()).toMatchObject({ rowsBehind: 5, rolledUpShare: 0 });
    const t = new InngestTestEngine({ function: inngestFunction("refresh-analytics") });
    const { result, error } = await t.execute({ events: [{ name: "crm/analytics.refresh.requested", data: { requestedBy: "test" } }] });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ rows: 5, caughtUp: true, steps: 1 });
    expect(await caller.analytics.rollupStatus()).toMatchObject({ rowsBehind: 0, rolledUpShare: 1 });
    // Five active days (20455–20459 since the epoch), each with its one session's 15-minute slot (10:00 = slot 40).
    const days = await db.query<{ day: number; first_slot: number; last_slot: number }>(
      "SELECT day, first_slot, last_slot FROM crm_rollup_user_days ORDER BY day",
    );
    expect(days).toEqual([20455, 20456, 20457, 20458, 20459].map((day) => ({ day, first_slot: 40, last_slot: 40 })));
    const bits = await db.query<{ day: number; n: number }>("SELECT day, bit_count(bits)::int AS n FROM crm_rollup_day_bits ORDER BY day");
    expect(bits).toEqual([20455, 20456, 20457, 20458, 20459].map((day) => ({ day, n: 1 })));
    const [run] = await db.query<{ last_status: string; last_runner: string }>(
      "SELECT last_status, last_runner FROM crm_job_runs WHERE job_id = 'refresh-analytics'",
    );
    expect(run).toEqual({ last_status: "ok", last_runner: "inngest" });
  });

  it("a scheduled refresh-analytics run recomputes the users list's plan and spend only when due; a requested one unless the last is under a minute old", async () => {
    await db.execScript(sourceTablesDdl("app"));
    const user = "00000000-0000-4000-8000-000000000002";
    // Imported with an old signup time and a plan: only a full recompute finds them.
    await db.query(`INSERT INTO app.users (id, email, name, created_at) VALUES ('${user}', 'p@example.com', 'P', '2025-01-01T00:00:00Z')`);
    await db.query(
      `INSERT INTO app.subscriptions (user_id, plan, status, price, interval, started_at) VALUES ('${user}', 'pro', 'active', 20, 'month', '2025-01-02T00:00:00Z')`,
    );
    const plan = async () => (await db.query<{ plan: string }>(`SELECT plan FROM crm_user_stats WHERE user_id = '${user}'`))[0]?.plan;
    const t = new InngestTestEngine({ function: inngestFunction("refresh-analytics") });
    try {
      // The previous test's requested run recomputed them just now: a scheduled run (Inngest's cron event) does not.
      const scheduled = await t.execute({ events: [{ name: "inngest/scheduled.timer", data: { cron: "*/3 * * * *" } }] });
      expect(scheduled.error).toBeUndefined();
      expect(await plan()).toBeUndefined();
      // Asked for within a minute of the last recompute: not again (a click on Refresh twice costs one).
      await db.query(
        "UPDATE crm_user_stats_state SET refreshed_at = now() - interval '30 seconds', full_at = now() - interval '30 seconds'",
      );
      const again = await t.execute({ events: [{ name: "crm/analytics.refresh.requested", data: { requestedBy: "admin@example.com" } }] });
      expect(again.error).toBeUndefined();
      expect(await plan()).toBeUndefined();
      await db.query(
        "UPDATE crm_user_stats_state SET refreshed_at = now() - interval '61 seconds', full_at = now() - interval '61 seconds'",
      );
      const asked = await t.execute({ events: [{ name: "crm/analytics.refresh.requested", data: { requestedBy: "admin@example.com" } }] });
      expect(asked.error).toBeUndefined();
      expect(await plan()).toBe("pro");
    } finally {
      await db.query(`DELETE FROM app.subscriptions WHERE user_id = '${user}'`);
      await db.query(`DELETE FROM app.users WHERE id = '${user}'`);
    }
  });

  it("schedules the cron jobs, and one tick enqueues one run however many instances fire it", async () => {
    const a = testEngine(db.db).start();
    const b = testEngine(db.db).start();
    try {
      expect(a.schedules()).toEqual([
        { job: "heartbeat", pattern: "*/5 * * * *" },
        { job: "refresh-analytics", pattern: "*/3 * * * *" },
        { job: "recompute-segments", pattern: "*/15 * * * *" },
        { job: "start-due-campaigns", pattern: "* * * * *" },
        { job: "automations-tick", pattern: "* * * * *" },
      ]);
      await Promise.all([a.tick("heartbeat"), b.tick("heartbeat"), a.tick("heartbeat")]);
      const [n] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_job_queue WHERE dedupe_key LIKE 'cron:heartbeat:%'");
      expect(n?.n).toBe(1);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("two engines on one database run each job exactly once", async () => {
    const count = 24;
    for (let i = 0; i < count; i++)
      await db.query("INSERT INTO crm_admins (email, role) VALUES ($1, 'viewer')", [`many-${engine}-${i}@example.com`]);
    const other = engine === "postgres" ? connectPostgres(db.url as string, { max: 3 }) : null;
    const first = testEngine(db.db, { owner: "first" });
    const second = testEngine((other?.db ?? db.db) as typeof db.db, { owner: "second" });
    try {
      await first.enqueue(
        Array.from({ length: count }, (_, i) => jobEvent("crm/sign-in.link.requested", { email: `many-${engine}-${i}@example.com` })),
      );
      await Promise.all([first.drain(), second.drain()]);
      const sent = await db.query<{ to: string[] }>(`SELECT "to" FROM crm_email_outbox WHERE "to"[1] LIKE $1`, [`many-${engine}-%`]);
      expect(sent).toHaveLength(count);
      expect(new Set(sent.map((s) => s.to[0])).size).toBe(count);
      const owners = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM crm_job_queue WHERE name = 'crm/sign-in.link.requested' AND status = 'done'",
      );
      expect(owners[0]?.n).toBe(count);
    } finally {
      await other?.close();
    }
  });

  it("fails a job at once when retrying cannot help (its segment is gone), with the error kept on its run", async () => {
    const clock = testClock(new Date("2026-06-01T10:00:00Z"));
    const runner = testEngine(db.db, { clock, backoffMs: 1000 });
    const [{ id }] = (await db.query<{ id: number }>(
      "INSERT INTO crm_job_queue (name, data, max_attempts, run_at) VALUES ('crm/segment.recompute.requested', $1::jsonb, 3, $2) RETURNING id",
      [JSON.stringify({ segmentId: "00000000-0000-4000-8000-00000000beef", requestedBy: "t" }), clock().toISOString()],
    )) as [{ id: number }];
    expect(await runner.runDue()).toBe(1);
    // A segment that does not exist is a domain error: no retry helps, so it fails at once.
    const [row] = await db.query<{ status: string; attempts: number; last_error: string }>(
      "SELECT status, attempts, last_error FROM crm_job_queue WHERE id = $1",
      [id],
    );
    expect(row).toEqual({ status: "failed", attempts: 1, last_error: "That segment no longer exists" });
    const [run] = await db.query<{ last_status: string; last_error: string }>(
      "SELECT last_status, last_error FROM crm_job_runs WHERE job_id = 'recompute-segment'",
    );
    expect(run).toEqual({ last_status: "error", last_error: "That segment no longer exists" });
  });

  it("an unreachable Inngest server is a clear error within seconds, not a hang", async () => {
    process.env.INNGEST_DEV = "http://127.0.0.1:9";
    resetEnvCache();
    try {
      const started = Date.now();
      const err = await jobsPortFor(db.db)
        .enqueue(jobEvent("crm/heartbeat.requested", { requestedBy: "t" }))
        .catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(err).toMatchObject({ code: "UNAVAILABLE" });
      expect((err as Error).message).toMatch(
        /^The background job server \(Inngest\) could not be reached: .+ Check INNGEST_\* settings\.$/,
      );
    } finally {
      delete process.env.INNGEST_DEV;
      resetEnvCache();
    }
  });
});
