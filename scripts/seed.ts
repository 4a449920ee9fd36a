import "./load-env";
import "./check-env";
import { parseArgs } from "node:util";
import { env } from "@/lib/env";
import { openConfiguredDatabase } from "@/server/db/open";
import { generateDemoData } from "@/server/services/demo-data/generate-demo-data";
import { renderProgressBar } from "./progress";

const USAGE = "Usage: npm run db:seed -- --users N [--days D] [--seed S] [--reset]";

async function main() {
  const e = env();
  const { values } = parseArgs({
    options: {
      users: { type: "string", default: "2000" },
      days: { type: "string", default: "365" },
      seed: { type: "string", default: "42" },
      reset: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const users = Number(values.users);
  const days = Number(values.days);
  const seed = Number(values.seed);
  for (const [name, v, min, max] of [
    ["--users", users, 1, 5_000_000],
    ["--days", days, 1, 3650],
    ["--seed", seed, 0, 2_147_483_647],
  ] as const) {
    if (!Number.isInteger(v) || v < min || v > max) {
      console.error(`${name} must be a whole number from ${min} to ${max}. ${USAGE}`);
      process.exit(2);
    }
  }
  // A seed is a batch job, not a request: its statements get the jobs' timeout (a 1M-user seed writes ~96M rows).
  const handle = await openConfiguredDatabase({ ...e, STATEMENT_TIMEOUT_MS: e.JOB_STATEMENT_TIMEOUT_MS }, { max: 1 });
  const where = handle.mode === "postgres" ? "Postgres" : `embedded PGlite (${e.PGLITE_DIR})`;
  console.error(`Seeding ${users.toLocaleString("en-US")} users over ${days} days (seed ${seed}) into ${where}…`);
  try {
    const result = await generateDemoData(handle, {
      users,
      days,
      seed,
      anchor: new Date(Math.floor(Date.now() / 60_000) * 60_000),
      schema: e.SOURCE_SCHEMA,
      reset: values.reset,
      onProgress: (p) => process.stderr.write(renderProgressBar(p)),
    });
    process.stderr.write("\n");
    const width = Math.max(...Object.keys(result.counts).map((k) => k.length));
    for (const [table, n] of Object.entries(result.counts)) {
      console.log(`${table.padEnd(width)}  ${n.toLocaleString("en-US").padStart(12)}`);
    }
    console.log(`${"total rows".padEnd(width)}  ${result.rows.toLocaleString("en-US").padStart(12)}`);
    const secs = result.elapsedMs / 1000;
    console.log(`Elapsed ${secs.toFixed(1)} s (${Math.round(result.rows / secs).toLocaleString("en-US")} rows/s)`);
  } finally {
    await handle.close();
  }
}

main().catch((err) => {
  process.stderr.write("\n");
  console.error(`Seeding failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
