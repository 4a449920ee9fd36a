import path from "node:path";
import { env, type TEnv } from "@/lib/env";
import { connectPglite, connectPostgres, type DatabaseHandle, migrateDatabase } from "./client";

/** Opens the configured database (Postgres or embedded PGlite) and applies the CRM migrations. */
export async function openConfiguredDatabase(e: TEnv = env(), opts: { max?: number } = {}): Promise<DatabaseHandle> {
  if (e.DATABASE_URL) {
    const handle = connectPostgres(e.DATABASE_URL, opts);
    await migrateDatabase(handle, e.DATABASE_URL);
    return handle;
  }
  const handle = await connectPglite(path.resolve(e.PGLITE_DIR));
  await migrateDatabase(handle);
  return handle;
}
