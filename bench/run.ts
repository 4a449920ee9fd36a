import "../scripts/load-env";
import "../scripts/check-env";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";
import { openConfiguredDatabase } from "@/server/db/open";
import type { TBenchFigure, TBenchScenario } from "./types";

/** `npm run bench -- <name>`: one scenario against DATABASE_URL, a table on stdout, figures in bench/results/<name>.json. */
const scenarios: Record<string, () => Promise<{ default: TBenchScenario }>> = {
  seed: () => import("./scenarios/seed"),
  analytics: () => import("./scenarios/analytics"),
  users: () => import("./scenarios/users"),
  segments: () => import("./scenarios/segments"),
  delivery: () => import("./scenarios/delivery"),
  webhooks: () => import("./scenarios/webhooks"),
  recipients: () => import("./scenarios/recipients"),
  push: () => import("./scenarios/push"),
  automations: () => import("./scenarios/automations"),
};

function printTable(figures: TBenchFigure[]) {
  const rows = figures.map((f) => [
    f.name,
    f.value.toLocaleString("en-US", { maximumFractionDigits: 2 }),
    f.unit,
    f.target === null ? "—" : f.target.toLocaleString("en-US"),
  ]);
  const header = ["figure", "value", "unit", "target"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r as string[]));
}

async function main() {
  const [name, ...args] = process.argv.slice(2).filter((a) => a !== "--");
  const load = name ? scenarios[name] : undefined;
  if (!load) {
    console.error(`Usage: npm run bench -- <${Object.keys(scenarios).join("|")}> [options]`);
    process.exit(2);
  }
  const e = env();
  if (!e.DATABASE_URL) {
    console.error("Benchmarks run on real Postgres: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/crm_bench).");
    process.exit(2);
  }
  // A pool like production's: the analytics procedures run their queries concurrently.
  const handle = await openConfiguredDatabase(e, { max: 10 });
  try {
    const scenario = (await load()).default;
    console.error(`bench ${name}: ${scenario.description}`);
    const figures = await scenario.run(handle, args);
    printTable(figures);
    const dir = path.join(process.cwd(), "bench", "results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(figures, null, 2)}\n`);
    console.error(`wrote bench/results/${name}.json`);
  } finally {
    await handle.close();
  }
}

main().catch((err) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  // Drizzle wraps the database's own error: say what it was.
  if (err instanceof Error && err.cause instanceof Error) console.error(`cause: ${err.cause.message}`);
  process.exit(1);
});
