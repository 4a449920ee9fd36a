import { sql } from "drizzle-orm";
import { databaseMode, emailMode, env, jobsMode } from "@/lib/env";
import type { DbOrTx } from "@/server/db/client";
import { listJobRuns } from "../jobs/record-heartbeat";

export type THealth = {
  status: "ok" | "degraded";
  database: { reachable: boolean; mode: "postgres" | "embedded"; latencyMs: number | null; error?: string };
  email: { mode: "resend" | "local-outbox" };
  jobs: { mode: "inngest-dev" | "inngest-cloud" | "in-process"; durable: boolean; note?: string };
  lastJobRuns: { jobId: string; lastFinishedAt: Date | null; lastStatus: string | null; runner: string | null }[];
};

/**
 * Health for /api/health and the settings page. Says plainly when background
 * work is not durable. The database's error text (which can name hosts and
 * roles) is for signed-in admins only (`detail`); anyone else learns only
 * that it is unreachable.
 */
export async function getHealth(db: DbOrTx | null, opts: { detail?: boolean } = {}): Promise<THealth> {
  const e = env();
  const jm = jobsMode(e);
  const health: THealth = {
    status: "ok",
    database: { reachable: false, mode: databaseMode(e), latencyMs: null },
    email: { mode: emailMode(e) },
    jobs: {
      mode: jm,
      durable: jm !== "in-process",
      note: jm === "in-process" ? "No Inngest server configured: jobs run inside this process and are not durable" : undefined,
    },
    lastJobRuns: [],
  };
  if (!db) {
    health.status = "degraded";
    health.database.error = "The database could not be opened";
    return health;
  }
  const started = performance.now();
  try {
    await db.execute(sql`select 1`);
    health.database.reachable = true;
    health.database.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    health.lastJobRuns = (await listJobRuns(db)).map((r) => ({
      jobId: r.jobId,
      lastFinishedAt: r.lastFinishedAt,
      lastStatus: r.lastStatus,
      runner: r.lastRunner,
    }));
  } catch (err) {
    health.status = "degraded";
    health.database.error = opts.detail
      ? err instanceof Error
        ? err.message.split("\n")[0]
        : "unknown error"
      : "The database is not reachable";
  }
  return health;
}
