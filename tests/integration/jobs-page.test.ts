import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provideDatabase } from "@/server/db";
import { callerFor, createAdmins } from "../helpers/admins";
import { testEngine } from "../helpers/ctx";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

describe("Settings → Jobs", () => {
  let db: TTestDatabase;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    provideDatabase(db);
    admins = await createAdmins(db.db, "jobs");
  });
  afterAll(async () => db?.drop());

  it("runs a scheduled job by hand and shows its last run and the queue", async () => {
    const admin = callerFor(db.db, admins.admin);
    await admin.system.runJob({ jobId: "heartbeat" });
    const before = await callerFor(db.db, admins.viewer).system.jobs();
    expect(before.mode).toBe("in-process");
    expect(before.queue).toEqual([expect.objectContaining({ name: "crm/heartbeat.requested", ready: 1, done24h: 0 })]);
    await testEngine(db.db).drain();

    const after = await callerFor(db.db, admins.viewer).system.jobs();
    const heartbeat = after.jobs.find((j) => j.id === "heartbeat");
    expect(heartbeat).toMatchObject({ status: "ok", runner: "in-process", runCount: 1, runnable: true, schedule: "*/5 * * * *" });
    expect(heartbeat?.durationMs).toBeGreaterThanOrEqual(0);
    expect(after.queue).toEqual([expect.objectContaining({ name: "crm/heartbeat.requested", ready: 0, done24h: 1, failed24h: 0 })]);
    expect(after.recent[0]).toMatchObject({ name: "crm/heartbeat.requested", status: "done", attempts: 1 });
    // Every watched job is listed; only scheduled ones can be run by hand.
    expect(after.jobs.map((j) => j.id)).toEqual(
      expect.arrayContaining(["heartbeat", "refresh-analytics", "recompute-segments", "deliver-campaign"]),
    );
    await expect(admin.system.runJob({ jobId: "deliver-campaign" })).rejects.toThrow(/cannot be run by hand/);
    await expect(admin.system.runJob({ jobId: "no-such-job" })).rejects.toThrow(/No such job/);
    const [audit] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_audit_log WHERE action = 'job.requested'");
    expect(audit?.n).toBe(1);
  });
});
