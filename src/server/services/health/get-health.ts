import { sql } from "drizzle-orm";
import { databaseMode, emailMode, env, jobsMode } from "@/lib/env";
import type { TServiceArgs } from "../context";
import { lastJobRuns } from "../jobs/job-runs";

export type THealth = {
  status: "ok" | "degraded";
  database: { reachable: boolean; mode: "postgres" | "embedded"; latencyMs: number | null; error?: string };
  email: { mode: "resend" | "local-outbox" };
  jobs: { mode: "inngest-dev" | "inngest-cloud" | "in-process"; durable: boolean; note?: string };
  lastJobRuns: { jobId: string; lastFinishedAt: Date | null; lastStatus: string | null; runner: string | null }[];
};

function baseHealth(): THealth {
  const e = env();
  const jm = jobsMode(e);
  return {
    status: "ok",
    database: { reachable: false, mode: databaseMode(e), latencyMs: null },
    email: { mode: emailMode(e) },
    jobs: {
      mode: jm,
      // In-process jobs are durable too: they live in Postgres (crm_job_queue) until done.
      durable: true,
      note: jm === "in-process" ? "Jobs run inside the CRM's own processes, from a queue in Postgres" : undefined,
    },
    lastJobRuns: [],
  };
}

/**
 * Health for /api/health and the settings page. The database's error text
 * (which can name hosts and roles) is for signed-in admins only (`detail`);
 * anyone else learns only that it is unreachable.
 */
export async function getHealth({ ctx, input }: TServiceArgs<{ detail: boolean }>): Promise<THealth> {
  const health = baseHealth();
  const started = performance.now();
  try {
    await ctx.db.execute(sql`select 1`);
    health.database.reachable = true;
    health.database.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    health.lastJobRuns = (await lastJobRuns(ctx.db)).map((r) => ({
      jobId: r.jobId,
      lastFinishedAt: r.lastFinishedAt,
      lastStatus: r.lastStatus,
      runner: r.lastRunner,
    }));
  } catch (err) {
    health.status = "degraded";
    health.database.error = input.detail
      ? err instanceof Error
        ? err.message.split("\n")[0]
        : "unknown error"
      : "The database is not reachable";
  }
  return health;
}
