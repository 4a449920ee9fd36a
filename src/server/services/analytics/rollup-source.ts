import { type SQL, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { iso, num, srcSchema } from "@/server/db/source";
import {
  keptCustomerChurn,
  keptMonthlyRecurringRevenue,
  keptRevenue,
  keptRevenueBreakdown,
  keptSignupsByDate,
  keptUsersIn,
} from "./kept-source";
import { bitsOf, hexStrings, readRollupState, type TRollupState } from "./rollups/refresh-analytics-rollups";
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
 * A window on 15-minute boundaries, cut at UTC midnights: the whole days
 * [d0, d1) (from the day bit strings), a suffix of the day before d0 from slot
 * `from` and a prefix of day d1 up to slot `to` (from each user-day's first and
 * last slot). A window strictly inside one day (shorter than a day) is left
 * to the raw rows: first and last slot cannot decide it.
 */
type TCut = { d0: number; d1: number; suffix: { day: number; from: number } | null; prefix: { day: number; to: number } | null };
function cutByDay(core: TWindow): { cut: TCut | null; middle: TWindow | null } {
  const a = core.from.getTime() / Q;
  const z = core.to.getTime() / Q;
  const dA = Math.floor(a / 96);
  const dZ = Math.floor(z / 96);
  const sa = a - dA * 96;
  const sz = z - dZ * 96;
  if (dA === dZ && sa > 0) return { cut: null, middle: core };
  return {
    cut: {
      d0: sa === 0 ? dA : dA + 1,
      d1: Math.max(dZ, sa === 0 ? dA : dA + 1),
      suffix: sa === 0 ? null : { day: dA, from: sa },
      prefix: sz === 0 ? null : { day: dZ, to: sz },
    },
    middle: null,
  };
}

/**
 * Who was active in a cut, per chunk of 8192 user numbers (optionally only chunks lo..hi, given as SQL): the OR of
 * the whole days' bit strings, the suffix day's users whose last slot is at or after the cut's start and the
 * prefix day's users whose first slot is before its end (from the bit-sliced slots, crm_slot_lt). Days from
 * `stale` on (a catch-up has not built their strings yet) are read from the user-days and made into strings here.
 */
function windowBits(cut: TCut | null, stale: number | null, chunks?: { lo: SQL; hi: SQL }): SQL {
  const range = chunks ? sql` AND chunk >= ${chunks.lo} AND chunk <= ${chunks.hi}` : sql``;
  const built = (d: number) => stale === null || d < stale;
  const parts: SQL[] = [];
  const fromUserDays: SQL[] = [];
  if (cut && cut.d0 < cut.d1) {
    const split = stale === null ? cut.d1 : Math.max(cut.d0, Math.min(cut.d1, stale));
    if (cut.d0 < split)
      parts.push(sql`SELECT chunk, bits AS b FROM crm_rollup_day_bits WHERE day >= ${cut.d0}::int AND day < ${split}::int${range}`);
    if (split < cut.d1) fromUserDays.push(sql`(day >= ${split}::int AND day < ${cut.d1}::int)`);
  }
  if (cut?.suffix) {
    if (built(cut.suffix.day))
      parts.push(
        sql`SELECT chunk, bits & ~crm_slot_lt(last_planes, bits, ${cut.suffix.from}::int) AS b FROM crm_rollup_day_bits WHERE day = ${cut.suffix.day}::int${range}`,
      );
    else fromUserDays.push(sql`(day = ${cut.suffix.day}::int AND last_slot >= ${cut.suffix.from}::int)`);
  }
  if (cut?.prefix) {
    if (built(cut.prefix.day))
      parts.push(
        sql`SELECT chunk, crm_slot_lt(first_planes, bits, ${cut.prefix.to}::int) AS b FROM crm_rollup_day_bits WHERE day = ${cut.prefix.day}::int${range}`,
      );
    else fromUserDays.push(sql`(day = ${cut.prefix.day}::int AND first_slot < ${cut.prefix.to}::int)`);
  }
  if (fromUserDays.length) {
    const nums = chunks ? sql` AND num >= (${chunks.lo}) * 8192 AND num < ((${chunks.hi}) + 1) * 8192` : sql``;
    const members = sql`(SELECT num FROM crm_rollup_user_days WHERE (${sql.join(fromUserDays, sql` OR `)})${nums}) d`;
    parts.push(sql`SELECT chunk, ${bitsOf("m")} AS b FROM (${hexStrings(members, [])}) h`);
  }
  if (!parts.length) return sql`SELECT 0 AS chunk, NULL::varbit AS b WHERE false`;
  return sql`SELECT chunk, bit_or(b) AS b FROM (${sql.join(parts, sql` UNION ALL `)}) x GROUP BY chunk`;
}

/** The bits of user numbers lo..hi set in chunk `chunk`'s string `b` (0 when no string). */
const bitsInRange = (b: SQL, chunk: SQL, lo: SQL, hi: SQL) => {
  const start = sql`greatest(${lo} - ${chunk} * 8192, 0)`;
  return sql`coalesce(bit_count(substring(${b} from ${start} + 1 for least(${hi} - ${chunk} * 8192, 8191) - ${start} + 1)), 0)`;
};

/** How deep the top-users search looks into each week's most expensive users before it reads every user-day. */
const TOP_USER_DEPTHS = [600, 2400, 9600];

/**
 * Top lists by AI cost found earlier, per database handle and window (a dashboard asks for the same few
 * windows again and again): the users, beyond the `limit` asked for by TOP_CACHE_MARGIN, and a bound on
 * everyone else's total at that watermark. Reused while fewer than TOP_CACHE_MAX_ROWS_SINCE token rows have
 * been rolled up since, for TOP_CACHE_MAX_AGE_MS at most; a later answer is still checked against the bound.
 */
type TTopList = { twm: number; at: number; users: string[]; bound: number };
const TOP_CACHE = new WeakMap<object, Map<string, TTopList>>();
const TOP_CACHE_MARGIN = 10;
const TOP_CACHE_ENTRIES = 32;
const TOP_CACHE_MAX_ROWS_SINCE = 50_000;
const TOP_CACHE_MAX_AGE_MS = 15 * 60_000;
function topUsersCache(db: DbOrTx): Map<string, TTopList> {
  let cache = TOP_CACHE.get(db);
  if (!cache) {
    cache = new Map();
    TOP_CACHE.set(db, cache);
  }
  return cache;
}

/**
 * What reads computed from the rollups alone (no live row, no tail), per database handle, under the rollups'
 * version (crm_rollup_state.version, a new value in every transaction that changes them): a dashboard asks for
 * the same windows again and again between two refreshes, and only its live parts need reading again. A value
 * is kept only when its statement saw the version it is kept under (the statement reads the version itself).
 * Bounded by size: MEMO_BYTES per handle (the strings of a window over 1M users are about 128 KB).
 */
type TMemo = { version: string; values: Map<string, { value: unknown; bytes: number }>; bytes: number };
const MEMO = new WeakMap<object, TMemo>();
const MEMO_BYTES = 32 * 1024 * 1024;
/** The version a statement saw: read in the statement itself, so it names the snapshot its rollups came from. */
const versionSeen = sql`(SELECT version::text FROM crm_rollup_state WHERE id = 'main')`;

/**
 * The values of `keys`: those kept under `version`, the others from `compute` (given the missing keys, it
 * returns their values, their sizes and the version its statement saw).
 */
async function rememberedMany<T>(
  db: DbOrTx,
  version: string | null,
  keys: string[],
  compute: (missing: string[]) => Promise<{ values: Map<string, { value: T; bytes: number }>; version: string | null }>,
): Promise<T[]> {
  let memo = MEMO.get(db);
  const kept = memo && version !== null && memo.version === version ? memo.values : null;
  const missing = [...new Set(keys.filter((k) => !kept?.has(k)))];
  const found = missing.length ? await compute(missing) : { values: new Map<string, { value: T; bytes: number }>(), version };
  if (version !== null && found.version === version && missing.length) {
    if (!memo || memo.version !== version) {
      memo = { version, values: new Map(), bytes: 0 };
      MEMO.set(db, memo);
    }
    for (const [k, v] of found.values) {
      memo.values.set(k, v);
      memo.bytes += v.bytes;
    }
    for (const [k, v] of memo.values) {
      if (memo.bytes <= MEMO_BYTES) break;
      memo.values.delete(k);
      memo.bytes -= v.bytes;
    }
  }
  return keys.map((k) => {
    const v = found.values.get(k) ?? kept?.get(k);
    if (!v) throw new Error(`analytics: no value for ${k}`);
    return v.value as T;
  });
}

const remembered = async <T>(
  db: DbOrTx,
  version: string | null,
  key: string,
  compute: () => Promise<{ value: T; bytes: number; version: string | null }>,
): Promise<T> => {
  const [value] = await rememberedMany<T>(db, version, [key], async () => {
    const r = await compute();
    return { values: new Map([[key, { value: r.value, bytes: r.bytes }]]), version: r.version };
  });
  return value as T;
};

/**
 * Users active in a cut, per chunk of 8192 user numbers: how many (in the numbers asked for) and the chunks'
 * strings as bytes (varbit_send: a 4-byte bit length, then the bits, first bit highest), to test a user's bit.
 */
type TWindowBits = { count: number; chunks: Map<number, Uint8Array> };
/** Nobody active. */
const noBits = (): TWindowBits => ({ count: 0, chunks: new Map() });
const hasBit = (bits: TWindowBits, n: number) => {
  const b = bits.chunks.get(n >> 13);
  const i = n & 8191;
  return b !== undefined && ((b[4 + (i >> 3)] ?? 0) & (0x80 >> (i & 7))) !== 0;
};

export async function rollupSource(db: DbOrTx, given?: TRollupState, opts: { topUserDepths?: number[] } = {}): Promise<AnalyticsSource> {
  const state = given ?? (await readRollupState(db));
  const S = srcSchema();
  const { sessionsUntilId: swm, eventsUntilId: ewm, tokensUntilId: twm, bitsStaleFromDay: stale } = state;

  const inWin = (col: SQL, w: TWindow) => sql`${col} >= ${ts(w.from)} AND ${col} < ${ts(w.to)}`;
  /**
   * A window's activity, in three parts: the cut (whole and partial UTC days, from the rollups), and the raw
   * rows (user_id, at) that complete it: after the watermark inside the cut, every row in the fragments off the
   * 15-minute grid and in a window too short to cut.
   */
  const activityOf = (w: TWindow) => {
    const { core, fragments } = split(w);
    const { cut, middle } = core ? cutByDay(core) : { cut: null, middle: null };
    const parts: SQL[] = [];
    if (cut && core) {
      parts.push(sql`SELECT user_id, started_at AS at FROM ${S}.sessions WHERE id > ${swm} AND ${inWin(sql`started_at`, core)}`);
      parts.push(sql`SELECT user_id, occurred_at FROM ${S}.events WHERE id > ${ewm} AND ${inWin(sql`occurred_at`, core)}`);
    }
    for (const f of middle ? [...fragments, middle] : fragments) {
      parts.push(sql`SELECT user_id, started_at FROM ${S}.sessions WHERE ${inWin(sql`started_at`, f)}`);
      parts.push(sql`SELECT user_id, occurred_at FROM ${S}.events WHERE ${inWin(sql`occurred_at`, f)}`);
    }
    return {
      cut,
      union: parts.length ? sql.join(parts, sql` UNION ALL `) : sql`SELECT NULL::uuid AS user_id, NULL::timestamptz AS at WHERE false`,
    };
  };
  const tailActivity = sql`SELECT user_id, started_at AS at FROM ${S}.sessions WHERE id > ${swm}
                           UNION ALL SELECT user_id, occurred_at FROM ${S}.events WHERE id > ${ewm}`;
  /** Each user's activity after the watermark, as 15-minute slots: joined by user, never scanned per row. */
  const tailSlots = sql`SELECT user_id, range_agg(int4range(floor(date_part('epoch', at) / 900)::int, floor(date_part('epoch', at) / 900)::int + 1)) AS slots
                        FROM (${tailActivity}) t GROUP BY user_id`;
  /** Users who signed up in a window, with their number (none if the refresh has not seen them) and activity after the watermark as slots. */
  const signupsIn = (w: TWindow) => sql`
    SELECT x.id AS user_id, x.created_at AS signup_at,
           -- Matched in signup order (both sides read in (created_at, id) order from their indexes); a user whose
           -- signup time was not the one numbered is looked up by id.
           coalesce(n.num, (SELECT num FROM crm_user_numbers m WHERE m.user_id = x.id)) AS num, t.slots AS tail_slots
    FROM ${S}.users x
    LEFT JOIN crm_user_numbers n ON n.created_at = x.created_at AND n.user_id = x.id AND ${inWin(sql`n.created_at`, w)}
    LEFT JOIN tail_slots t ON t.user_id = x.id
    WHERE ${inWin(sql`x.created_at`, w)}`;
  /** The numbered users lo..hi active after the watermark, with the 15-minute slots they were active in (live). */
  const tailSlotsOf = async (lo: number, hi: number) => {
    const rows = await executeRows<{ num: number; slots: number[] }>(
      db,
      sql`SELECT n.num, array_agg(DISTINCT floor(date_part('epoch', t.at) / 900)::int) AS slots
          FROM (${tailActivity}) t JOIN crm_user_numbers n ON n.user_id = t.user_id
          WHERE n.num >= ${lo}::int AND n.num <= ${hi}::int GROUP BY n.num`,
    );
    return rows.map((r) => ({ num: Number(r.num), slots: r.slots.map(Number) }));
  };

  /**
   * Who was active in each cut, among user numbers lo..hi (all users when not given), from the rollups alone:
   * kept under their version, so a read asks the database only for the cuts it has not seen at this version.
   */
  const cutBits = (items: { cut: TCut; lo?: number; hi?: number }[]) => {
    const keyOf = (x: { cut: TCut; lo?: number; hi?: number }) => `bits:${JSON.stringify(x.cut)}:${x.lo ?? ""}:${x.hi ?? ""}:${stale}`;
    const byKey = new Map(items.map((x) => [keyOf(x), x]));
    type TItem = { cut: TCut; lo?: number; hi?: number };
    /** A cut whose days all have their strings built (none from `stale` on). */
    const built = (c: TCut) => stale === null || Math.max(c.d1 - 1, c.suffix?.day ?? -1, c.prefix?.day ?? -1) < stale;
    type TBitsRow = { item: number | null; chunk: number | null; b: Uint8Array | null; n: number | null; v: string | null };
    return rememberedMany<TWindowBits>(db, state.version, items.map(keyOf), async (missing) => {
      // Many ranges of user numbers over built days (retention: a range per signup date and N) in one statement
      // that reads each range's chunks of each day by key; any other cut by windowBits, one subquery each.
      const ranged = missing.flatMap((k, i) => {
        const x = byKey.get(k) as TItem;
        return x.lo !== undefined && x.hi !== undefined && built(x.cut) ? [{ i, x: x as Required<TItem> }] : [];
      });
      const rangedSet = new Set(ranged.map((r) => r.i));
      const others = missing.flatMap((k, i) => (rangedSet.has(i) ? [] : [{ i, x: byKey.get(k) as TItem }]));
      const statements: Promise<TBitsRow[]>[] = [];
      if (ranged.length) {
        const rowsOf = ranged.map(
          ({ i, x }) =>
            sql`(${i}::int, ${x.cut.d0}::int, ${x.cut.d1}::int, ${x.cut.suffix?.day ?? null}::int, ${x.cut.suffix?.from ?? 0}::int,
                 ${x.cut.prefix?.day ?? null}::int, ${x.cut.prefix?.to ?? 0}::int, ${x.lo}::int, ${x.hi}::int)`,
        );
        statements.push(
          executeRows<TBitsRow>(
            db,
            sql`WITH it(item, d0, d1, sday, sfrom, pday, pto, lo, hi) AS (VALUES ${sql.join(rowsOf, sql`, `)}),
                x AS (
                  SELECT it.item, ch.c AS chunk, w.b, ${bitsInRange(sql`w.b`, sql`ch.c`, sql`it.lo`, sql`it.hi`)}::int AS n
                  FROM it CROSS JOIN LATERAL generate_series(it.lo >> 13, it.hi >> 13) ch(c)
                  CROSS JOIN LATERAL (
                    SELECT bit_or(y.b) AS b FROM (
                      SELECT bits & ~crm_slot_lt(last_planes, bits, it.sfrom) AS b FROM crm_rollup_day_bits WHERE day = it.sday AND chunk = ch.c
                      UNION ALL SELECT bits FROM crm_rollup_day_bits WHERE day >= it.d0 AND day < it.d1 AND chunk = ch.c
                      UNION ALL SELECT crm_slot_lt(first_planes, bits, it.pto) FROM crm_rollup_day_bits WHERE day = it.pday AND chunk = ch.c
                    ) y) w
                  WHERE w.b IS NOT NULL
                )
                SELECT x.item, x.chunk, varbit_send(x.b) AS b, x.n, s.v FROM (SELECT ${versionSeen} AS v) s LEFT JOIN x ON true`,
          ),
        );
      }
      if (others.length) {
        const parts = others.map(({ i, x }) => {
          if (x.lo === undefined || x.hi === undefined)
            return sql`SELECT ${i}::int AS item, chunk, b, bit_count(b)::int AS n FROM (${windowBits(x.cut, stale)}) wb WHERE b IS NOT NULL`;
          const [lo, hi] = [sql`${x.lo}::int`, sql`${x.hi}::int`];
          return sql`SELECT ${i}::int AS item, chunk, b, ${bitsInRange(sql`b`, sql`chunk`, lo, hi)}::int AS n
                     FROM (${windowBits(x.cut, stale, { lo: sql`${x.lo >> 13}::int`, hi: sql`${x.hi >> 13}::int` })}) wb WHERE b IS NOT NULL`;
        });
        // One row at least (the version, with no item when nobody was active).
        statements.push(
          executeRows<TBitsRow>(
            db,
            sql`SELECT x.item, x.chunk, varbit_send(x.b) AS b, x.n, s.v
                FROM (SELECT ${versionSeen} AS v) s LEFT JOIN (${sql.join(parts, sql` UNION ALL `)}) x ON true`,
          ),
        );
      }
      const results = await Promise.all(statements);
      const values = new Map(missing.map((k) => [k, { value: noBits(), bytes: 64 }]));
      for (const r of results.flat()) {
        if (r.item === null || r.chunk === null || r.b === null) continue;
        const v = values.get(missing[Number(r.item)] as string);
        if (!v) continue;
        v.value.count += Number(r.n);
        v.value.chunks.set(Number(r.chunk), r.b);
        v.bytes += r.b.length + 48;
      }
      // Kept only when every statement saw the same version.
      const seen = new Set(results.map((rows) => rows[0]?.v ?? null));
      return { values, version: seen.size === 1 ? ([...seen][0] ?? null) : null };
    });
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
    const rolled: SQL[] = [];
    const live: SQL[] = [];
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
        rolled.push(sql`SELECT '' AS k, dim, sum(n::float8) AS n, sum(v1::float8) AS v1, sum(v2::float8) AS v2 FROM crm_rollup_days
                       WHERE metric = ${metric} ${dimFilter} AND day >= ${d0} AND day < ${d1} GROUP BY 1, 2`);
        if (core.from.getTime() < d0 * D) rolled.push(fromBuckets({ from: core.from, to: new Date(d0 * D) }));
        if (d1 * D < core.to.getTime()) rolled.push(fromBuckets({ from: new Date(d1 * D), to: core.to }));
      } else {
        rolled.push(fromBuckets(core));
      }
      live.push(raw(core, true));
    }
    for (const f of fragments) live.push(raw(f, false));
    type TRow = { k: string; dim: string; n: number; v1: number; v2: number };
    const sum = (parts: SQL[]) =>
      sql`SELECT k, dim, sum(n) AS n, sum(v1) AS v1, sum(v2) AS v2 FROM (${sql.join(parts, sql` UNION ALL `)}) x GROUP BY k, dim`;
    const [fromRollups, fromRows] = await Promise.all([
      rolled.length === 0
        ? []
        : remembered(
            db,
            state.version,
            `totals:${metric}:${core?.from.getTime()}:${core?.to.getTime()}:${groupByDay}:${onlyDim}`,
            async () => {
              // One row at least, naming the version the sums were read at.
              const rows = await executeRows<{ k: string | null; dim: string; n: string; v1: string; v2: string; v: string | null }>(
                db,
                sql`SELECT t.*, s.v FROM (SELECT ${versionSeen} AS v) s LEFT JOIN (${sum(rolled)}) t ON true`,
              );
              const value = rows
                .filter((r) => r.k !== null)
                .map((r) => ({ k: r.k as string, dim: r.dim, n: num(r.n), v1: num(r.v1), v2: num(r.v2) }));
              return { value, bytes: 64 + value.length * 96, version: rows[0]?.v ?? null };
            },
          ),
      live.length === 0 ? [] : executeRows<{ k: string; dim: string; n: string; v1: string; v2: string }>(db, sum(live)),
    ]);
    const out = new Map<string, TRow>();
    for (const r of [...fromRollups, ...fromRows]) {
      const at = `${r.k}\u0000${r.dim}`;
      const cur = out.get(at) ?? { k: r.k, dim: r.dim, n: 0, v1: 0, v2: 0 };
      out.set(at, { k: r.k, dim: r.dim, n: cur.n + num(r.n), v1: cur.v1 + num(r.v1), v2: cur.v2 + num(r.v2) });
    }
    return [...out.values()];
  };

  const retentionByUserDays = async (w: TWindow, ns: number[], tz: string, now: Date) => {
    // Users who signed up on the same local date share their day-N windows and hold a narrow range of
    // user numbers: for each (date, N), read the user-days of that range on the UTC days the window
    // touches (by primary key), keep the members active in the window's part of each day, and add
    // activity after the watermark. A window inside one UTC day that the first and last slot cannot
    // decide (only where a local day starts just after a UTC midnight) asks the raw rows.
    const nowSlot = now.getTime() / Q;
    const perN = ns.map(
      (n, i) => sql`SELECT d0, ${i}::int AS i, lo, hi,
                      (date_part('epoch', (d0 + ${n}::int)::timestamp AT TIME ZONE ${tz}) / 900)::int AS a,
                      (date_part('epoch', (d0 + ${n + 1}::int)::timestamp AT TIME ZONE ${tz}) / 900)::int AS b FROM dates`,
    );
    const at = (slotCol: SQL) => sql`to_timestamp(${slotCol}::float8 * 900)`;
    const rows = await executeRows<{ i: number; e: string; r: string }>(
      db,
      sql`WITH tail_slots AS (${tailSlots}),
          c AS MATERIALIZED (SELECT user_id, num, (signup_at AT TIME ZONE ${tz})::date AS d0, tail_slots FROM (${signupsIn(w)}) s),
          dates AS MATERIALIZED (SELECT d0, count(*) AS size, min(num) AS lo, max(num) AS hi FROM c GROUP BY d0),
          dn AS MATERIALIZED (
            SELECT x.*, floor(a / 96.0)::int AS da, floor(b / 96.0)::int AS dz
            FROM (${sql.join(perN, sql` UNION ALL `)}) x WHERE b <= ${nowSlot}::float8
          ),
          rolled AS MATERIALIZED (
            SELECT DISTINCT dn.d0, dn.i, ud.num
            FROM dn CROSS JOIN LATERAL generate_series(dn.da, dn.dz) g(day)
            CROSS JOIN LATERAL (
              -- OFFSET 0: one primary-key range scan per (date, N, day), never a join over every user-day.
              SELECT u.num, u.first_slot, u.last_slot FROM crm_rollup_user_days u WHERE u.day = g.day AND u.num >= dn.lo AND u.num <= dn.hi OFFSET 0
            ) ud
            WHERE dn.lo IS NOT NULL
              AND (g.day > dn.da OR ud.last_slot >= dn.a - dn.da * 96)
              AND (g.day < dn.dz OR ud.first_slot < dn.b - dn.dz * 96)
              AND (dn.da < dn.dz OR dn.a = dn.da * 96 OR ud.first_slot >= dn.a - dn.da * 96 OR ud.last_slot < dn.b - dn.dz * 96
                   OR EXISTS (SELECT 1 FROM crm_user_numbers un WHERE un.num = ud.num AND (
                        EXISTS (SELECT 1 FROM ${S}.sessions s WHERE s.user_id = un.user_id AND s.started_at >= ${at(sql`dn.a`)} AND s.started_at < ${at(sql`dn.b`)})
                        OR EXISTS (SELECT 1 FROM ${S}.events e WHERE e.user_id = un.user_id AND e.occurred_at >= ${at(sql`dn.a`)} AND e.occurred_at < ${at(sql`dn.b`)}))))
          )
          SELECT dn.i, sum(dt.size) AS e,
                 (SELECT count(*) FROM (
                    SELECT r.d0, r.num, NULL::uuid AS user_id FROM rolled r JOIN c ON c.d0 = r.d0 AND c.num = r.num WHERE r.i = dn.i
                    UNION
                    SELECT c.d0, c.num, CASE WHEN c.num IS NULL THEN c.user_id END FROM c JOIN dn d2 ON d2.d0 = c.d0 AND d2.i = dn.i
                    WHERE c.tail_slots && int4range(d2.a, d2.b)
                  ) x) AS r
          FROM dn JOIN dates dt ON dt.d0 = dn.d0 GROUP BY dn.i`,
    );
    const byI = new Map(rows.map((r) => [Number(r.i), r]));
    return ns.map((_, i) => ({ eligible: num(byI.get(i)?.e), retained: num(byI.get(i)?.r) }));
  };

  return {
    // The main app's users, subscriptions and payments change in place: kept between reads, forward by its change log.
    totalUsersBefore: (at) => keptUsersIn(db, { from: null, to: at }),
    monthlyRecurringRevenue: (ats) => keptMonthlyRecurringRevenue(db, ats),
    customerChurn: (w) => keptCustomerChurn(db, w),
    newUsers: (w) => keptUsersIn(db, w),

    async activeUsers(w) {
      // Bits set in the window's strings (whole days, and the partial days by their slots), plus users active
      // only in the raw rows (after the watermark, or in what the cut leaves out).
      // The strings come from the rollups alone: kept under their version, only the raw rows are read again.
      const { cut, union } = activityOf(w);
      const [bits, extra] = await Promise.all([
        cut ? cutBits([{ cut }]).then(([b]) => b as TWindowBits) : noBits(),
        executeRows<{ num: number | null }>(
          db,
          sql`SELECT n.num FROM (SELECT DISTINCT user_id FROM (${union}) x) x LEFT JOIN crm_user_numbers n ON n.user_id = x.user_id`,
        ),
      ]);
      return bits.count + extra.filter((r) => r.num === null || !hasBit(bits, Number(r.num))).length;
    },

    async retention(w, ns, tz, now) {
      // Users who signed up on the same local date hold a contiguous range of user numbers when they were numbered
      // together, in signup order (the usual case): then each (date, N) is a bit count over that range of the
      // window's strings (the day-N window's whole and partial UTC days), plus the range's users active only after
      // the watermark. A date whose numbers are not exactly its signups (users numbered out of order, signed up
      // since the last refresh, or deleted), or whose window the slots cannot decide, is read by its user-days.
      // The bit counts come from the rollups alone (kept under their version); the ranges and the tail are live.
      const nowSlot = now.getTime() / Q;
      const perN = ns.map(
        (n, i) => sql`SELECT d0, s, x, ${i}::int AS i, live,
                        (date_part('epoch', (d0 + ${n}::int)::timestamp AT TIME ZONE ${tz}) / 900)::int AS a,
                        (date_part('epoch', (d0 + ${n + 1}::int)::timestamp AT TIME ZONE ${tz}) / 900)::int AS b FROM ranges`,
      );
      type TDn = {
        d0: string;
        s: Date;
        x: Date;
        i: number;
        live: string;
        a: number;
        b: number;
        da: number;
        sa: number;
        dz: number;
        sz: number;
      };
      type TFast = TDn & { lo: number | null; hi: number | null; fast: boolean };
      const dates = sql`
        SELECT g.d::date AS d0,
               greatest(g.d::date::timestamp AT TIME ZONE ${tz}, ${ts(w.from)}) AS s,
               least((g.d::date + 1)::timestamp AT TIME ZONE ${tz}, ${ts(w.to)}) AS x
        FROM generate_series((${ts(w.from)} AT TIME ZONE ${tz})::date, ((${ts(w.to)} - interval '1 microsecond') AT TIME ZONE ${tz})::date,
                             interval '1 day') g(d)`;
      // Each signup date's signups in app.users (kept by the change log, kept-source.ts), and its day-N windows.
      // Kept under the rollups' version (the refresh numbers users in the same transaction that changes it): each
      // date's user numbers.
      const bySignupDate = await keptSignupsByDate(db, w, tz);
      const [dateList, counts] = [[...bySignupDate.keys()], [...bySignupDate.values()]];
      const [all, numbered] = await Promise.all([
        executeRows<TDn & { signups: string }>(
          db,
          sql`WITH dates AS MATERIALIZED (${dates}),
              ranges AS MATERIALIZED (
                SELECT d.d0, d.s, d.x, coalesce(k.n, 0) AS live
                FROM dates d LEFT JOIN unnest(${`{${dateList.join(",")}}`}::date[], ${`{${counts.join(",")}}`}::bigint[]) k(d0, n) ON k.d0 = d.d0
              )
              -- Every signup in the window falls on one of its dates: their sum is the window's signups (at least one row).
              SELECT t.signups, y.d0::text, y.s, y.x, y.i, y.live, y.a, y.b, y.da, y.sa, y.dz, y.sz
              FROM (SELECT coalesce(sum(live), 0) AS signups FROM ranges) t LEFT JOIN (
                SELECT x.*, floor(a / 96.0)::int AS da, a - floor(a / 96.0)::int * 96 AS sa,
                       floor(b / 96.0)::int AS dz, b - floor(b / 96.0)::int * 96 AS sz
                FROM (${sql.join(perN, sql` UNION ALL `)}) x WHERE b <= ${nowSlot}::float8 AND live > 0) y ON true`,
        ),
        remembered(db, state.version, `numbers:${tz}:${w.from.getTime()}:${w.to.getTime()}`, async () => {
          const rows = await executeRows<{ d0: string | null; lo: number | null; hi: number | null; n: string | null; v: string | null }>(
            db,
            sql`SELECT s.v, r.* FROM (SELECT ${versionSeen} AS v) s LEFT JOIN (
                  SELECT d.d0::text, r.lo, r.hi, r.n FROM (${dates}) d CROSS JOIN LATERAL (
                    SELECT min(num) AS lo, max(num) AS hi, count(*) AS n FROM crm_user_numbers WHERE created_at >= d.s AND created_at < d.x) r
                ) r ON true`,
          );
          const value = new Map(rows.filter((r) => r.d0 !== null).map((r) => [r.d0 as string, { lo: r.lo, hi: r.hi, n: num(r.n) }]));
          return { value, bytes: 64 + value.size * 96, version: rows[0]?.v ?? null };
        }),
      ]);
      const signups = num(all[0]?.signups);
      // A date is read from the rollups' strings when its numbers are exactly its signups and contiguous, and its
      // window can be cut into whole days and slots of days whose strings are built.
      const rows: TFast[] = all
        .filter((r) => r.d0 !== null)
        .map((r) => {
          const m = numbered.get(r.d0);
          const lo = m?.lo ?? null;
          const hi = m?.hi ?? null;
          const live = num(r.live);
          const fast =
            m !== undefined &&
            lo !== null &&
            hi !== null &&
            m.n === live &&
            m.n === Number(hi) - Number(lo) + 1 &&
            (r.da < r.dz || r.sa === 0) &&
            (stale === null || r.dz < stale);
          return { ...r, lo, hi, fast };
        });
      const slowDates = new Set(rows.filter((r) => !r.fast).map((r) => r.d0));
      const fast = rows.filter((r) => !slowDates.has(r.d0) && r.lo !== null && r.hi !== null);
      const out = ns.map(() => ({ eligible: 0, retained: 0 }));
      if (fast.length) {
        const lo = Math.min(...fast.map((r) => Number(r.lo)));
        const hi = Math.max(...fast.map((r) => Number(r.hi)));
        const cutOf = (r: TFast): TCut => ({
          d0: r.sa === 0 ? r.da : r.da + 1,
          d1: r.dz,
          suffix: r.sa === 0 ? null : { day: r.da, from: r.sa },
          prefix: r.sz === 0 ? null : { day: r.dz, to: r.sz },
        });
        const [bits, tail] = await Promise.all([
          cutBits(fast.map((r) => ({ cut: cutOf(r), lo: Number(r.lo), hi: Number(r.hi) }))),
          tailSlotsOf(lo, hi),
        ]);
        fast.forEach((r, k) => {
          const at = out[r.i];
          const b = bits[k] as TWindowBits;
          if (!at) return;
          at.eligible += num(r.live);
          at.retained += b.count;
          for (const t of tail)
            if (t.num >= Number(r.lo) && t.num <= Number(r.hi) && t.slots.some((x) => x >= r.a && x < r.b) && !hasBit(b, t.num))
              at.retained++;
        });
      }
      for (const d0 of slowDates) {
        const r = rows.find((x) => x.d0 === d0) as TFast;
        const slow = await retentionByUserDays({ from: new Date(r.s), to: new Date(r.x) }, ns, tz, now);
        slow.forEach((v, i) => {
          const at = out[i];
          if (at) {
            at.eligible += v.eligible;
            at.retained += v.retained;
          }
        });
      }
      return { signups, byN: out };
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
      // Users whose first start falls in the window, with their first completion after it. The rolled-up users'
      // part comes from the rollups alone (kept under their version); users with intensive rows after the
      // watermark are read live: their rolled-up part is taken out and their merged one (rolled up and after
      // the watermark together: their start may move earlier, a completion may arrive) put in. Hours are summed
      // in whole microseconds.
      const done = (start: SQL, completions: SQL) => sql`(SELECT min(c) FROM unnest(${completions}) c WHERE c >= ${start})`;
      const micros = (from: SQL, to: SQL) => sql`EXTRACT(EPOCH FROM (${to} - ${from})) * 1000000`;
      type TFlow = { started: string; completed: string; micros: string };
      const [rolled, delta] = await Promise.all([
        remembered(db, state.version, `intensive:${w.from.getTime()}:${w.to.getTime()}`, async () => {
          const [row] = await executeRows<TFlow & { v: string | null }>(
            db,
            sql`SELECT s.v, f.* FROM (SELECT ${versionSeen} AS v) s CROSS JOIN (
                  SELECT count(*) AS started, count(done) AS completed, coalesce(sum(${micros(sql`started_at`, sql`done`)}), 0)::bigint::text AS micros
                  FROM (SELECT intensive_started_at AS started_at, ${done(sql`intensive_started_at`, sql`intensive_completions`)} AS done
                        FROM crm_rollup_users WHERE ${inWin(sql`intensive_started_at`, w)}) x) f`,
          );
          return {
            value: { started: num(row?.started), completed: num(row?.completed), micros: BigInt(row?.micros ?? 0) },
            bytes: 96,
            version: row?.v ?? null,
          };
        }),
        executeRows<TFlow>(
          db,
          sql`WITH tail AS (
                SELECT user_id, min(occurred_at) FILTER (WHERE name = 'intensive.started') AS started,
                       coalesce(array_agg(occurred_at) FILTER (WHERE name = 'intensive.completed'), '{}') AS completions
                FROM ${S}.events WHERE id > ${ewm} AND name IN ('intensive.started', 'intensive.completed') GROUP BY user_id
              ), m AS (
                SELECT r.intensive_started_at AS r_start, coalesce(r.intensive_completions, '{}') AS r_comps,
                       CASE WHEN r.intensive_started_at IS NULL THEN t.started WHEN t.started IS NULL THEN r.intensive_started_at
                            ELSE least(r.intensive_started_at, t.started) END AS m_start,
                       coalesce(r.intensive_completions, '{}') || t.completions AS m_comps
                FROM tail t LEFT JOIN crm_rollup_users r ON r.user_id = t.user_id
              ), f AS (
                SELECT ${inWin(sql`r_start`, w)} AS r_in, r_start, ${done(sql`r_start`, sql`r_comps`)} AS r_done,
                       ${inWin(sql`m_start`, w)} AS m_in, m_start, ${done(sql`m_start`, sql`m_comps`)} AS m_done
                FROM m
              )
              SELECT count(*) FILTER (WHERE m_in) - count(*) FILTER (WHERE r_in) AS started,
                     count(m_done) FILTER (WHERE m_in) - count(r_done) FILTER (WHERE r_in) AS completed,
                     (coalesce(sum(${micros(sql`m_start`, sql`m_done`)}) FILTER (WHERE m_in), 0)
                      - coalesce(sum(${micros(sql`r_start`, sql`r_done`)}) FILTER (WHERE r_in), 0))::bigint::text AS micros
              FROM f`,
        ),
      ]);
      const d = delta[0];
      const completed = rolled.completed + num(d?.completed);
      const total = rolled.micros + BigInt(d?.micros ?? 0);
      return { started: rolled.started + num(d?.started), completed, totalHours: Number(total) / 3_600_000_000 };
    },

    async tokens(w) {
      const rows = await bucketTotals("tokens", w);
      return rows.map((r) => ({ model: r.dim, tokens: num(r.v1), costUsd: num(r.v2) / 1e6, calls: num(r.n) }));
    },

    async topUsersByCost(w, limit) {
      const dLo = Math.ceil(w.from.getTime() / D);
      const dHi = Math.floor(w.to.getTime() / D);
      const inner = dLo < dHi ? { from: new Date(dLo * D), to: new Date(dHi * D) } : null;
      // The raw rows before the watermark in the partial UTC days at the window's ends (all of it when it has no whole day).
      const partial = inner
        ? [...(w.from < inner.from ? [{ from: w.from, to: inner.from }] : []), ...(inner.to < w.to ? [{ from: inner.to, to: w.to }] : [])]
        : [w];
      type TRow = { user_id: string; name: string | null; email: string; tokens: string; cost: string; bound: string | null; wm: string };
      // `wm`: the token watermark this statement saw. A list is kept only when it is the one the statement was built
      // for: a refresh committed in between would have counted its rows twice (in the rollups and as the tail).
      const withNames = (ranked: SQL) =>
        sql`SELECT t.user_id, u.name, u.email, t.tokens, t.cost, t.bound,
              (SELECT tokens_until_id FROM crm_rollup_state WHERE id = 'main') AS wm
            FROM (${ranked}) t JOIN ${S}.users u ON u.id = t.user_id
            ORDER BY t.cost DESC, t.tokens DESC, t.user_id`;
      const toResult = (rows: TRow[]) =>
        rows.map((r) => ({ userId: r.user_id, name: r.name, email: r.email, tokens: num(r.tokens), costUsd: num(r.cost) / 1e6 }));
      const tail = sql`SELECT user_id, sum(input_tokens + output_tokens) AS tokens, sum(round(cost_usd * 1000000)) AS micros
                       FROM ${S}.token_usage WHERE id > ${twm} AND ${inWin(sql`created_at`, w)} GROUP BY user_id`;

      // Each candidate's exact total: its user-days, its raw rows before the watermark in the partial days, its
      // rows after the watermark (the candidates, `cand`, and the rows after the watermark, `tail`, are CTEs).
      const parts: SQL[] = [sql`SELECT tokens, micros FROM tail t WHERE t.user_id = c.user_id`];
      if (inner)
        parts.push(
          sql`SELECT tokens, cost_micros FROM crm_rollup_user_day_tokens d WHERE d.user_id = c.user_id AND d.day >= ${dLo}::int AND d.day < ${dHi}::int`,
        );
      for (const f of partial)
        parts.push(sql`SELECT input_tokens + output_tokens, round(cost_usd * 1000000) FROM ${S}.token_usage r
                       WHERE r.user_id = c.user_id AND r.id <= ${twm} AND ${inWin(sql`r.created_at`, f)}`);
      const ranked = (n: number) => sql`
        SELECT c.user_id, sum(v.tokens::float8) AS tokens, sum(v.micros::float8) AS cost
        FROM cand c CROSS JOIN LATERAL (${sql.join(parts, sql` UNION ALL `)}) v(tokens, micros)
        GROUP BY c.user_id ORDER BY cost DESC, tokens DESC, user_id LIMIT ${n}`;

      // A top list found earlier for this window: its users, and a bound on everyone else's total then. Anyone
      // with no rows since then still has that total, so its users and everyone with rows since then are the
      // only candidates; when the last of the top `limit` of them costs more than the bound, that is the answer.
      const key = `${w.from.getTime()}:${w.to.getTime()}`;
      const cache = opts.topUserDepths ? null : topUsersCache(db);
      const hit = cache?.get(key);
      if (
        hit &&
        state.userDayIndex &&
        limit <= hit.users.length &&
        twm - hit.twm <= TOP_CACHE_MAX_ROWS_SINCE &&
        Date.now() - hit.at <= TOP_CACHE_MAX_AGE_MS
      ) {
        const listed = hit.users.length
          ? sql`SELECT user_id FROM (VALUES ${sql.join(
              hit.users.map((id) => sql`(${id}::uuid)`),
              sql`, `,
            )}) v(user_id)`
          : sql`SELECT NULL::uuid AS user_id WHERE false`;
        const rows = await executeRows<TRow>(
          db,
          withNames(sql`WITH tail AS MATERIALIZED (${tail}),
              cand AS (${listed} UNION SELECT user_id FROM ${S}.token_usage WHERE id > ${hit.twm} AND ${inWin(sql`created_at`, w)})
              SELECT user_id, tokens, cost, NULL AS bound FROM (${ranked(limit)}) r`),
        );
        const last = rows[rows.length - 1];
        if (hit.bound < 0 || (rows.length === limit && last && num(last.cost) > hit.bound)) return toResult(rows);
      }
      const keep = limit + TOP_CACHE_MARGIN;
      const rows = await searchTop(cache ? keep + 1 : limit);
      if (cache && (rows.length === 0 || num(rows[0]?.wm) === twm)) {
        if (cache.size >= TOP_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
        cache.set(key, {
          twm,
          at: Date.now(),
          users: rows.slice(0, keep).map((r) => r.user_id),
          bound: rows.length > keep ? num(rows[keep]?.cost) : -1,
        });
      }
      return toResult(rows.slice(0, limit));

      /**
       * Threshold algorithm over 7-day blocks (weeks of UTC day numbers) covering every UTC day the window
       * touches: candidates are each week's `depth` most expensive users and everyone with rows after the
       * watermark; anyone else costs at most the sum of those weeks' depth-th costs. When the last of the top
       * `n` candidates costs more than that bound the answer is exact; otherwise look deeper, and past the last
       * depth read every user-day. Returns the top `n` (fewer when fewer users have rows in the window).
       */
      async function searchTop(n: number): Promise<TRow[]> {
        const w0 = Math.floor(Math.floor(w.from.getTime() / D) / 7);
        const w1 = Math.floor((Math.ceil(w.to.getTime() / D) - 1) / 7);
        // Without the by-user index (a big catch-up builds it at its end) each candidate's total would scan the
        // window's user-days: one grouped read of them instead.
        for (const depth of state.userDayIndex ? (opts.topUserDepths ?? TOP_USER_DEPTHS) : []) {
          const rows = await executeRows<TRow>(
            db,
            withNames(sql`WITH tops AS MATERIALIZED (
                  SELECT wk, t.user_id, t.cost_micros FROM generate_series(${w0}::int, ${w1}::int) wk
                  CROSS JOIN LATERAL (SELECT user_id, cost_micros FROM crm_rollup_user_week_tokens WHERE week = wk
                                      ORDER BY cost_micros DESC NULLS LAST LIMIT ${depth}) t
                ), bound AS (
                  SELECT coalesce(sum(kth), 0) AS b FROM (
                    SELECT CASE WHEN count(*) < ${depth} THEN 0 ELSE min(cost_micros) END AS kth FROM tops GROUP BY wk) x
                ), tail AS MATERIALIZED (${tail}),
                cand AS (SELECT user_id FROM tops UNION SELECT user_id FROM tail)
                SELECT user_id, tokens, cost, (SELECT b FROM bound) AS bound FROM (${ranked(n)}) r`),
          );
          const bound = num(rows[0]?.bound);
          const last = rows[rows.length - 1];
          if (bound === 0 || (rows.length === n && last && num(last.cost) > bound)) return rows;
        }
        const all: SQL[] = [
          sql`SELECT user_id, input_tokens + output_tokens AS tokens, round(cost_usd * 1000000)::bigint AS micros FROM ${S}.token_usage WHERE id > ${twm} AND ${inWin(sql`created_at`, w)}`,
          ...partial.map(
            (f) =>
              sql`SELECT user_id, input_tokens + output_tokens, round(cost_usd * 1000000)::bigint FROM ${S}.token_usage WHERE id <= ${twm} AND ${inWin(sql`created_at`, f)}`,
          ),
          ...(inner ? [sql`SELECT user_id, tokens, cost_micros FROM crm_rollup_user_day_tokens WHERE day >= ${dLo} AND day < ${dHi}`] : []),
        ];
        return executeRows<TRow>(
          db,
          withNames(
            sql`SELECT user_id, sum(tokens::float8) AS tokens, sum(micros::float8) AS cost, NULL AS bound FROM (${sql.join(all, sql` UNION ALL `)}) x
                GROUP BY user_id ORDER BY cost DESC, tokens DESC, user_id LIMIT ${n}`,
          ),
        );
      }
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

    // Payments change after they are written (refunds): kept per window, brought forward by the change log.
    revenue: (w) => keptRevenue(db, w),
    async revenueBreakdown(w, tz) {
      const rows = await keptRevenueBreakdown(db, w, tz);
      const daily = new Map<string, number>();
      const byPlan = new Map<string, number>();
      for (const r of rows) {
        daily.set(r.d, (daily.get(r.d) ?? 0) + r.cents);
        const plan = r.plan ?? "(none)";
        byPlan.set(plan, (byPlan.get(plan) ?? 0) + r.cents);
      }
      const dollars = (m: Map<string, number>) => new Map([...m].map(([k, v]) => [k, v / 100]));
      return { daily: dollars(daily), byPlan: dollars(byPlan) };
    },

    async cohortActivity(cohort, windows) {
      const periods = windows.map((w) => {
        const { core, fragments } = split(w);
        const { cut, middle } = core ? cutByDay(core) : { cut: null, middle: null };
        // Cohort periods start and end at local midnights, always on 15-minute boundaries, and last a week or more.
        if (!core || fragments.length || middle) throw new Error("Cohort periods must start and end on 15-minute boundaries");
        const [from, to] = [core.from.getTime() / Q, core.to.getTime() / Q];
        return { cut, from, to, slots: sql`int4range(${from}::int, ${to}::int)` };
      });
      /** Each period's strings (CTE wb<k>), over the chunks of user numbers lo..hi only. */
      const periodBits = (lo: SQL, hi: SQL) =>
        periods.map(
          (p, k) => sql`${sql.raw(`wb${k}`)} AS MATERIALIZED (${windowBits(p.cut, stale, { lo: sql`${lo} >> 13`, hi: sql`${hi} >> 13` })})`,
        );
      // The cohort's members were numbered together in signup order (the usual case) when its numbers are exactly
      // its signups and contiguous: then each period is a bit count over that range of the period's strings, plus
      // members active only after the watermark.
      // Its size from app.users (kept by the change log); its numbers' range from the rollups' numbering (kept
      // under their version).
      const [size, range] = await Promise.all([
        keptUsersIn(db, cohort),
        remembered(db, state.version, `cohort-numbers:${cohort.from.getTime()}:${cohort.to.getTime()}`, async () => {
          const [row] = await executeRows<{ lo: number | null; hi: number | null; n: string; v: string | null }>(
            db,
            sql`SELECT min(num) AS lo, max(num) AS hi, count(*) AS n, ${versionSeen} AS v FROM crm_user_numbers WHERE ${inWin(sql`created_at`, cohort)}`,
          );
          return { value: { lo: row?.lo ?? null, hi: row?.hi ?? null, n: row?.n ?? "0" }, bytes: 96, version: row?.v ?? null };
        }),
      ]);
      if (size === 0) return { size: 0, active: windows.map(() => 0) };
      const contiguous = range?.lo != null && range.hi != null && num(range.n) === size && num(range.hi) - num(range.lo) + 1 === size;
      if (contiguous) {
        // The periods' bit counts over that range come from the rollups alone (kept under their version).
        const [lo, hi] = [num(range.lo), num(range.hi)];
        const [bits, tail] = await Promise.all([
          cutBits(periods.filter((p) => p.cut).map((p) => ({ cut: p.cut as TCut, lo, hi }))),
          tailSlotsOf(lo, hi),
        ]);
        let at = 0;
        const active = periods.map((p) => {
          const b = p.cut ? (bits[at++] as TWindowBits) : noBits();
          return b.count + tail.filter((t) => t.slots.some((x) => x >= p.from && x < p.to) && !hasBit(b, t.num)).length;
        });
        return { size, active };
      }
      // Otherwise member by member: each member's bit in the period's strings, or activity after the watermark.
      const lo = sql`(SELECT lo FROM r)`;
      const hi = sql`(SELECT hi FROM r)`;
      const ctes = periodBits(lo, hi);
      const cols = periods.map(
        (p, k) =>
          sql`count(*) FILTER (WHERE coalesce((SELECT get_bit(b, c.num & 8191) = 1 FROM ${sql.raw(`wb${k}`)} WHERE chunk = c.num >> 13), false)
                OR coalesce(c.tail_slots && ${p.slots}, false)) AS ${sql.raw(`a${k}`)}`,
      );
      const rows = await executeRows<Record<string, string>>(
        db,
        sql`WITH tail_slots AS (${tailSlots}),
            c AS MATERIALIZED (SELECT num, tail_slots FROM (${signupsIn(cohort)}) s),
            r AS MATERIALIZED (SELECT min(num) AS lo, max(num) AS hi FROM c)
            ${ctes.length ? sql`, ${sql.join(ctes, sql`, `)}` : sql``}
            SELECT count(*) AS size ${cols.length ? sql`, ${sql.join(cols, sql`, `)}` : sql``} FROM c`,
      );
      const row = rows[0] ?? {};
      return { size: num(row.size), active: windows.map((_, k) => num(row[`a${k}`])) };
    },
  };
}
