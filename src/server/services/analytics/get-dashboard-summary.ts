import { and, count, eq, gte, sql, sum } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { appPayments, appTokenUsage, appUsers } from "@/server/db/schema";

/**
 * The headline numbers of the dashboard shell, computed directly on the
 * source tables. Definitions: docs/metrics.md ("Dashboard summary").
 */
export async function getDashboardSummary(db: DbOrTx, now: Date = new Date()) {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const [users] = await db
    .select({
      total: count(),
      active30d: sql<number>`count(*) filter (where ${appUsers.lastActiveAt} >= ${since.toISOString()}::timestamptz)::int`,
      new30d: sql<number>`count(*) filter (where ${appUsers.createdAt} >= ${since.toISOString()}::timestamptz)::int`,
    })
    .from(appUsers);
  const [revenue] = await db
    .select({ total: sum(appPayments.amount) })
    .from(appPayments)
    .where(and(eq(appPayments.status, "succeeded"), gte(appPayments.paidAt, since)));
  const [ai] = await db
    .select({ cost: sum(appTokenUsage.costUsd) })
    .from(appTokenUsage)
    .where(gte(appTokenUsage.createdAt, since));
  const rows = await executeRows<{ day: string; n: number }>(
    db,
    sql`
    select to_char(d, 'YYYY-MM-DD') as day, coalesce(c.n, 0)::int as n
    from generate_series(date_trunc('day', ${now.toISOString()}::timestamptz at time zone 'UTC') - interval '29 days',
                         date_trunc('day', ${now.toISOString()}::timestamptz at time zone 'UTC'), interval '1 day') as d
    left join (
      select date_trunc('day', ${appUsers.createdAt} at time zone 'UTC') as day, count(*) as n
      from ${appUsers}
      where ${appUsers.createdAt} >= ${since.toISOString()}::timestamptz - interval '1 day'
      group by 1
    ) c on c.day = d
    order by d`,
  );
  return {
    totalUsers: users?.total ?? 0,
    activeUsers30d: users?.active30d ?? 0,
    newUsers30d: users?.new30d ?? 0,
    revenue30dUsd: Number(revenue?.total ?? 0),
    aiCost30dUsd: Number(ai?.cost ?? 0),
    signupsByDay: rows.map((r) => ({ date: r.day, value: Number(r.n) })),
  };
}
export type TDashboardSummary = Awaited<ReturnType<typeof getDashboardSummary>>;
