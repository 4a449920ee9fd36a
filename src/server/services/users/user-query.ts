import { type SQL, sql } from "drizzle-orm";
import { srcSchema } from "@/server/db/source";
import { escapeLike, normalizeTag } from "@/shared/text";
import type { TUserFilters, TUserSort } from "@/shared/users-query";
import { InvalidInputError } from "../errors";

/**
 * The SQL pieces the users list, its count and its CSV export share: one
 * FROM, one WHERE per filter, one ORDER BY and keyset condition per sort.
 * Every value is a bound parameter; identifiers come from config or code.
 */

const list = (values: readonly string[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

type TSortSpec = { key: SQL; tie: SQL; kind: "time" | "int"; usesStats: boolean };

/**
 * Sorting by a stats column walks that column's index from crm_user_stats and
 * looks each user up by primary key; users who signed up since the last
 * stats refresh join these orders at the next refresh (within minutes).
 */
export function sortSpec(sort: TUserSort): TSortSpec {
  switch (sort) {
    case "joined":
      return { key: sql`u.created_at`, tie: sql`u.id`, kind: "time", usesStats: false };
    case "lastActive":
      // Never-active users sort as if last active at the epoch: last when descending, first when ascending.
      return { key: sql.raw(`coalesce(u.last_active_at, 'epoch'::timestamptz)`), tie: sql`u.id`, kind: "time", usesStats: false };
    case "spent":
      return { key: sql`s.spent_cents`, tie: sql`s.user_id`, kind: "int", usesStats: true };
    case "aiCost":
      return { key: sql`s.ai_cost_micros`, tie: sql`s.user_id`, kind: "int", usesStats: true };
    case "margin":
      return { key: sql`s.margin_micros`, tie: sql`s.user_id`, kind: "int", usesStats: true };
  }
}

/**
 * The list's FROM; `first` limits the users to the first `limit` in the page's order that meet `where` (conditions
 * on app.users alone, and the cursor's), and `among` to those of them in a set of candidates: the walk then reads
 * only the order's index (the ids, from an index alone for the signup order) and fetches the rows of the candidates
 * it meets. Only those users' stats and metadata are joined.
 */
export function fromClause(usesStats: boolean, first?: { where: SQL[]; order: SQL; limit: number; among?: SQL }): SQL {
  const S = srcSchema();
  if (usesStats) return sql`crm_user_stats s JOIN ${S}.users u ON u.id = s.user_id LEFT JOIN crm_user_metadata m ON m.user_id = u.id`;
  const walk = (cols: SQL) =>
    first ? sql`SELECT ${cols} FROM ${S}.users u ${whereSql(first.where)} ${first.order} LIMIT ${first.limit}` : sql``;
  const users = !first
    ? sql`${S}.users u`
    : first.among
      ? sql`(SELECT * FROM ${S}.users u WHERE u.id IN (SELECT w.id FROM (${walk(sql`u.id`)}) w WHERE w.id IN (${first.among}))) u`
      : sql`(${walk(sql`*`)}) u`;
  return sql`${users} LEFT JOIN crm_user_stats s ON s.user_id = u.id LEFT JOIN crm_user_metadata m ON m.user_id = u.id`;
}

/** Start of a local date in `timeZone`, as a timestamptz expression (constant, so indexes apply). */
const localDayStart = (day: string, timeZone: string, plusDays = 0) =>
  sql`((${day}::date + ${plusDays}::int)::timestamp AT TIME ZONE ${timeZone})`;

export function filterConditions(f: TUserFilters, timeZone: string): SQL[] {
  return conditionsOf(f, timeZone).map((c) => c.sql);
}

/**
 * Whether every filter is on app.users' own columns (search, signup and activity dates, segment): a list page is
 * then picked from app.users alone and only its rows are joined to their stats and metadata.
 */
export function onUsersAlone(f: TUserFilters): boolean {
  return conditionsOf(f, "UTC").every((c) => c.on === "u");
}

/** Each filter's condition and the table it reads: app.users (u), the stats (s) or the metadata (m). */
function conditionsOf(f: TUserFilters, timeZone: string): { sql: SQL; on: "u" | "s" | "m" }[] {
  const where: { sql: SQL; on: "u" | "s" | "m" }[] = [];
  const on = (table: "u" | "s" | "m", c: SQL) => where.push({ sql: c, on: table });
  if (f.search) {
    const pattern = `%${escapeLike(f.search)}%`;
    on("u", sql`(u.email ILIKE ${pattern} OR u.name ILIKE ${pattern})`);
  }
  // Users without a stats row count as free / never subscribed / $0. When a filter cannot match
  // them, it compares the column itself, so the stats indexes apply.
  if (f.plans?.length) {
    on("s", f.plans.includes("free") ? sql`coalesce(s.plan, 'free') IN (${list(f.plans)})` : sql`s.plan IN (${list(f.plans)})`);
  }
  if (f.statuses?.length) {
    on(
      "s",
      f.statuses.includes("none")
        ? sql`coalesce(s.subscription_status, 'none') IN (${list(f.statuses)})`
        : sql`s.subscription_status IN (${list(f.statuses)})`,
    );
  }
  if (f.tags?.length) {
    const tags = sql`ARRAY[${list([...new Set(f.tags.map(normalizeTag))])}]::text[]`;
    on("m", f.tagMode === "all" ? sql`m.tags @> ${tags}` : sql`m.tags && ${tags}`);
  }
  if (f.priorities?.length) on("m", sql`m.priority IN (${list(f.priorities)})`);
  if (f.joinedFrom) on("u", sql`u.created_at >= ${localDayStart(f.joinedFrom, timeZone)}`);
  if (f.joinedTo) on("u", sql`u.created_at < ${localDayStart(f.joinedTo, timeZone, 1)}`);
  if (f.activeFrom) on("u", sql`u.last_active_at >= ${localDayStart(f.activeFrom, timeZone)}`);
  if (f.activeTo) on("u", sql`u.last_active_at < ${localDayStart(f.activeTo, timeZone, 1)}`);
  const atLeast = (col: SQL, v: number) => (v > 0 ? sql`${col} >= ${v}` : sql`coalesce(${col}, 0) >= ${v}`);
  if (f.spentMin !== undefined) on("s", atLeast(sql`s.spent_cents`, Math.round(f.spentMin * 100)));
  if (f.spentMax !== undefined) on("s", sql`coalesce(s.spent_cents, 0) <= ${Math.round(f.spentMax * 100)}`);
  if (f.aiCostMin !== undefined) on("s", atLeast(sql`s.ai_cost_micros`, Math.round(f.aiCostMin * 1_000_000)));
  if (f.aiCostMax !== undefined) on("s", sql`coalesce(s.ai_cost_micros, 0) <= ${Math.round(f.aiCostMax * 1_000_000)}`);
  if (f.unprofitable) on("s", sql`s.margin_micros < 0`);
  if (f.segmentId) on("u", sql`u.id IN (SELECT user_id FROM crm_segment_members WHERE segment_id = ${f.segmentId})`);
  return where;
}

/**
 * Sets of user ids that every match belongs to, read from an index: users
 * with a stats row that meets the filter's strict stats conditions, users
 * with the priorities or tags asked for, and the segment's members. When one is small, the list starts from it instead of
 * walking users in sort order (which is slow when the matches are all old
 * users, as heavy AI users tend to be).
 */
export type TCandidateSet = {
  /** The ids, as a SELECT of one column. */
  set: SQL;
  /** For the stats set, its condition on crm_user_stats s (a page in signup order can sort the set by s.joined_at). */
  statsWhere?: SQL;
};

export function candidateSets(f: TUserFilters): TCandidateSet[] {
  const strict: SQL[] = [];
  if (f.spentMin !== undefined && f.spentMin > 0) strict.push(sql`s.spent_cents >= ${Math.round(f.spentMin * 100)}`);
  if (f.aiCostMin !== undefined && f.aiCostMin > 0) strict.push(sql`s.ai_cost_micros >= ${Math.round(f.aiCostMin * 1_000_000)}`);
  if (f.unprofitable) strict.push(sql`s.margin_micros < 0`);
  if (f.plans?.length && !f.plans.includes("free")) strict.push(sql`s.plan IN (${list(f.plans)})`);
  if (f.statuses?.length && !f.statuses.includes("none")) strict.push(sql`s.subscription_status IN (${list(f.statuses)})`);
  const sets: TCandidateSet[] = [];
  if (strict.length) {
    const statsWhere = sql.join(strict, sql` AND `);
    sets.push({ set: sql`SELECT s.user_id FROM crm_user_stats s WHERE ${statsWhere}`, statsWhere });
  }
  // Priorities and tags live in crm_user_metadata (indexed on priority, and GIN on tags): the few users who have them.
  const meta: SQL[] = [];
  if (f.priorities?.length) meta.push(sql`m.priority IN (${list(f.priorities)})`);
  if (f.tags?.length) {
    const tags = sql`ARRAY[${list([...new Set(f.tags.map(normalizeTag))])}]::text[]`;
    meta.push(f.tagMode === "all" ? sql`m.tags @> ${tags}` : sql`m.tags && ${tags}`);
  }
  if (meta.length) sets.push({ set: sql`SELECT m.user_id FROM crm_user_metadata m WHERE ${sql.join(meta, sql` AND `)}` });
  if (f.segmentId) sets.push({ set: sql`SELECT user_id FROM crm_segment_members WHERE segment_id = ${f.segmentId}` });
  return sets;
}

export const whereSql = (conds: SQL[]) => (conds.length ? sql`WHERE ${sql.join(conds, sql` AND `)}` : sql``);

/* Cursors: the sort they belong to, the sort key (µs since the epoch, or an integer) and the user id. */

export type TCursor = { sort: TUserSort; dir: "asc" | "desc"; value: string; id: string };

export function encodeCursor(c: TCursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.dir, c.value, c.id])).toString("base64url");
}

export function decodeCursor(cursor: string, sort: TUserSort, dir: "asc" | "desc"): TCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    typeof parsed[2] !== "string" ||
    !/^-?\d{1,20}$/.test(parsed[2]) ||
    typeof parsed[3] !== "string" ||
    !/^[0-9a-f-]{36}$/i.test(parsed[3])
  ) {
    throw new InvalidInputError("The page cursor is not valid; start from the first page");
  }
  if (parsed[0] !== sort || parsed[1] !== dir) {
    throw new InvalidInputError("The page cursor belongs to a different sort order; start from the first page");
  }
  return { sort, dir, value: parsed[2], id: parsed[3] };
}

/** The key as text that round-trips exactly (timestamps to the microsecond). */
export const cursorValueSql = (spec: TSortSpec) =>
  spec.kind === "time" ? sql`(extract(epoch from ${spec.key}) * 1000000)::bigint::text` : sql`${spec.key}::text`;

export function keysetCondition(spec: TSortSpec, c: TCursor): SQL {
  const value = spec.kind === "time" ? sql`(timestamptz 'epoch' + ${c.value}::bigint * interval '1 microsecond')` : sql`${c.value}::bigint`;
  return c.dir === "desc"
    ? sql`(${spec.key}, ${spec.tie}) < (${value}, ${c.id}::uuid)`
    : sql`(${spec.key}, ${spec.tie}) > (${value}, ${c.id}::uuid)`;
}

export const orderBySql = (spec: TSortSpec, dir: "asc" | "desc") =>
  dir === "desc" ? sql`ORDER BY ${spec.key} DESC, ${spec.tie} DESC` : sql`ORDER BY ${spec.key} ASC, ${spec.tie} ASC`;
