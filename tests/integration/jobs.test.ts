import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provideDatabase } from "@/server/db";
import { dispatchEvent } from "@/server/jobs/dispatch";
import { startInProcessRunner, stopInProcessRunner } from "@/server/jobs/in-process-runner";
import { sourceTablesDdl } from "@/server/services/demo-data/source-tables";
import { getHealth } from "@/server/services/health/get-health";
import { heartbeat } from "~inngest/functions/heartbeat";
import { refreshAnalytics } from "~inngest/functions/refresh-analytics";
import { callerFor, createAdmins, type TTestAdmin } from "../helpers/admins";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

let db: TTestDatabase;
let admin: TTestAdmin;
beforeAll(async () => {
  db = await createTestDatabase(undefined, { sourceTables: false });
  provideDatabase(db);
  admin = (await createAdmins(db.db, "jobs")).admin;
});
afterAll(async () => {
  stopInProcessRunner();
  await db?.drop();
});

const heartbeatRow = async () =>
  (
    await db.query<{ run_count: number; last_runner: string; last_status: string }>(
      "SELECT run_count, last_runner, last_status FROM crm_job_runs WHERE job_id = 'heartbeat'",
    )
  )[0];

describe("heartbeat job", () => {
  it("runs as an Inngest function (through @inngest/test) and records its run, which health shows", async () => {
    const t = new InngestTestEngine({ function: heartbeat });
    const { result, error } = await t.execute({ events: [{ name: "crm/heartbeat.requested", data: { requestedBy: "test" } }] });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ jobId: "heartbeat", lastStatus: "ok", lastRunner: "inngest", runCount: 1 });
    const health = await getHealth(db.db);
    expect(health.lastJobRuns).toEqual([expect.objectContaining({ jobId: "heartbeat", lastStatus: "ok", runner: "inngest" })]);
    expect(health.jobs).toMatchObject({ mode: "in-process", durable: false });
  });

  it("runs in-process when no Inngest server is configured, raised through the one dispatch function", async () => {
    const dispatched = await dispatchEvent(db.db, { name: "crm/heartbeat.requested", data: { requestedBy: "test" } });
    expect(dispatched).toEqual({ mode: "in-process", ids: [] });
    await expect.poll(async () => (await heartbeatRow())?.run_count, { timeout: 5000 }).toBe(2);
    expect((await heartbeatRow())?.last_runner).toBe("in-process");
  });

  it("an admin's 'Run now' goes through the same path and is audited", async () => {
    await callerFor(db.db, admin).system.runHeartbeat();
    await expect.poll(async () => (await heartbeatRow())?.run_count, { timeout: 5000 }).toBe(3);
    const audits = await db.query<{ actor_email: string; action: string }>(
      "SELECT actor_email, action FROM crm_audit_log WHERE action = 'job.requested'",
    );
    expect(audits).toEqual([{ actor_email: admin.email, action: "job.requested" }]);
  });

  it("purges expired sign-in links, sessions and rate-limit rows on each beat, and keeps live ones", async () => {
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
    const t = new InngestTestEngine({ function: heartbeat });
    const { error } = await t.execute({ events: [{ name: "crm/heartbeat.requested", data: { requestedBy: "test" } }] });
    expect(error).toBeUndefined();
    expect(await db.query("SELECT token FROM crm_auth_verification_tokens")).toEqual([{ token: "live" }]);
    expect(await db.query("SELECT session_token FROM crm_auth_sessions")).toEqual([{ session_token: "kept" }]);
    expect(await db.query("SELECT key FROM crm_rate_limits")).toEqual([{ key: "live" }]);
  });

  it("the refresh-analytics function rolls up new source rows and records its run", async () => {
    await db.execScript(sourceTablesDdl("app"));
    await db.query(
      "INSERT INTO app.users (id, email, name, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 'r@example.com', 'R', '2026-01-01T00:00:00Z')",
    );
    await db.query(
      "INSERT INTO app.sessions (user_id, started_at) SELECT '00000000-0000-4000-8000-000000000001', '2026-01-02T10:00:00Z'::timestamptz + g * interval '1 day' FROM generate_series(0, 4) g",
    );
    const t = new InngestTestEngine({ function: refreshAnalytics });
    const { result, error } = await t.execute({ events: [{ name: "crm/analytics.refresh.requested", data: { requestedBy: "test" } }] });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ rows: 5, caughtUp: true, steps: 1 });
    const [row] = await db.query<{ days: string }>("SELECT active_days::text AS days FROM crm_rollup_users");
    expect(row?.days).toBe("{[20455,20460)}");
    const [run] = await db.query<{ last_status: string; last_runner: string }>(
      "SELECT last_status, last_runner FROM crm_job_runs WHERE job_id = 'refresh-analytics'",
    );
    expect(run).toEqual({ last_status: "ok", last_runner: "inngest" });
  });

  it("the in-process runner schedules the cron jobs", () => {
    const state = startInProcessRunner(async () => db.db);
    expect(state.crons.map((c) => c.getPattern())).toEqual(["*/5 * * * *", "*/3 * * * *", "*/15 * * * *", "* * * * *"]);
    expect(state.crons[0]?.nextRun()?.getTime()).toBeGreaterThan(Date.now());
  });

  it("an unreachable Inngest server is a clear error within seconds, not a hang", async () => {
    process.env.INNGEST_DEV = "http://127.0.0.1:9";
    const { resetEnvCache } = await import("@/lib/env");
    resetEnvCache();
    try {
      const started = Date.now();
      const err = await dispatchEvent(db.db, { name: "crm/heartbeat.requested", data: { requestedBy: "t" } }).catch((e: unknown) => e);
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
