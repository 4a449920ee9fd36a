import { type SQL, sql } from "drizzle-orm";
import { type Db, type DbOrTx, executeRows } from "@/server/db/client";
import { latestSubscriptions, SPENT_CENTS, srcSchema } from "@/server/db/source";
import { changeLogFollowed } from "../analytics/kept-source";
import { LOGGED_COLUMNS, type TLoggedTable } from "../demo-data/source-tables";

/**
 * The users list's plan, subscription status, lifetime spend and signup time in crm_user_stats (lifetime AI usage is
 * added by the rollup batches, in their transactions).
 *
 * Payments and subscriptions change in place (refunds, cancellations). With the change-log triggers installed
 * (docs/source-contract.md, "Change log") every change writes a row of crm_source_changes, and each refresh recomputes
 * only the users whose users, subscriptions or payments rows changed since the snapshot the stats are at
 * (`crm_user_stats_state.log_snapshot`): the stats then equal a full recompute at the refresh's own snapshot, for a few
 * index lookups per changed user. Without the log, bringing them up to date means reading every user, subscription and
 * payment (the full recompute: 1.8 s of database time at 1M users), done when the last one is `everyMinutes` old
 * (USER_STATS_REFRESH_MINUTES); the refreshes in between only give rows to new signups.
 *
 * A full recompute also runs when an admin asks for a refresh (at most once a minute: FULL_FLOOR; a start asks too),
 * when the log cannot say what changed (triggers reinstalled or truncated, more than MAX_LOGGED_CHANGES rows), and
 * with the log once a day (LOGGED_FULL_EVERY: a safety net for changes a disabled trigger missed).
 * `refreshed_at` is when the stats were last brought up to date either way, the time the list shows.
 */
export type TUserStatsMode = "due" | "full";

/**
 * A recompute asked for within this long of the last one does not run again (the fresh users' rows are added): each
 * costs seconds of the shared database's time at 1M users, and an admin clicking Refresh twice gets figures a minute old
 * at most.
 */
const FULL_FLOOR = sql`interval '1 minute'`;
/** With the change log, the full recompute's period. */
const LOGGED_FULL_EVERY = sql`interval '24 hours'`;
/** More log rows than this since the stats' snapshot: recompute in full (cheaper than the lookups by then). */
const MAX_LOGGED_CHANGES = 50_000;
/** One sync at a time across instances: a full recompute at an older snapshot must not land after a newer sync. */
const LOCK = sql`hashtext('crm-user-stats')`;

/** Signups this long before the last full recompute may have committed after it (a long transaction): looked at again. */
const FRESH_MARGIN = sql`interval '1 hour'`;

const LOGGED_TABLES = Object.keys(LOGGED_COLUMNS) as TLoggedTable[];

/** The upsert's conflict clause: a row is written only when its values changed. */
const UPDATE_IF_CHANGED = sql`ON CONFLICT (user_id) DO UPDATE SET plan = excluded.plan, subscription_status = excluded.subscription_status,
      spent_cents = excluded.spent_cents, joined_at = excluded.joined_at
    WHERE (crm_user_stats.plan, crm_user_stats.subscription_status, crm_user_stats.spent_cents, crm_user_stats.joined_at)
      IS DISTINCT FROM (excluded.plan, excluded.subscription_status, excluded.spent_cents, excluded.joined_at)`;

/** The stats of the users in `users` (a CTE of user_id, created_at), their plan and spend looked up user by user. */
const upsertLookedUp = (users: SQL) => {
  const S = srcSchema();
  return sql`
    INSERT INTO crm_user_stats (user_id, plan, subscription_status, spent_cents, joined_at)
    SELECT f.user_id, coalesce(c.plan, 'free'), coalesce(c.status, 'none'), p.cents, f.created_at
    FROM ${users} f
    LEFT JOIN LATERAL (${latestSubscriptions(sql`s.plan, s.status`, sql`s.user_id = f.user_id`)}) c ON true
    CROSS JOIN LATERAL (SELECT ${SPENT_CENTS} AS cents FROM ${S}.payments WHERE user_id = f.user_id) p
    ${UPDATE_IF_CHANGED}
    RETURNING 1`;
};

export async function syncUserStats(
  db: Db,
  opts: { mode: TUserStatsMode; everyMinutes: number },
): Promise<{ full: boolean; changed: number }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK})`);
    const [st] = await executeRows<{
      floor: boolean | null;
      fresh: boolean | null;
      daily: boolean | null;
      snap: string | null;
      logged: boolean;
    }>(
      tx,
      sql`SELECT ${changeLogFollowed} AS logged, coalesce(st.full_at, st.refreshed_at) > now() - ${FULL_FLOOR} AS floor,
                 coalesce(st.full_at, st.refreshed_at) > now() - make_interval(mins => ${opts.everyMinutes}::int) AS fresh,
                 coalesce(st.full_at, st.refreshed_at) > now() - ${LOGGED_FULL_EVERY} AS daily,
                 st.log_snapshot AS snap
          FROM (SELECT 1) one LEFT JOIN crm_user_stats_state st ON st.id = 'main'`,
    );
    // Recent enough not to recompute in full: asked for, a minute; following the log, a day; without it,
    // USER_STATS_REFRESH_MINUTES, and not at all once the log is installed (the next full one starts following it).
    const recent = opts.mode === "full" ? st?.floor : st?.snap ? st.daily : st?.fresh && !st.logged;
    if (!recent) return { full: true, ...(await refreshUserStats(tx)) };
    if (st?.snap) {
      const applied = await applyChangeLog(tx, st.snap);
      // The log cannot say what changed (or is gone): read everything, which also says whether to follow it from now.
      if (applied === null) return { full: true, ...(await refreshUserStats(tx)) };
      return { full: false, changed: applied + (await addFreshUsers(tx)) };
    }
    return { full: false, changed: await addFreshUsers(tx) };
  });
}

/**
 * Recomputes the users whose rows of users, subscriptions or payments changed since `snap` (the log rows this
 * statement sees and `snap` did not), and moves the stats' snapshot to this statement's. Null, changing nothing, when
 * the log cannot be followed: triggers missing or of another version, a reinstall or truncate, too many rows.
 */
async function applyChangeLog(db: DbOrTx, snap: string): Promise<number | null> {
  const S = srcSchema();
  const idsIn = (table: TLoggedTable, col: SQL) =>
    sql`SELECT r.${col} AS uid FROM ch, LATERAL (VALUES (ch.old), (ch.new)) v(img), jsonb_populate_record(NULL::${S}.${sql.raw(table)}, v.img) r
        WHERE ch.tbl = ${table} AND v.img IS NOT NULL`;
  const [row] = await executeRows<{ changed: number | string; snap: string; ok: boolean }>(
    db,
    sql`
    WITH ch AS MATERIALIZED (
      SELECT tbl, old, new FROM crm_source_changes
      WHERE tbl IN (${sql.join(
        LOGGED_TABLES.map((t) => sql`${t}`),
        sql`, `,
      )}) AND xid >= pg_snapshot_xmin(${snap}::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, ${snap}::pg_snapshot)
    ), verdict AS MATERIALIZED (
      SELECT ${changeLogFollowed} AND count(*) <= ${MAX_LOGGED_CHANGES} AND NOT coalesce(bool_or(old IS NULL AND new IS NULL), false) AS ok FROM ch
    ), touched AS (
      SELECT u.id AS user_id, u.created_at FROM ${S}.users u
      WHERE (SELECT ok FROM verdict) AND u.id IN (${idsIn("users", sql`id`)} UNION ${idsIn("subscriptions", sql`user_id`)} UNION ${idsIn("payments", sql`user_id`)})
    ), written AS (${upsertLookedUp(sql`touched`)})
    SELECT (SELECT count(*) FROM written) AS changed, pg_current_snapshot()::text AS snap, (SELECT ok FROM verdict) AS ok`,
  );
  if (!row?.ok) return null;
  await db.execute(sql`UPDATE crm_user_stats_state SET refreshed_at = now(), log_snapshot = ${row.snap} WHERE id = 'main'`);
  return Number(row.changed);
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
      WHERE u.created_at >= (SELECT coalesce(full_at, refreshed_at) - ${FRESH_MARGIN} FROM crm_user_stats_state WHERE id = 'main')
        AND NOT EXISTS (SELECT 1 FROM crm_user_stats s WHERE s.user_id = u.id)
      UNION
      SELECT u.id, u.created_at FROM crm_user_stats s JOIN ${S}.users u ON u.id = s.user_id WHERE s.joined_at IS NULL
    ), written AS (${upsertLookedUp(sql`fresh`)})
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
  const [row] = await executeRows<{ changed: number | string; snap: string; logged: boolean }>(
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
    ${UPDATE_IF_CHANGED}
    RETURNING 1)
    SELECT (SELECT count(*) FROM written) AS changed, pg_current_snapshot()::text AS snap, ${changeLogFollowed} AS logged`,
  );
  // Logged: later refreshes follow the log from this statement's snapshot; else they wait for the next full one.
  const snap = row?.logged === true ? row.snap : null;
  await db.execute(sql`
    INSERT INTO crm_user_stats_state (id, refreshed_at, full_at, log_snapshot) VALUES ('main', now(), now(), ${snap})
    ON CONFLICT (id) DO UPDATE SET refreshed_at = now(), full_at = now(), log_snapshot = ${snap}`);
  return { changed: Number(row?.changed ?? 0) };
}

/** When the list's plan and spend were last brought up to date (null: never); its AI figures are at least as fresh. */
export async function readUserStatsFreshness(db: DbOrTx): Promise<Date | null> {
  const [row] = await executeRows<{ refreshed_at: Date | string }>(
    db,
    sql`SELECT refreshed_at FROM crm_user_stats_state WHERE id = 'main'`,
  );
  return row ? new Date(row.refreshed_at) : null;
}
