import { type SQL, sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import { type TListUsersInput, ZListUsersInput } from "@/shared/schemas/users";
import type { TUserFilters, TUserSort } from "@/shared/users-query";
import type { TServiceArgs } from "../context";
import { readUserStatsFreshness } from "./refresh-user-stats";
import {
  candidateSets,
  cursorValueSql,
  decodeCursor,
  encodeCursor,
  filterConditions,
  fromClause,
  keysetCondition,
  onUsersAlone,
  orderBySql,
  sortSpec,
  type TCandidateSet,
  whereSql,
} from "./user-query";

export type TUserListItem = {
  id: string;
  email: string;
  name: string | null;
  joinedAt: Date;
  lastActiveAt: Date | null;
  plan: string;
  subscriptionStatus: string;
  totalSpent: number;
  aiTokens: number;
  aiCostUsd: number;
  marginUsd: number;
  tags: string[];
  priority: string | null;
};

/**
 * How a list page finds its users when a filter names a set of candidates (see candidateSets). Up to `small`
 * candidates, it starts from them: looking each up and sorting them is cheap. Up to `large`, it first walks
 * the first users in sort order among the smallest set of candidates (see walkLength: cheap when matches are
 * spread over all users, or common among new users as pro users are) and, when that does not fill the page,
 * starts from the candidates: walking every user in order
 * to find a page of rare matches (heavy AI users are old users) read most of a million users. Beyond
 * `large`, it walks users in sort order. A page in signup order that starts from the stats set sorts it by the
 * stats' copy of the signup time (statsOrder), from the filter's index, and looks up only the page's users.
 */
export type TListTuning = {
  small: number;
  large: number;
  walk: number;
  walkMax: number;
  /** A page in signup order starting from the stats set sorts it by the stats' copy of the signup time (default on). */
  statsOrder?: boolean;
};
const TUNING: TListTuning = { small: 5_000, large: 50_000, walk: 5_000, walkMax: 100_000 };

/**
 * How many users the walk reads: enough to meet twice a page of candidates when they are spread evenly over
 * all users (`users`, from the numbering), at least `walk` and at most `walkMax`. A walk longer than `walk`
 * reads the order's index and fetches only the candidates' rows, so it costs little.
 */
function walkLength(tuning: TListTuning, limit: number, candidates: number, users: number): number {
  const even = candidates > 0 ? Math.ceil((2 * (limit + 1) * users) / candidates) : tuning.walk;
  return Math.max(tuning.walk, Math.min(tuning.walkMax, even));
}

type TRow = {
  id: string;
  email: string;
  name: string | null;
  created_at: Date | string;
  last_active_at: Date | string | null;
  plan: string | null;
  subscription_status: string | null;
  spent_cents: string | number | null;
  ai_tokens: string | number | null;
  ai_cost_micros: string | number | null;
  tags: string[] | null;
  priority: string | null;
  cursor_value: string;
};

const toItem = (r: TRow): TUserListItem => {
  const spentCents = Number(r.spent_cents ?? 0);
  const costMicros = Number(r.ai_cost_micros ?? 0);
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    joinedAt: new Date(r.created_at),
    lastActiveAt: r.last_active_at ? new Date(r.last_active_at) : null,
    plan: r.plan ?? "free",
    subscriptionStatus: r.subscription_status ?? "none",
    totalSpent: spentCents / 100,
    aiTokens: Number(r.ai_tokens ?? 0),
    aiCostUsd: costMicros / 1_000_000,
    marginUsd: (spentCents * 10_000 - costMicros) / 1_000_000,
    tags: r.tags ?? [],
    priority: r.priority,
  };
};

/** One page of users matching the filters, in the chosen order, with the cursor of the next page. */
export async function listUsersPage(
  db: DbOrTx,
  opts: { filters: TUserFilters; sort: TUserSort; dir: "asc" | "desc"; limit: number; cursor?: string; timeZone: string },
  tuning: TListTuning = TUNING,
): Promise<{ items: TUserListItem[]; nextCursor: string | null }> {
  const spec = sortSpec(opts.sort);
  const conds = filterConditions(opts.filters, opts.timeZone);
  const cursor = opts.cursor ? decodeCursor(opts.cursor, opts.sort, opts.dir) : null;
  const keyset = cursor ? keysetCondition(spec, cursor) : null;
  let small: TCandidateSet | null = null;
  let fallback: (TCandidateSet & { n: number }) | null = null;
  if (!spec.usesStats) {
    for (const candidates of candidateSets(opts.filters)) {
      const [probe] = await executeRows<{ n: string | number }>(
        db,
        sql`SELECT count(*) AS n FROM (${candidates.set} LIMIT ${tuning.large + 1}) x`,
      );
      const n = Number(probe?.n ?? 0);
      if (n <= tuning.small) {
        small = candidates;
        fallback = null;
        break;
      }
      if (n <= tuning.large && (!fallback || n < fallback.n)) fallback = { ...candidates, n };
    }
  }
  const columns = sql`u.id, u.email, u.name, u.created_at, u.last_active_at, s.plan, s.subscription_status, s.spent_cents,
    s.ai_tokens, s.ai_cost_micros, m.tags, m.priority, ${cursorValueSql(spec)} AS cursor_value`;
  const select = (from: SQL, where: SQL[]) =>
    executeRows<TRow>(db, sql`SELECT ${columns} FROM ${from} ${whereSql(where)} ${orderBySql(spec, opts.dir)} LIMIT ${opts.limit + 1}`);
  // In signup order, the stats set's candidates can be sorted by the stats' copy of the signup time (statsOrder).
  const bySignup = opts.sort === "joined" && tuning.statsOrder !== false;
  const inSignupOrder = async (statsWhere: SQL) => {
    // The candidates' (user, signup time) from the filter's stats index alone, sorted; each in turn is looked up
    // (stats row, then app.users, where the other conditions are checked) until the page is full. Rows made by an
    // AI-usage batch since the last stats refresh have no copy yet (a partial index finds them): they are read whole
    // and merged in by their own signup time.
    const order = opts.dir === "desc" ? sql`DESC` : sql`ASC`;
    const after = (key: SQL, tie: SQL) => (cursor ? [keysetCondition({ ...spec, key, tie }, cursor)] : []);
    const joins = sql`JOIN ${srcSchema()}.users u ON u.id = s.user_id LEFT JOIN crm_user_metadata m ON m.user_id = u.id`;
    return executeRows<TRow>(
      db,
      sql`SELECT * FROM (
          (SELECT ${columns} FROM (
              SELECT s.user_id, s.joined_at FROM crm_user_stats s
              ${whereSql([statsWhere, sql`s.joined_at IS NOT NULL`, ...after(sql`s.joined_at`, sql`s.user_id`)])}
              ORDER BY s.joined_at ${order}, s.user_id ${order} OFFSET 0
            ) c CROSS JOIN LATERAL (SELECT * FROM crm_user_stats s WHERE s.user_id = c.user_id OFFSET 0) s ${joins}
            ${whereSql(conds)} ORDER BY c.joined_at ${order}, c.user_id ${order} LIMIT ${opts.limit + 1})
          UNION ALL
          (SELECT ${columns} FROM crm_user_stats s ${joins}
            ${whereSql([sql`s.joined_at IS NULL`, statsWhere, ...conds, ...after(sql`u.created_at`, sql`u.id`)])})
        ) x ORDER BY x.created_at ${order}, x.id ${order} LIMIT ${opts.limit + 1}`,
    );
  };
  if (small?.statsWhere && bySignup) return pageOf(await inSignupOrder(small.statsWhere), opts);
  if (small) conds.push(sql`u.id = ANY(ARRAY(${small.set}))`);
  let rows: TRow[] | null = null;
  if (fallback) {
    // The first users in order, among the candidates: a full page among them is the page (any later match
    // sorts after them).
    const [count] = await executeRows<{ n: string | number }>(db, sql`SELECT coalesce(max(num), -1) + 1 AS n FROM crm_user_numbers`);
    const limit = walkLength(tuning, opts.limit, fallback.n, Number(count?.n ?? 0));
    // A walk longer than the usual one (sparse candidates) reads only the index and the candidates' rows; the usual
    // walk reads its users' rows and checks each one (cheaper than gathering tens of thousands of candidates).
    const among = limit > tuning.walk ? fallback.set : undefined;
    const first = await select(
      fromClause(false, { where: keyset ? [keyset] : [], order: orderBySql(spec, opts.dir), limit, among }),
      conds,
    );
    if (first.length > opts.limit) rows = first;
    else if (fallback.statsWhere && bySignup) rows = await inSignupOrder(fallback.statsWhere);
    else conds.push(sql`u.id = ANY(ARRAY(${fallback.set}))`);
  }
  const where = keyset ? [...conds, keyset] : conds;
  // Every condition and the order on app.users: the page is picked there and only its rows are joined to their stats
  // and metadata (the planner joined every match first: a search for "kim5" read 4,438 stats rows at 1M users).
  if (!rows && !spec.usesStats && onUsersAlone(opts.filters)) {
    rows = await select(fromClause(false, { where, order: orderBySql(spec, opts.dir), limit: opts.limit + 1 }), []);
  }
  rows ??= await select(fromClause(spec.usesStats), where);
  return pageOf(rows, opts);
}

/** A page (the first `limit` rows) and the cursor after it, when more follow. */
function pageOf(rows: TRow[], opts: { sort: TUserSort; dir: "asc" | "desc"; limit: number }) {
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor:
      rows.length > opts.limit && last ? encodeCursor({ sort: opts.sort, dir: opts.dir, value: last.cursor_value, id: last.id }) : null,
  };
}

/** users.list: a page of the filtered, sorted list and how fresh its plan, spend and AI figures are. */
export async function listUsers({ ctx, input: raw }: TServiceArgs<TListUsersInput>) {
  const input = ZListUsersInput.parse(raw);
  const { db } = ctx;
  // One after the other on one connection, not side by side on two: the freshness is a one-row read, and a page
  // that lands on a connection whose backend has never run the search pays for loading it (a trigram search at 1M
  // users: 75 ms on such a backend, 9–13 ms after). One connection per list request, too.
  const statsAsOf = await readUserStatsFreshness(db);
  const page = await listUsersPage(db, {
    filters: input.filters,
    sort: input.sort.sort,
    dir: input.sort.dir,
    limit: input.limit,
    cursor: input.cursor,
    timeZone: input.timeZone,
  });
  return { ...page, statsAsOf };
}
