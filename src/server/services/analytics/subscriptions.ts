import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { iso, num, srcSchema } from "@/server/db/source";
import type { TWindow } from "./source";

/**
 * Subscription numbers read the (small, stateful) subscriptions table
 * directly in both implementations; it is not an event table.
 */

/** MRR at an instant: monthly price of subscriptions running then (yearly plans count 1/12). */
export async function monthlyRecurringRevenue(db: DbOrTx, at: Date): Promise<number> {
  const S = srcSchema();
  const [row] = await executeRows<{ n: string }>(
    db,
    sql`SELECT coalesce(round(sum(CASE interval WHEN 'year' THEN price / 12.0 ELSE price END), 2), 0) AS n
        FROM ${S}.subscriptions WHERE started_at <= ${iso(at)}::timestamptz AND (canceled_at IS NULL OR canceled_at > ${iso(at)}::timestamptz)`,
  );
  return num(row?.n);
}

/** Customer churn over a window: subscribers at its start with no running subscription at its end. */
export async function customerChurn(db: DbOrTx, w: TWindow): Promise<{ atStart: number; churned: number }> {
  const S = srcSchema();
  const running = (at: string) => sql`started_at <= ${at}::timestamptz AND (canceled_at IS NULL OR canceled_at > ${at}::timestamptz)`;
  const [row] = await executeRows<{ at_start: string; churned: string }>(
    db,
    sql`WITH s0 AS (SELECT DISTINCT user_id FROM ${S}.subscriptions WHERE ${running(iso(w.from))}),
             s1 AS (SELECT DISTINCT user_id FROM ${S}.subscriptions WHERE ${running(iso(w.to))})
        SELECT (SELECT count(*) FROM s0) AS at_start, (SELECT count(*) FROM s0 WHERE user_id NOT IN (SELECT user_id FROM s1)) AS churned`,
  );
  return { atStart: num(row?.at_start), churned: num(row?.churned) };
}
