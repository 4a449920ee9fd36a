import { sql } from "drizzle-orm";
import { env } from "@/lib/env";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { num, srcSchema } from "@/server/db/source";
import type { TServiceArgs } from "../../context";
import { syncUserStats, type TUserStatsMode } from "../../users/refresh-user-stats";

/**
 * Moves the analytics rollups forward over the source rows written since the
 * last run, in batches of ids, up to a watermark per table (sessions, events,
 * token usage: by their increasing id, so late rows are never missed). Each
 * batch is one transaction under an advisory lock, so two runners (two
 * instances, or Inngest and a manual run) never apply the same rows twice.
 */

export type TRollupState = {
  sessionsUntilId: number;
  eventsUntilId: number;
  tokensUntilId: number;
  refreshedAt: Date | null;
  /** The day bit strings of this UTC day (days since 1970-01-01) and later lag the user-days (null: none lag). */
  bitsStaleFromDay: number | null;
  /** A new value whenever the rollups change (null: never refreshed). Reads keep rollup-only results under it. */
  version: string | null;
  /** The by-user index of the AI usage per user-day exists (a big catch-up drops it until it is done). */
  userDayIndex: boolean;
};
export type TRefreshResult = {
  caughtUp: boolean;
  rows: number;
  state: TRollupState;
  skipped?: "locked";
  /** Whether the users list's plan and spend were recomputed in full (every USER_STATS_REFRESH_MINUTES, or asked). */
  userStatsFull?: boolean;
};

/**
 * Every table the refresh derives from the main app's rows, and the watermark they match: all UNLOGGED (migration
 * 0027), so a crash empties them together and the next refresh rebuilds them (docs/deploy.md).
 */
export const DERIVED_TABLES = [
  "crm_rollup_state",
  "crm_user_numbers",
  "crm_rollup_user_days",
  "crm_rollup_day_bits",
  "crm_rollup_users",
  "crm_rollup_buckets",
  "crm_rollup_days",
  "crm_rollup_user_day_tokens",
  "crm_rollup_user_week_tokens",
  "crm_user_stats",
  "crm_user_stats_state",
] as const;

const LOCK = sql`hashtext('crm-analytics-rollups')`;
/**
 * The largest batch (ids of each source table) a catch-up takes at once. Rows written user by user (an import, the
 * seed) spread every batch's user-days over the whole user-days index: at 1M users, 4M-id batches took 13 passes
 * over it, 16M-id batches 6 (user-days 538 s → 413 s of the catch-up). A 16M batch's statements take up to 5 minutes,
 * under the jobs' statement timeout (10 minutes by default).
 */
const CATCH_UP_BATCH = 16_000_000;
/**
 * The index a big catch-up drops and builds once it is caught up. The by-user index of the AI usage per user-day is
 * written in random order (its key starts with the user's uuid, the batch's rows come in day order), so at 1M users
 * a catch-up that kept it spent most of its AI-usage statements (309 s) dirtying and reading back pages of it.
 * Building it from the finished table is one sort. Meanwhile it is missing and the reads that use it (the top users by
 * cost's exact totals) look rows up by day instead: slower, still exact. `create` is the definition of migration 0017
 * (schema/crm/analytics-rollups.ts); the catch-up test checks the rebuilt one against it.
 */
const USER_DAY_INDEX = {
  name: "crm_rollup_user_day_tokens_user_idx",
  table: "crm_rollup_user_day_tokens",
  create: sql`CREATE INDEX IF NOT EXISTS crm_rollup_user_day_tokens_user_idx ON crm_rollup_user_day_tokens (user_id, day, cost_micros, tokens)`,
} as const;
/** A catch-up drops that index when at least this many token rows are behind, and more than the table holds. */
const REBUILD_INDEX_FROM = 1_000_000;
/** Slots of a day (0–95) take 7 bits: the planes of crm_rollup_day_bits. */
const SLOT_BITS = 7;

export async function readRollupState(db: DbOrTx): Promise<TRollupState> {
  const [row] = await executeRows<{
    s: string | null;
    e: string | null;
    t: string | null;
    refreshed_at: Date | null;
    b: number | null;
    v: string | null;
    i: boolean;
  }>(
    db,
    sql`SELECT sessions_until_id AS s, events_until_id AS e, tokens_until_id AS t, refreshed_at, bits_stale_from_day AS b, version AS v,
          i.present AS i
        FROM (SELECT to_regclass(${USER_DAY_INDEX.name}) IS NOT NULL AS present) i LEFT JOIN crm_rollup_state ON id = 'main'`,
  );
  const userDayIndex = row?.i ?? true;
  if (!row?.refreshed_at)
    return {
      sessionsUntilId: 0,
      eventsUntilId: 0,
      tokensUntilId: 0,
      refreshedAt: null,
      bitsStaleFromDay: null,
      version: null,
      userDayIndex,
    };
  return {
    userDayIndex,
    sessionsUntilId: num(row.s),
    eventsUntilId: num(row.e),
    tokensUntilId: num(row.t),
    refreshedAt: new Date(row.refreshed_at),
    bitsStaleFromDay: row.b === null ? null : Number(row.b),
    version: row.v,
  };
}

// Computed per source row (millions in a catch-up batch), so in integer and timestamp arithmetic: `extract(epoch …)`
// is numeric, several times slower. The same values as floor(epoch / 86400), floor(epoch / 900) − day · 96 and
// to_timestamp(floor(epoch / 900) · 900).
const utc = (col: ReturnType<typeof sql>) => sql`(${col} AT TIME ZONE 'UTC')`;
/** The UTC day number (days since 1970-01-01). */
const day = (col: ReturnType<typeof sql>) => sql`(${utc(col)}::date - DATE '1970-01-01')`;
/** The 15-minute slot within its UTC day, 0–95. */
const slotInDay = (col: ReturnType<typeof sql>) =>
  sql`(date_part('hour', ${utc(col)}) * 4 + floor(date_part('minute', ${utc(col)}) / 15))::int`;
const bucketOf = (col: ReturnType<typeof sql>) => sql`date_bin('15 minutes', ${col}, TIMESTAMPTZ '1970-01-01 00:00:00+00')`;

type TString = { name: string; bit: ReturnType<typeof sql> };
const planes = (col: "first_slot" | "last_slot"): TString[] =>
  Array.from({ length: SLOT_BITS }, (_, j) => ({ name: `${col[0]}${j}`, bit: sql`(${sql.raw(col)} >> ${sql.raw(String(j))}) & 1` }));
const strings: TString[] = [{ name: "m", bit: sql`1` }, ...planes("first_slot"), ...planes("last_slot")];
const list = (items: ReturnType<typeof sql>[]) => sql.join(items, sql`, `);
/** The bit string (8192 users of a chunk) of a hex column made by hexStrings. */
export const bitsOf = (name: string) => sql`('x' || rpad(${sql.raw(name)}, 2048, '0'))::bit(8192)::varbit`;
const merged = (col: "first_planes" | "last_planes") =>
  list(
    Array.from({ length: SLOT_BITS }, (_, j) =>
      sql.raw(`(crm_rollup_day_bits.${col}[${j + 1}] & ~excluded.bits) | excluded.${col}[${j + 1}]`),
    ),
  );

/**
 * Bit strings per chunk of 8192 user numbers (and per `keys`), from rows of `source` with a `num` column: each
 * string's bit per row (`bit`: 0 or 1) OR-ed per 64-bit word, then the words of a chunk joined as hex, the words
 * no row set filled with zeros. Columns: the keys, `chunk`, and each string's hex by its name (bitsOf makes it a
 * string). The refresh writes crm_rollup_day_bits this way; reads build the days a catch-up left stale the same way.
 */
export function hexStrings(source: ReturnType<typeof sql>, keys: string[], of: TString[] = [{ name: "m", bit: sql`1` }]) {
  const group = sql.raw([...keys, "chunk"].join(", "));
  return sql`SELECT ${group}, ${list(
    of.map(
      (p) =>
        sql`string_agg(repeat('0', 16 * (word - coalesce(prev, -1) - 1)) || lpad(to_hex(${sql.raw(p.name)}), 16, '0'), '' ORDER BY word) AS ${sql.raw(p.name)}`,
    ),
  )}
    FROM (
      SELECT *, lag(word) OVER (PARTITION BY ${group} ORDER BY word) AS prev FROM (
        SELECT ${sql.raw(keys.map((k) => `${k}, `).join(""))}num >> 13 AS chunk, (num & 8191) >> 6 AS word,
          ${list(of.map((p) => sql`bit_or((${p.bit})::int8 << (63 - (num & 63))) AS ${sql.raw(p.name)}`))}
        FROM ${source} GROUP BY ${group}, word
      ) w
    ) x GROUP BY ${group}`;
}

/**
 * The tail of a WITH that writes the day bit strings of the user-days in `source` (rows of day, num, first_slot,
 * last_slot: who was active, and their first and last slots bit-sliced). Where a (day, chunk) string exists, its
 * users' old bits in the planes are cleared and the new ones OR-ed in, so a user-day changed twice ends with its
 * final slots.
 */
function dayBitsFrom(source: ReturnType<typeof sql>) {
  return sql`strings AS (${hexStrings(source, ["day"], strings)})
    INSERT INTO crm_rollup_day_bits (day, chunk, bits, first_planes, last_planes)
    SELECT day, chunk, ${bitsOf("m")}, ARRAY[${list(planes("first_slot").map((p) => bitsOf(p.name)))}],
      ARRAY[${list(planes("last_slot").map((p) => bitsOf(p.name)))}] FROM strings ORDER BY day, chunk
    ON CONFLICT (day, chunk) DO UPDATE SET bits = crm_rollup_day_bits.bits | excluded.bits,
      first_planes = ARRAY[${merged("first_planes")}], last_planes = ARRAY[${merged("last_planes")}]`;
}

async function refreshBatch(
  tx: DbOrTx,
  batchSize: number,
  catchUp: boolean,
): Promise<{ rows: number; caughtUp: boolean; state: TRollupState }> {
  const S = srcSchema();
  const state = await readRollupState(tx);
  // Each table's largest id (one step down its primary key), and the batch's end: at most `batchSize` ids past the
  // watermark (fewer rows where ids were skipped). Counting the next `batchSize` ids instead read 4M index entries
  // per table and batch of a catch-up (3 s each).
  const [maxIds] = await executeRows<{ s: string | null; e: string | null; t: string | null }>(
    tx,
    sql`SELECT (SELECT max(id) FROM ${S}.sessions) AS s, (SELECT max(id) FROM ${S}.events) AS e, (SELECT max(id) FROM ${S}.token_usage) AS t`,
  );
  const s0 = state.sessionsUntilId;
  const e0 = state.eventsUntilId;
  const t0 = state.tokensUntilId;
  const end = (from: number, max: string | null | undefined) => Math.max(from, Math.min(from + batchSize, max ? num(max) : from));
  const s1 = end(s0, maxIds?.s);
  const e1 = end(e0, maxIds?.e);
  const t1 = end(t0, maxIds?.t);

  // Number the users this batch mentions, and every signup since the last numbered one (all users on the
  // first run), in the order they signed up: a signup window's users then hold a narrow range of numbers.
  // The last numbered signup is read first and passed as a value, so the planner sees how few signups follow
  // it (a subquery's value it would guess as a third of all users, and hash every number to check them).
  const [last] = await executeRows<{ at: string | null }>(
    tx,
    sql`SELECT (max(created_at) - interval '1 day')::text AS at FROM crm_user_numbers`,
  );
  const since = last?.at ? sql`${last.at}::timestamptz` : sql`'-infinity'::timestamptz`;
  // A first batch (the steady state: thousands of rows) looks each user's number up by key (OFFSET 0 keeps the lookup
  // from being flattened into a join); a catch-up batch (millions) hashes every number once. The planner guesses a
  // batch's size from its id range: with statistics older than the newest ids it took 3k users for 87k and read all
  // 1M numbers (7.7k pages, spilling to disk) to check them, or hashed a million numbers for a few thousand rows.
  const numberOf = (user: string) =>
    sql`LATERAL (SELECT n.num FROM crm_user_numbers n WHERE n.user_id = ${sql.raw(user)}.user_id OFFSET 0) n`;
  const unnumbered = !catchUp
    ? sql`SELECT s.user_id FROM seen s LEFT JOIN ${numberOf("s")} ON true WHERE n.num IS NULL`
    : sql`SELECT s.user_id FROM seen s WHERE NOT EXISTS (SELECT 1 FROM crm_user_numbers n WHERE n.user_id = s.user_id)`;
  const [newNumbers] = await executeRows<{ n: number | string }>(
    tx,
    sql`
    WITH seen AS (
      SELECT user_id FROM ${S}.sessions WHERE id > ${s0} AND id <= ${s1}
      UNION SELECT user_id FROM ${S}.events WHERE id > ${e0} AND id <= ${e1}
    ), unnumbered AS MATERIALIZED (
      -- Most of them have a number already: drop those first, and look only the rest up in app.users.
      ${unnumbered}
    ), signups AS MATERIALIZED (
      -- The signups since then less those numbered with that signup time, both read in (created_at, user) order (a day
      -- of signups is 5k users at 1M: looked up one by one in the key, they were 5k reads over all of it every run).
      SELECT u.id, u.created_at FROM ${S}.users u
      WHERE u.created_at >= ${since}
        AND NOT EXISTS (SELECT 1 FROM crm_user_numbers n WHERE n.created_at >= ${since} AND n.created_at = u.created_at AND n.user_id = u.id)
    ), fresh AS (
      SELECT x.user_id, u.created_at FROM unnumbered x LEFT JOIN ${S}.users u ON u.id = x.user_id
      UNION
      -- The rest by key (a user numbered before their row was visible has no signup time here): none, as a rule.
      SELECT s.id, s.created_at FROM signups s WHERE NOT EXISTS (SELECT 1 FROM crm_user_numbers n WHERE n.user_id = s.id)
    ), ins AS (
    INSERT INTO crm_user_numbers (user_id, num, created_at)
    SELECT user_id, (SELECT coalesce(max(num), -1) FROM crm_user_numbers) + row_number() OVER (ORDER BY created_at NULLS LAST, user_id), created_at
    FROM fresh RETURNING 1)
    SELECT count(*) AS n FROM ins`,
  );

  // Activity: each user-day's first and last 15-minute slot, and the day's bit strings (crm_rollup_day_bits) built
  // from them. A catch-up batch (far behind) leaves the strings of the days it touches stale, marked from its
  // earliest day on: building them batch after batch rewrites the same strings again and again (a batch of rows
  // in user order touches every day), so they are built once from the user-days when the catch-up is done.
  const activity = sql`
      SELECT user_id, started_at AS at FROM ${S}.sessions WHERE id > ${s0} AND id <= ${s1}
      UNION ALL
      SELECT user_id, occurred_at FROM ${S}.events WHERE id > ${e0} AND id <= ${e1}`;
  // Each row's number: by key in a first batch, hashed in a catch-up (as above).
  const numbered = !catchUp
    ? sql`(${activity}) a CROSS JOIN ${numberOf("a")}`
    : sql`(${activity}) a JOIN crm_user_numbers n ON n.user_id = a.user_id`;
  const upsertDays = sql`
    agg AS (
      SELECT n.num, ${day(sql`a.at`)} AS day, min(${slotInDay(sql`a.at`)}) AS f, max(${slotInDay(sql`a.at`)}) AS l
      FROM ${numbered} GROUP BY 1, 2
    ), up AS (
      INSERT INTO crm_rollup_user_days (day, num, first_slot, last_slot) SELECT day, num, f, l FROM agg ORDER BY day, num
      ON CONFLICT (day, num) DO UPDATE SET first_slot = least(crm_rollup_user_days.first_slot, excluded.first_slot),
        last_slot = greatest(crm_rollup_user_days.last_slot, excluded.last_slot)
      RETURNING day, num, first_slot, last_slot
    )`;
  let bitsStaleFromDay = state.bitsStaleFromDay;
  if (catchUp || bitsStaleFromDay !== null) {
    const [row] = await executeRows<{ d: number | null }>(tx, sql`WITH ${upsertDays} SELECT min(day) AS d FROM up`);
    if (row?.d !== null && row?.d !== undefined) bitsStaleFromDay = Math.min(bitsStaleFromDay ?? row.d, row.d);
  } else {
    await tx.execute(sql`WITH ${upsertDays}, ${dayBitsFrom(sql`up`)}`);
  }

  // The intensive flow: first start, every completion.
  await tx.execute(sql`
    INSERT INTO crm_rollup_users (user_id, intensive_started_at, intensive_completions)
    SELECT user_id, min(occurred_at) FILTER (WHERE name = 'intensive.started'),
           coalesce(array_agg(occurred_at) FILTER (WHERE name = 'intensive.completed'), '{}')
    FROM ${S}.events WHERE id > ${e0} AND id <= ${e1} AND name IN ('intensive.started', 'intensive.completed')
    GROUP BY user_id
    ON CONFLICT (user_id) DO UPDATE SET
      intensive_started_at = least(crm_rollup_users.intensive_started_at, excluded.intensive_started_at),
      intensive_completions = crm_rollup_users.intensive_completions || excluded.intensive_completions`);

  // Additive counts, at two grains: 15-minute buckets, and whole UTC days summed from the same buckets (a day is 96
  // whole buckets), so each source table's rows are read and grouped once. Inserted in key order: a catch-up batch
  // writes hundreds of thousands of keys, and in order they land on neighbouring index pages.
  const counted = [
    {
      metric: "session",
      dim: sql`''::text`,
      at: sql`started_at`,
      values: sql`0 AS v1, 0 AS v2`,
      rows: sql`${S}.sessions WHERE id > ${s0} AND id <= ${s1}`,
    },
    {
      metric: "event",
      dim: sql`name`,
      at: sql`occurred_at`,
      values: sql`0 AS v1, 0 AS v2`,
      rows: sql`${S}.events WHERE id > ${e0} AND id <= ${e1}`,
    },
    {
      metric: "tokens",
      dim: sql`model`,
      at: sql`created_at`,
      values: sql`sum(input_tokens + output_tokens) AS v1, sum(round(cost_usd * 1000000)) AS v2`,
      rows: sql`${S}.token_usage WHERE id > ${t0} AND id <= ${t1}`,
    },
  ];
  for (const c of counted) {
    await tx.execute(sql`
      WITH b AS MATERIALIZED (
        SELECT ${c.dim} AS dim, ${bucketOf(c.at)} AS bucket, count(*) AS n, ${c.values} FROM ${c.rows} GROUP BY 1, 2
      ), buckets AS (
        INSERT INTO crm_rollup_buckets (metric, dim, bucket, n, v1, v2)
        SELECT ${c.metric}, dim, bucket, n, v1, v2 FROM b ORDER BY dim, bucket
        ON CONFLICT (metric, dim, bucket) DO UPDATE SET n = crm_rollup_buckets.n + excluded.n,
          v1 = crm_rollup_buckets.v1 + excluded.v1, v2 = crm_rollup_buckets.v2 + excluded.v2
      )
      INSERT INTO crm_rollup_days (metric, dim, day, n, v1, v2)
      SELECT ${c.metric}, dim, ${day(sql`bucket`)}, sum(n), sum(v1), sum(v2) FROM b GROUP BY 2, 3 ORDER BY 3, 2
      ON CONFLICT (metric, day, dim) DO UPDATE SET n = crm_rollup_days.n + excluded.n, v1 = crm_rollup_days.v1 + excluded.v1,
        v2 = crm_rollup_days.v2 + excluded.v2`);
  }

  // AI usage per user: per UTC day, per 7-day block (week = day ÷ 7) and lifetime (the users list), from one
  // grouped read of the batch's token rows.
  await tx.execute(sql`
    WITH ud AS MATERIALIZED (
      SELECT ${day(sql`created_at`)} AS day, user_id, sum(input_tokens + output_tokens) AS tokens, sum(round(cost_usd * 1000000)) AS micros
      FROM ${S}.token_usage WHERE id > ${t0} AND id <= ${t1} GROUP BY 1, 2
    ), days AS (
      INSERT INTO crm_rollup_user_day_tokens (day, user_id, tokens, cost_micros)
      SELECT day, user_id, tokens, micros FROM ud ORDER BY day, user_id
      ON CONFLICT (day, user_id) DO UPDATE SET tokens = crm_rollup_user_day_tokens.tokens + excluded.tokens,
        cost_micros = crm_rollup_user_day_tokens.cost_micros + excluded.cost_micros
    ), weeks AS (
      INSERT INTO crm_rollup_user_week_tokens (week, user_id, tokens, cost_micros)
      SELECT floor(day / 7.0)::int, user_id, sum(tokens), sum(micros) FROM ud GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (week, user_id) DO UPDATE SET tokens = crm_rollup_user_week_tokens.tokens + excluded.tokens,
        cost_micros = crm_rollup_user_week_tokens.cost_micros + excluded.cost_micros
    )
    INSERT INTO crm_user_stats (user_id, ai_tokens, ai_cost_micros)
    SELECT user_id, sum(tokens), sum(micros) FROM ud GROUP BY 1 ORDER BY 1
    ON CONFLICT (user_id) DO UPDATE SET ai_tokens = crm_user_stats.ai_tokens + excluded.ai_tokens,
      ai_cost_micros = crm_user_stats.ai_cost_micros + excluded.ai_cost_micros`);

  const rows = s1 - s0 + (e1 - e0) + (t1 - t0);
  // A new version when rows were rolled up or users numbered: what reads computed from the rollups alone no longer holds.
  // (A signup date's numbers kept from before a numbering are fewer than its signups, so that date is read by its
  // user-days, still exact: the new version only brings it back to the fast path.)
  const changed = rows > 0 || Number(newNumbers?.n ?? 0) > 0;
  const [saved] = await executeRows<{ version: string }>(
    tx,
    sql`
    INSERT INTO crm_rollup_state (id, sessions_until_id, events_until_id, tokens_until_id, refreshed_at, bits_stale_from_day)
    VALUES ('main', ${s1}, ${e1}, ${t1}, now(), ${bitsStaleFromDay})
    ON CONFLICT (id) DO UPDATE SET sessions_until_id = excluded.sessions_until_id,
      events_until_id = excluded.events_until_id, tokens_until_id = excluded.tokens_until_id, refreshed_at = now(),
      bits_stale_from_day = excluded.bits_stale_from_day,
      version = CASE WHEN ${changed} THEN gen_random_uuid() ELSE crm_rollup_state.version END
    RETURNING version`,
  );
  const next: TRollupState = {
    sessionsUntilId: s1,
    eventsUntilId: e1,
    tokensUntilId: t1,
    refreshedAt: new Date(),
    bitsStaleFromDay,
    version: saved?.version ?? null,
    userDayIndex: state.userDayIndex,
  };
  // Every table's largest id reached means nothing is left behind.
  const reached = (until: number, max: string | null | undefined) => !max || until >= num(max);
  const caughtUp = reached(s1, maxIds?.s) && reached(e1, maxIds?.e) && reached(t1, maxIds?.t);
  return { rows, caughtUp, state: next };
}

/**
 * Runs batches until caught up or `maxBatches` ran (the caller schedules the rest). The first batch takes
 * `batchSize` rows of each table (250k by default); while batches come back full, a catch-up grows them up to
 * CATCH_UP_BATCH (`grow`, the default when no batch size is given) and leaves the day bit strings to be built
 * once it is caught up.
 */
export async function refreshAnalyticsRollups({
  ctx,
  input: opts = {},
}: TServiceArgs<
  { batchSize?: number; maxBatches?: number; grow?: boolean; rebuildIndexFrom?: number; userStats?: TUserStatsMode } | undefined
>): Promise<TRefreshResult> {
  const { db } = ctx;
  const first = opts.batchSize ?? 250_000;
  const grows = opts.grow ?? opts.batchSize === undefined;
  const maxBatches = opts.maxBatches ?? 1_000;
  let rows = 0;
  let batchSize = first;
  if (grows) await dropIndexForCatchUp(db, opts.rebuildIndexFrom ?? REBUILD_INDEX_FROM);
  // The users list's stats: in full when due or asked for (an admin's refresh), else only new signups' rows.
  const userStats = () => syncUserStats(db, { mode: opts.userStats ?? "due", everyMinutes: env().USER_STATS_REFRESH_MINUTES });
  for (let i = 0; i < maxBatches; i++) {
    const size = batchSize;
    const result = await db.transaction(async (tx) => {
      const [lock] = await executeRows<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${LOCK}) AS ok`);
      if (!lock?.ok) return null;
      // A catch-up batch sorts and groups millions of rows: give it the memory to do so without spilling.
      if (size > first) await tx.execute(sql`SET LOCAL work_mem = '256MB'`);
      return refreshBatch(tx, size, size > first);
    });
    if (!result) return { caughtUp: false, rows, state: await readRollupState(db), skipped: "locked" };
    rows += result.rows;
    // Far behind (a full batch): take bigger bites, up to CATCH_UP_BATCH rows of each table.
    if (grows) batchSize = Math.min(batchSize * 4, Math.max(first, CATCH_UP_BATCH));
    if (result.caughtUp) {
      const built = (result.state.bitsStaleFromDay === null || (await buildStaleDayBits(db))) && (await buildIndexAfterCatchUp(db));
      const { full } = await userStats();
      await analyzeAfterBigCatchUp(db, rows);
      const state = await readRollupState(db);
      return built
        ? { caughtUp: true, rows, state, userStatsFull: full }
        : { caughtUp: false, rows, state, skipped: "locked", userStatsFull: full };
    }
  }
  const { full } = await userStats();
  await analyzeAfterBigCatchUp(db, rows);
  return { caughtUp: false, rows, state: await readRollupState(db), userStatsFull: full };
}

/**
 * Before a catch-up far enough behind (`from` token rows or more, and more than the per-user-day table holds: its
 * first run, or after a crash emptied it), drops USER_DAY_INDEX, in a transaction of its own under the refresh's
 * lock. A read holding the table makes it give up after a moment and keep the index.
 */
async function dropIndexForCatchUp(db: DbOrTx, from: number) {
  const S = srcSchema();
  try {
    await db.transaction(async (tx) => {
      const [lock] = await executeRows<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${LOCK}) AS ok`);
      if (!lock?.ok) return;
      const [row] = await executeRows<{ behind: string | null; held: number | null; present: boolean }>(
        tx,
        sql`SELECT (SELECT max(id) FROM ${S}.token_usage) - coalesce((SELECT tokens_until_id FROM crm_rollup_state WHERE id = 'main'), 0) AS behind,
                   (SELECT reltuples FROM pg_class WHERE oid = to_regclass(${USER_DAY_INDEX.table})) AS held,
                   to_regclass(${USER_DAY_INDEX.name}) IS NOT NULL AS present`,
      );
      const behind = num(row?.behind ?? 0);
      if (!row?.present || behind < from || behind <= Math.max(0, Number(row.held ?? 0))) return;
      await tx.execute(sql`SET LOCAL lock_timeout = '2s'`);
      await tx.execute(sql.raw(`DROP INDEX IF EXISTS ${USER_DAY_INDEX.name}`));
    });
  } catch (error) {
    // Kept (a read held the table): the catch-up writes it as it goes, slower but the same.
    if (!isLockTimeout(error)) throw error;
  }
}

/** Postgres' lock_not_available (55P03), through the driver's and Drizzle's wrappers. */
function isLockTimeout(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++)
    if (e.code === "55P03") return true;
  return false;
}

/** Builds the index a catch-up dropped (present: nothing to do). False when another runner holds the lock. */
function buildIndexAfterCatchUp(db: DbOrTx): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [lock] = await executeRows<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${LOCK}) AS ok`);
    if (!lock?.ok) return false;
    const [row] = await executeRows<{ present: boolean }>(tx, sql`SELECT to_regclass(${USER_DAY_INDEX.name}) IS NOT NULL AS present`);
    if (!row?.present) {
      await tx.execute(sql`SET LOCAL maintenance_work_mem = '256MB'`);
      await tx.execute(USER_DAY_INDEX.create);
    }
    return true;
  });
}

/** UTC days of bit strings built per transaction once a catch-up is done. */
const BUILD_DAYS = 31;

/**
 * Builds the day bit strings a catch-up left stale, from the user-days: a slice of days per transaction
 * (under the refresh's lock), moving the stale mark past it, so reads use the strings of every day built so far.
 * False when another runner holds the lock (it builds the rest).
 */
async function buildStaleDayBits(db: DbOrTx): Promise<boolean> {
  for (;;) {
    const done = await db.transaction(async (tx) => {
      const [lock] = await executeRows<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(${LOCK}) AS ok`);
      if (!lock?.ok) return null;
      const from = (await readRollupState(tx)).bitsStaleFromDay;
      if (from === null) return true;
      await tx.execute(sql`SET LOCAL work_mem = '256MB'`);
      const to = from + BUILD_DAYS;
      await tx.execute(sql`DELETE FROM crm_rollup_day_bits WHERE day >= ${from} AND day < ${to}`);
      await tx.execute(sql`
        WITH src AS (SELECT day, num, first_slot, last_slot FROM crm_rollup_user_days WHERE day >= ${from} AND day < ${to}),
        ${dayBitsFrom(sql`src`)}`);
      // The next day with activity, if any: the user-days are never removed, so later strings exist only there.
      await tx.execute(sql`
        UPDATE crm_rollup_state SET bits_stale_from_day = (SELECT min(day) FROM crm_rollup_user_days WHERE day >= ${to}),
          version = gen_random_uuid()
        WHERE id = 'main'`);
      return false;
    });
    if (done === null) return false;
    if (done) return true;
  }
}

/**
 * A large catch-up rewrites the same rows batch after batch: reclaim the dead
 * versions and refresh the planner's statistics now rather than whenever
 * autovacuum comes by. VACUUM runs outside a transaction: inside a caller's
 * (`rows` counts ids, and ids the main app rolled back are spent, so a few
 * new rows can pass the mark) it is left to autovacuum.
 */
async function analyzeAfterBigCatchUp(db: DbOrTx, rows: number) {
  if (rows < 100_000 || "rollback" in db) return;
  for (const table of DERIVED_TABLES) await db.execute(sql.raw(`VACUUM (ANALYZE) ${table}`));
}
