import "./load-env";
import "./check-env";
import { env } from "@/lib/env";
import { openConfiguredDatabase } from "@/server/db/open";

async function main() {
  const e = env();
  const handle = await openConfiguredDatabase(e, { max: 1 });
  await handle.close();
  console.log(`Migrations applied (${handle.mode === "postgres" ? "Postgres" : `embedded PGlite at ${e.PGLITE_DIR}`}).`);
}

main().catch((err) => {
  console.error(`Migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
