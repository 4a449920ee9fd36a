import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmJobRuns } from "@/server/db/schema";
import type { TServiceArgs } from "../context";

export type TJobRunner = "inngest" | "in-process";

/** The last run of each job, which health and Settings show. */
export async function listJobRuns({ ctx }: TServiceArgs<void>) {
  return lastJobRuns(ctx.db);
}

export async function lastJobRuns(db: DbOrTx) {
  return db.select().from(crmJobRuns);
}

/** Records how a job's run ended: ok, or the first line of its error. */
export async function recordJobRun(
  db: DbOrTx,
  run: { jobId: string; runner: TJobRunner; startedAt: Date; finishedAt: Date; error?: string | null },
) {
  const values = {
    lastStartedAt: run.startedAt,
    lastFinishedAt: run.finishedAt,
    lastStatus: run.error ? ("error" as const) : ("ok" as const),
    lastError: run.error ? (run.error.split("\n")[0] ?? "error").slice(0, 1000) : null,
    lastRunner: run.runner,
  };
  const [row] = await db
    .insert(crmJobRuns)
    .values({ jobId: run.jobId, ...values, runCount: 1 })
    .onConflictDoUpdate({ target: crmJobRuns.jobId, set: { ...values, runCount: sql`${crmJobRuns.runCount} + 1` } })
    .returning();
  return row;
}
