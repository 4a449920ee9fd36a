import { lt, sql } from "drizzle-orm";
import { crmAuthSessions } from "@/server/db/schema";
import { purgeSourceChanges } from "../analytics/kept-source";
import { purgeExpiredSignInTokens } from "../auth/sign-in-links";
import type { TServiceArgs } from "../context";
import { purgeRateLimits } from "../limits/rate-limit";

/**
 * Housekeeping on each heartbeat: expired sign-in links, sessions and
 * rate-limit rows carry nothing, and finished queue rows are kept a week
 * (failed ones a month, to read their errors); then they go. So do the main
 * app's change-log rows no kept analytics number can need (an hour on).
 */
export async function purgeExpired({ ctx }: TServiceArgs<void>) {
  const now = ctx.clock();
  await purgeExpiredSignInTokens(ctx.db, now);
  await ctx.db.delete(crmAuthSessions).where(lt(crmAuthSessions.expires, now));
  await purgeRateLimits(ctx.db, now);
  const at = now.toISOString();
  await ctx.db.execute(sql`DELETE FROM crm_job_queue WHERE (status = 'done' AND finished_at < ${at}::timestamptz - interval '7 days')
    OR (status = 'failed' AND finished_at < ${at}::timestamptz - interval '30 days')`);
  await purgeSourceChanges(ctx.db);
}
