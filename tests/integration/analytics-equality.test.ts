import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOverview } from "@/server/services/analytics/build";
import { getAppStatistics, getOverview, getRetentionCohorts } from "@/server/services/analytics/get-analytics";
import { resolvePeriod } from "@/server/services/analytics/period";
import { rawSource } from "@/server/services/analytics/reference/raw-source";
import { rollupSource } from "@/server/services/analytics/rollup-source";
import { atOneWatermark } from "@/server/services/analytics/rollups/one-watermark";
import {
  DERIVED_TABLES,
  type readRollupState,
  refreshAnalyticsRollups,
} from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, prng, type TSourceRows, uuid } from "../helpers/source-rows";

/**
 * On random data sets, random ranges and random timezones, every number the
 * fast path (rollups + live tail) returns equals the straightforward query
 * over the raw tables: before the refresh job ran, after it ran part of the
 * way, after it caught up, and with new rows arriving after it.
 */
const NOW = new Date("2026-04-02T13:37:00Z");
const SPAN_DAYS = 75;
const TIMEZONES = [
  "UTC",
  "America/New_York",
  "Europe/Berlin",
  "Asia/Kathmandu",
  "America/St_Johns",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Pacific/Honolulu",
];
const EVENTS = [
  "assessment.completed",
  "vision.generated",
  "vision.failed",
  "intensive.started",
  "intensive.step_completed",
  "intensive.completed",
  "journal.entry_created",
  "audio.played",
  "custom.other",
];
const MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4"];

function randomRows(seed: number, users: number, idOffset: number, since: Date): TSourceRows {
  const r = prng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)] as T;
  // Times cluster near midnights and DST changes, where days are cut.
  const at = (min: Date) => {
    const t = min.getTime() + r() * (NOW.getTime() - min.getTime());
    const snapped = r() < 0.3 ? Math.round(t / 3_600_000) * 3_600_000 + (r() < 0.5 ? -1 : 1) * Math.floor(r() * 20) * 60_000 : t;
    return new Date(Math.min(NOW.getTime() - 1000, Math.max(min.getTime(), snapped)));
  };
  const rows: Required<TSourceRows> = { users: [], sessions: [], events: [], token_usage: [], subscriptions: [], payments: [] };
  for (let i = 0; i < users; i++) {
    const id = uuid(idOffset + i);
    const created = at(since);
    rows.users.push({
      id,
      email: `u${idOffset + i}@example.com`,
      name: r() < 0.9 ? `User ${idOffset + i}` : null,
      created_at: created.toISOString(),
    });
    const activity = Math.floor(r() * r() * 25);
    for (let j = 0; j < activity; j++) {
      const t = at(created);
      if (r() < 0.4)
        rows.sessions.push({ user_id: id, started_at: t.toISOString(), ended_at: new Date(t.getTime() + 600_000).toISOString() });
      else rows.events.push({ user_id: id, name: pick(EVENTS), properties: {}, occurred_at: t.toISOString() });
      if (r() < 0.35) {
        const input = Math.floor(r() * 3000);
        const output = Math.floor(r() * 1000);
        rows.token_usage.push({
          user_id: id,
          model: pick(MODELS),
          feature: "coach_chat",
          input_tokens: input,
          output_tokens: output,
          cost_usd: Math.round(r() * 1e6) / 1e6,
          created_at: at(created).toISOString(),
        });
      }
    }
    if (r() < 0.3) {
      const start = at(created);
      const canceled = r() < 0.4 ? at(start) : null;
      rows.subscriptions.push({
        user_id: id,
        plan: pick(["starter", "pro", "pro_annual"]),
        status: canceled ? "canceled" : "active",
        price: pick([19, 49, 390]),
        interval: r() < 0.2 ? "year" : "month",
        started_at: start.toISOString(),
        canceled_at: canceled?.toISOString() ?? null,
      });
      for (let k = 0; k < 3; k++) {
        rows.payments.push({
          user_id: id,
          subscription_id: null,
          amount: pick([19, 49, 390]),
          currency: "USD",
          status: pick(["succeeded", "succeeded", "failed", "refunded"]),
          plan: pick(["starter", "pro", null]),
          paid_at: at(start).toISOString(),
        });
      }
    }
  }
  return rows;
}

function randomRange(r: () => number) {
  const tz = TIMEZONES[Math.floor(r() * TIMEZONES.length)] as string;
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(NOW);
  const end = Date.parse(`${today}T00:00:00Z`) - Math.floor(r() * 20) * 86_400_000;
  const days = 1 + Math.floor(r() * (r() < 0.5 ? 10 : 60));
  const from = new Date(end - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { range: { from, to: new Date(end).toISOString().slice(0, 10) }, timezone: tz };
}

async function expectSameAnswers(db: TTestDatabase, seed: number, cases: number) {
  const r = prng(seed * 7919);
  for (let c = 0; c < cases; c++) {
    const input = randomRange(r);
    const label = `seed ${seed}, ${JSON.stringify(input)}`;
    const [rawO, fastO] = await Promise.all([
      getOverview({ ctx: testCtx(db.db, undefined, { clock: () => NOW }), input: input, engine: "raw" }),
      getOverview({ ctx: testCtx(db.db, undefined, { clock: () => NOW }), input: input }),
    ]);
    expect(fastO, label).toEqual(rawO);
    const [rawS, fastS] = await Promise.all([
      getAppStatistics({ ctx: testCtx(db.db, undefined, { clock: () => NOW }), input: input, engine: "raw" }),
      getAppStatistics({ ctx: testCtx(db.db, undefined, { clock: () => NOW }), input: input }),
    ]);
    expect(fastS, label).toEqual(rawS);
  }
  const cohortInput = {
    cohort: r() < 0.5 ? ("week" as const) : ("month" as const),
    periods: 3 + Math.floor(r() * 6),
    timezone: TIMEZONES[Math.floor(r() * TIMEZONES.length)] as string,
  };
  const [rawC, fastC] = await Promise.all([
    getRetentionCohorts({ ctx: testCtx(db.db, undefined, { clock: () => NOW }), input: cohortInput, engine: "raw" }),
    getRetentionCohorts({ ctx: testCtx(db.db, undefined, { clock: () => NOW }), input: cohortInput }),
  ]);
  expect(fastC, `seed ${seed}, ${JSON.stringify(cohortInput)}`).toEqual(rawC);
}

const matrix = engines().flatMap((engine) => [11, 23, 42].map((seed) => [engine, seed] as const));

describe.each(matrix)("rollups equal the raw-table answers on %s (data seed %i)", (engine, seed) => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    // A user numbered long ago (no activity, no signup in the data): the data set's users get the numbers after
    // theirs, which cross the boundary of the first 8192-user chunk of the activity bit strings.
    await db.query("INSERT INTO crm_user_numbers (user_id, num, created_at) VALUES ($1, $2, '2001-01-01T00:00:00Z')", [
      uuid(999_999),
      8150 + seed,
    ]);
    await insertSourceRows(db, randomRows(seed, 70, 1, new Date(NOW.getTime() - SPAN_DAYS * 86_400_000)));
  });
  afterAll(async () => db?.drop());

  it("before the refresh job has run (everything is tail)", async () => {
    await expectSameAnswers(db, seed, 3);
  });

  it("after the job ran part of the way", async () => {
    const partial = await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 40, maxBatches: 2 } });
    expect(partial.caughtUp).toBe(false);
    expect(partial.state.bitsStaleFromDay).toBeNull();
    await expectSameAnswers(db, seed + 1, 3);
  });

  it("in a catch-up that grew its batches and left the day bit strings to build at the end", async () => {
    // The product's catch-up (batches grow while they come back full), starting from a small batch: the second
    // batch leaves its days' strings stale, so these answers take those days from the user-days.
    const partial = await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 10, maxBatches: 2, grow: true } });
    expect(partial.caughtUp).toBe(false);
    expect(partial.state.bitsStaleFromDay).not.toBeNull();
    await expectSameAnswers(db, seed + 5, 3);
  });

  it("after the job caught up, and with new rows arriving after it", async () => {
    const done = await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 40 } });
    expect(done.caughtUp).toBe(true);
    expect(done.state.bitsStaleFromDay).toBeNull();
    await expectSameAnswers(db, seed + 2, 3);
    await insertSourceRows(db, randomRows(seed + 100, 15, 5000, new Date(NOW.getTime() - 10 * 86_400_000)));
    await expectSameAnswers(db, seed + 3, 3);
    // The refresh numbers those late signups after everyone else: their dates' numbers are no longer contiguous.
    expect((await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 40 } })).caughtUp).toBe(true);
    await expectSameAnswers(db, seed + 4, 3);
    // The windows asked before that refresh, again: what the reads kept from the rollups then (the new rows were
    // the tail) no longer holds, and must not be used now that the rollups hold those rows.
    await expectSameAnswers(db, seed + 3, 3);
  });

  it("answers at one watermark when a refresh commits in the middle of a read", async () => {
    await insertSourceRows(db, randomRows(seed + 200, 12, 6000, new Date(NOW.getTime() - 10 * 86_400_000)));
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "UTC" }).format(NOW);
    const from = new Date(Date.parse(today) - 13 * 86_400_000).toISOString().slice(0, 10);
    const input = { range: { from, to: today }, timezone: "UTC" };
    const ctx = testCtx(db.db, undefined, { clock: () => NOW });
    const raw = await getOverview({ ctx, input, engine: "raw" });
    const period = await resolvePeriod(db.db, input, NOW);
    let attempts = 0;
    let stale: Awaited<ReturnType<typeof readRollupState>> | null = null;
    // The read the product makes (getOverview's), with a refresh committing after the watermark was read.
    const fast = await atOneWatermark(db.db, async (at, state) => {
      attempts++;
      if (attempts === 1) {
        stale = state;
        expect((await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 1000 } })).rows).toBeGreaterThan(0);
      }
      return buildOverview(await rollupSource(at, state), period, NOW);
    });
    expect(attempts).toBe(2);
    expect(fast).toEqual(raw);
    // What the first attempt saw: the refreshed rows both in the rollups and in the tail after the old watermark.
    if (!stale) throw new Error("no first attempt");
    expect(await buildOverview(await rollupSource(db.db, stale), period, NOW)).not.toEqual(raw);

    // A refresh committing during every attempt: the last one reads in one repeatable-read snapshot.
    attempts = 0;
    const moving = await atOneWatermark(db.db, async (at, state) => {
      attempts++;
      if (attempts <= 3) {
        await insertSourceRows(db, randomRows(seed + 300 + attempts, 4, 6100 + attempts * 10, new Date(NOW.getTime() - 5 * 86_400_000)));
        await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 1000 } });
      }
      return buildOverview(await rollupSource(at, state), period, NOW);
    });
    expect(attempts).toBe(4);
    expect(moving).toEqual(await getOverview({ ctx, input, engine: "raw" }));
  });

  it("joins an intensive start that arrives after the watermark to a completion already rolled up", async () => {
    const user = uuid(7_000 + seed);
    const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString();
    await insertSourceRows(db, {
      users: [{ id: user, email: `late-${seed}@example.com`, name: null, created_at: at(48) }],
      events: [{ user_id: user, name: "intensive.completed", properties: {}, occurred_at: at(2) }],
    });
    await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 40 } });
    // The start was written later (a larger id) than the completion it precedes: it is read from the tail.
    await insertSourceRows(db, { events: [{ user_id: user, name: "intensive.started", properties: {}, occurred_at: at(5) }] });
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "UTC" }).format(NOW);
    const input = { range: { from: today, to: today }, timezone: "UTC" };
    const ctx = testCtx(db.db, undefined, { clock: () => NOW });
    const [raw, fast] = await Promise.all([getAppStatistics({ ctx, input, engine: "raw" }), getAppStatistics({ ctx, input })]);
    expect(raw.intensiveFlow.completed).toBeGreaterThanOrEqual(1);
    expect(fast).toEqual(raw);
  });

  it("numbers a user once when their activity arrives before their signup row", async () => {
    const user = uuid(7_300 + seed);
    const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString();
    const numbers = () =>
      db.query<{ num: number; created_at: string | null }>("SELECT num, created_at FROM crm_user_numbers WHERE user_id = $1", [user]);
    await insertSourceRows(db, { events: [{ user_id: user, name: "audio.played", properties: {}, occurred_at: at(3) }] });
    expect((await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 40 } })).caughtUp).toBe(true);
    const [first, ...more] = await numbers();
    expect(more).toEqual([]);
    expect(first?.created_at).toBeNull();
    // The row arrives with a signup time among the latest: the refresh looks at those signups again, finds this one
    // numbered (without a signup time) and leaves it as it is.
    await insertSourceRows(db, { users: [{ id: user, email: `late-row-${seed}@example.com`, name: null, created_at: at(2) }] });
    expect((await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 40 } })).caughtUp).toBe(true);
    expect((await numbers()).map((n) => n.num)).toEqual([first?.num]);
    await expectSameAnswers(db, seed + 6, 2);
  });

  it("counts a rolled-up intensive start once when its completion, and an earlier start, arrive after the watermark", async () => {
    const early = uuid(7_100 + seed);
    const late = uuid(7_200 + seed);
    const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * 3_600_000).toISOString();
    await insertSourceRows(db, {
      users: [
        { id: early, email: `flow-a-${seed}@example.com`, name: null, created_at: at(30) },
        { id: late, email: `flow-b-${seed}@example.com`, name: null, created_at: at(30) },
      ],
      events: [
        { user_id: early, name: "intensive.started", properties: {}, occurred_at: at(6) },
        { user_id: late, name: "intensive.started", properties: {}, occurred_at: at(6) },
      ],
    });
    await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 40 } });
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "UTC" }).format(NOW);
    const input = { range: { from: today, to: today }, timezone: "UTC" };
    const ctx = testCtx(db.db, undefined, { clock: () => NOW });
    const before = await getAppStatistics({ ctx, input });
    // After the watermark: one user completes; the other's earlier start (yesterday) arrives, moving their start
    // out of today. What the read kept from the rollups (both starts today) must be corrected by the tail.
    await insertSourceRows(db, {
      events: [
        { user_id: early, name: "intensive.completed", properties: {}, occurred_at: at(1) },
        { user_id: late, name: "intensive.started", properties: {}, occurred_at: at(40) },
      ],
    });
    const [raw, fast] = await Promise.all([getAppStatistics({ ctx, input, engine: "raw" }), getAppStatistics({ ctx, input })]);
    expect(fast.intensiveFlow.started).toBe(before.intensiveFlow.started - 1);
    expect(fast.intensiveFlow.completed).toBe(before.intensiveFlow.completed + 1);
    expect(fast).toEqual(raw);
  });

  it("reuses a top list by AI cost found earlier only as far as it still decides the answer", async () => {
    const raw = rawSource(db.db);
    const w = { from: new Date(NOW.getTime() - 30 * 86_400_000 - 7 * 900_000), to: new Date(NOW.getTime() + 3_600_000) };
    const top = async () => (await rollupSource(db.db)).topUsersByCost(w, 10);
    expect(await top()).toEqual(await raw.topUsersByCost(w, 10));
    expect(await top()).toEqual(await raw.topUsersByCost(w, 10));
    // New rows after that list was found: a user outside it jumps to the top, users inside it move up. The next
    // answers (before and after the refresh rolls the rows up) must see them.
    const before = await raw.topUsersByCost(w, 40);
    const outside = before.length > 25 ? (before[30] ?? before[before.length - 1]) : null;
    const inside = before[8];
    const row = (userId: string, cost: number, tokens: number) => ({
      user_id: userId,
      model: "gpt-4o",
      feature: "coach_chat",
      input_tokens: tokens,
      output_tokens: 0,
      cost_usd: cost,
      created_at: new Date(NOW.getTime() - 3_600_000).toISOString(),
    });
    await insertSourceRows(db, {
      token_usage: [
        ...(outside ? [row(outside.userId, 40, 10)] : []),
        ...(inside ? [row(inside.userId, 20, 5)] : []),
        row(uuid(2), 45, 20),
      ],
    });
    expect(await top()).toEqual(await raw.topUsersByCost(w, 10));
    await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 40 } });
    expect(await top()).toEqual(await raw.topUsersByCost(w, 10));
    expect(await top()).toEqual(await raw.topUsersByCost(w, 10));
  });

  it("finds the top users by AI cost among each week's most expensive, at any search depth", async () => {
    // Shallow depths make the bound too weak to decide (look deeper, then read every user-day); deep ones decide at once.
    const r = prng(seed * 31);
    const raw = rawSource(db.db);
    for (const depths of [[1], [2, 4], [3, 30], [200]]) {
      const fast = await rollupSource(db.db, undefined, { topUserDepths: depths });
      for (let c = 0; c < 4; c++) {
        const to = new Date(NOW.getTime() - Math.floor(r() * 10) * 86_400_000 - Math.floor(r() * 96) * 900_000);
        const w = { from: new Date(to.getTime() - (1 + Math.floor(r() * 40)) * 86_400_000 - Math.floor(r() * 96) * 900_000), to };
        const limit = 1 + Math.floor(r() * 10);
        expect(await fast.topUsersByCost(w, limit), `depths ${depths}, ${JSON.stringify(w)}, top ${limit}`).toEqual(
          await raw.topUsersByCost(w, limit),
        );
      }
    }
  });

  it("refreshes inside a caller's transaction after a gap of spent ids, leaving VACUUM to a refresh outside one", async () => {
    // Ids the main app rolled back are spent: the range after the watermark can pass the big catch-up mark with a
    // single new row (the analytics bench's steady-state run refreshes inside a transaction it then rolls back).
    await db.query(
      `INSERT INTO app.events (id, user_id, name, properties, occurred_at)
       SELECT max(id) + 200000, $1::uuid, 'audio.played', '{}', $2::timestamptz FROM app.events`,
      [uuid(7_000 + seed), new Date(NOW.getTime() - 3_600_000).toISOString()],
    );
    const inside = await db.db.transaction((tx) => refreshAnalyticsRollups({ ctx: testCtx(tx), input: { batchSize: 1000 } }));
    expect(inside.rows).toBeGreaterThanOrEqual(200_000);
    expect(inside.caughtUp).toBe(true);
    await expectSameAnswers(db, seed + 6, 2);
  });

  it("stays exact when a crash empties the derived tables (unlogged), and the next refresh rebuilds them", async () => {
    // Everything the refresh derives, and the watermark it is consistent with, is unlogged: crash recovery, a failover
    // or a restore from a physical backup empties all of them together, as this does.
    const derived = (
      await db.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relpersistence = 'u' ORDER BY relname`)
    ).map((r) => r.relname);
    expect(derived).toEqual([...DERIVED_TABLES].sort());
    await db.execScript(`TRUNCATE ${derived.join(", ")}`);
    await expectSameAnswers(db, seed + 7, 2);
    const rebuilt = await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: undefined });
    expect(rebuilt.caughtUp).toBe(true);
    expect(rebuilt.rows).toBeGreaterThan(0);
    await expectSameAnswers(db, seed + 8, 2);
  });

  it("drops the by-user AI usage index for a catch-up far behind, stays exact without it, and builds it when caught up", async () => {
    const present = async () =>
      (await db.query<{ ok: boolean }>(`SELECT to_regclass('crm_rollup_user_day_tokens_user_idx') IS NOT NULL AS ok`))[0]?.ok;
    const definition = async () =>
      (await db.query<{ d: string }>(`SELECT pg_get_indexdef(to_regclass('crm_rollup_user_day_tokens_user_idx')) AS d`))[0]?.d;
    // As the migrations made it: the rebuilt one must be the same index.
    const migrated = await definition();
    expect(migrated).toContain("(user_id, day, cost_micros, tokens)");
    await db.execScript(`TRUNCATE ${DERIVED_TABLES.join(", ")}`);
    // Behind by fewer token rows than the threshold: the index stays.
    const kept = await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 40, maxBatches: 1, grow: true } });
    expect(kept.caughtUp).toBe(false);
    expect(await present()).toBe(true);
    await db.execScript(`TRUNCATE ${DERIVED_TABLES.join(", ")}`);
    const partial = await refreshAnalyticsRollups({
      ctx: testCtx(db.db),
      input: { batchSize: 40, maxBatches: 1, grow: true, rebuildIndexFrom: 1 },
    });
    expect(partial.caughtUp).toBe(false);
    expect(partial.state.userDayIndex).toBe(false);
    expect(await present()).toBe(false);
    // The top users by AI cost (appStatistics) come from one grouped read of the window's user-days meanwhile.
    await expectSameAnswers(db, seed + 9, 3);
    const done = await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { rebuildIndexFrom: 1 } });
    expect(done.caughtUp).toBe(true);
    expect(done.state.userDayIndex).toBe(true);
    expect(await definition()).toBe(migrated);
    await expectSameAnswers(db, seed + 10, 3);
  });
});
