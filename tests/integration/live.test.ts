import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followLiveFeed } from "@/server/services/live/follow-live-feed";
import { LiveHub, type TLiveMessage } from "@/server/services/live/live-feed";
import { callerFor, createAdmins } from "../helpers/admins";
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

  it("refuses a signed-out subscriber", async () => {
    const { viewer } = await createAdmins(db.db, `live-${engine}`);
    await expect(callerFor(db.db, null).live.feed({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const stream = await callerFor(db.db, viewer).live.feed({});
    expect(typeof (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]).toBe("function");
    await (stream as AsyncGenerator<unknown>).return?.(undefined);
  });
});
