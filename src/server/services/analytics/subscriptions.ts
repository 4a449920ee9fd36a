import { type SQL, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { iso, num, srcSchema } from "@/server/db/source";
import type { TWindow } from "./source";

/**
 * Subscription numbers read the (small, stateful) subscriptions table
 * directly in the reference; the rollups' source keeps them between reads
 * (kept-source.ts) with these same definitions.
 */

/** A subscription running at `at`: started by then and not canceled by then. */
export const running = (at: Date) =>
  sql`(started_at <= ${iso(at)}::timestamptz AND (canceled_at IS NULL OR canceled_at > ${iso(at)}::timestamptz))`;

/** A subscription's monthly price (yearly plans count 1/12). */
export const MONTHLY_PRICE = sql`CASE interval WHEN 'year' THEN price / 12.0 ELSE price END`;

/** MRR at `at` (unrounded) over the rows in scope. */
export const mrrAt = (at: Date) => sql`coalesce(sum(${MONTHLY_PRICE}) FILTER (WHERE ${running(at)}), 0)`;

/**
 * Customer churn over a window, over the subscriptions in `rows`: subscribers at its start (at_start), and those of
 * them with no running subscription at its end (churned). One pass over the rows running at either instant, grouped
 * by user (two DISTINCT sets and an anti-join read the table twice and hashed it three times).
 */
export const churnOver = (rows: SQL, w: TWindow) => {
  const [start, end] = [running(w.from), running(w.to)];
  return sql`SELECT count(*) AS at_start, count(*) FILTER (WHERE NOT at_end) AS churned FROM (
               SELECT bool_or(${end}) AS at_end FROM ${rows} r WHERE ${start} OR ${end}
               GROUP BY user_id HAVING bool_or(${start})) x`;
};

/** MRR at each instant, in one read. */
export async function monthlyRecurringRevenue(db: DbOrTx, ats: Date[]): Promise<number[]> {
  const S = srcSchema();
  if (!ats.length) return [];
  const cols = ats.map((at, i) => sql`round(${mrrAt(at)}, 2) AS ${sql.raw(`m${i}`)}`);
  const latest = new Date(Math.max(...ats.map((d) => d.getTime())));
  const [row] = await executeRows<Record<string, string>>(
    db,
    sql`SELECT ${sql.join(cols, sql`, `)} FROM ${S}.subscriptions WHERE started_at <= ${iso(latest)}::timestamptz`,
  );
  return ats.map((_, i) => num(row?.[`m${i}`]));
}

/** Customer churn over a window (churnOver the whole table). */
export async function customerChurn(db: DbOrTx, w: TWindow): Promise<{ atStart: number; churned: number }> {
  const S = srcSchema();
  const [row] = await executeRows<{ at_start: string; churned: string }>(db, churnOver(sql`${S}.subscriptions`, w));
  return { atStart: num(row?.at_start), churned: num(row?.churned) };
}
