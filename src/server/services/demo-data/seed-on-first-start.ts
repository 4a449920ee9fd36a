import type { TEnv } from "@/lib/env";
import { log } from "@/lib/log";
import type { DatabaseHandle } from "@/server/db/client";
import { generateDemoData } from "./generate-demo-data";
import { sourceTablesDdl } from "./source-tables";

/**
 * The embedded default starts with a small living data set, so a new user
 * sees a working CRM at once. Runs only when the source tables are empty;
 * true when it generated them (the CRM's own demo content follows, boot.ts).
 */
export async function seedEmbeddedOnFirstStart(handle: DatabaseHandle, e: TEnv): Promise<boolean> {
  await handle.execScript(sourceTablesDdl(e.SOURCE_SCHEMA));
  const [row] = await handle.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${e.SOURCE_SCHEMA}.users`);
  if ((row?.n ?? 0) > 0 || e.DEMO_SEED_USERS === 0) return false;
  log("demo-data").info(`First start: generating ${e.DEMO_SEED_USERS} demo users in the embedded database…`);
  const result = await generateDemoData(handle, {
    users: e.DEMO_SEED_USERS,
    days: 365,
    seed: 42,
    anchor: new Date(Math.floor(Date.now() / 60_000) * 60_000),
    schema: e.SOURCE_SCHEMA,
    chunkSize: 1000,
  });
  log("demo-data").info(`Done: ${result.rows.toLocaleString("en-US")} rows in ${(result.elapsedMs / 1000).toFixed(1)} s.`);
  return true;
}
