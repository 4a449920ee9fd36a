import { isDeepStrictEqual, parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { env } from "@/lib/env";
import { connectPostgres, type DbOrTx, executeRows } from "@/server/db/client";
import { serviceContext } from "@/server/runtime";
import { getAppStatistics, getOverview, getRetentionCohorts, type TEngine } from "@/server/services/analytics/get-analytics";
import { changeLogFollowed } from "@/server/services/analytics/kept-source";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { systemActor } from "@/server/services/context";
import { refreshUserStats } from "@/server/services/users/refresh-user-stats";
import { lastDays } from "@/shared/schemas/analytics";
import { checkDataSetSize, growthFigures, percentile, sizeClass, type TBenchFigure, type TBenchScenario } from "../types";

/**
 * The analytics procedures on the seeded data (npm run db:seed -- --users 100000),
 * warm, from the rollups (the product) and from the raw tables (the
 * straightforward baseline), in the same process, with a check that both
 * return the same answer; and the database time of one dashboard view
 * (issue 17: ≤ 100 ms at 1M users).
 */
/** Whether pg_stat_statements is loaded (Supabase has it): its counters are reset on the way. */
const statementsLoaded = (db: DbOrTx) =>
  resetStatements(db)
    .then(() => true)
    .catch(() => false);
const resetStatements = (db: DbOrTx) => executeRows(db, sql`SELECT pg_stat_statements_reset()`);
/** Since the last reset, this database's statements (the counters' own excepted): server time with planning, pages read and hit. */
async function statementTotals(db: DbOrTx): Promise<{ ms: number; read: number; hit: number }> {
  const [row] = await executeRows<{ ms: number | null; read: number | null; hit: number | null }>(
    db,
    sql`SELECT sum(total_exec_time + total_plan_time)::float8 AS ms, sum(shared_blks_read)::float8 AS read,
          sum(shared_blks_hit)::float8 AS hit
        FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT ILIKE '%pg_stat_statements%'`,
  );
  return { ms: Number(row?.ms ?? 0), read: Number(row?.read ?? 0), hit: Number(row?.hit ?? 0) };
}

const scenario: TBenchScenario = {
  description: "analytics overview / appStatistics / retentionCohorts: rollups vs raw-table baseline",
  async run(handle, args) {
    const { values } = parseArgs({
      args,
      options: {
        runs: { type: "string", default: "15" },
        "raw-runs": { type: "string" },
        users: { type: "string" },
        timezone: { type: "string", default: "America/New_York" },
      },
    });
    const users = await checkDataSetSize(handle, values.users);
    const big = sizeClass(users) === "1m";
    const runs = Number(values.runs);
    // The raw baseline takes seconds to minutes a call at 1M users: fewer runs there.
    const rawRuns = Number(values["raw-runs"] ?? (big ? 1 : 5));
    // Issue 17: p95 ≤ 100 ms at 100k users, ≤ 150 ms at 1M.
    const p95Target = big ? 150 : 100;
    const tz = values.timezone as string;
    const db = handle.db;
    const now = new Date();
    const ctx = serviceContext(db, systemActor("bench"), { clock: () => now });
    const figures: TBenchFigure[] = [];

    figures.push({ name: "users in the data set", value: users, unit: "users", target: null });
    const t0 = performance.now();
    const refreshed = await refreshAnalyticsRollups({ ctx, input: undefined });
    figures.push({ name: "rollup refresh (catch-up)", value: Math.round(performance.now() - t0), unit: "ms", target: null });
    figures.push({ name: "rows rolled up in that refresh", value: refreshed.rows, unit: "rows", target: null });

    // Steady state (issue 17: ≤ 1 s of database time a run): three minutes of new rows at 50 events/s, on random
    // existing users, then one refresh run as the job does it, inside a transaction that is rolled back (the data
    // set is left as it was). On one connection the run's wall time is its database time.
    if (handle.mode === "postgres") {
      // A connection like the jobs pool's (server's parallel workers), which runs the job in production.
      const single = connectPostgres(env().DATABASE_URL as string, { max: 1, parallelWorkers: true });
      const ROLLBACK = new Error("rollback");
      try {
        const steady: { rows: number; runMs: number[]; statsMs: number[]; read: number[]; hit: number[] } = {
          rows: 0,
          runMs: [],
          statsMs: [],
          read: [],
          hit: [],
        };
        // Each run's rows are rolled back but their ids are spent: a data set benched again and again ends up with its
        // sequences far past its rows, and once a run's new rows lie more than a batch (250k ids) past the watermark it
        // takes the catch-up path (a second batch, the day strings rebuilt) and measures that. The sequences go back to
        // the rows (nothing else writes here), as on a fresh data set.
        for (const table of ["sessions", "events", "token_usage"])
          await executeRows(
            single.db,
            sql`SELECT setval(pg_get_serial_sequence(${`app.${table}`}, 'id'), (SELECT max(id) FROM ${sql.raw(`app.${table}`)}))`,
          );
        // Where pg_stat_statements is loaded: the pages each run found in the buffer cache and those it read from outside
        // (the operating system's cache or the disk), which say how cold the run was.
        const statementsSeen = await statementsLoaded(single.db);
        const fullEvery = env().USER_STATS_REFRESH_MINUTES;
        const [log] = await executeRows<{ logged: boolean }>(single.db, sql`SELECT ${changeLogFollowed} AS logged`);
        const logged = log?.logged === true;
        // Three runs, each on its own three minutes of rows, rolled back: the first after the catch-up is the slowest
        // (at 1M users here 1,066 ms against 604 and 652); the median is the figure, the slowest is reported too.
        for (let k = 0; k < 3; k++)
          await single.db
            .transaction(async (tx) => {
              await tx.execute(sql`
              WITH u AS (SELECT id FROM app.users ORDER BY random() LIMIT 2000)
              INSERT INTO app.events (user_id, name, properties, occurred_at)
              SELECT (SELECT id FROM u OFFSET (g % 2000) LIMIT 1), (ARRAY['audio.played','journal.entry_created','vision_board.viewed','assessment.completed'])[1 + g % 4],
                     '{}'::jsonb, now() - (g % 180) * interval '1 second' FROM generate_series(1, 7000) g`);
              await tx.execute(sql`
              WITH u AS (SELECT id FROM app.users ORDER BY random() LIMIT 1000)
              INSERT INTO app.sessions (user_id, started_at) SELECT id, now() - interval '90 seconds' FROM u`);
              await tx.execute(sql`
              WITH u AS (SELECT id FROM app.users ORDER BY random() LIMIT 1000)
              INSERT INTO app.token_usage (user_id, model, feature, input_tokens, output_tokens, cost_usd, created_at)
              SELECT id, 'gpt-4o-mini', 'coach_chat', 800, 300, 0.0021, now() - interval '60 seconds' FROM u`);
              // The main app's billing in those 3 minutes (logged by the change-log triggers, which the users list's
              // plan and spend follow): 6 charges, 3 cancellations, a subscription past due.
              await tx.execute(sql`
              INSERT INTO app.payments (user_id, amount, currency, status, plan, paid_at)
              SELECT id, 20, 'USD', 'succeeded', 'pro', now() - interval '100 seconds' FROM (SELECT id FROM app.users ORDER BY random() LIMIT 6) u`);
              await tx.execute(sql`
              UPDATE app.subscriptions SET canceled_at = now() - interval '50 seconds'
              WHERE id IN (SELECT id FROM app.subscriptions WHERE canceled_at IS NULL ORDER BY random() LIMIT 3)`);
              await tx.execute(sql`
              UPDATE app.subscriptions SET status = 'past_due'
              WHERE id IN (SELECT id FROM app.subscriptions WHERE canceled_at IS NULL AND status = 'active' ORDER BY random() LIMIT 1)`);
              const one = serviceContext(tx, systemActor("bench"), { clock: () => now });
              if (statementsSeen) await resetStatements(tx);
              const r0 = performance.now();
              const run = await refreshAnalyticsRollups({ ctx: one, input: undefined });
              steady.runMs.push(performance.now() - r0);
              if (statementsSeen) {
                const totals = await statementTotals(tx);
                steady.read.push(totals.read);
                steady.hit.push(totals.hit);
              }
              steady.rows = 9000; // 7,000 events, 1,000 sessions, 1,000 token rows (run.rows counts ids, and rolled-back ids are spent)
              if (run.rows < 9000) throw new Error(`the steady-state run rolled up ${run.rows} rows, not the 9,000 inserted`);
              // The catch-up above recomputed the users list's plan and spend; a scheduled run minutes later follows the
              // change log (or only adds new signups' rows without it). The full recompute is timed by itself below.
              if (run.userStatsFull) throw new Error("the steady-state run recomputed the users list's plan and spend; it is not due");
              const s0 = performance.now();
              await refreshUserStats(tx);
              steady.statsMs.push(performance.now() - s0);
              throw ROLLBACK;
            })
            .catch((e) => {
              if (e !== ROLLBACK) throw e;
            });
        figures.push(
          { name: "steady-state refresh: new rows (3 min at 50 events/s)", value: steady.rows, unit: "rows", target: null },
          {
            name: "steady-state refresh run, database time (median of 3)",
            value: Math.round(percentile(steady.runMs, 50)),
            unit: "ms",
            target: 1000,
          },
          {
            name: "  slowest of the 3",
            value: Math.round(Math.max(...steady.runMs)),
            unit: "ms",
            target: null,
          },
          ...(steady.read.length
            ? [
                {
                  name: "  pages a run read from outside the buffer cache (median)",
                  value: Math.round(percentile(steady.read, 50)),
                  unit: "pages",
                  target: null,
                },
                {
                  name: "  pages a run found in the buffer cache (median)",
                  value: Math.round(percentile(steady.hit, 50)),
                  unit: "pages",
                  target: null,
                },
              ]
            : []),
          {
            name: `users list's plan and spend, full recompute (${logged ? "daily with the change log" : `every ${fullEvery} min`}, and on request)`,
            value: Math.round(percentile(steady.statsMs, 50)),
            unit: "ms",
            target: null,
          },
          {
            name: "  database time per 3 minutes, on average (a run, and the share of a recompute)",
            value: Math.round(percentile(steady.runMs, 50) + (percentile(steady.statsMs, 50) * 3) / (logged ? 24 * 60 : fullEvery)),
            unit: "ms",
            target: null,
          },
        );
      } finally {
        await single.close();
      }
    }

    const cases: { name: string; call: (engine: TEngine) => Promise<unknown> }[] = [
      { name: "overview 30d", call: (engine) => getOverview({ ctx, input: { range: lastDays(30, tz, now), timezone: tz }, engine }) },
      { name: "overview 90d", call: (engine) => getOverview({ ctx, input: { range: lastDays(90, tz, now), timezone: tz }, engine }) },
      {
        name: "appStatistics 30d",
        call: (engine) => getAppStatistics({ ctx, input: { range: lastDays(30, tz, now), timezone: tz }, engine }),
      },
      {
        name: "appStatistics 90d",
        call: (engine) => getAppStatistics({ ctx, input: { range: lastDays(90, tz, now), timezone: tz }, engine }),
      },
      {
        name: "retentionCohorts week×8",
        call: (engine) => getRetentionCohorts({ ctx, input: { cohort: "week", periods: 8, timezone: tz }, engine }),
      },
      {
        name: "retentionCohorts month×6",
        call: (engine) => getRetentionCohorts({ ctx, input: { cohort: "month", periods: 6, timezone: tz }, engine }),
      },
    ];

    const time = async (fn: () => Promise<unknown>, n: number, warmUp = true) => {
      const samples: number[] = [];
      let last: unknown;
      if (warmUp) await fn();
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        last = await fn();
        samples.push(performance.now() - s);
      }
      return { samples, last };
    };

    // The first read after a refresh changed the rollups: what reads keep from the rollups alone is kept under
    // the rollups' version, so a new version (what a refresh that rolls rows up writes) makes them read it again.
    const newVersion = () => db.execute(sql`UPDATE crm_rollup_state SET version = gen_random_uuid() WHERE id = 'main'`);
    const coldRuns = big ? 3 : 5;
    for (const c of cases) {
      const cold: number[] = [];
      for (let i = 0; i < coldRuns; i++) {
        await newVersion();
        const s = performance.now();
        await c.call("rollups");
        cold.push(performance.now() - s);
      }
      const fast = await time(() => c.call("rollups"), runs);
      // At 1M users one raw call takes up to minutes: no warm-up there (it only makes the baseline look slower).
      const raw = await time(() => c.call("raw"), rawRuns, !big);
      const p50 = percentile(fast.samples, 50);
      const p95 = percentile(fast.samples, 95);
      const rawP50 = percentile(raw.samples, 50);
      console.error(
        `  ${c.name}: rollups p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (after a refresh p50 ${percentile(cold, 50).toFixed(1)}); raw p50 ${rawP50.toFixed(0)} ms`,
      );
      figures.push(
        { name: `${c.name} p50`, value: Number(p50.toFixed(1)), unit: "ms", target: null },
        { name: `${c.name} p95`, value: Number(p95.toFixed(1)), unit: "ms", target: p95Target },
        {
          name: `${c.name} first read after the rollups changed, p50`,
          value: Number(percentile(cold, 50).toFixed(1)),
          unit: "ms",
          target: null,
        },
        { name: `${c.name} raw p50`, value: Number(rawP50.toFixed(1)), unit: "ms", target: null },
        { name: `${c.name} raw p95`, value: Number(percentile(raw.samples, 95).toFixed(1)), unit: "ms", target: null },
        { name: `${c.name} speed-up (raw p50 / rollups p50)`, value: Number((rawP50 / p50).toFixed(1)), unit: "×", target: 20 },
        { name: `${c.name} results equal`, value: isDeepStrictEqual(fast.last, raw.last) ? 1 : 0, unit: "bool", target: 1 },
      );
    }

    // Database time of one dashboard view (overview + appStatistics + cohorts), on a pool of one connection. Where
    // pg_stat_statements is loaded (Supabase has it), the statements' own time on the server, planning included: the
    // sum over the view's statements. Its wall time on one connection is an upper bound (the statements, one after
    // another, plus the round trips and JavaScript between them). Target: 100 ms at 1M users.
    if (handle.mode === "postgres") {
      const single = connectPostgres(env().DATABASE_URL as string, { max: 1 });
      const statementsSeen = await statementsLoaded(db);
      /** The view at `t`: its wall time, and its statements' time on the server (null without pg_stat_statements). */
      const view = async (t: Date) => {
        const at = serviceContext(single.db, systemActor("bench"), { clock: () => t });
        if (statementsSeen) await resetStatements(db);
        const s0 = performance.now();
        await getOverview({ ctx: at, input: { range: lastDays(30, tz, t), timezone: tz }, engine: "rollups" });
        await getAppStatistics({ ctx: at, input: { range: lastDays(30, tz, t), timezone: tz }, engine: "rollups" });
        await getRetentionCohorts({ ctx: at, input: { cohort: "week", periods: 8, timezone: tz }, engine: "rollups" });
        const wall = performance.now() - s0;
        if (!statementsSeen) return { wall, server: null };
        return { wall, server: (await statementTotals(db)).ms };
      };
      const report = (label: string, samples: { wall: number; server: number | null }[], target: number | null) => {
        const server = samples.flatMap((x) => (x.server === null ? [] : [x.server]));
        const wall = samples.map((x) => x.wall);
        figures.push(
          {
            name: `database time per dashboard view${label}, wall on one connection p50`,
            value: Math.round(percentile(wall, 50)),
            unit: "ms",
            target: null,
          },
          {
            name: `database time per dashboard view${label}, wall on one connection p95`,
            value: Math.round(percentile(wall, 95)),
            unit: "ms",
            target: server.length ? null : target,
          },
        );
        if (server.length)
          figures.push(
            {
              name: `database time per dashboard view${label}, statements (pg_stat_statements) p50`,
              value: Math.round(percentile(server, 50)),
              unit: "ms",
              target: null,
            },
            {
              name: `database time per dashboard view${label}, statements (pg_stat_statements) p95`,
              value: Math.round(percentile(server, 95)),
              unit: "ms",
              target,
            },
          );
      };
      const n = Math.max(3, Math.round(runs / 3));
      try {
        await view(now);
        const warm: { wall: number; server: number | null }[] = [];
        for (let i = 0; i < n; i++) warm.push(await view(now));
        const afterRefresh: { wall: number; server: number | null }[] = [];
        for (let i = 0; i < 3; i++) {
          await newVersion();
          afterRefresh.push(await view(now));
        }
        // The main app keeps writing: before each view, a minute of its changes to the tables analytics keeps numbers
        // of (3 signups, 2 payments, 1 cancellation: about its rate at 1M users), and "now" a minute later. The kept
        // numbers move forward by the change log (the rows changed, and subscriptions crossing the minute); without
        // the log they are read in full. Undone afterwards.
        const changed: { users: string[]; payments: string[]; subscriptions: string[] } = { users: [], payments: [], subscriptions: [] };
        const moving: { wall: number; server: number | null }[] = [];
        try {
          for (let k = 1; k <= n + 1; k++) {
            const t = new Date(now.getTime() + k * 60_000);
            const [row] = await executeRows<{ users: string[]; payments: string[]; sub: string | null }>(
              db,
              sql`WITH u AS (INSERT INTO app.users (id, email, created_at)
                             SELECT gen_random_uuid(), 'bench-' || gen_random_uuid() || '@example.com', ${t.toISOString()}::timestamptz
                             FROM generate_series(1, 3) RETURNING id),
                  p AS (INSERT INTO app.payments (user_id, amount, status, plan, paid_at)
                        SELECT id, 49, 'succeeded', 'pro', ${t.toISOString()}::timestamptz FROM u LIMIT 2 RETURNING id),
                  s AS (UPDATE app.subscriptions SET canceled_at = ${t.toISOString()}::timestamptz
                        WHERE id = (SELECT id FROM app.subscriptions WHERE canceled_at IS NULL ORDER BY id OFFSET ${k * 97} LIMIT 1) RETURNING id)
                  SELECT (SELECT array_agg(id::text) FROM u) AS users, (SELECT array_agg(id::text) FROM p) AS payments,
                         (SELECT id::text FROM s) AS sub`,
            );
            changed.users.push(...(row?.users ?? []));
            changed.payments.push(...(row?.payments ?? []));
            if (row?.sub) changed.subscriptions.push(row.sub);
            const sample = await view(t);
            if (k > 1) moving.push(sample);
          }
        } finally {
          // An array parameter in its text form (drizzle would spread a JS array into a row).
          const list = (ids: string[]) => `{${ids.join(",")}}`;
          if (changed.payments.length) await db.execute(sql`DELETE FROM app.payments WHERE id = ANY(${list(changed.payments)}::bigint[])`);
          if (changed.users.length) await db.execute(sql`DELETE FROM app.users WHERE id = ANY(${list(changed.users)}::uuid[])`);
          if (changed.subscriptions.length)
            await db.execute(sql`UPDATE app.subscriptions SET canceled_at = NULL WHERE id = ANY(${list(changed.subscriptions)}::bigint[])`);
        }
        report("", warm, 100);
        report(", a minute of the main app's changes before each", moving, 100);
        report(", first after the rollups changed", afterRefresh, null);
      } finally {
        await single.close();
      }
    }
    return [...figures, ...growthFigures("analytics", users, figures)];
  },
};

export default scenario;
