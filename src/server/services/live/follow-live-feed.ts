import type { DbOrTx } from "@/server/db/client";
import type { AdminActor, TServiceArgs } from "../context";
import { TooManyRequestsError, UnavailableError } from "../errors";
import {
  decodeCursor,
  encodeCursor,
  getLiveHub,
  type LiveHub,
  readItemsBetween,
  readLiveStats,
  readRecentItems,
  type TLiveMessage,
  type TPosition,
} from "./live-feed";

/** A reconnecting subscriber gets at most this many items it missed (the newest ones). */
export const CATCH_UP_LIMIT = 500;
/** Messages waiting for one subscriber; a subscriber this far behind is closed (it can reconnect and catch up). */
export const MAX_QUEUED_MESSAGES = 1000;

const advance = (p: TPosition, item: { kind: "event" | "session"; id: number }): TPosition =>
  item.kind === "event" ? { ...p, events: Math.max(p.events, item.id) } : { ...p, sessions: Math.max(p.sessions, item.id) };

/**
 * Opens a stream for an admin: refused at once (TooManyRequestsError) when
 * they already hold `maxStreams` open in this process.
 */
export function openLiveFeed({
  ctx,
  input: opts,
}: TServiceArgs<
  { lastEventId?: string | null; signal?: AbortSignal; hub?: LiveHub; maxStreams: number },
  AdminActor
>): AsyncGenerator<TLiveMessage> {
  const db = ctx.db;
  const hub = opts.hub ?? getLiveHub(db);
  const release = hub.hold(ctx.actor.id, opts.maxStreams);
  if (!release) {
    throw new TooManyRequestsError(`You have ${opts.maxStreams} live views open already; close one (another tab?) first.`, 5);
  }
  return followLiveFeed(db, { ...opts, hub, release });
}

/**
 * One subscriber's stream: what it missed since `lastEventId` (at most the
 * newest CATCH_UP_LIMIT items; the newest few for a fresh dashboard), the
 * current counters, then the shared hub's messages as they come. Anything at
 * or before the subscriber's position is dropped, so a reconnect neither
 * skips nor repeats an item. Ends when `signal` aborts; `release` runs
 * when it ends.
 */
export async function* followLiveFeed(
  db: DbOrTx,
  opts: { lastEventId?: string | null; signal?: AbortSignal; hub?: LiveHub; release?: () => void },
): AsyncGenerator<TLiveMessage> {
  const hub = opts.hub ?? getLiveHub(db);
  const queue: TLiveMessage[] = [];
  let overflowed = false;
  let wake: (() => void) | null = null;
  const unsubscribe = hub.subscribe((m) => {
    if (queue.length >= MAX_QUEUED_MESSAGES) overflowed = true;
    else queue.push(m);
    wake?.();
  });
  try {
    // Registered first, then asked where the hub stands: every item after `hubAt` reaches the queue.
    const hubAt = await hub.ready();
    const resumeFrom = decodeCursor(opts.lastEventId);
    let position: TPosition;
    if (resumeFrom) {
      // A cursor from the future (forged, or another database) is held to the present.
      position = { events: Math.min(resumeFrom.events, hubAt.events), sessions: Math.min(resumeFrom.sessions, hubAt.sessions) };
      for (const item of await readItemsBetween(db, position, hubAt, CATCH_UP_LIMIT)) {
        position = advance(position, item);
        yield { type: "item", item, cursor: encodeCursor(position) };
      }
    } else {
      // History for a fresh dashboard: all of it carries the snapshot's position, so a reconnect resumes after it.
      for (const item of await readRecentItems(db, hubAt)) yield { type: "item", item, cursor: encodeCursor(hubAt) };
    }
    position = hubAt;
    const stats = await readLiveStats(db);
    yield { type: "stats", ...stats, cursor: encodeCursor(position) };

    while (!opts.signal?.aborted) {
      if (overflowed) throw new UnavailableError("The live feed fell too far behind and was closed; reload to reconnect.");
      if (queue.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          opts.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
        wake = null;
        continue;
      }
      const m = queue.shift() as TLiveMessage;
      if (m.type === "item") {
        const seen = m.item.kind === "event" ? position.events : position.sessions;
        if (m.item.id <= seen) continue;
        position = advance(position, m.item);
        yield { ...m, cursor: encodeCursor(position) };
      } else {
        yield { ...m, cursor: encodeCursor(position) };
      }
    }
  } finally {
    unsubscribe();
    opts.release?.();
  }
}
