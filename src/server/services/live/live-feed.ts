import { sql } from "drizzle-orm";
import { firstLine, log } from "@/lib/log";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";

/*
 * The live feed: one reader per process follows the main app's events and
 * sessions by their increasing ids and fans each new row out to every
 * subscriber, with the live counters and the progress of sending campaigns.
 * The database sees one reader however many dashboards are open. A
 * subscriber that reconnects with its last cursor ("<events id>:<sessions
 * id>") first reads what it missed from the database, then joins the
 * stream; per-subscriber positions drop anything it already has.
 */

export type TLiveItem = {
  kind: "event" | "session";
  id: number;
  at: Date;
  name: string;
  userId: string;
  userName: string | null;
  userEmail: string | null;
};
export type TLiveCounters = { activeUsersNow: number; sessionsToday: number; newSignupsToday: number; at: Date };
export type TCampaignProgress = { id: string; name: string; sent: number; total: number; opened: number; clicked: number };
/** An automation that sent something in the last hour, and how much. */
export type TAutomationActivity = { id: string; name: string; sentLastHour: number };
export type TLiveMessage =
  | { type: "item"; item: TLiveItem; cursor: string }
  | { type: "stats"; counters: TLiveCounters; campaigns: TCampaignProgress[]; automations: TAutomationActivity[]; cursor: string };

export type TPosition = { events: number; sessions: number };
export const encodeCursor = (p: TPosition) => `${p.events}:${p.sessions}`;
export function decodeCursor(cursor: string | null | undefined): TPosition | null {
  const m = /^(\d{1,18}):(\d{1,18})$/.exec(cursor ?? "");
  return m ? { events: Number(m[1]), sessions: Number(m[2]) } : null;
}

type TRow = {
  kind: "event" | "session";
  id: string;
  at: Date | string;
  name: string;
  user_id: string;
  user_name: string | null;
  email: string | null;
};

const toItem = (r: TRow): TLiveItem => ({
  kind: r.kind,
  id: Number(r.id),
  at: new Date(r.at),
  name: r.name,
  userId: r.user_id,
  userName: r.user_name,
  userEmail: r.email,
});
const byTime = (a: TLiveItem, b: TLiveItem) =>
  a.at.getTime() - b.at.getTime() || (a.kind === b.kind ? a.id - b.id : a.kind < b.kind ? -1 : 1);

/** New events and sessions after a position, oldest first (at most `limit` of each). */
export async function readItemsAfter(db: DbOrTx, after: TPosition, limit = 200): Promise<TLiveItem[]> {
  const S = srcSchema();
  const rows = await executeRows<TRow>(
    db,
    sql`(SELECT 'event' AS kind, e.id, e.occurred_at AS at, e.name, e.user_id, u.name AS user_name, u.email
         FROM ${S}.events e LEFT JOIN ${S}.users u ON u.id = e.user_id WHERE e.id > ${after.events} ORDER BY e.id LIMIT ${limit})
        UNION ALL
        (SELECT 'session', s.id, s.started_at, 'session.started', s.user_id, u.name, u.email
         FROM ${S}.sessions s LEFT JOIN ${S}.users u ON u.id = s.user_id WHERE s.id > ${after.sessions} ORDER BY s.id LIMIT ${limit})`,
  );
  return rows.map(toItem).sort(byTime);
}

/**
 * The newest `limit` events and sessions after `after` and up to `upTo`,
 * oldest first: a subscriber catching up reads at most this much, however
 * old its cursor (the index is read backwards from `upTo`).
 */
export async function readItemsBetween(db: DbOrTx, after: TPosition, upTo: TPosition, limit: number): Promise<TLiveItem[]> {
  const S = srcSchema();
  const rows = await executeRows<TRow>(
    db,
    sql`(SELECT 'event' AS kind, e.id, e.occurred_at AS at, e.name, e.user_id, u.name AS user_name, u.email
         FROM ${S}.events e LEFT JOIN ${S}.users u ON u.id = e.user_id
         WHERE e.id > ${after.events} AND e.id <= ${upTo.events} ORDER BY e.id DESC LIMIT ${limit})
        UNION ALL
        (SELECT 'session', s.id, s.started_at, 'session.started', s.user_id, u.name, u.email
         FROM ${S}.sessions s LEFT JOIN ${S}.users u ON u.id = s.user_id
         WHERE s.id > ${after.sessions} AND s.id <= ${upTo.sessions} ORDER BY s.id DESC LIMIT ${limit})`,
  );
  return rows.map(toItem).sort(byTime).slice(-limit);
}

/**
 * The latest events and sessions by when they happened (not by when they
 * were written: the main app may write late), up to a position, oldest
 * first: what a fresh dashboard starts from. Read backwards on the
 * occurred_at / started_at indexes.
 */
export async function readRecentItems(db: DbOrTx, upTo: TPosition, limit = 20): Promise<TLiveItem[]> {
  const S = srcSchema();
  const rows = await executeRows<TRow>(
    db,
    sql`(SELECT 'event' AS kind, e.id, e.occurred_at AS at, e.name, e.user_id, u.name AS user_name, u.email
         FROM ${S}.events e LEFT JOIN ${S}.users u ON u.id = e.user_id
         WHERE e.id <= ${upTo.events} ORDER BY e.occurred_at DESC, e.id DESC LIMIT ${limit})
        UNION ALL
        (SELECT 'session', s.id, s.started_at, 'session.started', s.user_id, u.name, u.email
         FROM ${S}.sessions s LEFT JOIN ${S}.users u ON u.id = s.user_id
         WHERE s.id <= ${upTo.sessions} ORDER BY s.started_at DESC, s.id DESC LIMIT ${limit})`,
  );
  return rows.map(toItem).sort(byTime).slice(-limit);
}

export async function currentPosition(db: DbOrTx): Promise<TPosition> {
  const S = srcSchema();
  const [row] = await executeRows<{ e: string | null; s: string | null }>(
    db,
    sql`SELECT (SELECT max(id) FROM ${S}.events) AS e, (SELECT max(id) FROM ${S}.sessions) AS s`,
  );
  return { events: Number(row?.e ?? 0), sessions: Number(row?.s ?? 0) };
}

/** activeUsersNow: distinct users with an event or a session start in the last 5 minutes; today: since 00:00 UTC. */
export async function readLiveStats(
  db: DbOrTx,
  now = new Date(),
): Promise<{ counters: TLiveCounters; campaigns: TCampaignProgress[]; automations: TAutomationActivity[] }> {
  const S = srcSchema();
  const fiveMinutesAgo = new Date(now.getTime() - 5 * 60_000).toISOString();
  const midnight = `${now.toISOString().slice(0, 10)}T00:00:00.000Z`;
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  const [[c], campaigns, automations] = await Promise.all([
    executeRows<{ active: string; sessions: string; signups: string }>(
      db,
      sql`SELECT
            (SELECT count(*) FROM (SELECT user_id FROM ${S}.events WHERE occurred_at >= ${fiveMinutesAgo}::timestamptz
                                   UNION SELECT user_id FROM ${S}.sessions WHERE started_at >= ${fiveMinutesAgo}::timestamptz) a) AS active,
            (SELECT count(*) FROM ${S}.sessions WHERE started_at >= ${midnight}::timestamptz) AS sessions,
            (SELECT count(*) FROM ${S}.users WHERE created_at >= ${midnight}::timestamptz) AS signups`,
    ),
    executeRows<{ id: string; name: string; sent: number; total: number; opened: string; clicked: string }>(
      db,
      sql`SELECT c.id, c.name, c.sent_count AS sent, c.total_recipients AS total,
            (SELECT count(*) FROM crm_campaign_tracking t WHERE t.campaign_id = c.id AND t.first_opened_at IS NOT NULL) AS opened,
            (SELECT count(*) FROM crm_campaign_tracking t WHERE t.campaign_id = c.id AND t.first_clicked_at IS NOT NULL) AS clicked
          FROM crm_campaigns c WHERE c.status = 'sending' ORDER BY c.started_at`,
    ),
    executeRows<{ id: string; name: string; sent: string | number }>(
      db,
      sql`SELECT a.id, a.name, m.sent FROM (
            SELECT automation_id, count(*) AS sent FROM crm_messages
            WHERE automation_id IS NOT NULL AND created_at >= ${hourAgo}::timestamptz AND status <> 'failed' GROUP BY automation_id) m
          JOIN crm_automations a ON a.id = m.automation_id ORDER BY m.sent DESC, a.name LIMIT 5`,
    ),
  ]);
  return {
    counters: {
      activeUsersNow: Number(c?.active ?? 0),
      sessionsToday: Number(c?.sessions ?? 0),
      newSignupsToday: Number(c?.signups ?? 0),
      at: now,
    },
    campaigns: campaigns.map((r) => ({
      id: r.id,
      name: r.name,
      sent: Number(r.sent),
      total: Number(r.total),
      opened: Number(r.opened),
      clicked: Number(r.clicked),
    })),
    automations: automations.map((r) => ({ id: r.id, name: r.name, sentLastHour: Number(r.sent) })),
  };
}

type TListener = (m: TLiveMessage) => void;

/**
 * The one reader of this process. It runs only while someone listens, and
 * its position only ever moves forward: a subscriber with an old cursor
 * catches up from the database by itself (bounded), so no subscriber can
 * make the shared reader go back over history or stand still.
 */
export class LiveHub {
  private readonly listeners = new Set<TListener>();
  private readonly holders = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private position: TPosition | null = null;
  private starting: Promise<TPosition> | null = null;
  /** Bumped when the last listener leaves: a read still in flight from before is dropped. */
  private generation = 0;
  private busy = false;
  /** Reads the hub has made: tests check it does not grow with the number of subscribers. */
  reads = 0;
  lastStats: TLiveMessage | null = null;

  constructor(
    private readonly db: DbOrTx,
    private readonly intervalMs = 1000,
  ) {}

  subscribe(listener: TListener): () => void {
    this.listeners.add(listener);
    if (!this.timer) this.timer = setInterval(() => void this.tick(), this.intervalMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
        this.position = null;
        this.generation++;
      }
    };
  }

  /**
   * Where the hub reads from (read from the database when it starts). A
   * subscriber registered before asking is sent every item after this
   * position; what is at or before it, it reads itself.
   */
  ready(): Promise<TPosition> {
    if (this.position) return Promise.resolve(this.position);
    if (!this.starting) {
      const generation = this.generation;
      this.starting = currentPosition(this.db)
        .then((p) => {
          this.reads++;
          if (generation === this.generation) this.position ??= p;
          return this.position ?? p;
        })
        .finally(() => {
          this.starting = null;
        });
    }
    return this.starting;
  }

  /** Counts an open stream for `key` (an admin), refusing one beyond `max`; returns its release. */
  hold(key: string, max: number): (() => void) | null {
    const n = this.holders.get(key) ?? 0;
    if (n >= max) return null;
    this.holders.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.holders.get(key) ?? 1) - 1;
      if (left <= 0) this.holders.delete(key);
      else this.holders.set(key, left);
    };
  }

  get subscribers() {
    return this.listeners.size;
  }

  async tick() {
    if (this.busy) return; // a slow database never piles up reads
    this.busy = true;
    const generation = this.generation;
    try {
      const from = await this.ready();
      const items = await readItemsAfter(this.db, from);
      this.reads++;
      if (generation !== this.generation || !this.position) return;
      for (const item of items) {
        if (item.kind === "event") this.position = { ...this.position, events: Math.max(this.position.events, item.id) };
        else this.position = { ...this.position, sessions: Math.max(this.position.sessions, item.id) };
        this.emit({ type: "item", item, cursor: encodeCursor(this.position) });
      }
      const stats = await readLiveStats(this.db);
      this.reads++;
      if (generation !== this.generation || !this.position) return;
      this.lastStats = { type: "stats", ...stats, cursor: encodeCursor(this.position) };
      this.emit(this.lastStats);
    } catch (err) {
      log("live").error(firstLine(err));
    } finally {
      this.busy = false;
    }
  }

  private emit(m: TLiveMessage) {
    for (const l of this.listeners) l(m);
  }
}

const globalForLive = globalThis as unknown as { __crmLiveHubs?: WeakMap<object, LiveHub> };

/** This process's hub for a database (one per database handle). */
export function getLiveHub(db: DbOrTx): LiveHub {
  globalForLive.__crmLiveHubs ??= new WeakMap();
  let hub = globalForLive.__crmLiveHubs.get(db);
  if (!hub) {
    hub = new LiveHub(db);
    globalForLive.__crmLiveHubs.set(db, hub);
  }
  return hub;
}
