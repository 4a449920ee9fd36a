import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { serviceContext } from "@/server/runtime";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { systemActor } from "@/server/services/context";
import { findAnything } from "@/server/services/search/find-anything";
import { countUsers } from "@/server/services/users/count-users";
import { exportUsersCsv } from "@/server/services/users/export-users-csv";
import { getUserProfile } from "@/server/services/users/get-user-profile";
import { getUserTimeline } from "@/server/services/users/get-user-timeline";
import { listUsers } from "@/server/services/users/list-users";
import type { TListUsersInput } from "@/shared/schemas/users";
import type { TUserFilters } from "@/shared/users-query";
import { checkDataSetSize, growthFigures, percentile, type TBenchFigure, type TBenchScenario, timeRuns } from "../types";

/**
 * The users procedures on the seeded data (npm run db:seed -- --users 100000),
 * warm: search, filtered and sorted list pages, counts, the profile and the
 * timeline of the heaviest users, and the streamed CSV export (time and
 * memory). Baseline in the same process: sorting by lifetime AI cost computed
 * from the raw token usage instead of crm_user_stats.
 */
const scenario: TBenchScenario = {
  description: "users list / search / count / profile / timeline / export on the seeded data",
  async run(handle, args) {
    const { values } = parseArgs({ args, options: { runs: { type: "string", default: "30" }, users: { type: "string" } } });
    const runs = Number(values.runs);
    const db = handle.db;
    const ctx = serviceContext(db, systemActor("bench"));
    const tz = "America/New_York";
    const figures: TBenchFigure[] = [];
    const users = await checkDataSetSize(handle, values.users);
    figures.push({ name: "users in the data set", value: users, unit: "users", target: null });
    await refreshAnalyticsRollups({ ctx, input: undefined });

    const time = (fn: () => Promise<unknown>, n = runs) => timeRuns(fn, n);
    const report = (name: string, samples: number[], target: number | null) => {
      figures.push({ name: `${name} p50`, value: round(percentile(samples, 50)), unit: "ms", target: null });
      figures.push({ name: `${name} p95`, value: round(percentile(samples, 95)), unit: "ms", target });
    };
    const list = (input: TListUsersInput) => () => listUsers({ ctx, input: { limit: 50, timeZone: tz, ...input } });

    // Search: several terms, common and rare, long and short.
    const terms = ["wilson", "gmail", "priya", "kim5", "zzq", "jo", "a"];
    const searchSamples: number[] = [];
    for (const term of terms) {
      const s = await time(list({ filters: { search: term } }), Math.ceil(runs / 2));
      report(`search “${term}”`, s, 50);
      searchSamples.push(...s);
    }
    report("search, all terms", searchSamples, 50);

    // The command palette (⌘K): a user by id, by part of the address or name; segments, campaigns and templates by name.
    const [someone] = await handle.query<{ id: string; email: string }>("SELECT id, email FROM app.users ORDER BY id OFFSET 4242 LIMIT 1");
    const paletteTerms = [someone?.id ?? "", someone?.email.slice(2, 12) ?? "", "wilson", "gmail", "kim5", "zzq", "priya s", "com"];
    const paletteSamples: number[] = [];
    for (const q of paletteTerms) {
      const s = await time(() => findAnything({ ctx, input: { q } }), Math.ceil(runs / 2));
      paletteSamples.push(...s);
    }
    report("command palette, id / partial email / names / no match", paletteSamples, 50);

    // Filtered and sorted pages, first and second.
    const cases: { name: string; filters: TUserFilters | Record<string, unknown>; sort?: TListUsersInput["sort"] }[] = [
      { name: "newest first, no filter", filters: {} },
      { name: "plan pro, active", filters: { plans: ["pro"], statuses: ["active"] } },
      { name: "tag beta", filters: { tags: ["beta"] } },
      { name: "priority vip/high", filters: { priorities: ["vip", "high"] } },
      { name: "joined in March (NY)", filters: { joinedFrom: "2026-03-01", joinedTo: "2026-03-31" } },
      { name: "active last week", filters: { activeFrom: isoDay(-7), activeTo: isoDay(0) } },
      { name: "spent $100–$500", filters: { spentMin: 100, spentMax: 500 } },
      { name: "AI cost ≥ $2", filters: { aiCostMin: 2 } },
      { name: "unprofitable, by margin", filters: { unprofitable: true }, sort: { sort: "margin", dir: "asc" } },
      { name: "sort by total spent", filters: {}, sort: { sort: "spent", dir: "desc" } },
      { name: "sort by AI cost", filters: {}, sort: { sort: "aiCost", dir: "desc" } },
      { name: "sort by last active", filters: {}, sort: { sort: "lastActive", dir: "desc" } },
      { name: "free users by AI cost", filters: { plans: ["free"] }, sort: { sort: "aiCost", dir: "desc" } },
      { name: "gmail + pro, by spent", filters: { search: "gmail", plans: ["pro"] }, sort: { sort: "spent", dir: "desc" } },
    ];
    const pageSamples: number[] = [];
    const countSamples: number[] = [];
    for (const c of cases) {
      const input = { filters: c.filters as TUserFilters, sort: c.sort };
      const first = await list(input)();
      const s1 = await time(list(input), Math.ceil(runs / 2));
      const s2 = first.nextCursor ? await time(list({ ...input, cursor: first.nextCursor }), Math.ceil(runs / 2)) : [];
      report(`list: ${c.name}`, [...s1, ...s2], 50);
      pageSamples.push(...s1, ...s2);
      const sc = await time(() => countUsers({ ctx, input: { filters: c.filters as TUserFilters, timeZone: tz } }), Math.ceil(runs / 3));
      countSamples.push(...sc);
    }
    report("list pages, all filters", pageSamples, 50);
    report("count, all filters", countSamples, null);

    // Baseline: sort by lifetime AI cost computed from the raw rows.
    const baseline = await time(
      () =>
        executeRows(
          db,
          sql`SELECT u.id, u.email, t.cost FROM app.users u
              LEFT JOIN (SELECT user_id, sum(cost_usd) AS cost FROM app.token_usage GROUP BY user_id) t ON t.user_id = u.id
              ORDER BY t.cost DESC NULLS LAST, u.id DESC LIMIT 51`,
        ),
      3,
    );
    const product = await time(list({ sort: { sort: "aiCost", dir: "desc" } }));
    figures.push({ name: "baseline: sort by AI cost from raw rows p50", value: round(percentile(baseline, 50)), unit: "ms", target: null });
    figures.push({
      name: "sort by AI cost: speed-up vs baseline (p50)",
      value: round(percentile(baseline, 50) / percentile(product, 50)),
      unit: "×",
      target: null,
    });

    // The profile and timeline of the heaviest users.
    const heavy = await executeRows<{ user_id: string }>(
      db,
      sql`SELECT user_id FROM app.events GROUP BY user_id ORDER BY count(*) DESC LIMIT 10`,
    );
    const [heaviest] = await executeRows<{ n: string }>(
      db,
      sql`SELECT count(*) AS n FROM app.events WHERE user_id = ${heavy[0]?.user_id ?? null}`,
    );
    figures.push({ name: "events of the heaviest user", value: Number(heaviest?.n ?? 0), unit: "events", target: null });
    const getSamples: number[] = [];
    const timelineSamples: number[] = [];
    for (const h of heavy) {
      getSamples.push(...(await time(() => getUserProfile({ ctx, input: { userId: h.user_id } }), Math.ceil(runs / 5))));
      const first = await getUserTimeline({ ctx, input: { userId: h.user_id } });
      timelineSamples.push(...(await time(() => getUserTimeline({ ctx, input: { userId: h.user_id } }), Math.ceil(runs / 10))));
      if (first.nextCursor) {
        const cursor = first.nextCursor;
        timelineSamples.push(...(await time(() => getUserTimeline({ ctx, input: { userId: h.user_id, cursor } }), Math.ceil(runs / 10))));
      }
    }
    report("users.get, 10 heaviest users", getSamples, 50);
    report("users.timeline pages, 10 heaviest users", timelineSamples, 50);

    // The export: every user, streamed; memory sampled at every chunk.
    const exportRun = async (filters: TUserFilters | Record<string, unknown>) => {
      // Retained heap (after a collection) at every chunk: what the export holds, not garbage waiting.
      const gc = global.gc ?? (() => {});
      gc();
      const base = process.memoryUsage().heapUsed;
      let peak = base;
      let rows = -1;
      const t = performance.now();
      for await (const chunk of exportUsersCsv(db, { filters: filters as TUserFilters, sort: "joined", dir: "desc", timeZone: tz })) {
        for (let i = chunk.indexOf("\n"); i !== -1; i = chunk.indexOf("\n", i + 1)) rows++;
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
      return { rows, ms: performance.now() - t, heapMb: (peak - base) / 1_048_576 };
    };
    if (!global.gc) console.error("note: run with NODE_OPTIONS=--expose-gc for retained-heap figures");
    const small = await exportRun({ joinedFrom: isoDay(-30) });
    const all = await exportRun({});
    figures.push({ name: "export: rows (all users)", value: all.rows, unit: "rows", target: null });
    figures.push({ name: "export: time (all users)", value: round(all.ms), unit: "ms", target: null });
    figures.push({ name: "export: retained heap peak (all users)", value: round(all.heapMb), unit: "MB", target: null });
    figures.push({ name: `export: retained heap peak (${small.rows} users)`, value: round(small.heapMb), unit: "MB", target: null });
    return [...figures, ...growthFigures("users", users, figures)];
  },
};

const round = (v: number) => Math.round(v * 10) / 10;
const isoDay = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

export default scenario;
