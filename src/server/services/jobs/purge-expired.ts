import { lt } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmAuthSessions } from "@/server/db/schema";
import { purgeExpiredSignInTokens } from "../auth/sign-in-links";
import { purgeRateLimits } from "../limits/rate-limit";

/** Housekeeping on each heartbeat: expired sign-in links, sessions and rate-limit rows carry nothing; they go. */
export async function purgeExpired(db: DbOrTx, now = new Date()) {
  await purgeExpiredSignInTokens(db, now);
  await db.delete(crmAuthSessions).where(lt(crmAuthSessions.expires, now));
  await purgeRateLimits(db, now);
}
