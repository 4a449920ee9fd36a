import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TooManyRequestsError } from "@/server/services/errors";
import { followLiveFeed, openLiveFeed } from "@/server/services/live/follow-live-feed";
import { currentPosition, LiveHub, readRecentItems, type TLiveMessage } from "@/server/services/live/live-feed";
import { callerFor, createAdmins } from "../helpers/admins";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

/** Reads a stream in the background, keeping what arrived and when. */
function collect(stream: AsyncGenerator<TLiveMessage>) {
  const got: { m: TLiveMessage; at: number }[] = [];
  const done = (async () => {
    for await (const m of stream) got.push({ m, at: Date.now() });
  })();
  return { got, done, items: () => got.filter((g) => g.m.type === "item").map((g) => g.m as Extract<TLiveMessage, { type: "item" }>) };
}

describe.each(engines())("live feed on %s", (engine) => {
  let db: TTestDatabase;
  let n = 0;
  const addEvent = async (name = "audio.played") => {
    n++;
    await insertSourceRows(db, { events: [{ user_id: uuid(1), name, properties: { n }, occurred_at: new Date().toISOString() }] });
  };

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await insertSourceRows(db, {
      users: [{ id: uuid(1), email: "live@example.com", name: "Live Person", created_at: new Date().toISOString(), last_active_at: null }],
      sessions: [{ user_id: uuid(1), started_at: new Date().toISOString(), ended_at: null }],
    });
    for (let i = 0; i < 3; i++) await addEvent("vision.generated");
  });
  afterAll(async () => db?.drop());

  it("starts with recent activity and counters, then delivers a new event within 2 seconds", async () => {
    const hub = new LiveHub(db.db, 1000);
    const abort = new AbortController();
    const s = collect(followLiveFeed(db.db, { signal: abort.signal, hub }));
    await expect.poll(() => s.got.some((g) => g.m.type === "stats"), { timeout: 5000 }).toBe(true);
    expect(s.items().map((i) => i.item.name)).toEqual(["session.started", "vision.generated", "vision.generated", "vision.generated"]);
    const stats = s.got.find((g) => g.m.type === "stats")?.m as Extract<TLiveMessage, { type: "stats" }>;
    expect(stats.counters).toMatchObject({ activeUsersNow: 1, sessionsToday: 1, newSignupsToday: 1 });
    const before = s.items().length;
    const inserted = Date.now();
    await addEvent("journal.entry_created");
    await expect.poll(() => s.items().length, { timeout: 2000, interval: 50 }).toBe(before + 1);
    const arrived = s.got.at(-1)?.at ?? Number.POSITIVE_INFINITY;
    expect(arrived - inserted).toBeLessThan(2000);
    expect(s.items().at(-1)?.item).toMatchObject({ name: "journal.entry_created", userName: "Live Person", userId: uuid(1) });
    abort.abort();
    await s.done;
    expect(hub.subscribers).toBe(0);
  });

  it("starts a fresh dashboard from the latest activity by time, not by the order rows were written", async () => {
    const other = await createTestDatabase(engine);
    try {
      const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
      // Written in this order: the newest by time comes first, then older and older (a main app writing late, or a backfill).
      await insertSourceRows(other, {
        users: [{ id: uuid(7), email: "order@example.com", name: "Order", created_at: at(600), last_active_at: null }],
        events: [5, 300, 240, 1, 180, 120].map((m) => ({ user_id: uuid(7), name: `e.${m}`, properties: {}, occurred_at: at(m) })),
      });
      const recent = await readRecentItems(other.db, await currentPosition(other.db), 3);
      expect(recent.map((i) => i.name)).toEqual(["e.120", "e.5", "e.1"]); // oldest first, as the stream sends them; the panel shows newest first
    } finally {
      await other.drop();
    }
  });

  it("resumes from the last event id without gaps or repeats", async () => {
    const hub = new LiveHub(db.db, 100);
    const first = new AbortController();
    const a = collect(followLiveFeed(db.db, { signal: first.signal, hub }));
    await expect.poll(() => a.got.some((g) => g.m.type === "stats"), { timeout: 5000 }).toBe(true);
    await addEvent("e1");
    await expect.poll(() => a.items().some((i) => i.item.name === "e1"), { timeout: 3000 }).toBe(true);
    const last = a.got.at(-1)?.m.cursor;
    first.abort();
    await a.done;
    // While disconnected.
    await addEvent("e2");
    await addEvent("e3");
    const second = new AbortController();
    const b = collect(followLiveFeed(db.db, { signal: second.signal, hub, lastEventId: last }));
    await addEvent("e4");
    await expect
      .poll(
        () =>
          b
            .items()
            .map((i) => i.item.name)
            .filter((x) => /^e\d$/.test(x)),
        { timeout: 3000 },
      )
      .toEqual(["e2", "e3", "e4"]);
    await new Promise((r) => setTimeout(r, 400)); // a few more hub ticks: nothing is repeated
    expect(b.items().map((i) => i.item.name)).toEqual(["e2", "e3", "e4"]);
    second.abort();
    await b.done;
  });

  it("serves 50 subscribers from one reader", async () => {
    const hub = new LiveHub(db.db, 200);
    const one = new AbortController();
    const solo = collect(followLiveFeed(db.db, { signal: one.signal, hub }));
    await new Promise((r) => setTimeout(r, 1000));
    const soloReads = hub.reads;
    one.abort();
    await solo.done;

    const hub50 = new LiveHub(db.db, 200);
    const many = Array.from({ length: 50 }, () => new AbortController());
    const streams = many.map((c) => collect(followLiveFeed(db.db, { signal: c.signal, hub: hub50 })));
    await new Promise((r) => setTimeout(r, 1000));
    const manyReads = hub50.reads;
    await addEvent("for-everyone");
    await expect.poll(() => streams.every((s) => s.items().some((i) => i.item.name === "for-everyone")), { timeout: 3000 }).toBe(true);
    for (const c of many) c.abort();
    await Promise.all(streams.map((s) => s.done));
    // The same reads per second with 50 subscribers as with one (a tick or two of timing either way).
    expect(hub50.subscribers).toBe(0);
    expect(manyReads).toBeLessThanOrEqual(soloReads + 4);
    expect(manyReads).toBeGreaterThan(0);
  });

  it("never moves the shared reader back: an old cursor catches up by itself, bounded to the newest 500", async () => {
    // 650 events the old subscriber has not seen.
    await db.execScript(`INSERT INTO app.events (user_id, name, properties, occurred_at)
      SELECT '${uuid(1)}', 'bulk.' || i, '{}'::jsonb, now() - interval '1 hour' + i * interval '1 second' FROM generate_series(1, 650) i`);
    const hub = new LiveHub(db.db, 100);
    const head = new AbortController();
    const fresh = collect(followLiveFeed(db.db, { signal: head.signal, hub }));
    await expect.poll(() => fresh.got.some((g) => g.m.type === "stats"), { timeout: 5000 }).toBe(true);
    const freshBefore = fresh.items().length;

    const old = new AbortController();
    const behind = collect(followLiveFeed(db.db, { signal: old.signal, hub, lastEventId: "0:0" }));
    await expect.poll(() => behind.got.some((g) => g.m.type === "stats"), { timeout: 5000 }).toBe(true);
    const caughtUp = behind.items();
    expect(caughtUp).toHaveLength(500);
    const names = caughtUp.map((i) => i.item.name);
    expect(names).toContain("bulk.650");
    expect(names).not.toContain("bulk.1");
    // The shared reader did not go back: the subscriber at the head got nothing old again, and both see what comes next.
    await addEvent("after-catch-up");
    await expect.poll(() => fresh.items().some((i) => i.item.name === "after-catch-up"), { timeout: 3000 }).toBe(true);
    await expect.poll(() => behind.items().some((i) => i.item.name === "after-catch-up"), { timeout: 3000 }).toBe(true);
    expect(
      fresh
        .items()
        .slice(freshBefore)
        .map((i) => i.item.name),
    ).toEqual(["after-catch-up"]);
    // A cursor from the future is held to the present: that subscriber still gets new events.
    const ahead = new AbortController();
    const future = collect(followLiveFeed(db.db, { signal: ahead.signal, hub, lastEventId: "999999999999:999999999999" }));
    await expect.poll(() => future.got.some((g) => g.m.type === "stats"), { timeout: 5000 }).toBe(true);
    await addEvent("seen-by-the-future");
    await expect.poll(() => future.items().map((i) => i.item.name), { timeout: 3000 }).toEqual(["seen-by-the-future"]);
    for (const c of [head, old, ahead]) c.abort();
    await Promise.all([fresh.done, behind.done, future.done]);
  });

  it("closes a subscriber that stops reading once 1,000 messages wait for it, and the others go on", async () => {
    const hub = new LiveHub(db.db, 50);
    const reader = new AbortController();
    const others = collect(followLiveFeed(db.db, { signal: reader.signal, hub }));
    const stuck = followLiveFeed(db.db, { hub });
    await stuck.next(); // started, then never read again
    await db.execScript(`INSERT INTO app.events (user_id, name, properties, occurred_at)
      SELECT '${uuid(1)}', 'flood.' || i, '{}'::jsonb, now() FROM generate_series(1, 1200) i`);
    await expect.poll(() => others.items().some((i) => i.item.name === "flood.1200"), { timeout: 10_000 }).toBe(true);
    let error: unknown = null;
    let read = 0;
    try {
      for (;;) {
        const next = await stuck.next();
        if (next.done) break;
        read++;
      }
    } catch (err) {
      error = err;
    }
    expect(read).toBeLessThanOrEqual(1_000 + 30);
    expect(error).toMatchObject({ code: "UNAVAILABLE", message: expect.stringContaining("fell too far behind") });
    expect(hub.subscribers).toBe(1);
    reader.abort();
    await others.done;
  });

  it("lets an admin hold at most MAX_LIVE_STREAMS_PER_ADMIN streams open", async () => {
    const hub = new LiveHub(db.db, 200);
    const viewerCtx = (id: string) => testCtx(db.db, { type: "admin" as const, id, email: `${id}@example.com`, role: "viewer" as const });
    const opened = Array.from({ length: 2 }, () => openLiveFeed({ ctx: viewerCtx("admin-1"), input: { hub, maxStreams: 2 } }));
    await Promise.all(opened.map((s) => s.next()));
    expect(() => openLiveFeed({ ctx: viewerCtx("admin-1"), input: { hub, maxStreams: 2 } })).toThrow(TooManyRequestsError);
    const someoneElse = openLiveFeed({ ctx: viewerCtx("admin-2"), input: { hub, maxStreams: 2 } });
    await (opened[0] as AsyncGenerator<TLiveMessage>).return(undefined);
    const again = openLiveFeed({ ctx: viewerCtx("admin-1"), input: { hub, maxStreams: 2 } });
    for (const s of [opened[1], someoneElse, again]) await (s as AsyncGenerator<TLiveMessage>).return(undefined);
  });

  it("refuses a signed-out subscriber", async () => {
    const { viewer } = await createAdmins(db.db, `live-${engine}`);
    await expect(callerFor(db.db, null).live.feed({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const stream = await callerFor(db.db, viewer).live.feed({});
    expect(typeof (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]).toBe("function");
    await (stream as AsyncGenerator<unknown>).return?.(undefined);
  });
});
