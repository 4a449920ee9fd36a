import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import {
  type TAnalyticsInput,
  type TRetentionCohortsInput,
  todayIn,
  ZAnalyticsInput,
  ZRetentionCohortsInput,
} from "@/shared/schemas/analytics";
import type { TServiceArgs } from "../context";
import { buildAppStatistics, buildOverview, buildRetentionCohorts } from "./build";
import { resolvePeriod } from "./period";
import { rawSource } from "./reference/raw-source";
import { rollupSource } from "./rollup-source";
import { atOneWatermark } from "./rollups/one-watermark";
import type { AnalyticsSource, TWindow } from "./source";
import type { TAppStatistics, TRetentionCohorts, TUserAnalytics } from "./types";

/**
 * The analytics verbs. `engine: "rollups"` (the default) answers from the
 * rollups plus the live tail; `"raw"` from the raw tables, the reference the
 * tests and the benchmark compare against.
 */
export type TEngine = "rollups" | "raw";
/** Every verb takes `engine` beside ctx and input; "now" is ctx.clock(). */
type TArgs<I> = TServiceArgs<I> & { engine?: TEngine };

/** Builds an answer from the engine's source; the rollups' answer is read at one watermark (atOneWatermark). */
const fromSource = <T>(db: DbOrTx, engine: TEngine = "rollups", build: (source: AnalyticsSource, db: DbOrTx) => Promise<T>): Promise<T> =>
  engine === "raw" ? build(rawSource(db), db) : atOneWatermark(db, async (at, state) => build(await rollupSource(at, state), at));

export async function getOverview({ ctx, input, engine }: TArgs<TAnalyticsInput>): Promise<TUserAnalytics> {
  const { db } = ctx;
  const now = ctx.clock();
  const parsed = ZAnalyticsInput.parse(input);
  const period = await resolvePeriod(db, parsed, now);
  return fromSource(db, engine, (source) => buildOverview(source, period, now));
}

async function todayWindow(db: DbOrTx, timezone: string, now: Date): Promise<TWindow> {
  const today = todayIn(timezone, now);
  const [row] = await executeRows<{ a: Date; b: Date }>(
    db,
    sql`SELECT (${today}::date)::timestamp AT TIME ZONE ${timezone} AS a, (${today}::date + 1)::timestamp AT TIME ZONE ${timezone} AS b`,
  );
  if (!row) throw new Error("Today could not be resolved");
  return { from: new Date(row.a), to: new Date(row.b) };
}

export async function getAppStatistics({ ctx, input, engine }: TArgs<TAnalyticsInput>): Promise<TAppStatistics> {
  const { db } = ctx;
  const now = ctx.clock();
  const parsed = ZAnalyticsInput.parse(input);
  const [period, today] = await Promise.all([resolvePeriod(db, parsed, now), todayWindow(db, parsed.timezone, now)]);
  return fromSource(db, engine, (source) => buildAppStatistics(source, period, today, now));
}

export async function getRetentionCohorts({ ctx, input, engine }: TArgs<TRetentionCohortsInput>): Promise<TRetentionCohorts> {
  const { db } = ctx;
  const now = ctx.clock();
  const parsed = ZRetentionCohortsInput.parse(input);
  const unit = sql.raw(parsed.cohort === "week" ? "'1 week'" : "'1 month'");
  const trunc = parsed.cohort === "week" ? "week" : "month";
  // Cohort i starts (periods - 1 - i) units before the current one; its k-th period is k units after its start.
  const rows = await executeRows<{ i: number; k: number; start: string; a: Date; b: Date }>(
    db,
    sql`WITH base AS (SELECT date_trunc(${trunc}, ${now.toISOString()}::timestamptz AT TIME ZONE ${parsed.timezone}) AS cur)
        SELECT i, k, to_char(cur - (${parsed.periods - 1} - i) * interval ${unit}, 'YYYY-MM-DD') AS start,
               (cur - (${parsed.periods - 1} - i - k) * interval ${unit}) AT TIME ZONE ${parsed.timezone} AS a,
               (cur - (${parsed.periods - 1} - i - k - 1) * interval ${unit}) AT TIME ZONE ${parsed.timezone} AS b
        FROM base, generate_series(0, ${parsed.periods - 1}) AS i, generate_series(0, ${parsed.periods - 1}) AS k
        WHERE i + k <= ${parsed.periods - 1}
        ORDER BY i, k`,
  );
  const cohorts = new Map<number, { start: string; window: TWindow; following: TWindow[] }>();
  for (const r of rows) {
    const i = Number(r.i);
    const k = Number(r.k);
    const entry = cohorts.get(i) ?? { start: r.start, window: { from: new Date(0), to: new Date(0) }, following: [] };
    // k = 0 is the cohort's own period, which is also its signup window.
    if (k === 0) entry.window = { from: new Date(r.a), to: new Date(r.b) };
    entry.following.push({ from: new Date(r.a), to: new Date(r.b) });
    cohorts.set(i, entry);
  }
  return fromSource(db, engine, (source) => buildRetentionCohorts(source, [...cohorts.values()], parsed.cohort, parsed.timezone, now));
}
