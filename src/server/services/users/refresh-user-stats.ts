import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";

/**
 * Brings every user's plan, subscription status, lifetime spend and signup
 * time in crm_user_stats up to date with the source tables, and gives every
 * user a row. Payments and subscriptions change in place (refunds, cancellations), so
 * they are recomputed rather than followed by id; only rows whose values
 * changed are written. Lifetime AI usage is added by the rollup batches.
 */
export async function refreshUserStats(db: DbOrTx): Promise<{ changed: number }> {
  const S = srcSchema();
  const [row] = await executeRows<{ changed: number | string }>(
    db,
    sql`
    WITH cur AS (
      SELECT DISTINCT ON (user_id) user_id, plan, status FROM ${S}.subscriptions ORDER BY user_id, started_at DESC, id DESC
    ), paid AS (
      SELECT user_id, sum(round(amount * 100))::bigint AS cents FROM ${S}.payments WHERE status = 'succeeded' GROUP BY user_id
    ), wanted AS (
      SELECT u.id AS user_id, coalesce(cur.plan, 'free') AS plan, coalesce(cur.status, 'none') AS status, coalesce(paid.cents, 0) AS cents,
        u.created_at AS joined_at
      FROM ${S}.users u LEFT JOIN cur ON cur.user_id = u.id LEFT JOIN paid ON paid.user_id = u.id
    ), changed AS (
      -- Compared in one join first: only the rows that differ (or are missing) go through the upsert, not every user.
      SELECT w.* FROM wanted w LEFT JOIN crm_user_stats s ON s.user_id = w.user_id
      WHERE s.user_id IS NULL
        OR (s.plan, s.subscription_status, s.spent_cents, s.joined_at) IS DISTINCT FROM (w.plan, w.status, w.cents, w.joined_at)
    ), written AS (
    INSERT INTO crm_user_stats (user_id, plan, subscription_status, spent_cents, joined_at)
    SELECT user_id, plan, status, cents, joined_at FROM changed
    ON CONFLICT (user_id) DO UPDATE SET plan = excluded.plan, subscription_status = excluded.subscription_status,
      spent_cents = excluded.spent_cents, joined_at = excluded.joined_at
    WHERE (crm_user_stats.plan, crm_user_stats.subscription_status, crm_user_stats.spent_cents, crm_user_stats.joined_at)
      IS DISTINCT FROM (excluded.plan, excluded.subscription_status, excluded.spent_cents, excluded.joined_at)
    RETURNING 1)
    SELECT count(*) AS changed FROM written`,
  );
  await db.execute(sql`
    INSERT INTO crm_user_stats_state (id, refreshed_at) VALUES ('main', now())
    ON CONFLICT (id) DO UPDATE SET refreshed_at = now()`);
  return { changed: Number(row?.changed ?? 0) };
}

/** When the list's plan, spend and AI figures were last brought up to date (null: never). */
export async function readUserStatsFreshness(db: DbOrTx): Promise<Date | null> {
  const [row] = await executeRows<{ refreshed_at: Date | string }>(
    db,
    sql`SELECT refreshed_at FROM crm_user_stats_state WHERE id = 'main'`,
  );
  return row ? new Date(row.refreshed_at) : null;
}
