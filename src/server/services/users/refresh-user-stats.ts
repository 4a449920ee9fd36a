import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { latestSubscriptions, SPENT_CENTS, srcSchema } from "@/server/db/source";

/**
 * The users list's plan, subscription status, lifetime spend and signup time in crm_user_stats (lifetime AI usage is
 * added by the rollup batches, in their transactions).
 *
 * Payments and subscriptions change in place (refunds, cancellations) and the main app says nothing when they do, so
 * bringing plan and spend up to date means reading every user, subscription and payment: the full recompute (1.8 s of
 * database time at 1M users). It runs when the last one is `everyMinutes` old (USER_STATS_REFRESH_MINUTES), when an
 * admin asks for a refresh (at most once a minute: FULL_FLOOR), and after a catch-up; `crm_user_stats_state.refreshed_at`
 * is when it last ran, the time the list shows. The refreshes in between only give rows to the users who signed up since shortly before it (and to rows
 * an AI-usage batch made without a signup time): a few index lookups, so new users join the lists sorted by spend
 * or AI cost within minutes.
 */
export type TUserStatsMode = "due" | "full";

/**
 * A recompute asked for within this long of the last one does not run again (the fresh users' rows are added): each
 * costs seconds of the shared database's time at 1M users, and an admin clicking Refresh twice gets figures a minute old
 * at most.
 */
const FULL_FLOOR = sql`interval '1 minute'`;

/** Signups this long before the last full recompute may have committed after it (a long transaction): looked at again. */
const FRESH_MARGIN = sql`interval '1 hour'`;

export async function syncUserStats(
  db: DbOrTx,
  opts: { mode: TUserStatsMode; everyMinutes: number },
): Promise<{ full: boolean; changed: number }> {
  const since = opts.mode === "full" ? FULL_FLOOR : sql`make_interval(mins => ${opts.everyMinutes}::int)`;
  const [state] = await executeRows<{ due: boolean }>(
    db,
    sql`SELECT NOT EXISTS (SELECT 1 FROM crm_user_stats_state WHERE id = 'main' AND refreshed_at > now() - ${since}) AS due`,
  );
  if (state?.due) return { full: true, ...(await refreshUserStats(db)) };
  return { full: false, changed: await addFreshUsers(db) };
}

/**
 * Rows for the users with none who signed up since an hour before the last full recompute, and the signup time of
 * rows an AI-usage batch made, with their plan and spend looked up user by user.
 */
async function addFreshUsers(db: DbOrTx): Promise<number> {
  const S = srcSchema();
  const [row] = await executeRows<{ changed: number | string }>(
    db,
    sql`
    WITH fresh AS (
      SELECT u.id AS user_id, u.created_at FROM ${S}.users u
      WHERE u.created_at >= (SELECT refreshed_at - ${FRESH_MARGIN} FROM crm_user_stats_state WHERE id = 'main')
        AND NOT EXISTS (SELECT 1 FROM crm_user_stats s WHERE s.user_id = u.id)
      UNION
      SELECT u.id, u.created_at FROM crm_user_stats s JOIN ${S}.users u ON u.id = s.user_id WHERE s.joined_at IS NULL
    ), written AS (
    INSERT INTO crm_user_stats (user_id, plan, subscription_status, spent_cents, joined_at)
    SELECT f.user_id, coalesce(c.plan, 'free'), coalesce(c.status, 'none'), p.cents, f.created_at
    FROM fresh f
    LEFT JOIN LATERAL (${latestSubscriptions(sql`s.plan, s.status`, sql`s.user_id = f.user_id`)}) c ON true
    CROSS JOIN LATERAL (SELECT ${SPENT_CENTS} AS cents FROM ${S}.payments WHERE user_id = f.user_id) p
    ON CONFLICT (user_id) DO UPDATE SET plan = excluded.plan, subscription_status = excluded.subscription_status,
      spent_cents = excluded.spent_cents, joined_at = excluded.joined_at
    RETURNING 1)
    SELECT count(*) AS changed FROM written`,
  );
  return Number(row?.changed ?? 0);
}

/**
 * The full recompute: every user's plan, status, spend and signup time from the source tables, and a row for every
 * user; only rows whose values changed are written.
 */
export async function refreshUserStats(db: DbOrTx): Promise<{ changed: number }> {
  const S = srcSchema();
  const [row] = await executeRows<{ changed: number | string }>(
    db,
    sql`
    WITH cur AS (
      ${latestSubscriptions(sql`s.user_id, s.plan, s.status`)}
    ), paid AS (
      SELECT user_id, ${SPENT_CENTS} AS cents FROM ${S}.payments WHERE status = 'succeeded' GROUP BY user_id
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

/** When the list's plan and spend were last recomputed (null: never); its AI figures are at least as fresh. */
export async function readUserStatsFreshness(db: DbOrTx): Promise<Date | null> {
  const [row] = await executeRows<{ refreshed_at: Date | string }>(
    db,
    sql`SELECT refreshed_at FROM crm_user_stats_state WHERE id = 'main'`,
  );
  return row ? new Date(row.refreshed_at) : null;
}
