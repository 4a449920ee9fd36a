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
