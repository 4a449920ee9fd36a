import { env } from "@/lib/env";
import type { DatabaseHandle } from "./client";
import { openConfiguredDatabase, openJobsPool } from "./open";

export type { Db, DbOrTx, Tx } from "./client";

const globalForDb = globalThis as unknown as { __crmDatabase?: Promise<DatabaseHandle>; __crmJobsDatabase?: Promise<DatabaseHandle> };

/**
 * The process-wide database: one postgres-js pool or one PGlite instance,
 * kept on globalThis so hot reload does not open a second one. Migrated
 * before the first caller gets it; nothing else happens here (the owner and
 * the demo data are server/boot.ts's).
 */
export function getDatabase(): Promise<DatabaseHandle> {
  if (!globalForDb.__crmDatabase) {
    globalForDb.__crmDatabase = openConfiguredDatabase(env()).catch((err) => {
      globalForDb.__crmDatabase = undefined;
      throw err;
    });
  }
  return globalForDb.__crmDatabase;
}

/** The database for background jobs: its own pool with the jobs' longer statement timeout (the same instance when embedded). */
export function getJobsDatabase(): Promise<DatabaseHandle> {
  if (!globalForDb.__crmJobsDatabase) {
    globalForDb.__crmJobsDatabase = getDatabase()
      .then((main) => openJobsPool() ?? main)
      .catch((err) => {
        globalForDb.__crmJobsDatabase = undefined;
        throw err;
      });
  }
  return globalForDb.__crmJobsDatabase;
}

/** Hands the process an already-open database (tests, scripts) instead of opening the configured one. */
export function provideDatabase(handle: DatabaseHandle) {
  globalForDb.__crmDatabase = Promise.resolve(handle);
  globalForDb.__crmJobsDatabase = Promise.resolve(handle);
}

export async function getDb() {
  return (await getDatabase()).db;
}

export async function getJobsDb() {
  return (await getJobsDatabase()).db;
}
