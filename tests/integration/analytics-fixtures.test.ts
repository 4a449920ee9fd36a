import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAppStatistics, getOverview, getRetentionCohorts, type TEngine } from "@/server/services/analytics/get-analytics";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

/**
 * Small data sets with answers worked out by hand from docs/metrics.md,
 * checked on the raw reference and on the rollups (before and after the
 * refresh job ran).
 */
const NOW = new Date("2026-03-20T15:07:00Z");
const NY = "America/New_York"; // DST began 2026-03-08: EDT is UTC-4

async function seedFixture(db: TTestDatabase) {
  await insertSourceRows(db, {
    users: [
      // A: signs up 2026-03-10 03:30Z = Mar 9 23:30 in New York (day 0 = Mar 9 there, Mar 10 in UTC).
      { id: uuid(1), email: "a@example.com", name: "Ana", created_at: "2026-03-10T03:30:00Z" },
      // B: signs up Mar 10 12:00Z, never does anything.
      { id: uuid(2), email: "b@example.com", name: "Ben", created_at: "2026-03-10T12:00:00Z" },
      // C: signed up long before.
      { id: uuid(3), email: "c@example.com", name: "Cy", created_at: "2026-01-05T10:00:00Z" },
    ],
    sessions: [
      // Mar 10 04:30Z = Mar 10 00:30 New York: A's day 1 in New York, day 0 in UTC.
      { user_id: uuid(1), started_at: "2026-03-10T04:30:00Z", ended_at: "2026-03-10T05:00:00Z" },
      { user_id: uuid(3), started_at: "2026-03-12T20:00:00Z", ended_at: "2026-03-12T20:30:00Z" },
    ],
    events: [
      { user_id: uuid(1), name: "assessment.completed", properties: { score: 50 }, occurred_at: "2026-03-10T03:45:00Z" },
      { user_id: uuid(1), name: "vision.generated", properties: {}, occurred_at: "2026-03-11T10:00:00Z" },
      { user_id: uuid(1), name: "vision.failed", properties: {}, occurred_at: "2026-03-11T10:05:00Z" },
      { user_id: uuid(3), name: "vision.generated", properties: {}, occurred_at: "2026-03-12T20:10:00Z" },
      { user_id: uuid(3), name: "intensive.started", properties: {}, occurred_at: "2026-03-11T00:00:00Z" },
      { user_id: uuid(3), name: "intensive.completed", properties: {}, occurred_at: "2026-03-13T12:00:00Z" },
      { user_id: uuid(3), name: "custom.thing", properties: {}, occurred_at: "2026-03-12T20:15:00Z" },
    ],
    token_usage: [
      {
        user_id: uuid(1),
        model: "gpt-4o",
        feature: "vision_generation",
        input_tokens: 1000,
        output_tokens: 500,
        cost_usd: 0.0075,
        created_at: "2026-03-11T10:00:00Z",
      },
      {
        user_id: uuid(3),
        model: "gpt-4o-mini",
        feature: "coach_chat",
        input_tokens: 200,
        output_tokens: 100,
        cost_usd: 0.00009,
        created_at: "2026-03-12T20:10:00Z",
      },
    ],
    subscriptions: [
      {
        user_id: uuid(3),
        plan: "pro",
        status: "active",
        price: 49,
        interval: "month",
        started_at: "2026-01-06T00:00:00Z",
        canceled_at: null,
      },
      {
        user_id: uuid(1),
        plan: "pro_annual",
        status: "active",
        price: 390,
        interval: "year",
        started_at: "2026-03-11T00:00:00Z",
        canceled_at: null,
      },
    ],
    payments: [
      {
        user_id: uuid(3),
        subscription_id: 1,
        amount: 49,
        currency: "USD",
        status: "succeeded",
        plan: "pro",
        paid_at: "2026-03-06T00:00:00Z",
      },
      {
        user_id: uuid(1),
        subscription_id: 2,
        amount: 390,
        currency: "USD",
        status: "succeeded",
        plan: "pro_annual",
        paid_at: "2026-03-11T00:00:00Z",
      },
      {
        user_id: uuid(1),
        subscription_id: 2,
        amount: 390,
        currency: "USD",
        status: "failed",
        plan: "pro_annual",
        paid_at: "2026-03-11T00:01:00Z",
      },
      {
        user_id: uuid(3),
        subscription_id: 1,
        amount: 49,
        currency: "USD",
        status: "refunded",
        plan: "pro",
        paid_at: "2026-03-12T00:00:00Z",
      },
    ],
  });
}

const cases: [string, TEngine, boolean][] = [
  ["raw tables", "raw", false],
  ["rollups, job not yet run (all tail)", "rollups", false],
  ["rollups after the job ran", "rollups", true],
];

describe.each(engines())("analytics fixtures on %s", (dbEngine) => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(dbEngine);
    await seedFixture(db);
  });
  afterAll(async () => db?.drop());

  describe.each(cases)("answers from %s", (_label, engine, refresh) => {
    beforeAll(async () => {
      if (refresh) await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: 3 } });
    });

    it("cuts days in the chosen timezone: D1 retention and active users differ between UTC and New York", async () => {
      const range = { from: "2026-03-10", to: "2026-03-10" };
      const utc = await getOverview({ ctx: testCtx(db.db, undefined, { clock: () => NOW }), input: { range, timezone: "UTC" }, engine });
      // UTC: A and B signed up on Mar 10; A's 04:30Z session is still day 0; A's vision on Mar 11 is day 1 → D1 1 of 2.
      expect(utc.newUsers.value).toBe(2);
      expect(utc.userRetention.day1.value).toEqual({ rate: 0.5, eligible: 2, retained: 1 });
      expect(utc.activeUsers.value).toBe(1);
      const ny = await getOverview({
        ctx: testCtx(db.db, undefined, { clock: () => NOW }),
        input: { range: { from: "2026-03-09", to: "2026-03-09" }, timezone: NY },
        engine,
      });
      // New York: only A signed up on Mar 9 (23:30 local); the 00:30 session is on Mar 10, A's day 1 → D1 1 of 1.
      expect(ny.newUsers.value).toBe(1);
      expect(ny.userRetention.day1.value).toEqual({ rate: 1, eligible: 1, retained: 1 });
      expect(ny.activeUsers.value).toBe(1); // the assessment at 23:45 local
    });

    it("computes the overview of a week with its previous week", async () => {
      const o = await getOverview({
        ctx: testCtx(db.db, undefined, { clock: () => NOW }),
        input: { range: { from: "2026-03-09", to: "2026-03-15" }, timezone: "UTC" },
        engine,
      });
      expect(o.totalUsers).toEqual({ value: 3, previous: 1 });
      expect(o.newUsers).toEqual({ value: 2, previous: 0 });
      expect(o.activeUsers).toEqual({ value: 2, previous: 0 });
      expect(o.featureUsage.value).toEqual({
        assessment: 1,
        visionGeneration: 2,
        intensive: 2,
        journal: 0,
        audio: 0,
        visionBoard: 0,
        other: 1,
      });
      // Succeeded only: 390 (the failed retry and the refunded 49 do not count).
      expect(o.revenue.total).toEqual({ value: 390, previous: 49 });
      expect(o.revenue.averagePerUser.value).toBe(195);
      // MRR at the end of the week: 49 + 390/12 = 81.50; a week earlier only 49.
      expect(o.revenue.monthly).toEqual({ value: 81.5, previous: 49 });
      // D7: A and B are eligible (Mar 17 ended before now) and inactive on Mar 17. D30: nobody eligible yet.
      expect(o.userRetention.day7.value).toEqual({ rate: 0, eligible: 2, retained: 0 });
      expect(o.userRetention.day30.value).toEqual({ rate: null, eligible: 0, retained: 0 });
    });

    it("returns zeros and nulls for a range with no data at all", async () => {
      const o = await getOverview({
        ctx: testCtx(db.db, undefined, { clock: () => NOW }),
        input: { range: { from: "2025-06-01", to: "2025-06-30" }, timezone: "UTC" },
        engine,
      });
      expect(o.totalUsers.value).toBe(0);
      expect(o.activeUsers.value).toBe(0);
      expect(o.userRetention.day1.value.rate).toBeNull();
      expect(o.revenue.averagePerUser.value).toBe(0);
      const s = await getAppStatistics({
        ctx: testCtx(db.db, undefined, { clock: () => NOW }),
        input: { range: { from: "2025-06-01", to: "2025-06-03" }, timezone: "UTC" },
        engine,
      });
      expect(s.assessmentCompletions.daily).toEqual([
        { date: "2025-06-01", value: 0 },
        { date: "2025-06-02", value: 0 },
        { date: "2025-06-03", value: 0 },
      ]);
      expect(s.visionGeneration.successRate).toBeNull();
      expect(s.intensiveFlow).toEqual({ started: 0, completed: 0, completionRate: null, averageCompletionTime: null });
      expect(s.tokenConsumption.byUser).toEqual([]);
    });

    it("computes app statistics with dated series, the intensive flow, token and revenue breakdowns", async () => {
      const s = await getAppStatistics({
        ctx: testCtx(db.db, undefined, { clock: () => NOW }),
        input: { range: { from: "2026-03-09", to: "2026-03-15" }, timezone: NY },
        engine,
      });
      expect(s.assessmentCompletions.daily.map((p) => p.value)).toEqual([1, 0, 0, 0, 0, 0, 0]);
      expect(s.assessmentCompletions.weekly).toEqual([{ date: "2026-03-09", value: 1 }]);
      expect(s.assessmentCompletions.monthly).toEqual([{ date: "2026-03-01", value: 1 }]);
      expect(s.visionGeneration).toEqual({ totalGenerated: 2, failed: 1, averagePerUser: 1, successRate: 2 / 3 });
      // C started on Mar 10 20:00 New York time and completed 60 hours later.
      expect(s.intensiveFlow).toEqual({ started: 1, completed: 1, completionRate: 1, averageCompletionTime: 60 });
      expect(s.tokenConsumption.total).toBe(1800);
      expect(s.tokenConsumption.costUsd).toBe(0.00759);
      expect(s.tokenConsumption.byModel.map((m) => [m.model, m.tokens, m.calls])).toEqual([
        ["gpt-4o", 1500, 1],
        ["gpt-4o-mini", 300, 1],
      ]);
      expect(s.tokenConsumption.byUser.map((u) => [u.name, u.tokens, u.costUsd])).toEqual([
        ["Ana", 1500, 0.0075],
        ["Cy", 300, 0.00009],
      ]);
      expect(s.tokenConsumption.dailyBreakdown.find((d) => d.date === "2026-03-12")).toEqual({
        date: "2026-03-12",
        tokens: 300,
        costUsd: 0.00009,
      });
      // Mar 11 00:00Z is Mar 10 20:00 in New York.
      expect(s.revenue.daily.find((d) => d.value > 0)).toEqual({ date: "2026-03-10", value: 390 });
      expect(s.revenue.byPlan).toEqual([{ plan: "pro_annual", revenue: 390 }]);
      expect(s.revenue.churnRate).toBe(0);
    });

    it("builds the cohort triangle", async () => {
      const c = await getRetentionCohorts({
        ctx: testCtx(db.db, undefined, { clock: () => NOW }),
        input: { cohort: "month", periods: 3, timezone: "UTC" },
        engine,
      });
      expect(c.cohorts.map((x) => [x.start, x.size])).toEqual([
        ["2026-01-01", 1],
        ["2026-02-01", 0],
        ["2026-03-01", 2],
      ]);
      // C (January cohort) was inactive in January and February, active in March.
      expect(c.cohorts[0]?.periods.map((p) => [p.active, p.complete])).toEqual([
        [0, true],
        [0, true],
        [1, false],
      ]);
      expect(c.cohorts[2]?.periods).toEqual([{ k: 0, active: 1, rate: 0.5, complete: false }]);
    });
  });
});

describe("analytics inputs", () => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(undefined, { sourceTables: true });
  });
  afterAll(async () => db?.drop());

  it("refuses bad ranges and timezones with clear messages", async () => {
    await expect(
      getOverview({ ctx: testCtx(db.db), input: { range: { from: "2026-03-10", to: "2026-03-01" }, timezone: "UTC" } }),
    ).rejects.toThrow("The range must start on or before its end");
    await expect(
      getOverview({ ctx: testCtx(db.db), input: { range: { from: "2023-01-01", to: "2026-03-01" }, timezone: "UTC" } }),
    ).rejects.toThrow("at most 731 days");
    await expect(
      getOverview({ ctx: testCtx(db.db), input: { range: { from: "2026-03-01", to: "2026-03-02" }, timezone: "Mars/Olympus" } }),
    ).rejects.toThrow("Unknown timezone");
    await expect(
      getOverview({
        ctx: testCtx(db.db, undefined, { clock: () => NOW }),
        input: { range: { from: "2026-03-01", to: "2026-04-02" }, timezone: "UTC" },
      }),
    ).rejects.toThrow("The range cannot end after today (2026-03-20 in UTC)");
  });
});

describe.each(engines())("customer churn on %s", (dbEngine) => {
  let db: TTestDatabase;
  const FROM = "2026-03-01T00:00:00Z";
  const TO = "2026-03-20T00:00:00Z"; // the range's end: March 19 is the last whole day before NOW in UTC
  const sub = (user: number, started_at: string, canceled_at: string | null) => ({
    user_id: uuid(user),
    plan: "pro",
    status: canceled_at ? "canceled" : "active",
    price: 49,
    interval: "month",
    started_at,
    canceled_at,
  });
  beforeAll(async () => {
    db = await createTestDatabase(dbEngine);
    await insertSourceRows(db, {
      subscriptions: [
        sub(101, "2026-01-01T00:00:00Z", null), // running throughout: stays
        sub(102, "2026-01-01T00:00:00Z", "2026-03-10T00:00:00Z"), // canceled inside: churned
        sub(103, "2026-01-01T00:00:00Z", "2026-03-05T00:00:00Z"), // an upgrade: canceled, and
        sub(103, "2026-03-05T00:00:00Z", null), // another started inside: stays
        sub(104, "2026-01-01T00:00:00Z", FROM), // canceled at the start itself: not a subscriber then
        sub(105, FROM, TO), // started at the start (a subscriber), canceled at the end itself: churned
        sub(106, "2026-03-02T00:00:00Z", null), // started inside: not a subscriber at the start
        sub(107, "2026-01-01T00:00:00Z", "2026-03-08T00:00:00Z"), // two running at the start, one canceled:
        sub(107, "2026-02-01T00:00:00Z", null), // stays
      ],
    });
  });
  afterAll(async () => db?.drop());

  it.each(["raw", "rollups"] as const)("counts subscribers at the start without one at the end (%s)", async (engine) => {
    const stats = (range: { from: string; to: string }) =>
      getAppStatistics({ ctx: testCtx(db.db, undefined, { clock: () => NOW }), input: { range, timezone: "UTC" }, engine });
    // Subscribers at the start: 101, 102, 103, 105, 107; without a running subscription at the end: 102, 105.
    expect((await stats({ from: "2026-03-01", to: "2026-03-19" })).revenue.churnRate).toBe(2 / 5);
    // Nobody had a subscription on Dec 1: no rate.
    expect((await stats({ from: "2025-12-01", to: "2025-12-31" })).revenue.churnRate).toBeNull();
  });
});
