import { type SQL, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { iso, num, srcSchema } from "@/server/db/source";
import { CHANGE_LOG_TRIGGERS, LOGGED_COLUMNS, type TLoggedTable } from "../demo-data/source-tables";
import type { TWindow } from "./source";
import { churnOver, mrrAt } from "./subscriptions";

/**
 * Numbers of the main app's users, subscriptions and payments that analytics would otherwise read in full on every
 * view (the count of every user, MRR, churn, revenue: ~330 ms of database time a dashboard view at 1M users), kept
 * between views and brought forward exactly.
 *
 * Those tables change in place. With the change-log triggers installed (docs/source-contract.md, "Change log"), every
 * insert, update and delete of them writes, in the same transaction, a row of crm_source_changes with the changed
 * columns before and after. A number read in one statement is kept with that statement's snapshot; a later statement
 * reads the log rows its own snapshot sees and the kept one did not (committed in between, in any order), and
 * computes the number at its own snapshot from the kept one and those rows only:
 * - a sum over rows (how many users, revenue in a window) moves by the new images' terms less the old images';
 * - a number about each subscriber (MRR at an instant, churn over a window, whose end is "now" and moves) is
 *   recomputed for the users whose rows changed, and for those with a subscription starting or ending between the
 *   instant kept and the one asked: their part is taken out as it was at the kept snapshot and instant (their rows
 *   then are today's, less the new images, plus the old) and put back as it is now.
 * Without the triggers (or with one disabled, or after a TRUNCATE or a reinstallation) every read is a full one, as
 * before. A number is read in full again KEPT_MAX_AGE_MS after its last full read, so nothing the log missed (a
 * trigger disabled and enabled again) lasts longer; the heartbeat deletes log rows an hour after they can matter.
 */
const KEPT_MAX_AGE_MS = 15 * 60_000;
const KEPT_ENTRIES = 256;
/** More changes than this since a number was kept: read it in full (cheaper than the log by then). */
const MAX_CHANGES = 20_000;

/** A kept value: the snapshot and instants it is at, and when it was last read in full (`fullAt`). */
type TKept<T> = { snap: string; fullAt: number; instants: number[]; value: T };
const KEPT = new WeakMap<object, Map<string, TKept<unknown>>>();

function keptFor<T>(db: DbOrTx, key: string): TKept<T> | null {
  const entry = KEPT.get(db)?.get(key) as TKept<T> | undefined;
  return entry && Date.now() - entry.fullAt <= KEPT_MAX_AGE_MS ? entry : null;
}
function keep<T>(db: DbOrTx, key: string, entry: TKept<T>) {
  let map = KEPT.get(db);
  if (!map) {
    map = new Map();
    KEPT.set(db, map);
  }
  map.delete(key);
  if (map.size >= KEPT_ENTRIES) map.delete(map.keys().next().value as string);
  map.set(key, entry);
}

/**
 * Whether the table is logged: the relation registered for it (the table, or the one behind its view), registered
 * as logging this version's columns, carries the three change-log triggers, enabled always. Read in the same
 * statement as the numbers.
 */
export const changeLogInstalled = (table: TLoggedTable) =>
  sql`(SELECT count(*) = ${CHANGE_LOG_TRIGGERS.length} FROM crm_source_change_sources r JOIN pg_trigger t ON t.tgrelid = to_regclass(r.relation)
       WHERE r.tbl = ${table} AND r.columns = ARRAY[${sql.join(
         LOGGED_COLUMNS[table].map((c) => sql`${c}`),
         sql`, `,
       )}]::text[] AND t.tgenabled = 'A' AND t.tgname IN (${sql.join(
         CHANGE_LOG_TRIGGERS.map((n) => sql`${n}`),
         sql`, `,
       )}))`;

/** All three tables logged by this version's triggers (what the users list's stats need to follow the log). */
export const changeLogFollowed = sql.join(
  (Object.keys(LOGGED_COLUMNS) as TLoggedTable[]).map((t) => changeLogInstalled(t)),
  sql` AND `,
);

/**
 * CTEs of the table's log rows this statement sees and the snapshot `snap` did not: `ch` (old, new) and `imgs`, the
 * images as rows of the table (columns not logged are null) with `w` = 1 for an old image and -1 for a new one.
 */
const changesSince = (table: TLoggedTable, snap: string) => {
  const S = srcSchema();
  const t = sql`${S}.${sql.raw(table)}`;
  return sql`ch AS MATERIALIZED (SELECT old, new FROM crm_source_changes
               WHERE tbl = ${table} AND xid >= pg_snapshot_xmin(${snap}::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, ${snap}::pg_snapshot)),
             imgs AS (SELECT r.*, 1 AS w FROM ch, jsonb_populate_record(NULL::${t}, ch.old) r WHERE ch.old IS NOT NULL
                      UNION ALL SELECT r.*, -1 FROM ch, jsonb_populate_record(NULL::${t}, ch.new) r WHERE ch.new IS NOT NULL)`;
};
/** Columns every statement returns: its snapshot and whether the table is logged; after `ch`, the log's verdict. */
const snapshotCols = (table: TLoggedTable) => sql`pg_current_snapshot()::text AS snap, ${changeLogInstalled(table)} AS logged`;
const logCols = sql`(SELECT count(*) FROM ch) AS changes, EXISTS (SELECT 1 FROM ch WHERE old IS NULL AND new IS NULL) AS reset`;

type TRow = { snap: string; logged: boolean; changes?: string; reset?: boolean } & Record<string, unknown>;
const usable = (r: TRow | undefined): r is TRow => !!r && r.logged === true && r.reset !== true && num(r.changes) <= MAX_CHANGES;

/**
 * The value of `key` at `instants`: brought forward from the one kept (`forward`, given it) when there is one and
 * the log allows, else read in full (`full`); kept with its statement's snapshot when the table is logged.
 * `read` turns the statement's row into the value (and, for the caller, whatever else the statement read).
 */
async function keptRead<T>(
  db: DbOrTx,
  key: string,
  instants: number[],
  full: () => SQL,
  forward: (kept: TKept<T>) => SQL,
  read: (row: TRow, from: TKept<T> | null) => T,
): Promise<T> {
  const kept = keptFor<T>(db, key);
  let row: TRow | undefined;
  let from: TKept<T> | null = null;
  if (kept) {
    [row] = await executeRows<TRow>(db, forward(kept));
    if (usable(row)) from = kept;
    else row = undefined;
  }
  if (!row) [row] = await executeRows<TRow>(db, full());
  if (!row) throw new Error(`analytics: no row for ${key}`);
  const value = read(row, from);
  if (row.logged === true) keep(db, key, { snap: row.snap, fullAt: from ? from.fullAt : Date.now(), instants, value });
  return value;
}

const ts = (ms: number) => sql`${iso(new Date(ms))}::timestamptz`;
const dayOf = (d: Date) => Math.floor(d.getTime() / 86_400_000);
const inWindow = (col: SQL, w: TWindow) => sql`${col} >= ${ts(w.from.getTime())} AND ${col} < ${ts(w.to.getTime())}`;

/** Grouped sums read as one JSON array (column `v`): postgres-js may hand it over as text or parsed. */
const groupsOf = <T>(r: TRow): T[] => (typeof r.v === "string" ? JSON.parse(r.v) : r.v) as T[];

/**
 * Kept groups brought forward: each group's counts plus the changes' (`n`, the rows in it, and the sums `add`
 * adds); a group no row is left in goes, as a full read would not have it.
 */
function mergeGroups<T extends { n: number }>(kept: T[], changes: T[], keyOf: (e: T) => string, add: (a: T, b: T) => T): T[] {
  const out = new Map(kept.map((e) => [keyOf(e), e]));
  for (const e of changes) {
    const cur = out.get(keyOf(e));
    out.set(keyOf(e), cur ? add(cur, e) : e);
  }
  return [...out.values()].filter((e) => e.n > 0);
}

/** Signups this recent end a window read as "signups since its start, less those since its end" (a narrow read). */
const RECENT_MS = 36 * 3_600_000;

/**
 * How many users signed up in [from, to) (from null: since the beginning). A window ending in the last 36 hours
 * (to "now", today) is the signups since its start, kept, less those since its end, read live (a day's signups at
 * most); an older window is kept whole. Either way the users log brings the kept count forward.
 */
export async function keptUsersIn(db: DbOrTx, w: { from: Date | null; to: Date }): Promise<number> {
  const S = srcSchema();
  const recent = w.to.getTime() >= Date.now() - RECENT_MS;
  const cond = sql.join(
    [
      ...(w.from ? [sql`created_at >= ${ts(w.from.getTime())}`] : []),
      ...(recent ? [] : [sql`created_at < ${ts(w.to.getTime())}`]),
      sql`true`,
    ],
    sql` AND `,
  );
  const later = recent ? sql`(SELECT count(*) FROM ${S}.users WHERE created_at >= ${ts(w.to.getTime())})` : sql`0`;
  const key = recent ? `users-since:${w.from?.getTime() ?? ""}` : `users-in:${w.from?.getTime() ?? ""}:${w.to.getTime()}`;
  const { kept, after } = await keptRead<{ kept: string; after: number }>(
    db,
    key,
    [],
    () => sql`SELECT (SELECT count(*) FROM ${S}.users WHERE ${cond}) AS v, ${later} AS after, ${snapshotCols("users")}`,
    (k) =>
      sql`WITH ${changesSince("users", k.snap)}
          SELECT ${k.value.kept}::bigint + (SELECT coalesce(sum(-w), 0) FROM imgs WHERE ${cond}) AS v, ${later} AS after,
                 ${snapshotCols("users")}, ${logCols}`,
    (r) => ({ kept: String(r.v), after: num(r.after) }),
  );
  return num(kept) - after;
}

/** Signups in a window per local date (YYYY-MM-DD) in `tz`, kept per window and time zone; dates without any left out. */
export async function keptSignupsByDate(db: DbOrTx, w: TWindow, tz: string): Promise<Map<string, number>> {
  const S = srcSchema();
  const grouped = (rows: SQL, sign: SQL) =>
    sql`(SELECT coalesce(json_agg(json_build_object('d', d, 'n', n)), '[]'::json) FROM (
          SELECT to_char((created_at AT TIME ZONE ${tz})::date, 'YYYY-MM-DD') AS d, sum(${sign})::bigint AS n
          FROM ${rows} WHERE ${inWindow(sql`created_at`, w)} GROUP BY 1) g) AS v`;
  type TEntry = { d: string; n: number };
  const entries = await keptRead<TEntry[]>(
    db,
    `signups-by-date:${w.from.getTime()}:${w.to.getTime()}:${tz}`,
    [],
    () => sql`SELECT ${grouped(sql`${S}.users`, sql`1`)}, ${snapshotCols("users")}`,
    (k) => sql`WITH ${changesSince("users", k.snap)} SELECT ${grouped(sql`imgs`, sql`-w`)}, ${snapshotCols("users")}, ${logCols}`,
    (r, from) => {
      const rows = groupsOf<TEntry>(r).map((e) => ({ d: e.d, n: Number(e.n) }));
      return from
        ? mergeGroups(
            from.value,
            rows,
            (e) => e.d,
            (a, b) => ({ d: a.d, n: a.n + b.n }),
          )
        : rows;
    },
  );
  return new Map(entries.map((e) => [e.d, e.n]));
}

/**
 * Subscription numbers at instants (`values(rows, instants)`: SQL columns v0..vn over the subscriptions in `rows`,
 * each a sum over users), kept under `key`. Brought forward by the users whose rows changed since, or who have a
 * subscription starting or ending between an instant kept and the one asked: their part then is taken out, their
 * part now put back.
 */
async function subscriptionNumbers(
  db: DbOrTx,
  key: string,
  instants: Date[],
  values: (rows: SQL, at: Date[]) => SQL,
  count: number,
): Promise<string[]> {
  const S = srcSchema();
  const cols = Array.from({ length: count }, (_, i) => sql.raw(`v${i}`));
  const read = (r: TRow) => cols.map((_, i) => String(r[`v${i}`]));
  return keptRead<string[]>(
    db,
    key,
    instants.map((d) => d.getTime()),
    () => sql`SELECT x.*, ${snapshotCols("subscriptions")} FROM (${values(sql`${S}.subscriptions`, instants)}) x`,
    (k) => {
      const then = k.instants.map((ms) => new Date(ms));
      const crossing = instants.flatMap((at, i) => {
        const [lo, hi] = [Math.min(at.getTime(), k.instants[i] as number), Math.max(at.getTime(), k.instants[i] as number)];
        if (lo === hi) return [];
        return [
          sql`SELECT user_id FROM ${S}.subscriptions WHERE started_at > ${ts(lo)} AND started_at <= ${ts(hi)}`,
          sql`SELECT user_id FROM ${S}.subscriptions WHERE canceled_at > ${ts(lo)} AND canceled_at <= ${ts(hi)}`,
        ];
      });
      const shape = sql`id, user_id, price, interval, started_at, canceled_at`;
      return sql`WITH ${changesSince("subscriptions", k.snap)},
                 touched AS (${sql.join([sql`SELECT user_id FROM imgs`, ...crossing], sql` UNION `)}),
                 now_rows AS MATERIALIZED (SELECT ${shape} FROM ${S}.subscriptions WHERE user_id IN (SELECT user_id FROM touched)),
                 then_rows AS MATERIALIZED (SELECT ${shape} FROM (SELECT ${shape}, 1 AS w FROM now_rows UNION ALL SELECT ${shape}, w FROM imgs) x
                                            GROUP BY ${shape} HAVING sum(w) > 0),
                 a AS (${values(sql`then_rows`, then)}), b AS (${values(sql`now_rows`, instants)})
                 SELECT ${sql.join(
                   cols.map((c, i) => sql`${k.value[i]}::numeric - a.${c} + b.${c} AS ${c}`),
                   sql`, `,
                 )}, ${snapshotCols("subscriptions")}, ${logCols}
                 FROM a, b`;
    },
    read,
  );
}

/** A decimal string rounded to 2 places as Postgres' round(numeric, 2) does, as a number. */
function roundToCents(v: string): number {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(v.trim());
  if (!m) throw new Error(`analytics: not a decimal: ${v}`);
  const frac = (m[3] ?? "").padEnd(3, "0");
  let cents = BigInt(m[2] as string) * 100n + BigInt(frac.slice(0, 2));
  if (Number(frac[2]) >= 5) cents += 1n;
  return (m[1] ? -1 : 1) * (Number(cents) / 100);
}

/** MRR at each instant (kept per UTC day of the instants: "now" moves within a day by the subscriptions crossing it). */
export async function keptMonthlyRecurringRevenue(db: DbOrTx, ats: Date[]): Promise<number[]> {
  if (!ats.length) return [];
  const values = (rows: SQL, at: Date[]) =>
    sql`SELECT ${sql.join(
      at.map((d, i) => sql`${mrrAt(d)} AS ${sql.raw(`v${i}`)}`),
      sql`, `,
    )} FROM ${rows} r`;
  const sums = await subscriptionNumbers(db, `mrr:${ats.map(dayOf).join(",")}`, ats, values, ats.length);
  // Rounded as the reference rounds its sum (numeric round: to cents, halves away from zero), on the decimal digits.
  return sums.map(roundToCents);
}

/** Customer churn over a window (kept per start and UTC day of the end). */
export async function keptCustomerChurn(db: DbOrTx, w: TWindow): Promise<{ atStart: number; churned: number }> {
  const values = (rows: SQL, at: Date[]) =>
    sql`SELECT at_start AS v0, churned AS v1 FROM (${churnOver(rows, { from: at[0] as Date, to: at[1] as Date })}) c`;
  const [atStart, churned] = await subscriptionNumbers(db, `churn:${w.from.getTime()}:${dayOf(w.to)}`, [w.from, w.to], values, 2);
  return { atStart: num(atStart), churned: num(churned) };
}

/** Succeeded payments in a window. */
const paid = (w: TWindow) => sql`status = 'succeeded' AND ${inWindow(sql`paid_at`, w)}`;

/** Revenue in a window (kept per window: payments change in place, refunds, and are brought forward by the log). */
export async function keptRevenue(db: DbOrTx, w: TWindow): Promise<number> {
  const S = srcSchema();
  const cents = await keptRead<string>(
    db,
    `revenue:${w.from.getTime()}:${w.to.getTime()}`,
    [],
    () => sql`SELECT (SELECT coalesce(sum(amount), 0) FROM ${S}.payments WHERE ${paid(w)}) AS v, ${snapshotCols("payments")}`,
    (k) =>
      sql`WITH ${changesSince("payments", k.snap)}
          SELECT ${k.value}::numeric - (SELECT coalesce(sum(w * amount), 0) FROM imgs WHERE ${paid(w)}) AS v, ${snapshotCols("payments")}, ${logCols}`,
    (r) => String(r.v),
  );
  return num(cents);
}

/** Revenue per local date and plan in a window, in cents, with how many payments make it; kept per window and time zone. */
export async function keptRevenueBreakdown(
  db: DbOrTx,
  w: TWindow,
  tz: string,
): Promise<{ d: string; plan: string | null; cents: number }[]> {
  const S = srcSchema();
  const grouped = (rows: SQL, sign: SQL) =>
    sql`(SELECT coalesce(json_agg(json_build_object('d', d, 'plan', plan, 'cents', cents, 'n', n)), '[]'::json) FROM (
          SELECT to_char((paid_at AT TIME ZONE ${tz})::date, 'YYYY-MM-DD') AS d, plan,
                 round(sum(${sign} * amount) * 100)::bigint AS cents, sum(${sign})::bigint AS n
          FROM ${rows} WHERE ${paid(w)} GROUP BY 1, 2) g) AS v`;
  type TEntry = { d: string; plan: string | null; cents: number; n: number };
  const keyOf = (e: TEntry) => `${e.d}\u0000${e.plan ?? "\u0001"}`;
  const entries = await keptRead<TEntry[]>(
    db,
    `revenue-split:${w.from.getTime()}:${w.to.getTime()}:${tz}`,
    [],
    () => sql`SELECT ${grouped(sql`${S}.payments`, sql`1`)}, ${snapshotCols("payments")}`,
    (k) => sql`WITH ${changesSince("payments", k.snap)} SELECT ${grouped(sql`imgs`, sql`-w`)}, ${snapshotCols("payments")}, ${logCols}`,
    (r, from) => {
      const rows = groupsOf<TEntry>(r).map((e) => ({ ...e, cents: Number(e.cents), n: Number(e.n) }));
      return from ? mergeGroups(from.value, rows, keyOf, (a, b) => ({ ...a, cents: a.cents + b.cents, n: a.n + b.n })) : rows;
    },
  );
  return entries.map(({ d, plan, cents }) => ({ d, plan, cents }));
}

/** Log rows are kept this long after every transaction older than them ended: well past KEPT_MAX_AGE_MS. */
const LOG_KEPT = sql`interval '1 hour'`;

/**
 * Deletes the change-log rows no kept number can need (heartbeat housekeeping). Each run notes the oldest transaction
 * still running; rows of transactions older than the one noted at least LOG_KEPT ago ended before then, before any
 * number still kept was read, so that read saw them (a statement sees every transaction that ended before it began).
 */
export async function purgeSourceChanges(db: DbOrTx): Promise<number> {
  await db.execute(sql`INSERT INTO crm_source_change_horizons (taken_at, oldest_xid)
                       VALUES (clock_timestamp(), pg_snapshot_xmin(pg_current_snapshot())) ON CONFLICT DO NOTHING`);
  const [row] = await executeRows<{ n: string }>(
    db,
    sql`WITH cut AS (SELECT taken_at, oldest_xid FROM crm_source_change_horizons WHERE taken_at <= now() - ${LOG_KEPT}
                     ORDER BY taken_at DESC LIMIT 1),
        gone AS (DELETE FROM crm_source_changes WHERE xid < (SELECT oldest_xid FROM cut) RETURNING 1),
        older AS (DELETE FROM crm_source_change_horizons WHERE taken_at < (SELECT taken_at FROM cut))
        SELECT (SELECT count(*) FROM gone) AS n`,
  );
  return num(row?.n);
}
