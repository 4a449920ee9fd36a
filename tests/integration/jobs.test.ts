import { InngestTestEngine } from "@inngest/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provideDatabase } from "@/server/db";
import { dispatchEvent } from "@/server/jobs/dispatch";
import { startInProcessRunner, stopInProcessRunner } from "@/server/jobs/in-process-runner";
import { getHealth } from "@/server/services/health/get-health";
import { heartbeat } from "~inngest/functions/heartbeat";
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

  it("the in-process runner schedules the cron jobs", () => {
    const state = startInProcessRunner(async () => db.db);
    expect(state.crons.map((c) => c.getPattern())).toEqual(["*/5 * * * *", "*/3 * * * *"]);
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
