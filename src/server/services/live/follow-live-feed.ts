import type { DbOrTx } from "@/server/db/client";
import {
  decodeCursor,
  encodeCursor,
  getLiveHub,
  type LiveHub,
  readItemsAfter,
  readLiveStats,
  readRecentItems,
  type TLiveMessage,
  type TPosition,
} from "./live-feed";

/**
 * One subscriber's stream: what it missed since `lastEventId` (or the newest
 * items for a fresh dashboard), the current counters, then the shared hub's
 * messages as they come. Anything at or before the subscriber's position is
 * dropped, so a reconnect neither skips nor repeats an item. Ends when
 * `signal` aborts.
 */
export async function* followLiveFeed(
  db: DbOrTx,
  opts: { lastEventId?: string | null; signal?: AbortSignal; hub?: LiveHub },
): AsyncGenerator<TLiveMessage> {
  const hub = opts.hub ?? getLiveHub(db);
  const queue: TLiveMessage[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = hub.subscribe((m) => {
    queue.push(m);
    wake?.();
  });
  try {
    let position: TPosition;
    const resumeFrom = decodeCursor(opts.lastEventId);
    if (resumeFrom) {
      position = resumeFrom;
      for (const item of await readItemsAfter(db, resumeFrom, 500)) {
        position =
          item.kind === "event"
            ? { ...position, events: Math.max(position.events, item.id) }
            : { ...position, sessions: Math.max(position.sessions, item.id) };
        yield { type: "item", item, cursor: encodeCursor(position) };
      }
    } else {
      // History for a fresh dashboard: all of it carries the snapshot's position, so a reconnect resumes after it.
      const recent = await readRecentItems(db);
      position = recent.position;
      for (const item of recent.items) yield { type: "item", item, cursor: encodeCursor(position) };
    }
    hub.seed(position);
    const stats = await readLiveStats(db);
    yield { type: "stats", ...stats, cursor: encodeCursor(position) };

    while (!opts.signal?.aborted) {
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
        position = m.item.kind === "event" ? { ...position, events: m.item.id } : { ...position, sessions: m.item.id };
        yield { ...m, cursor: encodeCursor(position) };
      } else {
        yield { ...m, cursor: encodeCursor(position) };
      }
    }
  } finally {
    unsubscribe();
  }
}
