import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
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
  orderBySql,
  sortSpec,
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
 * Up to this many candidates, a list page starts from the candidates (see candidateSets): looking each up
 * and sorting them costs tens of milliseconds, where walking every user in sort order to find a page of
 * rare matches (heavy AI users are old users) read most of a million users.
 */
const SMALL_SET = 20_000;

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
): Promise<{ items: TUserListItem[]; nextCursor: string | null }> {
  const spec = sortSpec(opts.sort);
  const conds = filterConditions(opts.filters, opts.timeZone);
  if (!spec.usesStats) {
    for (const set of candidateSets(opts.filters)) {
      const [probe] = await executeRows<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM (${set} LIMIT ${SMALL_SET + 1}) x`);
      if (Number(probe?.n ?? 0) <= SMALL_SET) {
        conds.push(sql`u.id = ANY(ARRAY(${set}))`);
        break;
      }
    }
  }
  if (opts.cursor) conds.push(keysetCondition(spec, decodeCursor(opts.cursor, opts.sort, opts.dir)));
  const rows = await executeRows<TRow>(
    db,
    sql`SELECT u.id, u.email, u.name, u.created_at, u.last_active_at, s.plan, s.subscription_status, s.spent_cents,
          s.ai_tokens, s.ai_cost_micros, m.tags, m.priority, ${cursorValueSql(spec)} AS cursor_value
        FROM ${fromClause(spec.usesStats)} ${whereSql(conds)} ${orderBySql(spec, opts.dir)} LIMIT ${opts.limit + 1}`,
  );
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
  const [page, statsAsOf] = await Promise.all([
    listUsersPage(db, {
      filters: input.filters,
      sort: input.sort.sort,
      dir: input.sort.dir,
      limit: input.limit,
      cursor: input.cursor,
      timeZone: input.timeZone,
    }),
    readUserStatsFreshness(db),
  ]);
  return { ...page, statsAsOf };
}
