import { env } from "@/lib/env";
import { TooManyRequestsError } from "../errors";

/*
 * Heavy reads (a segment preview, a users count, a CSV export) scan the main
 * app's tables. One admin may run at most MAX_HEAVY_READS_PER_ADMIN of them
 * at once in this process; more is refused at once, before any query, so a
 * stuck tab or a script cannot queue up work on the shared database. Per
 * process: with N instances an admin has at most N times as many.
 */

const globalForReads = globalThis as unknown as { __crmHeavyReads?: Map<string, number> };
const running = () => {
  globalForReads.__crmHeavyReads ??= new Map();
  return globalForReads.__crmHeavyReads;
};

/** Takes a slot for `adminId`, or throws TooManyRequestsError; the returned function gives it back (once). */
export function acquireHeavyRead(adminId: string, max = env().MAX_HEAVY_READS_PER_ADMIN): () => void {
  const map = running();
  const n = map.get(adminId) ?? 0;
  if (n >= max) {
    throw new TooManyRequestsError(
      `You already have ${n} heavy ${n === 1 ? "query" : "queries"} running (segment previews, counts, exports). Wait for ${n === 1 ? "it" : "one"} to finish.`,
      2,
    );
  }
  map.set(adminId, n + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (map.get(adminId) ?? 1) - 1;
    if (left <= 0) map.delete(adminId);
    else map.set(adminId, left);
  };
}
