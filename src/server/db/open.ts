import path from "node:path";
import { env, type TEnv } from "@/lib/env";
import { connectPglite, connectPostgres, type DatabaseHandle, migrateDatabase } from "./client";

/**
 * Opens the configured database (Postgres or embedded PGlite) and applies the
 * CRM migrations. On Postgres, requests' statements stop after
 * STATEMENT_TIMEOUT_MS (15 s by default).
 */
export async function openConfiguredDatabase(e: TEnv = env(), opts: { max?: number } = {}): Promise<DatabaseHandle> {
  if (e.DATABASE_URL) {
    const handle = connectPostgres(e.DATABASE_URL, { ...opts, statementTimeoutMs: e.STATEMENT_TIMEOUT_MS });
    await migrateDatabase(handle, e.DATABASE_URL);
    return handle;
  }
  const handle = await connectPglite(path.resolve(e.PGLITE_DIR));
  await migrateDatabase(handle);
  return handle;
}

/**
 * Background jobs' own pool on Postgres, with the longer
 * JOB_STATEMENT_TIMEOUT_MS (a rollup catch-up or a segment recompute may
 * take minutes; a request never should) and the server's parallel workers
 * (the request pool goes without). The embedded database is one
 * instance for both (PGlite has no statement timeout).
 */
export function openJobsPool(e: TEnv = env()): DatabaseHandle | null {
  if (!e.DATABASE_URL) return null;
  return connectPostgres(e.DATABASE_URL, {
    max: 4,
    statementTimeoutMs: e.JOB_STATEMENT_TIMEOUT_MS,
    applicationName: "vibrationfit-crm-jobs",
    parallelWorkers: true,
  });
}
