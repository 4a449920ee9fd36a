import { type SQL, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { iso, num, srcSchema } from "@/server/db/source";
import { readRollupState, type TRollupState } from "./rollups/refresh-analytics-rollups";
import type { AnalyticsSource, TWindow } from "./source";

/**
 * The fast AnalyticsSource: rollups for everything up to the watermark, plus
 * a live read of the rows after it (the tail), so answers are exact and
 * current even if the refresh job has not run. Windows are cut into an
 * aligned core (whole 15-minute buckets / UTC days, from the rollups) and
 * unaligned fragments (read live; only the "last 5 minutes" window has them).
 */

const Q = 900_000; // 15 minutes
const D = 86_400_000;
const ceilTo = (d: Date, step: number) => new Date(Math.ceil(d.getTime() / step) * step);
const floorTo = (d: Date, step: number) => new Date(Math.floor(d.getTime() / step) * step);
const ts = (d: Date) => sql`${iso(d)}::timestamptz`;

function split(w: TWindow) {
  const core = { from: ceilTo(w.from, Q), to: floorTo(w.to, Q) };
  if (core.from >= core.to) return { core: null, fragments: [w] };
  const fragments = [
    { from: w.from, to: core.from },
    { from: core.to, to: w.to },
  ].filter((f) => f.from < f.to);
  return { core, fragments };
}

/**
 * "This user was active in the window", for windows on 15-minute boundaries:
 * decided by the UTC days when a whole day inside the window was active, or
 * no day touching it was; otherwise by the 15-minute slots, looked up by
 * primary key for just those rows (OFFSET 0 keeps the planner from turning
 * the lookup into a scan of every user's slots). `u` has user_id and active_days.
 */
function activeInBounds(u: SQL, b: { cover: SQL; inner: SQL; slots: SQL }): SQL {
  return sql`(CASE WHEN NOT (${u}.active_days && ${b.cover}) THEN false WHEN ${u}.active_days && ${b.inner} THEN true
               ELSE EXISTS (SELECT 1 FROM crm_rollup_user_slots us WHERE us.user_id = ${u}.user_id AND us.active_slots && ${b.slots} OFFSET 0) END)`;
}

/** The same test for a window known up front: its bounds computed here, passed as integers. */
function activeInFixedWindow(u: SQL, w: TWindow): SQL {
  const a = w.from.getTime();
  const z = w.to.getTime();
  const inner0 = Math.ceil(a / D);
  return activeInBounds(u, {
    cover: sql`int4range(${Math.floor(a / D)}::int, ${Math.ceil(z / D)}::int)`,
    inner: sql`int4range(${inner0}::int, ${Math.max(inner0, Math.floor(z / D))}::int)`,
    slots: sql`int4range(${a / Q}::int, ${z / Q}::int)`,
  });
}

export async function rollupSource(db: DbOrTx, given?: TRollupState): Promise<AnalyticsSource> {
  const state = given ?? (await readRollupState(db));
  const S = srcSchema();
  const { sessionsUntilId: swm, eventsUntilId: ewm, tokensUntilId: twm } = state;

  const inWin = (col: SQL, w: TWindow) => sql`${col} >= ${ts(w.from)} AND ${col} < ${ts(w.to)}`;
  /** Raw activity rows (user_id, at) after the watermark in the core, and of every id in the fragments. */
  const extraActivity = (w: TWindow) => {
    const { core, fragments } = split(w);
    const parts: SQL[] = [];
    if (core) {
      parts.push(sql`SELECT user_id, started_at AS at FROM ${S}.sessions WHERE id > ${swm} AND ${inWin(sql`started_at`, core)}`);
      parts.push(sql`SELECT user_id, occurred_at FROM ${S}.events WHERE id > ${ewm} AND ${inWin(sql`occurred_at`, core)}`);
    }
    for (const f of fragments) {
      parts.push(sql`SELECT user_id, started_at FROM ${S}.sessions WHERE ${inWin(sql`started_at`, f)}`);
      parts.push(sql`SELECT user_id, occurred_at FROM ${S}.events WHERE ${inWin(sql`occurred_at`, f)}`);
    }
    return { core, union: sql.join(parts, sql` UNION ALL `) };
  };
  const tailActivity = sql`SELECT user_id, started_at AS at FROM ${S}.sessions WHERE id > ${swm}
                           UNION ALL SELECT user_id, occurred_at FROM ${S}.events WHERE id > ${ewm}`;
  /** Each user's activity after the watermark, as 15-minute slots: joined by user, never scanned per row. */
  const tailSlots = sql`SELECT user_id, range_agg(int4range(floor(date_part('epoch', at) / 900)::int, floor(date_part('epoch', at) / 900)::int + 1)) AS slots
                        FROM (${tailActivity}) t GROUP BY user_id`;
  /** Users who signed up in a window, with their rolled-up activity (none yet: empty). */
  const usersIn = (w: TWindow) => sql`
    SELECT x.id AS user_id, x.created_at AS signup_at, coalesce(r.active_days, '{}') AS active_days,
           coalesce(r.early_slots, '{}') AS early_slots
    FROM ${S}.users x LEFT JOIN crm_rollup_users r ON r.user_id = x.id WHERE ${inWin(sql`x.created_at`, w)}`;
  /** Signups in [from, to) (from null: since the beginning), by app.users' created_at index. */
  const countUsers = async (from: Date | null, to: Date) => {
    const cond = from ? sql`created_at >= ${ts(from)} AND created_at < ${ts(to)}` : sql`created_at < ${ts(to)}`;
    const [row] = await executeRows<{ n: string }>(db, sql`SELECT count(*) AS n FROM ${S}.users WHERE ${cond}`);
    return num(row?.n);
  };

  /** Sums of a bucket metric per dim over a window: rollup core + tail + fragments. */
  const bucketTotals = async (metric: "session" | "event" | "tokens", w: TWindow, groupByDay?: string, onlyDim?: string) => {
    const { core, fragments } = split(w);
    const key = (col: SQL) => (groupByDay ? sql`to_char(${col} AT TIME ZONE ${groupByDay}, 'YYYY-MM-DD')` : sql`''`);
    const raw = (range: TWindow, tail: boolean) => {
      const ids = (wm: number) => (tail ? sql`id > ${wm} AND ` : sql``);
      if (metric === "session")
        return sql`SELECT ${key(sql`started_at`)} AS k, '' AS dim, count(*) AS n, 0 AS v1, 0 AS v2 FROM ${S}.sessions
                   WHERE ${ids(swm)} ${inWin(sql`started_at`, range)} GROUP BY 1`;
      if (metric === "event")
        return sql`SELECT ${key(sql`occurred_at`)} AS k, name AS dim, count(*) AS n, 0 AS v1, 0 AS v2 FROM ${S}.events
                   WHERE ${ids(ewm)} ${onlyDim ? sql`name = ${onlyDim} AND ` : sql``} ${inWin(sql`occurred_at`, range)} GROUP BY 1, 2`;
      return sql`SELECT ${key(sql`created_at`)} AS k, model AS dim, count(*) AS n, sum(input_tokens + output_tokens) AS v1,
                 sum(round(cost_usd * 1000000)) AS v2
                 FROM ${S}.token_usage WHERE ${ids(twm)} ${inWin(sql`created_at`, range)} GROUP BY 1, 2`;
    };
    const parts: SQL[] = [];
    if (core) {
      const dimFilter = onlyDim ? sql`AND dim = ${onlyDim}` : sql``;
      // float8 sums of integers are exact below 2^53 and much faster than numeric ones.
      const fromBuckets = (range: TWindow) =>
        sql`SELECT ${key(sql`bucket`)} AS k, dim, sum(n::float8) AS n, sum(v1::float8) AS v1, sum(v2::float8) AS v2 FROM crm_rollup_buckets
            WHERE metric = ${metric} ${dimFilter} AND ${inWin(sql`bucket`, range)} GROUP BY 1, 2`;
      const d0 = Math.ceil(core.from.getTime() / D);
      const d1 = Math.floor(core.to.getTime() / D);
      if (!groupByDay && d0 < d1) {
        // Whole UTC days from the day rows, the partial days at either end from the buckets.
        parts.push(sql`SELECT '' AS k, dim, sum(n::float8) AS n, sum(v1::float8) AS v1, sum(v2::float8) AS v2 FROM crm_rollup_days
                       WHERE metric = ${metric} ${dimFilter} AND day >= ${d0} AND day < ${d1} GROUP BY 1, 2`);
        if (core.from.getTime() < d0 * D) parts.push(fromBuckets({ from: core.from, to: new Date(d0 * D) }));
        if (d1 * D < core.to.getTime()) parts.push(fromBuckets({ from: new Date(d1 * D), to: core.to }));
      } else {
        parts.push(fromBuckets(core));
      }
      parts.push(raw(core, true));
    }
    for (const f of fragments) parts.push(raw(f, false));
    return executeRows<{ k: string; dim: string; n: string; v1: string; v2: string }>(
      db,
      sql`SELECT k, dim, sum(n) AS n, sum(v1) AS v1, sum(v2) AS v2 FROM (${sql.join(parts, sql` UNION ALL `)}) x GROUP BY k, dim`,
    );
  };

  return {
    totalUsersBefore: (at) => countUsers(null, at),
    newUsers: (w) => countUsers(w.from, w.to),

    async activeUsers(w) {
      const { core, union } = extraActivity(w);
      const pred = core ? activeInFixedWindow(sql`u`, core) : sql`false`;
      const [row] = await executeRows<{ n: string }>(
        db,
        sql`WITH extra AS (SELECT DISTINCT user_id FROM (${union}) x)
            SELECT (SELECT count(*) FROM crm_rollup_users u WHERE ${pred})
                 + (SELECT count(*) FROM extra e WHERE NOT EXISTS (SELECT 1 FROM crm_rollup_users u WHERE u.user_id = e.user_id AND ${pred})) AS n`,
      );
      return num(row?.n);
    },

    async retention(w, ns, tz, now) {
      // Users who signed up on the same local date share their day-N windows: compute the
      // windows (as 15-minute slot numbers) once per date, then test each user's first-32-days
      // slots and their activity after the watermark against them.
      const bounds = ns.map(
        (n, i) => sql`(date_part('epoch', (d0 + ${n}::int)::timestamp AT TIME ZONE ${tz}) / 900)::int AS ${sql.raw(`a${i}`)},
                      (date_part('epoch', (d0 + ${n + 1}::int)::timestamp AT TIME ZONE ${tz}) / 900)::int AS ${sql.raw(`b${i}`)}`,
      );
      const nowSlot = now.getTime() / Q;
      const cols = ns.map((_n, i) => {
        const [a, b] = [sql.raw(`d.a${i}`), sql.raw(`d.b${i}`)];
        return sql`count(*) FILTER (WHERE ${b} <= ${nowSlot}::float8) AS ${sql.raw(`e${i}`)},
          count(*) FILTER (WHERE ${b} <= ${nowSlot}::float8 AND (c.early_slots && int4range(${a}, ${b})
            OR coalesce(c.tail_slots && int4range(${a}, ${b}), false))) AS ${sql.raw(`r${i}`)}`;
      });
      const [row] = await executeRows<Record<string, string>>(
        db,
        sql`WITH tail_slots AS (${tailSlots}),
            c AS MATERIALIZED (
              SELECT u.early_slots, (u.signup_at AT TIME ZONE ${tz})::date AS d0, t.slots AS tail_slots
              FROM (${usersIn(w)}) u LEFT JOIN tail_slots t ON t.user_id = u.user_id
            ),
            d AS MATERIALIZED (SELECT d0, ${sql.join(bounds, sql`, `)} FROM (SELECT DISTINCT d0 FROM c) x)
            SELECT ${sql.join(cols, sql`, `)} FROM c JOIN d ON d.d0 = c.d0`,
      );
      return ns.map((_, i) => ({ eligible: num(row?.[`e${i}`]), retained: num(row?.[`r${i}`]) }));
    },

    async eventCounts(w) {
      const rows = await bucketTotals("event", w);
      return new Map(rows.map((r) => [r.dim, num(r.n)]));
    },

    async sessionsStarted(w) {
      const rows = await bucketTotals("session", w);
      return rows.reduce((s, r) => s + num(r.n), 0);
    },

    async dailyEventCounts(w, name, tz) {
      const rows = await bucketTotals("event", w, tz, name);
      return new Map(rows.filter((r) => r.dim === name).map((r) => [r.k, num(r.n)]));
    },

    async intensive(w) {
      const [row] = await executeRows<{ started: string; completed: string; hours: string | null }>(
        db,
        sql`WITH tail AS (
              SELECT user_id, min(occurred_at) FILTER (WHERE name = 'intensive.started') AS started,
                     coalesce(array_agg(occurred_at) FILTER (WHERE name = 'intensive.completed'), '{}') AS completions
              FROM ${S}.events WHERE id > ${ewm} AND name IN ('intensive.started', 'intensive.completed') GROUP BY user_id
            ), merged AS (
              SELECT coalesce(r.user_id, t.user_id) AS user_id,
                     CASE WHEN r.intensive_started_at IS NULL THEN t.started WHEN t.started IS NULL THEN r.intensive_started_at
                          ELSE least(r.intensive_started_at, t.started) END AS started_at,
                     coalesce(r.intensive_completions, '{}') || coalesce(t.completions, '{}') AS completions
              FROM (SELECT * FROM crm_rollup_users WHERE intensive_started_at IS NOT NULL OR cardinality(intensive_completions) > 0) r
              FULL JOIN tail t ON t.user_id = r.user_id
            ), flow AS (
              SELECT started_at, (SELECT min(c) FROM unnest(completions) c WHERE c >= started_at) AS completed_at
              FROM merged WHERE ${inWin(sql`started_at`, w)}
            )
            SELECT count(*) AS started, count(completed_at) AS completed,
                   sum(EXTRACT(EPOCH FROM (completed_at - started_at)) / 3600.0) AS hours FROM flow`,
      );
      return { started: num(row?.started), completed: num(row?.completed), totalHours: num(row?.hours) };
    },

    async tokens(w) {
      const rows = await bucketTotals("tokens", w);
      return rows.map((r) => ({ model: r.dim, tokens: num(r.v1), costUsd: num(r.v2) / 1e6, calls: num(r.n) }));
    },

    async topUsersByCost(w, limit) {
      const dLo = Math.ceil(w.from.getTime() / D);
      const dHi = Math.floor(w.to.getTime() / D);
      const parts: SQL[] = [
        sql`SELECT user_id, input_tokens + output_tokens AS tokens, round(cost_usd * 1000000)::bigint AS micros FROM ${S}.token_usage WHERE id > ${twm} AND ${inWin(sql`created_at`, w)}`,
      ];
      const rawOld = (f: TWindow) =>
        sql`SELECT user_id, input_tokens + output_tokens, round(cost_usd * 1000000)::bigint FROM ${S}.token_usage WHERE id <= ${twm} AND ${inWin(sql`created_at`, f)}`;
      if (dLo < dHi) {
        parts.push(sql`SELECT user_id, tokens, cost_micros FROM crm_rollup_user_day_tokens WHERE day >= ${dLo} AND day < ${dHi}`);
        const inner = { from: new Date(dLo * D), to: new Date(dHi * D) };
        if (w.from < inner.from) parts.push(rawOld({ from: w.from, to: inner.from }));
        if (inner.to < w.to) parts.push(rawOld({ from: inner.to, to: w.to }));
      } else {
        parts.push(rawOld(w));
      }
      const rows = await executeRows<{ user_id: string; name: string | null; email: string; tokens: string; cost: string }>(
        db,
        sql`SELECT t.user_id, u.name, u.email, t.tokens, t.cost FROM (
              SELECT user_id, sum(tokens::float8) AS tokens, sum(micros::float8) AS cost FROM (${sql.join(parts, sql` UNION ALL `)}) x
              GROUP BY user_id ORDER BY cost DESC, tokens DESC, user_id LIMIT ${limit}
            ) t JOIN ${S}.users u ON u.id = t.user_id ORDER BY t.cost DESC, t.tokens DESC, t.user_id`,
      );
      return rows.map((r) => ({ userId: r.user_id, name: r.name, email: r.email, tokens: num(r.tokens), costUsd: num(r.cost) / 1e6 }));
    },

    async dailyTokens(w, tz) {
      const rows = await bucketTotals("tokens", w, tz);
      const out = new Map<string, { tokens: number; costUsd: number }>();
      for (const r of rows) {
        const cur = out.get(r.k) ?? { tokens: 0, costUsd: 0 };
        out.set(r.k, { tokens: cur.tokens + num(r.v1), costUsd: cur.costUsd + num(r.v2) / 1e6 });
      }
      return out;
    },

    // Payments change after they are written (refunds): read live, by paid_at (indexed, small).
    async revenue(w) {
      const [row] = await executeRows<{ n: string }>(
        db,
        sql`SELECT coalesce(sum(amount), 0) AS n FROM ${S}.payments WHERE status = 'succeeded' AND ${inWin(sql`paid_at`, w)}`,
      );
      return num(row?.n);
    },
    async revenueByPlan(w) {
      const rows = await executeRows<{ plan: string | null; n: string }>(
        db,
        sql`SELECT plan, sum(amount) AS n FROM ${S}.payments WHERE status = 'succeeded' AND ${inWin(sql`paid_at`, w)} GROUP BY plan`,
      );
      return new Map(rows.map((r) => [r.plan ?? "(none)", num(r.n)]));
    },
    async dailyRevenue(w, tz) {
      const rows = await executeRows<{ d: string; n: string }>(
        db,
        sql`SELECT to_char(paid_at AT TIME ZONE ${tz}, 'YYYY-MM-DD') AS d, sum(amount) AS n FROM ${S}.payments
            WHERE status = 'succeeded' AND ${inWin(sql`paid_at`, w)} GROUP BY 1`,
      );
      return new Map(rows.map((r) => [r.d, num(r.n)]));
    },

    async cohortActivity(cohort, windows) {
      const cols = windows.map((w, k) => {
        const { core, fragments } = split(w);
        // Cohort periods start and end at local midnights, always on 15-minute boundaries.
        if (!core || fragments.length) throw new Error("Cohort periods must start and end on 15-minute boundaries");
        const slots = sql`int4range(${core.from.getTime() / Q}::int, ${core.to.getTime() / Q}::int)`;
        return sql`count(*) FILTER (WHERE ${activeInFixedWindow(sql`c`, core)} OR coalesce(c.tail_slots && ${slots}, false)) AS ${sql.raw(`a${k}`)}`;
      });
      const rows = await executeRows<Record<string, string>>(
        db,
        sql`WITH tail_slots AS (${tailSlots}),
            c AS (SELECT u.user_id, u.active_days, t.slots AS tail_slots FROM (${usersIn(cohort)}) u LEFT JOIN tail_slots t ON t.user_id = u.user_id)
            SELECT count(*) AS size ${cols.length ? sql`, ${sql.join(cols, sql`, `)}` : sql``} FROM c`,
      );
      const row = rows[0] ?? {};
      return { size: num(row.size), active: windows.map((_, k) => num(row[`a${k}`])) };
    },
  };
}
