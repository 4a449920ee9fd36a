import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmJobRuns } from "@/server/db/schema";

export const HEARTBEAT_JOB_ID = "heartbeat";

/** The heartbeat job: records that the background path ran, shown in health. */
export async function recordHeartbeat(db: DbOrTx, runner: "inngest" | "in-process", now = new Date()) {
  const [row] = await db
    .insert(crmJobRuns)
    .values({ jobId: HEARTBEAT_JOB_ID, lastStartedAt: now, lastFinishedAt: now, lastStatus: "ok", lastRunner: runner, runCount: 1 })
    .onConflictDoUpdate({
      target: crmJobRuns.jobId,
      set: {
        lastStartedAt: now,
        lastFinishedAt: now,
        lastStatus: "ok",
        lastError: null,
        lastRunner: runner,
        runCount: sql`${crmJobRuns.runCount} + 1`,
      },
    })
    .returning();
  return row;
}

export async function listJobRuns(db: DbOrTx) {
  return db.select().from(crmJobRuns);
}

/** Runs a job body and records its outcome (ok or the error's first line) in crm_job_runs. */
export async function recordJobRun<T>(db: DbOrTx, jobId: string, runner: "inngest" | "in-process", body: () => Promise<T>): Promise<T> {
  const started = new Date();
  const finish = (status: "ok" | "error", error: string | null) =>
    db
      .insert(crmJobRuns)
      .values({
        jobId,
        lastStartedAt: started,
        lastFinishedAt: new Date(),
        lastStatus: status,
        lastError: error,
        lastRunner: runner,
        runCount: 1,
      })
      .onConflictDoUpdate({
        target: crmJobRuns.jobId,
        set: {
          lastStartedAt: started,
          lastFinishedAt: new Date(),
          lastStatus: status,
          lastError: error,
          lastRunner: runner,
          runCount: sql`${crmJobRuns.runCount} + 1`,
        },
      });
  try {
    const result = await body();
    await finish("ok", null);
    return result;
  } catch (err) {
    await finish("error", err instanceof Error ? (err.message.split("\n")[0] ?? "error") : String(err));
    throw err;
  }
}
