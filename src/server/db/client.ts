import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import type { ExtractTablesWithRelations, SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { type Schema, schema } from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Services accept either the database or an open transaction. */
export type DbOrTx = Db | Tx;

export type DatabaseHandle = {
  db: Db;
  mode: "postgres" | "embedded";
  /** Runs a multi-statement SQL script (DDL, seed generation). Never give it user text. */
  execScript(sqlText: string): Promise<void>;
  /** Rows of a raw query, the same shape on both engines. */
  query<T extends Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
};

/**
 * Rows of a raw Drizzle `sql` query on either engine (postgres-js answers
 * with the rows, PGlite with an object holding them).
 */
export async function executeRows<T extends Record<string, unknown>>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}

export const MIGRATIONS = {
  migrationsFolder: path.join(process.cwd(), "drizzle"),
  migrationsTable: "crm_migrations",
  migrationsSchema: "public",
} as const;

/**
 * Connects to real Postgres through postgres-js. `statementTimeoutMs` bounds
 * every statement on these connections (the shared database must never run a
 * CRM query forever); a transaction left idle is ended after a minute.
 */
export function connectPostgres(
  url: string,
  opts: { max?: number; statementTimeoutMs?: number; applicationName?: string; parallelWorkers?: boolean } = {},
): DatabaseHandle {
  const client = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    // Dates travel as ISO strings; drizzle maps them to Date where the schema says so.
    // JIT compiling costs more than it saves on the CRM's short analytic queries (tens of ms each). Parallel
    // workers too, on the connections that answer requests: starting them took 30-40 ms of a 50-100 ms statement
    // here, and each takes another core of the shared database from the main app. Background jobs (scans of whole
    // tables, minutes apart) keep the server's setting.
    connection: {
      application_name: opts.applicationName ?? "vibrationfit-crm",
      jit: "off",
      ...(opts.parallelWorkers ? {} : { max_parallel_workers_per_gather: "0" }),
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs, idle_in_transaction_session_timeout: 60_000 } : {}),
    },
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    mode: "postgres",
    async execScript(sqlText) {
      await client.unsafe(sqlText);
    },
    async query(sqlText, params = []) {
      const rows = await client.unsafe(sqlText, params as never[]);
      return [...rows] as never;
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

/** Opens an embedded PGlite database; `dir` null keeps it in memory. */
export async function connectPglite(dir: string | null): Promise<DatabaseHandle> {
  if (dir) mkdirSync(dir, { recursive: true });
  // pg_trgm: the users search uses trigram indexes, as on real Postgres.
  const client = new PGlite({ dataDir: dir ?? undefined, extensions: { pg_trgm } });
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    mode: "embedded",
    async execScript(sqlText) {
      await client.exec(sqlText);
    },
    async query(sqlText, params = []) {
      const res = await client.query(sqlText, params);
      return res.rows as never;
    },
    async close() {
      await client.close();
    },
  };
}

/**
 * Applies the CRM migrations. On Postgres an advisory lock keeps several
 * instances starting at once from racing each other.
 */
export async function migrateDatabase(handle: DatabaseHandle, url?: string): Promise<void> {
  if (handle.mode === "embedded") {
    await migratePglite(handle.db as never, MIGRATIONS);
    return;
  }
  if (!url) throw new Error("migrateDatabase needs the Postgres URL");
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(hashtext('vibrationfit-crm-migrations'))`;
    await migratePostgres(drizzlePostgres(client), MIGRATIONS);
    await client`select pg_advisory_unlock(hashtext('vibrationfit-crm-migrations'))`;
  } finally {
    await client.end({ timeout: 5 });
  }
}
