import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { iso, num, srcSchema } from "@/server/db/source";
import type { AnalyticsSource, TWindow } from "../source";
import { customerChurn, monthlyRecurringRevenue } from "../subscriptions";

/**
 * docs/metrics.md as straightforward SQL over the raw tables. Slow on large
 * data by design: it is the definition the fast path is tested against, and
 * the baseline of `npm run bench -- analytics`.
 */
export function rawSource(db: DbOrTx): AnalyticsSource {
  const S = srcSchema();
  const activeIn = (w: TWindow) => sql`
    SELECT user_id FROM ${S}.sessions WHERE started_at >= ${iso(w.from)}::timestamptz AND started_at < ${iso(w.to)}::timestamptz
    UNION
    SELECT user_id FROM ${S}.events WHERE occurred_at >= ${iso(w.from)}::timestamptz AND occurred_at < ${iso(w.to)}::timestamptz`;
  const count = async (q: ReturnType<typeof sql>) => num((await executeRows<{ n: string }>(db, q))[0]?.n);

  const retentionFor = async (w: TWindow, n: number, tz: string, now: Date) => {
    const [row] = await executeRows<{ eligible: string; retained: string }>(
      db,
      sql`
        WITH cohort AS (
          SELECT id, ((created_at AT TIME ZONE ${tz})::date + ${n}::int)::timestamp AT TIME ZONE ${tz} AS w0,
                     ((created_at AT TIME ZONE ${tz})::date + ${n + 1}::int)::timestamp AT TIME ZONE ${tz} AS w1
          FROM ${S}.users WHERE created_at >= ${iso(w.from)}::timestamptz AND created_at < ${iso(w.to)}::timestamptz
        )
        SELECT count(*) AS eligible,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${S}.sessions s WHERE s.user_id = c.id AND s.started_at >= c.w0 AND s.started_at < c.w1)
                                   OR EXISTS (SELECT 1 FROM ${S}.events e WHERE e.user_id = c.id AND e.occurred_at >= c.w0 AND e.occurred_at < c.w1)) AS retained
        FROM cohort c WHERE c.w1 <= ${iso(now)}::timestamptz`,
    );
    return { eligible: num(row?.eligible), retained: num(row?.retained) };
  };

  const newUsers = (w: TWindow) =>
    count(
      sql`SELECT count(*) AS n FROM ${S}.users WHERE created_at >= ${iso(w.from)}::timestamptz AND created_at < ${iso(w.to)}::timestamptz`,
    );

  return {
    totalUsersBefore: (at) => count(sql`SELECT count(*) AS n FROM ${S}.users WHERE created_at < ${iso(at)}::timestamptz`),
    newUsers,
    activeUsers: (w) => count(sql`SELECT count(*) AS n FROM (${activeIn(w)}) x`),

    async retention(w, ns, tz, now) {
      const byN: { eligible: number; retained: number }[] = [];
      for (const n of ns) byN.push(await retentionFor(w, n, tz, now));
      return { signups: await newUsers(w), byN };
    },

    async eventCounts(w) {
      const rows = await executeRows<{ name: string; n: string }>(
        db,
        sql`SELECT name, count(*) AS n FROM ${S}.events WHERE occurred_at >= ${iso(w.from)}::timestamptz AND occurred_at < ${iso(w.to)}::timestamptz GROUP BY name`,
      );
      return new Map(rows.map((r) => [r.name, num(r.n)]));
    },

    sessionsStarted: (w) =>
      count(
        sql`SELECT count(*) AS n FROM ${S}.sessions WHERE started_at >= ${iso(w.from)}::timestamptz AND started_at < ${iso(w.to)}::timestamptz`,
      ),

    async dailyEventCounts(w, name, tz) {
      const rows = await executeRows<{ d: string; n: string }>(
        db,
        sql`SELECT to_char(occurred_at AT TIME ZONE ${tz}, 'YYYY-MM-DD') AS d, count(*) AS n FROM ${S}.events
            WHERE name = ${name} AND occurred_at >= ${iso(w.from)}::timestamptz AND occurred_at < ${iso(w.to)}::timestamptz GROUP BY 1`,
      );
      return new Map(rows.map((r) => [r.d, num(r.n)]));
    },

    async intensive(w) {
      const [row] = await executeRows<{ started: string; completed: string; hours: string | null }>(
        db,
        sql`
        WITH firsts AS (
          SELECT user_id, min(occurred_at) AS started_at FROM ${S}.events
          WHERE name = 'intensive.started' GROUP BY user_id
        ), flow AS (
          SELECT f.user_id, f.started_at,
            (SELECT min(c.occurred_at) FROM ${S}.events c WHERE c.user_id = f.user_id AND c.name = 'intensive.completed'
               AND c.occurred_at >= f.started_at) AS completed_at
          FROM firsts f WHERE f.started_at >= ${iso(w.from)}::timestamptz AND f.started_at < ${iso(w.to)}::timestamptz
        )
        SELECT count(*) AS started, count(completed_at) AS completed,
               sum(EXTRACT(EPOCH FROM (completed_at - started_at)) / 3600.0) AS hours
        FROM flow`,
      );
      return { started: num(row?.started), completed: num(row?.completed), totalHours: num(row?.hours) };
    },

    async tokens(w) {
      const rows = await executeRows<{ model: string; tokens: string; cost: string; calls: string }>(
        db,
        sql`SELECT model, sum(input_tokens + output_tokens) AS tokens, sum(cost_usd) AS cost, count(*) AS calls
            FROM ${S}.token_usage WHERE created_at >= ${iso(w.from)}::timestamptz AND created_at < ${iso(w.to)}::timestamptz GROUP BY model`,
      );
      return rows.map((r) => ({ model: r.model, tokens: num(r.tokens), costUsd: num(r.cost), calls: num(r.calls) }));
    },

    async topUsersByCost(w, limit) {
      const rows = await executeRows<{ user_id: string; name: string | null; email: string; tokens: string; cost: string }>(
        db,
        sql`SELECT t.user_id, u.name, u.email, t.tokens, t.cost FROM (
              SELECT user_id, sum(input_tokens + output_tokens) AS tokens, sum(cost_usd) AS cost
              FROM ${S}.token_usage WHERE created_at >= ${iso(w.from)}::timestamptz AND created_at < ${iso(w.to)}::timestamptz
              GROUP BY user_id ORDER BY cost DESC, tokens DESC, user_id LIMIT ${limit}
            ) t JOIN ${S}.users u ON u.id = t.user_id ORDER BY t.cost DESC, t.tokens DESC, t.user_id`,
      );
      return rows.map((r) => ({ userId: r.user_id, name: r.name, email: r.email, tokens: num(r.tokens), costUsd: num(r.cost) }));
    },

    async dailyTokens(w, tz) {
      const rows = await executeRows<{ d: string; tokens: string; cost: string }>(
        db,
        sql`SELECT to_char(created_at AT TIME ZONE ${tz}, 'YYYY-MM-DD') AS d, sum(input_tokens + output_tokens) AS tokens, sum(cost_usd) AS cost
            FROM ${S}.token_usage WHERE created_at >= ${iso(w.from)}::timestamptz AND created_at < ${iso(w.to)}::timestamptz GROUP BY 1`,
      );
      return new Map(rows.map((r) => [r.d, { tokens: num(r.tokens), costUsd: num(r.cost) }]));
    },

    monthlyRecurringRevenue: (ats) => monthlyRecurringRevenue(db, ats),
    customerChurn: (w) => customerChurn(db, w),

    revenue: (w) =>
      count(sql`SELECT coalesce(sum(amount), 0) AS n FROM ${S}.payments WHERE status = 'succeeded'
                AND paid_at >= ${iso(w.from)}::timestamptz AND paid_at < ${iso(w.to)}::timestamptz`),

    async revenueBreakdown(w, tz) {
      const [byPlan, daily] = await Promise.all([
        executeRows<{ plan: string | null; n: string }>(
          db,
          sql`SELECT plan, sum(amount) AS n FROM ${S}.payments WHERE status = 'succeeded'
              AND paid_at >= ${iso(w.from)}::timestamptz AND paid_at < ${iso(w.to)}::timestamptz GROUP BY plan`,
        ),
        executeRows<{ d: string; n: string }>(
          db,
          sql`SELECT to_char(paid_at AT TIME ZONE ${tz}, 'YYYY-MM-DD') AS d, sum(amount) AS n FROM ${S}.payments
              WHERE status = 'succeeded' AND paid_at >= ${iso(w.from)}::timestamptz AND paid_at < ${iso(w.to)}::timestamptz GROUP BY 1`,
        ),
      ]);
      return { daily: new Map(daily.map((r) => [r.d, num(r.n)])), byPlan: new Map(byPlan.map((r) => [r.plan ?? "(none)", num(r.n)])) };
    },

    async cohortActivity(cohort, windows) {
      const size = await count(
        sql`SELECT count(*) AS n FROM ${S}.users WHERE created_at >= ${iso(cohort.from)}::timestamptz AND created_at < ${iso(cohort.to)}::timestamptz`,
      );
      const active: number[] = [];
      for (const w of windows) {
        active.push(
          await count(sql`SELECT count(*) AS n FROM (${activeIn(w)}) a JOIN ${S}.users u ON u.id = a.user_id
                          WHERE u.created_at >= ${iso(cohort.from)}::timestamptz AND u.created_at < ${iso(cohort.to)}::timestamptz`),
        );
      }
      return { size, active };
    },
  };
}
