import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";

export type TRateLimit = { limit: number; periodMs: number };
export type TRateDecision = { allowed: boolean; retryAfterSeconds: number };

/** Keys never hold an address or an IP in clear. */
export const limitKey = (kind: string, value: string) => `${kind}:${createHash("sha256").update(value).digest("hex").slice(0, 32)}`;

/**
 * Counts one request against `key` and says whether it may go ahead: at most
 * `limit` requests in any `periodMs` window, as a burst or spread out (the
 * generic cell rate algorithm, one statement, atomic under concurrency). A
 * refused request does not use up anything.
 */
export async function consumeRateLimit(db: DbOrTx, key: string, rule: TRateLimit, now = new Date()): Promise<TRateDecision> {
  const emission = rule.periodMs / rule.limit;
  const at = sql`${now.toISOString()}::timestamptz`;
  const step = sql`(${emission}::double precision * interval '1 millisecond')`;
  const period = sql`(${rule.periodMs}::double precision * interval '1 millisecond')`;
  const next = sql`greatest(r.tat, ${at}) + ${step}`;
  const [row] = await executeRows<{ allowed: boolean; wait_ms: number | string }>(
    db,
    sql`INSERT INTO crm_rate_limits AS r (key, tat, allowed) VALUES (${key}, ${at} + ${step}, true)
        ON CONFLICT (key) DO UPDATE SET
          allowed = (${next} - ${at} <= ${period}),
          tat = CASE WHEN ${next} - ${at} <= ${period} THEN ${next} ELSE r.tat END
        RETURNING allowed, extract(epoch FROM (tat + ${step} - ${period} - ${at})) * 1000 AS wait_ms`,
  );
  const allowed = Boolean(row?.allowed);
  return { allowed, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(Number(row?.wait_ms ?? 1000) / 1000)) };
}

/** Rows whose window has fully passed carry no state: deleting them changes no decision. */
export async function purgeRateLimits(db: DbOrTx, now = new Date()) {
  await db.execute(sql`DELETE FROM crm_rate_limits WHERE tat < ${now.toISOString()}::timestamptz`);
}
