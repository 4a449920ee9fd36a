import type { Db, DbOrTx } from "@/server/db/client";
import type { EmailProvider } from "@/server/email/types";
import type { PushSender } from "@/server/push/types";
import { createJobEngine, serviceContext } from "@/server/runtime";
import { type Actor, type SystemActor, systemActor, type TServiceCtx } from "@/server/services/context";

/** A service context for tests, built where the app builds its own (server/runtime.ts). */
export function testCtx<A extends Actor = SystemActor>(
  db: DbOrTx,
  actor?: A,
  given: Partial<Omit<TServiceCtx<A>, "db" | "actor">> = {},
): TServiceCtx<A> {
  return serviceContext(db, actor ?? (systemActor("test") as A), given);
}

/** A clock that stands still at `at` (or moves when the test moves it). */
export function testClock(at = new Date()) {
  let now = at.getTime();
  const clock = () => new Date(now);
  return Object.assign(clock, {
    set: (d: Date) => {
      now = d.getTime();
    },
    advance: (ms: number) => {
      now += ms;
    },
  });
}

/** The in-process job engine on a test database: `drain()` runs the queue to the end, as the server's engine would. */
export function testEngine(
  db: Db,
  opts: { email?: EmailProvider; push?: PushSender; clock?: () => Date; owner?: string; leaseMs?: number; backoffMs?: number } = {},
) {
  return createJobEngine(db, { pollMs: 20, backoffMs: 10, ...opts });
}
