import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { connectPglite, connectPostgres, type DatabaseHandle, migrateDatabase } from "@/server/db/client";
import { sourceChangeLogDdl, sourceIndexesDdl, sourceTablesDdl } from "@/server/services/demo-data/source-tables";

export type TEngine = "pglite" | "postgres";
export type TTestDatabase = DatabaseHandle & { engine: TEngine; url?: string; drop(): Promise<void> };

/** Engines the suite runs on: PGlite always, real Postgres when TEST_DATABASE_URL is set. */
export const engines = (): TEngine[] => (process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"]);

/** The engine integration tests use by default: real Postgres when configured, else PGlite. */
export const defaultEngine = (): TEngine => (process.env.TEST_DATABASE_URL ? "postgres" : "pglite");

/**
 * A fresh, isolated database for one test file: a new Postgres database
 * (created from TEST_DATABASE_URL, dropped afterwards) or an in-memory PGlite.
 * Migrated, with the main app's source tables created. Nothing is mocked.
 */
export async function createTestDatabase(
  engine: TEngine = defaultEngine(),
  opts: { migrate?: boolean; sourceTables?: boolean } = {},
): Promise<TTestDatabase> {
  const migrate = opts.migrate ?? true;
  const sourceTables = opts.sourceTables ?? true;
  let handle: DatabaseHandle;
  let url: string | undefined;
  let drop = async () => {};
  if (engine === "postgres") {
    const baseUrl = process.env.TEST_DATABASE_URL;
    if (!baseUrl) throw new Error("TEST_DATABASE_URL is not set");
    const name = `crm_t_${process.pid}_${randomBytes(4).toString("hex")}`;
    const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(baseUrl);
    u.pathname = `/${name}`;
    url = u.toString();
    handle = connectPostgres(url, { max: 4 });
    drop = async () => {
      const a = postgres(baseUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    };
  } else {
    handle = await connectPglite(null);
  }
  if (migrate) await migrateDatabase(handle, url);
  if (sourceTables) await handle.execScript(sourceTablesDdl("app") + sourceIndexesDdl("app") + (migrate ? sourceChangeLogDdl("app") : ""));
  return {
    ...handle,
    engine,
    url,
    async drop() {
      await handle.close();
      await drop();
    },
  };
}
