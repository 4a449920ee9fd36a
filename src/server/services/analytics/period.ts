import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { addDays, daysBetween, localDates } from "@/shared/day";
import { type TAnalyticsInput, todayIn } from "@/shared/schemas/analytics";
import { InvalidInputError } from "../errors";
import type { TPeriod, TPoint } from "./types";

/**
 * Turns a range of local dates into instants, using Postgres's timezone
 * database (the same one every query uses), and the previous period of the
 * same number of days.
 */
export async function resolvePeriod(db: DbOrTx, input: TAnalyticsInput, now: Date): Promise<TPeriod> {
  const today = todayIn(input.timezone, now);
  if (input.range.to > today) throw new InvalidInputError(`The range cannot end after today (${today} in ${input.timezone})`);
  const n = daysBetween(input.range.from, input.range.to);
  const [row] = await executeRows<{ start: Date; end: Date; prev: Date }>(
    db,
    sql`SELECT (${input.range.from}::date)::timestamp AT TIME ZONE ${input.timezone} AS start,
               (${input.range.to}::date + 1)::timestamp AT TIME ZONE ${input.timezone} AS "end",
               (${input.range.from}::date - ${n}::int)::timestamp AT TIME ZONE ${input.timezone} AS prev`,
  );
  if (!row) throw new Error("Period could not be resolved");
  return {
    from: input.range.from,
    to: input.range.to,
    timezone: input.timezone,
    start: new Date(row.start),
    end: new Date(row.end),
    previousStart: new Date(row.prev),
    previousEnd: new Date(row.start),
  };
}

/** Fills a daily series: every local date of the range, 0 where nothing happened. */
export function fillDaily(from: string, to: string, values: Map<string, number>): TPoint[] {
  return localDates(from, to).map((date) => ({ date, value: values.get(date) ?? 0 }));
}

const isoWeekStart = (d: string) => {
  const day = new Date(`${d}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(d, -((day + 6) % 7));
};

/** Sums a daily series into ISO weeks (keyed by Monday) or calendar months (keyed by the 1st). */
export function rollUpSeries(daily: TPoint[], unit: "week" | "month"): TPoint[] {
  const out = new Map<string, number>();
  for (const p of daily) {
    const key = unit === "week" ? isoWeekStart(p.date) : `${p.date.slice(0, 7)}-01`;
    out.set(key, (out.get(key) ?? 0) + p.value);
  }
  return [...out.entries()].map(([date, value]) => ({ date, value }));
}

export const round = (n: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
export const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
