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
