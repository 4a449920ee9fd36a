import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { dropChangeLogDdl, sourceChangeLogDdl } from "@/server/services/demo-data/source-tables";
import { listUsersPage } from "@/server/services/users/list-users";
import type { TListUsersInput } from "@/shared/schemas/users";
import type { TUserFilters } from "@/shared/users-query";
import { callerFor, createAdmins, type TTestAdmin } from "../helpers/admins";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/*
 * Ten users whose differences each filter and sort can see:
 *   u1 alice@acme.com    pro, active,     $60 paid (+ a refund), AI $1.50, tags beta+vip-lead, high
 *   u2 bob@example.com   free,            never active, AI $5.00 (unprofitable)
 *   u3 Zoë Ångström      starter canceled, $10 paid, tags beta, vip
 *   u4 pct_100%@…        free, nothing
 *   u5 carol@acme.com    pro_annual trialing, AI $0.20 (unprofitable), tag churn-risk, low
 *   u6–u10 fillers       free, active on their signup day
 */
async function seed(db: TTestDatabase) {
  const users = [
    { id: uuid(1), email: "alice@acme.com", name: "Alice Anders", created_at: "2026-01-01T03:00:00Z", last_active_at: ago(1) },
    { id: uuid(2), email: "bob@example.com", name: "Bob Brown", created_at: "2026-01-02T12:00:00Z", last_active_at: null },
    {
      id: uuid(3),
      email: "zoe@example.org",
      name: "Zoë Ångström",
      created_at: "2026-01-03T12:00:00Z",
      last_active_at: "2026-02-10T12:00:00Z",
    },
    {
      id: uuid(4),
      email: "pct_100%@example.com",
      name: "Percent",
      created_at: "2026-01-04T12:00:00Z",
      last_active_at: "2026-01-04T13:00:00Z",
    },
    { id: uuid(5), email: "carol@acme.com", name: "Carol", created_at: "2026-01-05T12:00:00Z", last_active_at: "2026-01-20T12:00:00Z" },
    ...[6, 7, 8, 9, 10].map((i) => ({
      id: uuid(i),
      email: `user${i}@example.com`,
      name: `User ${i}`,
      created_at: `2026-01-${String(i).padStart(2, "0")}T12:00:00Z`,
      last_active_at: `2026-01-${String(i).padStart(2, "0")}T13:00:00.123456Z`,
    })),
  ];
  await insertSourceRows(db, {
    users,
    sessions: [
      { user_id: uuid(1), started_at: ago(3), ended_at: new Date(Date.now() - 3 * DAY + 600_000).toISOString() },
      { user_id: uuid(1), started_at: ago(2), ended_at: new Date(Date.now() - 2 * DAY + 1_200_000).toISOString() },
      { user_id: uuid(1), started_at: ago(1), ended_at: null },
    ],
    events: [
      { user_id: uuid(1), name: "assessment.completed", properties: { score: 80 }, occurred_at: ago(3) },
      { user_id: uuid(1), name: "vision.generated", properties: {}, occurred_at: ago(2.5) },
      { user_id: uuid(1), name: "vision.generated", properties: {}, occurred_at: ago(2.4) },
      { user_id: uuid(1), name: "intensive.started", properties: {}, occurred_at: ago(2.3) },
      { user_id: uuid(1), name: "intensive.step_completed", properties: { step: 1 }, occurred_at: ago(2.2) },
      { user_id: uuid(1), name: "intensive.step_completed", properties: { step: 3 }, occurred_at: ago(2.1) },
    ],
    token_usage: [
      { user_id: uuid(1), model: "gpt-4o", feature: "vision", input_tokens: 1000, output_tokens: 500, cost_usd: 1.0, created_at: ago(200) },
      {
        user_id: uuid(1),
        model: "gpt-4o-mini",
        feature: "coach_chat",
        input_tokens: 300,
        output_tokens: 200,
        cost_usd: 0.5,
        created_at: ago(2),
      },
      { user_id: uuid(2), model: "gpt-4o", feature: "vision", input_tokens: 4000, output_tokens: 1000, cost_usd: 5.0, created_at: ago(10) },
      {
        user_id: uuid(5),
        model: "gpt-4o-mini",
        feature: "coach_chat",
        input_tokens: 100,
        output_tokens: 100,
        cost_usd: 0.2,
        created_at: ago(5),
      },
    ],
    subscriptions: [
      { user_id: uuid(1), plan: "pro", status: "active", price: 20, interval: "month", started_at: ago(100), canceled_at: null },
      {
        user_id: uuid(3),
        plan: "starter",
        status: "canceled",
        price: 10,
        interval: "month",
        started_at: "2026-01-03T12:00:00Z",
        canceled_at: "2026-02-03T12:00:00Z",
      },
      {
        user_id: uuid(5),
        plan: "pro_annual",
        status: "trialing",
        price: 200,
        interval: "year",
        started_at: "2026-01-05T12:00:00Z",
        canceled_at: null,
      },
    ],
    payments: [
      { user_id: uuid(1), amount: 20, currency: "USD", status: "succeeded", plan: "pro", paid_at: ago(100) },
      { user_id: uuid(1), amount: 20, currency: "USD", status: "succeeded", plan: "pro", paid_at: ago(70) },
      { user_id: uuid(1), amount: 20, currency: "USD", status: "succeeded", plan: "pro", paid_at: ago(10) },
      { user_id: uuid(1), amount: 20, currency: "USD", status: "refunded", plan: "pro", paid_at: ago(40) },
      { user_id: uuid(3), amount: 10, currency: "USD", status: "succeeded", plan: "starter", paid_at: "2026-01-03T12:00:00Z" },
    ],
  });
  await db.execScript(`INSERT INTO crm_user_metadata (user_id, tags, priority, version) VALUES
    ('${uuid(1)}', '{beta,vip-lead}', 'high', 1), ('${uuid(3)}', '{beta}', 'vip', 1), ('${uuid(5)}', '{churn-risk}', 'low', 1)`);
  await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: undefined });
}

const n = (ids: number[]) => ids.map(uuid);

describe.each(engines())("users on %s", (engine) => {
  let db: TTestDatabase;
  let admins: Awaited<ReturnType<typeof createAdmins>>;
  let viewer: TTestAdmin;
  const ids = async (input: TListUsersInput) =>
    (await callerFor(db.db, viewer).users.list({ limit: 200, ...input })).items.map((u) => u.id);

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    admins = await createAdmins(db.db, `u-${engine}`);
    viewer = admins.viewer;
    await seed(db);
  });
  afterAll(async () => db?.drop());

  describe("users.list", () => {
    it("searches email and name case-insensitively, short terms too, treating % and _ literally", async () => {
      expect(await ids({ filters: { search: "ACME" } })).toEqual(n([5, 1]));
      expect(await ids({ filters: { search: "ÅNGSTRÖM" } })).toEqual(n([3]));
      expect(await ids({ filters: { search: "zo" } })).toEqual(n([3]));
      expect(await ids({ filters: { search: "100%" } })).toEqual(n([4]));
      expect(await ids({ filters: { search: "r_1" } })).toEqual([]);
      expect(await ids({ filters: { search: "user1" } })).toEqual(n([10]));
    });

    it("filters by plan and subscription status, with 'free'/'none' for users who never subscribed", async () => {
      expect(await ids({ filters: { plans: ["pro"] } })).toEqual(n([1]));
      expect(await ids({ filters: { plans: ["pro", "starter"] } })).toEqual(n([3, 1]));
      expect(await ids({ filters: { plans: ["free"] } })).toEqual(n([10, 9, 8, 7, 6, 4, 2]));
      expect(await ids({ filters: { statuses: ["canceled", "trialing"] } })).toEqual(n([5, 3]));
      expect(await ids({ filters: { statuses: ["none"] } })).toEqual(n([10, 9, 8, 7, 6, 4, 2]));
    });

    it("filters by tags (any or all, case-insensitive) and priority", async () => {
      expect(await ids({ filters: { tags: ["beta", "churn-risk"] } })).toEqual(n([5, 3, 1]));
      expect(await ids({ filters: { tags: ["BETA", "vip-lead"], tagMode: "all" } })).toEqual(n([1]));
      expect(await ids({ filters: { tags: ["nobody-has-this"] } })).toEqual([]);
      expect(await ids({ filters: { priorities: ["vip", "high"] } })).toEqual(n([3, 1]));
    });

    it("filters signup and last-active dates as local days in the admin's timezone", async () => {
      expect(await ids({ filters: { joinedFrom: "2026-01-02", joinedTo: "2026-01-03" } })).toEqual(n([3, 2]));
      // 03:00 UTC on Jan 1 is still Dec 31 in New York.
      expect(await ids({ filters: { joinedTo: "2025-12-31" }, timeZone: "America/New_York" })).toEqual(n([1]));
      expect(await ids({ filters: { joinedTo: "2025-12-31" } })).toEqual([]);
      expect(await ids({ filters: { activeFrom: "2026-02-01", activeTo: "2026-02-28" } })).toEqual(n([3]));
    });

    it("filters by lifetime spend, AI cost and unprofitable users", async () => {
      expect(await ids({ filters: { spentMin: 50 } })).toEqual(n([1]));
      expect(await ids({ filters: { spentMin: 10, spentMax: 10 } })).toEqual(n([3]));
      expect(await ids({ filters: { aiCostMin: 1 } })).toEqual(n([2, 1]));
      expect(await ids({ filters: { aiCostMin: 0.1, aiCostMax: 0.5 } })).toEqual(n([5]));
      expect(await ids({ filters: { unprofitable: true } })).toEqual(n([5, 2]));
      expect(await ids({ filters: { unprofitable: true, plans: ["free"] } })).toEqual(n([2]));
    });

    it("shows plan, spend (refunds excluded), AI cost and margin on each row", async () => {
      const page = await callerFor(db.db, viewer).users.list({ filters: { search: "alice" } });
      expect(page.items[0]).toMatchObject({
        plan: "pro",
        subscriptionStatus: "active",
        totalSpent: 60,
        aiCostUsd: 1.5,
        marginUsd: 58.5,
        aiTokens: 2000,
        tags: ["beta", "vip-lead"],
        priority: "high",
      });
      expect(page.statsAsOf).toBeInstanceOf(Date);
    });

    it("sorts by joined, last active, spent, AI cost and margin, both ways", async () => {
      expect(await ids({ sort: { sort: "joined", dir: "asc" } })).toEqual(n([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
      expect((await ids({ sort: { sort: "lastActive", dir: "desc" } })).slice(0, 3)).toEqual(n([1, 3, 5]));
      // Never active sorts last when descending, first when ascending.
      expect((await ids({ sort: { sort: "lastActive", dir: "desc" } })).at(-1)).toBe(uuid(2));
      expect((await ids({ sort: { sort: "lastActive", dir: "asc" } }))[0]).toBe(uuid(2));
      expect((await ids({ sort: { sort: "spent", dir: "desc" } })).slice(0, 2)).toEqual(n([1, 3]));
      expect((await ids({ sort: { sort: "aiCost", dir: "desc" } })).slice(0, 3)).toEqual(n([2, 1, 5]));
      expect((await ids({ sort: { sort: "margin", dir: "asc" } })).slice(0, 2)).toEqual(n([2, 5]));
      expect((await ids({ sort: { sort: "margin", dir: "desc" } })).slice(0, 2)).toEqual(n([1, 3]));
    });

    it("pages every sort with cursors to exactly the one-page result", async () => {
      const caller = callerFor(db.db, viewer);
      for (const sort of ["joined", "lastActive", "spent", "aiCost", "margin"] as const) {
        for (const dir of ["asc", "desc"] as const) {
          const all = await ids({ sort: { sort, dir } });
          const paged: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await caller.users.list({ sort: { sort, dir }, limit: 3, cursor });
            paged.push(...page.items.map((u) => u.id));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          expect(paged, `${sort} ${dir}`).toEqual(all);
          expect(all).toHaveLength(10);
        }
      }
    });

    it("finds the same pages whether it walks users in order, starts from a filter's candidates, or walks a few first", async () => {
      const filters: TUserFilters[] = (
        [
          { plans: ["pro", "starter"] },
          { aiCostMin: 0.1 },
          { priorities: ["vip", "high", "low"] },
          { tags: ["beta"], spentMin: 1 },
          { statuses: ["canceled", "trialing", "active"] },
        ] as const
      ).map((f) => ({ tagMode: "any", ...f }) as TUserFilters);
      const statsOrder = false;
      const tunings = [
        { small: 0, large: 0, walk: 0, walkMax: 0 }, // walk every user in order
        { small: 1_000, large: 1_000, walk: 0, walkMax: 0, statsOrder }, // start from the candidates
        { small: 0, large: 1_000, walk: 1, walkMax: 1, statsOrder }, // walk one user, too few: start from the candidates
        { small: 0, large: 1_000, walk: 3, walkMax: 3, statsOrder }, // walk three users: sometimes a full page of 1, sometimes not
        { small: 0, large: 1_000, walk: 1_000, walkMax: 1_000, statsOrder }, // walk every user, bounded
        { small: 0, large: 1_000, walk: 1, walkMax: 1_000, statsOrder }, // walk as far as the candidates' share of all users asks
        { small: 1_000, large: 1_000, walk: 0, walkMax: 0 }, // in signup order: sort the stats candidates by their copy of it
        { small: 0, large: 1_000, walk: 1, walkMax: 1 }, // the same, for a set of candidates too large to start from
      ];
      const check = async (when: string) => {
        for (const f of filters)
          for (const sort of ["joined", "lastActive"] as const)
            for (const dir of ["asc", "desc"] as const) {
              const expected = await ids({ filters: f, sort: { sort, dir } });
              expect(expected.length, JSON.stringify(f)).toBeGreaterThan(1);
              for (const tuning of tunings) {
                const paged: string[] = [];
                let cursor: string | undefined;
                do {
                  const page = await listUsersPage(db.db, { filters: f, sort, dir, limit: 1, cursor, timeZone: "UTC" }, tuning);
                  paged.push(...page.items.map((u) => u.id));
                  cursor = page.nextCursor ?? undefined;
                } while (cursor && paged.length <= expected.length);
                expect(paged, `${when}: ${JSON.stringify(f)} ${sort} ${dir} ${JSON.stringify(tuning)}`).toEqual(expected);
              }
            }
      };
      // One more user whose id sorts last but who signed up first (ids and signup times disagree), with AI usage and a plan.
      await insertSourceRows(db, {
        users: [{ id: uuid(13), email: "early@example.com", name: "Early", created_at: "2025-12-15T12:00:00Z", last_active_at: ago(3) }],
        token_usage: [
          { user_id: uuid(13), model: "gpt-4o", feature: "vision", input_tokens: 10, output_tokens: 10, cost_usd: 0.3, created_at: ago(3) },
        ],
        subscriptions: [
          { user_id: uuid(13), plan: "starter", status: "active", price: 10, interval: "month", started_at: ago(3), canceled_at: null },
        ],
      });
      try {
        await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: undefined });
        await check("after the refresh");
        // Between an AI-usage batch and the stats refresh, a user's stats row can lack its copy of the signup time (a
        // batch makes the row of a user who had none): those users are merged in by their own signup time.
        const ordered = await ids({ filters: { aiCostMin: 0.1 } });
        expect(ordered).toEqual(n([5, 2, 1, 13]));
        await db.execScript(`UPDATE crm_user_stats SET joined_at = NULL WHERE user_id IN ('${uuid(5)}', '${uuid(1)}')`);
        expect(await ids({ filters: { aiCostMin: 0.1 } })).toEqual(ordered);
        await check("rows without a signup time");
      } finally {
        await db.execScript(
          `DELETE FROM app.token_usage WHERE user_id = '${uuid(13)}'; DELETE FROM app.subscriptions WHERE user_id = '${uuid(13)}';
           DELETE FROM app.users WHERE id = '${uuid(13)}'`,
        );
        await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: undefined });
      }
    });

    it("neither skips nor repeats users when users sign up between pages", async () => {
      const caller = callerFor(db.db, viewer);
      const first = await caller.users.list({ limit: 4 });
      // One newer than everyone (belongs before the cursor), one in the middle of what is left.
      await insertSourceRows(db, {
        users: [
          { id: uuid(900), email: "late-newest@example.com", name: "Late", created_at: "2026-02-01T00:00:00Z", last_active_at: null },
          { id: uuid(901), email: "late-middle@example.com", name: "Late", created_at: "2026-01-03T18:00:00Z", last_active_at: null },
        ],
      });
      try {
        const seen = first.items.map((u) => u.id);
        let cursor = first.nextCursor ?? undefined;
        while (cursor) {
          const page = await caller.users.list({ limit: 4, cursor });
          seen.push(...page.items.map((u) => u.id));
          cursor = page.nextCursor ?? undefined;
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual(n([10, 9, 8, 7, 6, 5, 4, 901, 3, 2, 1]));
      } finally {
        await db.execScript(`DELETE FROM app.users WHERE id IN ('${uuid(900)}', '${uuid(901)}')`);
      }
    });

    it("refuses bad input with a clear message and field", async () => {
      const caller = callerFor(db.db, viewer);
      await expect(caller.users.list({ filters: { spentMin: 10, spentMax: 5 } })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: expect.stringContaining("Must not be before the minimum"),
      });
      await expect(caller.users.list({ filters: { joinedFrom: "2026-02-30" } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await expect(caller.users.list({ cursor: "bm90LWEtY3Vyc29y" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: "The page cursor is not valid; start from the first page",
      });
      const page = await caller.users.list({ limit: 2 });
      await expect(
        caller.users.list({ limit: 2, cursor: page.nextCursor ?? "", sort: { sort: "spent", dir: "desc" } }),
      ).rejects.toMatchObject({
        message: "The page cursor belongs to a different sort order; start from the first page",
      });
    });

    it("counts exactly below 10,000", async () => {
      const caller = callerFor(db.db, viewer);
      expect(await caller.users.count({})).toEqual({ count: 10, exact: true });
      expect(await caller.users.count({ filters: { unprofitable: true } })).toEqual({ count: 2, exact: true });
    });

    it("reflects a new subscription, a payment, a status change and their deletion at the next refresh, through the change log", async () => {
      const refresh = () => refreshAnalyticsRollups({ ctx: testCtx(db.db), input: undefined });
      await insertSourceRows(db, {
        payments: [{ user_id: uuid(4), amount: 99, currency: "USD", status: "succeeded", plan: "pro", paid_at: ago(1) }],
        subscriptions: [
          { user_id: uuid(4), plan: "pro", status: "active", price: 99, interval: "month", started_at: ago(1), canceled_at: null },
        ],
      });
      const asOf = async () => (await callerFor(db.db, viewer).users.list({ limit: 1 })).statsAsOf?.getTime() ?? 0;
      const before = await asOf();
      try {
        expect(await ids({ filters: { plans: ["pro"] } })).toEqual(n([1]));
        // The next scheduled refresh, minutes after the last full recompute, recomputes only the users the log names.
        expect((await refresh()).userStatsFull).toBe(false);
        expect(await ids({ filters: { plans: ["pro"] } })).toEqual(n([4, 1]));
        expect((await ids({ sort: { sort: "spent", dir: "desc" } }))[0]).toBe(uuid(4));
        expect(await asOf()).toBeGreaterThan(before);
        // A change of status alone (the main app marks the subscription past due) is logged too.
        await db.execScript(`UPDATE app.subscriptions SET status = 'past_due' WHERE user_id = '${uuid(4)}'`);
        expect((await refresh()).userStatsFull).toBe(false);
        expect(await ids({ filters: { statuses: ["past_due"] } })).toEqual(n([4]));
        // A refund alone (a payments row, no subscription change): the spend drops at the next refresh.
        expect(await ids({ filters: { spentMin: 50 } })).toEqual(n([4, 1]));
        await db.execScript(`UPDATE app.payments SET status = 'refunded' WHERE user_id = '${uuid(4)}'`);
        expect((await refresh()).userStatsFull).toBe(false);
        expect(await ids({ filters: { spentMin: 50 } })).toEqual(n([1]));
      } finally {
        await db.execScript(
          `DELETE FROM app.payments WHERE user_id = '${uuid(4)}'; DELETE FROM app.subscriptions WHERE user_id = '${uuid(4)}'`,
        );
      }
      // Deleted: back to free and $0 at the next refresh, though nothing of theirs is left to recompute from.
      expect((await refresh()).userStatsFull).toBe(false);
      expect(await ids({ filters: { plans: ["pro"] } })).toEqual(n([1]));
      expect(await ids({ filters: { spentMin: 50 } })).toEqual(n([1]));
      // Installed again (or a table truncated): the log cannot say what changed, so the next refresh reads everything.
      await db.execScript(sourceChangeLogDdl("app"));
      expect((await refresh()).userStatsFull).toBe(true);
      expect((await refresh()).userStatsFull).toBe(false);
      // Triggers of an earlier version (payments logged without their user) are not followed: read in full, then
      // not again until due.
      await db.execScript(
        "UPDATE crm_source_change_sources SET columns = ARRAY['id', 'amount', 'status', 'plan', 'paid_at'] WHERE tbl = 'payments'",
      );
      expect((await refresh()).userStatsFull).toBe(true);
      await insertSourceRows(db, {
        payments: [{ user_id: uuid(4), amount: 99, currency: "USD", status: "succeeded", plan: "pro", paid_at: ago(1) }],
      });
      try {
        expect((await refresh()).userStatsFull).toBe(false);
        expect(await ids({ filters: { spentMin: 50 } })).toEqual(n([1]));
      } finally {
        await db.execScript(`DELETE FROM app.payments WHERE user_id = '${uuid(4)}'`);
        await db.execScript(sourceChangeLogDdl("app"));
      }
    });

    it("without the change log, reflects them at the next full recompute: when asked (at most once a minute), else when due", async () => {
      const refresh = (userStats?: "full") =>
        refreshAnalyticsRollups({ ctx: testCtx(db.db), input: userStats ? { userStats } : undefined });
      const lastFull = (ago: string) =>
        db.execScript(`UPDATE crm_user_stats_state SET refreshed_at = now() - interval '${ago}', full_at = now() - interval '${ago}'`);
      await db.execScript(dropChangeLogDdl("app"));
      await insertSourceRows(db, {
        payments: [{ user_id: uuid(4), amount: 99, currency: "USD", status: "succeeded", plan: "pro", paid_at: ago(1) }],
        subscriptions: [
          { user_id: uuid(4), plan: "pro", status: "active", price: 99, interval: "month", started_at: ago(1), canceled_at: null },
        ],
      });
      const asOf = async () => (await callerFor(db.db, viewer).users.list({ limit: 1 })).statsAsOf?.getTime() ?? 0;
      try {
        // The log named nothing (the triggers are gone): the refresh reads everything once, and then waits.
        await lastFull("5 minutes");
        await refresh();
        await db.execScript(`UPDATE app.subscriptions SET plan = 'business' WHERE user_id = '${uuid(4)}'`);
        const before = await asOf();
        // A scheduled refresh minutes after the last recompute leaves plan and spend as of that recompute (and says so).
        await lastFull("5 minutes");
        const stale = await asOf();
        expect((await refresh()).userStatsFull).toBe(false);
        expect(await ids({ filters: { plans: ["business"] } })).toEqual([]);
        expect(await asOf()).toBe(stale);
        // Asked for (the job's run for "Refresh rollups"): recomputed, unless the last recompute is under a minute old.
        await lastFull("50 seconds");
        expect((await refresh("full")).userStatsFull).toBe(false);
        expect(await ids({ filters: { plans: ["business"] } })).toEqual([]);
        await lastFull("61 seconds");
        expect((await refresh("full")).userStatsFull).toBe(true);
        expect(await ids({ filters: { plans: ["business"] } })).toEqual(n([4]));
        expect(await asOf()).toBeGreaterThan(before);
      } finally {
        await db.execScript(
          `DELETE FROM app.payments WHERE user_id = '${uuid(4)}'; DELETE FROM app.subscriptions WHERE user_id = '${uuid(4)}'`,
        );
      }
      // USER_STATS_REFRESH_MINUTES (15) after the last recompute, a scheduled refresh recomputes them.
      await lastFull("14 minutes");
      expect((await refresh()).userStatsFull).toBe(false);
      expect(await ids({ filters: { plans: ["business"] } })).toEqual(n([4]));
      await lastFull("15 minutes");
      expect((await refresh()).userStatsFull).toBe(true);
      expect(await ids({ filters: { plans: ["business"] } })).toEqual([]);
      expect(await ids({ filters: { spentMin: 50 } })).toEqual(n([1]));
      // Installed again: the first refresh reads everything (the reinstall says "read again"), then follows the log.
      await db.execScript(sourceChangeLogDdl("app"));
      expect((await refresh()).userStatsFull).toBe(true);
      expect((await refresh()).userStatsFull).toBe(false);
    });

    it("lists new signups in the stats orders at the next refresh, one inserted with an old signup time too", async () => {
      await insertSourceRows(db, {
        users: [
          { id: uuid(11), email: "new@example.com", name: "New", created_at: ago(0), last_active_at: null },
          { id: uuid(12), email: "late@example.com", name: "Late", created_at: "2025-06-01T12:00:00Z", last_active_at: null },
        ],
      });
      try {
        // Listed at once where the list does not sort or filter by the stats.
        expect(await ids({})).toEqual(expect.arrayContaining(n([11, 12])));
        expect((await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: undefined })).userStatsFull).toBe(false);
        const order = await ids({ sort: { sort: "spent", dir: "desc" } });
        expect(order).toHaveLength(12);
        expect(order).toEqual(expect.arrayContaining(n([11, 12])));
      } finally {
        await db.execScript(`DELETE FROM app.users WHERE id IN ('${uuid(11)}', '${uuid(12)}')`);
      }
    });
  });

  describe("users.get", () => {
    it("serves the whole profile of the seed, read live", async () => {
      const p = await callerFor(db.db, viewer).users.get({ userId: uuid(1) });
      expect(p).toMatchObject({
        id: uuid(1),
        email: "alice@acme.com",
        name: "Alice Anders",
        totalSessions: 3,
        assessmentCompletions: 1,
        visionGenerations: 2,
        intensiveProgress: 43,
        intensive: { stepsCompleted: 3, totalSteps: 7, completedAt: null },
        averageSessionDuration: 900,
        featureUsageFrequency: { "vision.generated": 2, "intensive.step_completed": 2, "assessment.completed": 1, "intensive.started": 1 },
        totalSpent: 60,
        subscriptionStatus: "active",
        plan: "pro",
        tags: ["beta", "vip-lead"],
        priority: "high",
        notes: "",
      });
      expect(p.joinedAt.toISOString()).toBe("2026-01-01T03:00:00.000Z");
      expect(p.tokenUsage).toMatchObject({ calls: 2, inputTokens: 1300, outputTokens: 700, totalTokens: 2000, costUsd: 1.5 });
      expect(p.tokenUsage.last30Days).toEqual({ tokens: 500, costUsd: 0.5 });
      expect(p.tokenUsage.byModel.map((m) => [m.key, m.costUsd])).toEqual([
        ["gpt-4o", 1],
        ["gpt-4o-mini", 0.5],
      ]);
      expect(p.tokenUsage.byFeature.map((m) => m.key)).toEqual(["vision", "coach_chat"]);
      expect(p.paymentHistory.map((x) => [x.amount, x.status])).toEqual([
        [20, "succeeded"],
        [20, "refunded"],
        [20, "succeeded"],
        [20, "succeeded"],
      ]);
      expect(p.unitEconomics.lifetime).toEqual({ revenue: 60, aiCost: 1.5, margin: 58.5, marginRate: 0.975, costsMoreThanBrings: false });
      expect(p.unitEconomics.last30Days).toEqual({ revenue: 20, aiCost: 0.5, margin: 19.5, marginRate: 0.975, costsMoreThanBrings: false });
      expect(p.unitEconomics.paying).toBe(true);
      expect(p.messages).toEqual([]);
    });

    it("flags a free user who costs more than they bring", async () => {
      const p = await callerFor(db.db, viewer).users.get({ userId: uuid(2) });
      expect(p.unitEconomics.lifetime).toEqual({ revenue: 0, aiCost: 5, margin: -5, marginRate: null, costsMoreThanBrings: true });
      expect(p.unitEconomics.paying).toBe(false);
      expect(p).toMatchObject({ subscriptionStatus: "none", plan: "free", lastActiveAt: null, totalSessions: 0, intensiveProgress: 0 });
    });

    it("says a missing user is not found", async () => {
      await expect(callerFor(db.db, viewer).users.get({ userId: uuid(404) })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(callerFor(db.db, viewer).users.get({ userId: "nope" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    });
  });

  describe("users.timeline", () => {
    it("merges every kind newest first and pages without gaps or repeats", async () => {
      const caller = callerFor(db.db, viewer);
      const all = await caller.users.timeline({ userId: uuid(1), limit: 100 });
      const kinds = new Set(all.items.map((e) => e.kind));
      expect([...kinds].sort()).toEqual(["event", "payment", "session", "subscription"]);
      expect(all.items).toHaveLength(3 + 6 + 4 + 1);
      const times = all.items.map((e) => e.at.getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await caller.users.timeline({ userId: uuid(1), limit: 4, cursor });
        paged.push(...page.items.map((e) => `${e.kind}:${e.id}`));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(paged).toEqual(all.items.map((e) => `${e.kind}:${e.id}`));
    });

    it("filters by kind and shows a canceled subscription twice", async () => {
      const caller = callerFor(db.db, viewer);
      const payments = await caller.users.timeline({ userId: uuid(1), kinds: ["payment"] });
      expect(payments.items.map((e) => e.title)).toEqual([
        "Payment succeeded",
        "Payment refunded",
        "Payment succeeded",
        "Payment succeeded",
      ]);
      const subs = await caller.users.timeline({ userId: uuid(3), kinds: ["subscription"] });
      expect(subs.items.map((e) => e.title)).toEqual(["Canceled starter", "Subscribed to starter"]);
    });
  });

  describe("users.updateMetadata", () => {
    it("saves tags, notes and priority, writes the audit log, and shows the edit in the history and timeline", async () => {
      const caller = callerFor(db.db, admins.admin);
      const saved = await caller.users.updateMetadata({
        userId: uuid(4),
        expectedVersion: 0,
        tags: ["Needs Call", "beta", "beta"],
        notes: "Asked for an invoice.",
        priority: "medium",
      });
      expect(saved).toMatchObject({ tags: ["beta", "needs call"], notes: "Asked for an invoice.", priority: "medium", metadataVersion: 1 });
      expect(saved.metadataUpdatedBy).toBe(admins.admin.email);
      expect(saved.edits[0]).toMatchObject({
        actorEmail: admins.admin.email,
        before: { tags: [], notes: null, priority: null },
        after: { tags: ["beta", "needs call"], notes: "Asked for an invoice.", priority: "medium" },
      });
      const audit = await db.query<{ action: string; actor_email: string }>(
        "SELECT action, actor_email FROM crm_audit_log WHERE target_type = 'user' AND target_id = $1",
        [uuid(4)],
      );
      expect(audit).toEqual([{ action: "user.metadata_updated", actor_email: admins.admin.email }]);
      const timeline = await caller.users.timeline({ userId: uuid(4), kinds: ["edit"] });
      expect(timeline.items.map((e) => e.title)).toEqual([`Edited by ${admins.admin.email}`]);
      expect(await ids({ filters: { tags: ["needs call"] } })).toEqual(n([4]));
    });

    it("refuses a stale edit with a conflict naming who changed it, and changes nothing", async () => {
      const first = callerFor(db.db, admins.admin);
      const second = callerFor(db.db, admins.owner);
      const loaded = await first.users.get({ userId: uuid(6) });
      const loadedBySecond = await second.users.get({ userId: uuid(6) });
      await first.users.updateMetadata({ userId: uuid(6), expectedVersion: loaded.metadataVersion, notes: "First" });
      await expect(
        second.users.updateMetadata({ userId: uuid(6), expectedVersion: loadedBySecond.metadataVersion, notes: "Second" }),
      ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining(`${admins.admin.email} changed this user's`) });
      const now = await first.users.get({ userId: uuid(6) });
      expect(now).toMatchObject({ notes: "First", metadataVersion: 1 });
      expect(now.edits).toHaveLength(1);
    });

    it("writes nothing when nothing changed", async () => {
      const caller = callerFor(db.db, admins.admin);
      const before = await caller.users.get({ userId: uuid(3) });
      const after = await caller.users.updateMetadata({
        userId: uuid(3),
        expectedVersion: before.metadataVersion,
        tags: ["beta"],
        priority: "vip",
      });
      expect(after.metadataVersion).toBe(before.metadataVersion);
      expect(after.edits).toHaveLength(before.edits.length);
    });

    it("lets viewers read but not edit, and rejects bad values and unknown users", async () => {
      await expect(
        callerFor(db.db, viewer).users.updateMetadata({ userId: uuid(7), expectedVersion: 0, notes: "x" }),
      ).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      const caller = callerFor(db.db, admins.admin);
      await expect(caller.users.updateMetadata({ userId: uuid(7), expectedVersion: 0, tags: ["<script>"] })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
      await expect(caller.users.updateMetadata({ userId: uuid(404), expectedVersion: 0, notes: "x" })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      expect((await caller.users.get({ userId: uuid(7) })).metadataVersion).toBe(0);
    });

    it("suggests existing tags by prefix, most used first", async () => {
      const caller = callerFor(db.db, viewer);
      expect((await caller.users.suggestTags({ prefix: "B" })).map((t) => t.tag)).toEqual(["beta"]);
      expect((await caller.users.suggestTags({ prefix: "" })).map((t) => t.tag)[0]).toBe("beta");
    });
  });

  describe("users.savedViews", () => {
    it("keeps each admin's views by name, normalised, and refuses a duplicate name", async () => {
      const mine = callerFor(db.db, viewer);
      const view = await mine.users.savedViews.create({ name: "Unprofitable free", query: "plan=free&unprofitable=1&bogus=1&sort=aiCost" });
      expect(view.query).toBe("plan=free&unprofitable=1&sort=aiCost");
      await expect(mine.users.savedViews.create({ name: "Unprofitable free", query: "" })).rejects.toMatchObject({ code: "CONFLICT" });
      expect((await mine.users.savedViews.list()).map((v) => v.name)).toEqual(["Unprofitable free"]);
      expect(await callerFor(db.db, admins.admin).users.savedViews.list()).toEqual([]);
      await mine.users.savedViews.delete({ id: view.id });
      expect(await mine.users.savedViews.list()).toEqual([]);
    });
  });
});

// Two connections at once: real Postgres only (PGlite has one connection).
describe.each(engines().filter((e) => e === "postgres"))("users list stats with a concurrent writer on %s", (engine) => {
  let db: TTestDatabase;
  let viewer: TTestAdmin;
  const ids = async (input: TListUsersInput) =>
    (await callerFor(db.db, viewer).users.list({ limit: 200, ...input })).items.map((u) => u.id);
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    viewer = (await createAdmins(db.db, `uc-${engine}`)).viewer;
    await seed(db);
  });
  afterAll(async () => db?.drop());

  it("counts a payment whose transaction was open during a refresh at the next one", async () => {
    const refresh = () => refreshAnalyticsRollups({ ctx: testCtx(db.db), input: undefined });
    expect((await refresh()).userStatsFull).toBe(false);
    const other = postgres(db.url as string, { max: 1, onnotice: () => {} });
    try {
      await other.begin(async (tx) => {
        await tx.unsafe(
          `INSERT INTO app.payments (user_id, amount, currency, status, plan, paid_at) VALUES ('${uuid(4)}', 99, 'USD', 'succeeded', 'pro', now())`,
        );
        // Refreshed while that transaction is open: its payment is not in this snapshot, nor yet counted.
        expect((await refresh()).userStatsFull).toBe(false);
        expect(await ids({ filters: { spentMin: 50 } })).toEqual(n([1]));
      });
      expect((await refresh()).userStatsFull).toBe(false);
      expect(await ids({ filters: { spentMin: 50 } })).toEqual(n([4, 1]));
    } finally {
      await other.end();
      await db.execScript(`DELETE FROM app.payments WHERE user_id = '${uuid(4)}'`);
    }
    await refresh();
    expect(await ids({ filters: { spentMin: 50 } })).toEqual(n([1]));
  });
});
