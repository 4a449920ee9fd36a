import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DatabaseHandle } from "@/server/db/client";

/** One figure of a benchmark: `target` is the goal it is held to, or null when it is context. */
export type TBenchFigure = { name: string; value: number; unit: string; target: number | null };

export type TBenchScenario = {
  description: string;
  run(handle: DatabaseHandle, args: string[]): Promise<TBenchFigure[]>;
};

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** Runs `fn` once to warm up, then `n` times; the durations in ms. */
export async function timeRuns(fn: () => Promise<unknown>, n: number): Promise<number[]> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

/** The data set's size class: 1M when it holds at least 500k users, else 100k (the two sizes issue 17 holds targets for). */
export function sizeClass(users: number): "100k" | "1m" {
  return users >= 500_000 ? "1m" : "100k";
}

/**
 * `--users N` checks the seeded data set is the size asked for (±10%), so a figure is never reported for the
 * wrong size; returns the number of users it holds.
 */
export async function checkDataSetSize(handle: DatabaseHandle, wanted: string | undefined): Promise<number> {
  const [row] = await handle.query<{ n: number }>("SELECT count(*)::int AS n FROM app.users");
  const users = row?.n ?? 0;
  if (wanted !== undefined) {
    const n = Number(wanted);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--users must be a whole number, not "${wanted}"`);
    if (Math.abs(users - n) > n * 0.1)
      throw new Error(
        `The database holds ${users.toLocaleString("en-US")} users, not ${n.toLocaleString("en-US")}: seed it with npm run db:seed -- --users ${n}`,
      );
  }
  return users;
}

/**
 * Keeps this size's figures in bench/results/<scenario>-<size>.json and, once the other size has been measured,
 * adds for every p95 held to a target its growth from 100k to 1M users: the ratio (held to 2×) and the exponent
 * log(ratio) / log(10) (0 = flat, 1 = linear in users).
 */
export function growthFigures(scenario: string, users: number, figures: TBenchFigure[]): TBenchFigure[] {
  const dir = path.join(process.cwd(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  const here = sizeClass(users);
  writeFileSync(path.join(dir, `${scenario}-${here}.json`), `${JSON.stringify(figures, null, 2)}\n`);
  const otherFile = path.join(dir, `${scenario}-${here === "1m" ? "100k" : "1m"}.json`);
  if (!existsSync(otherFile)) return [];
  const other = new Map((JSON.parse(readFileSync(otherFile, "utf8")) as TBenchFigure[]).map((f) => [f.name, f.value]));
  const out: TBenchFigure[] = [];
  for (const f of figures) {
    const o = other.get(f.name);
    // Only the figures held to a target (the product's; a baseline's growth is context, not a goal).
    if (f.target === null || !f.name.endsWith(" p95") || f.unit !== "ms" || o === undefined || o <= 0 || f.value <= 0) continue;
    const [small, large] = here === "1m" ? [o, f.value] : [f.value, o];
    const ratio = large / small;
    out.push(
      { name: `${f.name}: 1M ÷ 100k users`, value: Number(ratio.toFixed(2)), unit: "×", target: 2 },
      { name: `${f.name}: growth exponent`, value: Number((Math.log(ratio) / Math.log(10)).toFixed(2)), unit: "", target: null },
    );
  }
  return out;
}
