import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { type TCountUsersInput, ZCountUsersInput } from "@/shared/schemas/users";
import type { TServiceArgs } from "../context";
import { filterConditions, fromClause, whereSql } from "./user-query";

export const EXACT_COUNT_LIMIT = 10_000;

/**
 * How many users match: exact up to 10,000 (counting stops there, so a broad
 * filter costs no more than a narrow one), above that the planner's estimate,
 * labelled as such.
 */
export async function countUsers({ ctx, input: raw }: TServiceArgs<TCountUsersInput>): Promise<{ count: number; exact: boolean }> {
  const input = ZCountUsersInput.parse(raw);
  const { db } = ctx;
  const where = whereSql(filterConditions(input.filters, input.timeZone));
  const from = fromClause(false);
  const [row] = await executeRows<{ n: string | number }>(
    db,
    sql`SELECT count(*) AS n FROM (SELECT 1 FROM ${from} ${where} LIMIT ${EXACT_COUNT_LIMIT + 1}) x`,
  );
  const n = Number(row?.n ?? 0);
  if (n <= EXACT_COUNT_LIMIT) return { count: n, exact: true };
  const [plan] = await executeRows<{ "QUERY PLAN": unknown }>(db, sql`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${from} ${where}`);
  const doc = plan?.["QUERY PLAN"];
  const parsed = (typeof doc === "string" ? JSON.parse(doc) : doc) as { Plan?: { "Plan Rows"?: number } }[] | undefined;
  const estimate = Math.round(parsed?.[0]?.Plan?.["Plan Rows"] ?? 0);
  // The estimate can undershoot; the count never reads below what was actually seen.
  return { count: Math.max(estimate, EXACT_COUNT_LIMIT + 1), exact: false };
}
