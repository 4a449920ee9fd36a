import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { num, srcSchema } from "@/server/db/source";
import type { TServiceArgs } from "../../context";
import { refreshUserStats } from "../../users/refresh-user-stats";

/**
 * Moves the analytics rollups forward over the source rows written since the
 * last run, in batches of ids, up to a watermark per table (sessions, events,
 * token usage: by their increasing id, so late rows are never missed). Each
 * batch is one transaction under an advisory lock, so two runners (two
 * instances, or Inngest and a manual run) never apply the same rows twice.
 */

export type TRollupState = { sessionsUntilId: number; eventsUntilId: number; tokensUntilId: number; refreshedAt: Date | null };
export type TRefreshResult = { caughtUp: boolean; rows: number; state: TRollupState; skipped?: "locked" };

const LOCK = sql`hashtext('crm-analytics-rollups')`;

export async function readRollupState(db: DbOrTx): Promise<TRollupState> {
  const [row] = await executeRows<{ s: string; e: string; t: string; refreshed_at: Date }>(
    db,
    sql`SELECT sessions_until_id AS s, events_until_id AS e, tokens_until_id AS t, refreshed_at FROM crm_rollup_state WHERE id = 'main'`,
  );
  if (!row) return { sessionsUntilId: 0, eventsUntilId: 0, tokensUntilId: 0, refreshedAt: null };
  return { sessionsUntilId: num(row.s), eventsUntilId: num(row.e), tokensUntilId: num(row.t), refreshedAt: new Date(row.refreshed_at) };
}

const slot = (col: ReturnType<typeof sql>) => sql`floor(extract(epoch from ${col}) / 900)::int`;
const day = (col: ReturnType<typeof sql>) => sql`floor(extract(epoch from ${col}) / 86400)::int`;
const bucketOf = (col: ReturnType<typeof sql>) => sql`to_timestamp(floor(extract(epoch from ${col}) / 900) * 900)`;

async function refreshBatch(tx: DbOrTx, batchSize: number): Promise<{ rows: number; caughtUp: boolean; state: TRollupState }> {
  const S = srcSchema();
  const state = await readRollupState(tx);
  const [targets] = await executeRows<{ s: string | null; e: string | null; t: string | null }>(
    tx,
    sql`SELECT (SELECT max(id) FROM (SELECT id FROM ${S}.sessions WHERE id > ${state.sessionsUntilId} ORDER BY id LIMIT ${batchSize}) x) AS s,
          (SELECT max(id) FROM (SELECT id FROM ${S}.events WHERE id > ${state.eventsUntilId} ORDER BY id LIMIT ${batchSize}) x) AS e,
          (SELECT max(id) FROM (SELECT id FROM ${S}.token_usage WHERE id > ${state.tokensUntilId} ORDER BY id LIMIT ${batchSize}) x) AS t`,
  );
  const s1 = targets?.s ? num(targets.s) : state.sessionsUntilId;
  const e1 = targets?.e ? num(targets.e) : state.eventsUntilId;
  const t1 = targets?.t ? num(targets.t) : state.tokensUntilId;
  const s0 = state.sessionsUntilId;
  const e0 = state.eventsUntilId;
  const t0 = state.tokensUntilId;

  // A row for every user the new activity mentions.
  await tx.execute(sql`
    INSERT INTO crm_rollup_users (user_id)
    SELECT user_id FROM ${S}.sessions WHERE id > ${s0} AND id <= ${s1}
    UNION SELECT user_id FROM ${S}.events WHERE id > ${e0} AND id <= ${e1}
    ON CONFLICT (user_id) DO NOTHING`);

  // Activity: union the new days and 15-minute slots into each user's multiranges;
  // slots of a user's first 32 days also go into the row itself, for retention.
  await tx.execute(sql`
    WITH act AS (
      SELECT user_id, started_at AS at FROM ${S}.sessions WHERE id > ${s0} AND id <= ${s1}
      UNION ALL
      SELECT user_id, occurred_at FROM ${S}.events WHERE id > ${e0} AND id <= ${e1}
    ), agg AS (
      SELECT a.user_id, range_agg(int4range(${day(sql`a.at`)}, ${day(sql`a.at`)} + 1)) AS days,
             range_agg(int4range(${slot(sql`a.at`)}, ${slot(sql`a.at`)} + 1)) AS slots,
             coalesce(range_agg(int4range(${slot(sql`a.at`)}, ${slot(sql`a.at`)} + 1))
               FILTER (WHERE a.at >= u.created_at AND a.at < u.created_at + interval '32 days'), '{}') AS early
      FROM act a LEFT JOIN ${S}.users u ON u.id = a.user_id GROUP BY a.user_id
    ), upd AS (
      UPDATE crm_rollup_users r SET active_days = r.active_days + a.days, early_slots = r.early_slots + a.early
      FROM agg a WHERE r.user_id = a.user_id
    )
    INSERT INTO crm_rollup_user_slots (user_id, active_slots) SELECT user_id, slots FROM agg
    ON CONFLICT (user_id) DO UPDATE SET active_slots = crm_rollup_user_slots.active_slots + excluded.active_slots`);

  // The intensive flow: first start, every completion.
  await tx.execute(sql`
    WITH i AS (
      SELECT user_id, min(occurred_at) FILTER (WHERE name = 'intensive.started') AS started,
             coalesce(array_agg(occurred_at) FILTER (WHERE name = 'intensive.completed'), '{}') AS completions
      FROM ${S}.events WHERE id > ${e0} AND id <= ${e1} AND name IN ('intensive.started', 'intensive.completed')
      GROUP BY user_id
    )
    UPDATE crm_rollup_users r
    SET intensive_started_at = CASE WHEN r.intensive_started_at IS NULL THEN i.started ELSE least(r.intensive_started_at, i.started) END,
        intensive_completions = r.intensive_completions || i.completions
    FROM i WHERE r.user_id = i.user_id`);

  // Additive counts, at two grains: 15-minute buckets and whole UTC days.
  const counted = [
    {
      metric: "session",
      dim: sql`''::text`,
      at: sql`started_at`,
      values: sql`0, 0`,
      rows: sql`${S}.sessions WHERE id > ${s0} AND id <= ${s1}`,
    },
    { metric: "event", dim: sql`name`, at: sql`occurred_at`, values: sql`0, 0`, rows: sql`${S}.events WHERE id > ${e0} AND id <= ${e1}` },
    {
      metric: "tokens",
      dim: sql`model`,
      at: sql`created_at`,
      values: sql`sum(input_tokens + output_tokens), sum(round(cost_usd * 1000000))`,
      rows: sql`${S}.token_usage WHERE id > ${t0} AND id <= ${t1}`,
    },
  ];
  const grains = [
    { table: "crm_rollup_buckets", key: "bucket", keyOf: bucketOf, conflict: "(metric, dim, bucket)" },
    { table: "crm_rollup_days", key: "day", keyOf: day, conflict: "(metric, day, dim)" },
  ];
  for (const g of grains) {
    const t = sql.raw(g.table);
    for (const c of counted) {
      await tx.execute(sql`
        INSERT INTO ${t} (metric, dim, ${sql.raw(g.key)}, n, v1, v2)
        SELECT ${c.metric}, ${c.dim}, ${g.keyOf(c.at)}, count(*), ${c.values} FROM ${c.rows} GROUP BY 2, 3
        ON CONFLICT ${sql.raw(g.conflict)} DO UPDATE SET n = ${t}.n + excluded.n, v1 = ${t}.v1 + excluded.v1, v2 = ${t}.v2 + excluded.v2`);
    }
  }
  await tx.execute(sql`
    INSERT INTO crm_rollup_user_day_tokens (day, user_id, tokens, cost_micros)
    SELECT ${day(sql`created_at`)}, user_id, sum(input_tokens + output_tokens), sum(round(cost_usd * 1000000))
    FROM ${S}.token_usage WHERE id > ${t0} AND id <= ${t1} GROUP BY 1, 2
    ON CONFLICT (day, user_id) DO UPDATE SET tokens = crm_rollup_user_day_tokens.tokens + excluded.tokens,
      cost_micros = crm_rollup_user_day_tokens.cost_micros + excluded.cost_micros`);

  // Lifetime AI usage per user, for the users list (plan and spend: refreshUserStats).
  await tx.execute(sql`
    INSERT INTO crm_user_stats (user_id, ai_tokens, ai_cost_micros)
    SELECT user_id, sum(input_tokens + output_tokens), sum(round(cost_usd * 1000000))
    FROM ${S}.token_usage WHERE id > ${t0} AND id <= ${t1} GROUP BY 1
    ON CONFLICT (user_id) DO UPDATE SET ai_tokens = crm_user_stats.ai_tokens + excluded.ai_tokens,
      ai_cost_micros = crm_user_stats.ai_cost_micros + excluded.ai_cost_micros`);

  const next: TRollupState = { sessionsUntilId: s1, eventsUntilId: e1, tokensUntilId: t1, refreshedAt: new Date() };
  await tx.execute(sql`
    INSERT INTO crm_rollup_state (id, sessions_until_id, events_until_id, tokens_until_id, refreshed_at)
    VALUES ('main', ${s1}, ${e1}, ${t1}, now())
    ON CONFLICT (id) DO UPDATE SET sessions_until_id = excluded.sessions_until_id,
      events_until_id = excluded.events_until_id, tokens_until_id = excluded.tokens_until_id, refreshed_at = now()`);
  const rows = s1 - s0 + (e1 - e0) + (t1 - t0);
  // Fewer rows than a full batch in every table means nothing is left behind.
  const caughtUp = s1 - s0 < batchSize && e1 - e0 < batchSize && t1 - t0 < batchSize;
  return { rows, caughtUp, state: next };
}

/** Runs batches until caught up or `maxBatches` ran (the caller schedules the rest). */
export async function refreshAnalyticsRollups({
  ctx,
  input: opts = {},
}: TServiceArgs<{ batchSize?: number; maxBatches?: number } | undefined>): Promise<TRefreshResult> {
  const { db } = ctx;
  const batchSize = opts.batchSize ?? 250_000;
  const maxBatches = opts.maxBatches ?? 1_000;
  let rows = 0;
  for (let i = 0; i < maxBatches; i++) {
    const result = await db.transaction(async (tx) => {
      const [lock] = await executeRows<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${LOCK}) AS ok`);
      if (!lock?.ok) return null;
      return refreshBatch(tx, batchSize);
    });
    if (!result) return { caughtUp: false, rows, state: await readRollupState(db), skipped: "locked" };
    rows += result.rows;
    if (result.caughtUp) {
      await refreshUserStats(db);
      await analyzeAfterBigCatchUp(db, rows);
      return { caughtUp: true, rows, state: result.state };
    }
  }
  await refreshUserStats(db);
  await analyzeAfterBigCatchUp(db, rows);
  return { caughtUp: false, rows, state: await readRollupState(db) };
}

/**
 * A large catch-up rewrites the same rows batch after batch: reclaim the dead
 * versions and refresh the planner's statistics now rather than whenever
 * autovacuum comes by (VACUUM runs outside a transaction).
 */
async function analyzeAfterBigCatchUp(db: DbOrTx, rows: number) {
  if (rows < 100_000) return;
  for (const table of [
    "crm_rollup_users",
    "crm_rollup_user_slots",
    "crm_rollup_buckets",
    "crm_rollup_days",
    "crm_rollup_user_day_tokens",
    "crm_user_stats",
  ]) {
    await db.execute(sql.raw(`VACUUM (ANALYZE) ${table}`));
  }
}
