import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";

/** How often every main-app user is checked for a stats row; between such passes, signups of the last day are. */
const ALL_USERS_EVERY = "1 day";

/**
 * Brings every user's plan, subscription status and lifetime spend in
 * crm_user_stats up to date with the source tables, and gives every user a
 * row. Payments and subscriptions change in place (refunds, cancellations), so
 * they are recomputed rather than followed by id; only rows whose values
 * changed are written. Lifetime AI usage is added by the rollup batches.
 *
 * Only users who can differ from their row are compared: those with a
 * subscription or a succeeded payment, those whose row holds a plan, status or
 * spend (found by a partial index: their payments may be gone), and users
 * without a row — recent signups on every run, every user once a day (a row
 * inserted late with an old signup time waits for that pass). Everyone else is
 * free, never subscribed, $0, and so is their row.
 */
export async function refreshUserStats(db: DbOrTx): Promise<{ changed: number }> {
  const S = srcSchema();
  const [state] = await executeRows<{ since: string | null; all: boolean }>(
    db,
    sql`SELECT (refreshed_at - interval '1 day')::text AS since,
          all_users_at IS NULL OR all_users_at < now() - ${ALL_USERS_EVERY}::interval AS all
        FROM crm_user_stats_state WHERE id = 'main'`,
  );
  const all = !state || state.all || !state.since;
  const since = all ? sql`'-infinity'::timestamptz` : sql`${state.since}::timestamptz`;
  const [row] = await executeRows<{ changed: number | string }>(
    db,
    sql`
    WITH cur AS (
      SELECT DISTINCT ON (user_id) user_id, plan, status FROM ${S}.subscriptions ORDER BY user_id, started_at DESC, id DESC
    ), paid AS (
      SELECT user_id, sum(round(amount * 100))::bigint AS cents FROM ${S}.payments WHERE status = 'succeeded' GROUP BY user_id
    ), candidates AS (
      SELECT user_id FROM cur
      UNION SELECT user_id FROM paid
      UNION SELECT user_id FROM crm_user_stats WHERE plan <> 'free' OR subscription_status <> 'none' OR spent_cents <> 0
      UNION SELECT u.id FROM ${S}.users u
        WHERE u.created_at >= ${since} AND NOT EXISTS (SELECT 1 FROM crm_user_stats s WHERE s.user_id = u.id)
    ), wanted AS (
      SELECT c.user_id, coalesce(cur.plan, 'free') AS plan, coalesce(cur.status, 'none') AS status, coalesce(paid.cents, 0) AS cents
      FROM candidates c LEFT JOIN cur ON cur.user_id = c.user_id LEFT JOIN paid ON paid.user_id = c.user_id
    ), changed AS (
      -- Compared in one join first: only the rows that differ (or are missing) go through the upsert.
      SELECT w.* FROM wanted w LEFT JOIN crm_user_stats s ON s.user_id = w.user_id
      WHERE s.user_id IS NULL OR (s.plan, s.subscription_status, s.spent_cents) IS DISTINCT FROM (w.plan, w.status, w.cents)
    ), written AS (
    INSERT INTO crm_user_stats (user_id, plan, subscription_status, spent_cents)
    SELECT user_id, plan, status, cents FROM changed
    ON CONFLICT (user_id) DO UPDATE SET plan = excluded.plan, subscription_status = excluded.subscription_status,
      spent_cents = excluded.spent_cents
    WHERE (crm_user_stats.plan, crm_user_stats.subscription_status, crm_user_stats.spent_cents)
      IS DISTINCT FROM (excluded.plan, excluded.subscription_status, excluded.spent_cents)
    RETURNING 1)
    SELECT count(*) AS changed FROM written`,
  );
  await db.execute(sql`
    INSERT INTO crm_user_stats_state (id, refreshed_at, all_users_at) VALUES ('main', now(), now())
    ON CONFLICT (id) DO UPDATE SET refreshed_at = now()${all ? sql`, all_users_at = now()` : sql``}`);
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
