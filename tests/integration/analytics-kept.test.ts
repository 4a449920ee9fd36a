import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAppStatistics, getOverview, getRetentionCohorts } from "@/server/services/analytics/get-analytics";
import { refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { sourceChangeLogDdl } from "@/server/services/demo-data/source-tables";
import { purgeExpired } from "@/server/services/jobs/purge-expired";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, uuid } from "../helpers/source-rows";

/**
 * The count of every user, MRR, churn and revenue are kept between reads and brought forward by the main app's
 * change log (kept-source.ts): after inserts, updates and deletes of users, subscriptions and payments, as "now"
 * moves past subscriptions' starts and cancellations, with a change committed after a read began, and without the
 * triggers, every answer equals the raw tables' (the reference) at the same instant.
 */
// 10:00 UTC today: windows ending "now" are recent (read as signups since their start less those since "now"),
// and three hours on is the same UTC day.
const NOW = new Date(`${new Date().toISOString().slice(0, 10)}T10:00:00Z`);
const H = 3_600_000;
const D = 24 * H;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

const day = (ms: number) => new Date(NOW.getTime() + ms).toISOString().slice(0, 10);
const INPUTS = [
  { range: { from: day(-29 * D), to: day(0) }, timezone: "UTC" },
  { range: { from: day(-6 * D), to: day(0) }, timezone: "America/St_Johns" },
];
const COHORTS = [
  { cohort: "week" as const, periods: 8, timezone: "UTC" },
  { cohort: "month" as const, periods: 3, timezone: "Asia/Kathmandu" },
];

async function expectSame(db: TTestDatabase, now: Date) {
  const ctx = testCtx(db.db, undefined, { clock: () => now });
  for (const input of INPUTS) {
    const label = `${now.toISOString()} ${JSON.stringify(input)}`;
    expect(await getOverview({ ctx, input }), label).toEqual(await getOverview({ ctx, input, engine: "raw" }));
    expect(await getAppStatistics({ ctx, input }), label).toEqual(await getAppStatistics({ ctx, input, engine: "raw" }));
  }
  for (const input of COHORTS) {
    const label = `${now.toISOString()} ${JSON.stringify(input)}`;
    expect(await getRetentionCohorts({ ctx, input }), label).toEqual(await getRetentionCohorts({ ctx, input, engine: "raw" }));
  }
}

/** Revenue of the first input as the two engines see it. */
async function revenues(db: TTestDatabase) {
  const ctx = testCtx(db.db, undefined, { clock: () => NOW });
  const input = INPUTS[0] as (typeof INPUTS)[number];
  const [fast, raw] = await Promise.all([getOverview({ ctx, input }), getOverview({ ctx, input, engine: "raw" })]);
  return { fast: fast.revenue.total.value, raw: raw.revenue.total.value };
}

async function createWithData(engine: (typeof ENGINES)[number]) {
  const db = await createTestDatabase(engine);
  const users = Array.from({ length: 30 }, (_, i) => ({
    id: uuid(i + 1),
    email: `k${i}@example.com`,
    name: null,
    created_at: at(-(i * 2 + 1) * D),
  }));
  const subscriptions = users.slice(0, 20).map((u, i) => ({
    user_id: u.id,
    plan: i % 3 === 0 ? "pro_annual" : "pro",
    status: i % 4 === 0 ? "canceled" : "active",
    price: i % 3 === 0 ? 390 : 49,
    interval: i % 3 === 0 ? "year" : "month",
    started_at: at(-(40 + i) * D),
    // Some canceled inside the 30 days, one later today (after NOW: "now" moves past it).
    canceled_at: i % 4 === 0 ? at(-(i + 1) * D) : i === 5 ? at(H) : null,
  }));
  // A second subscription for one user, and one that starts later today.
  subscriptions.push({ ...(subscriptions[1] as (typeof subscriptions)[number]), started_at: at(-3 * D), canceled_at: null });
  subscriptions.push({
    ...(subscriptions[2] as (typeof subscriptions)[number]),
    user_id: uuid(25),
    started_at: at(2 * H),
    canceled_at: null,
  });
  const payments = subscriptions.flatMap((s, i) =>
    [0, 1, 2].map((k) => ({
      user_id: s.user_id,
      subscription_id: null,
      amount: s.price,
      currency: "USD",
      status: (i + k) % 5 === 0 ? "refunded" : "succeeded",
      plan: k === 2 ? null : s.plan,
      paid_at: at(-(k * 11 + (i % 7)) * D - 5 * H),
    })),
  );
  // One stamped an hour after "now" (the main app's clock ahead): not among the users signed up before "now".
  users.push({ id: uuid(31), email: "ahead@example.com", name: null, created_at: at(H) });
  await insertSourceRows(db, { users, subscriptions, payments });
  await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: undefined });
  return db;
}

const ENGINES = engines();

describe.each(ENGINES)("analytics' kept numbers on %s", (engine) => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createWithData(engine);
  });
  afterAll(async () => db?.drop());

  it("brings the kept numbers forward through inserts, updates and deletes of users, subscriptions and payments", async () => {
    await expectSame(db, NOW);
    await db.execScript(`
      UPDATE app.subscriptions SET canceled_at = '${at(-2 * D)}' WHERE id = 2;
      UPDATE app.subscriptions SET price = 59 WHERE id = 3;
      UPDATE app.subscriptions SET price = 69 WHERE id = 3;
      UPDATE app.subscriptions SET user_id = '${uuid(28)}' WHERE id = 4;
      DELETE FROM app.subscriptions WHERE id = 7;
      INSERT INTO app.subscriptions (user_id, plan, status, price, interval, started_at) VALUES ('${uuid(29)}', 'pro', 'active', 49, 'month', '${at(-10 * D)}');
      UPDATE app.payments SET status = 'refunded' WHERE id = 2;
      UPDATE app.payments SET amount = amount + 1, plan = 'starter' WHERE id = 5;
      DELETE FROM app.payments WHERE id = 8;
      INSERT INTO app.payments (user_id, amount, status, plan, paid_at) VALUES ('${uuid(29)}', 49, 'succeeded', 'pro', '${at(-H)}');
      INSERT INTO app.users (id, email, created_at) VALUES ('${uuid(40)}', 'new@example.com', '${at(-2 * H)}');
      DELETE FROM app.users WHERE id = '${uuid(30)}';
      UPDATE app.users SET created_at = '${at(-90 * D)}' WHERE id = '${uuid(3)}';
      UPDATE app.users SET last_active_at = '${at(-H)}' WHERE id = '${uuid(4)}';`);
    await expectSame(db, NOW);
    // An update no analytics column sees writes nothing to the log.
    const [logged] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM crm_source_changes WHERE tbl = 'users' AND old IS NOT NULL AND new IS NOT NULL",
    );
    expect(logged?.n).toBe(1);
  });

  it("moves 'now' past a cancellation and a start that no change logged", async () => {
    await expectSame(db, NOW);
    await expectSame(db, new Date(NOW.getTime() + 3 * H));
    await expectSame(db, new Date(NOW.getTime() + 30 * 60_000));
  });

  it("answers from what it kept and the log: a change the log lost shows until the log says to read again", async () => {
    await expectSame(db, NOW);
    const [{ id } = { id: 0 }] = await db.query<{ id: number }>("SELECT coalesce(max(id), 0)::int AS id FROM crm_source_changes");
    await db.execScript("UPDATE app.payments SET status = 'refunded' WHERE id = 4");
    await db.query("DELETE FROM crm_source_changes WHERE id > $1", [id]);
    const lost = await revenues(db);
    expect(lost.fast).not.toBe(lost.raw);
    // Reinstalling the triggers writes a "read again" row for each table.
    await db.execScript(sourceChangeLogDdl("app"));
    await expectSame(db, NOW);
  });

  it("reads in full while a trigger is disabled", async () => {
    await expectSame(db, NOW);
    await db.execScript("ALTER TABLE app.payments DISABLE TRIGGER crm_log_change");
    await db.execScript(
      `INSERT INTO app.payments (user_id, amount, status, plan, paid_at) VALUES ('${uuid(2)}', 390, 'succeeded', 'pro', '${at(-3 * H)}')`,
    );
    await expectSame(db, NOW);
    await db.execScript(sourceChangeLogDdl("app"));
    await expectSame(db, NOW);
  });

  it("the heartbeat's housekeeping deletes log rows an hour after they can matter", async () => {
    const purge = () => purgeExpired({ ctx: testCtx(db.db), input: undefined });
    await db.execScript(
      `INSERT INTO app.payments (user_id, amount, status, plan, paid_at) VALUES ('${uuid(4)}', 49, 'succeeded', 'pro', '${at(-6 * H)}')`,
    );
    const count = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_source_changes"))[0]?.n ?? 0;
    const before = await count();
    // A recent look at the oldest running transaction removes nothing.
    await purge();
    expect(await count()).toBe(before);
    // One taken over an hour ago, after all those rows were written: they go; the next rows stay.
    await db.execScript(
      "INSERT INTO crm_source_change_horizons (taken_at, oldest_xid) VALUES (now() - interval '61 minutes', pg_snapshot_xmin(pg_current_snapshot())), (now() - interval '3 hours', '1')",
    );
    await db.execScript(
      `INSERT INTO app.payments (user_id, amount, status, plan, paid_at) VALUES ('${uuid(5)}', 49, 'succeeded', 'pro', '${at(-7 * H)}')`,
    );
    await purge();
    expect(await count()).toBe(1);
    const [horizons] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM crm_source_change_horizons WHERE taken_at < now() - interval '2 hours'",
    );
    expect(horizons?.n).toBe(0);
  });
});

// Two connections at once, and database roles: real Postgres only (PGlite has one connection and one user).
describe.each(ENGINES.filter((e) => e === "postgres"))("analytics' change log with concurrent writers and other roles on %s", (engine) => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createWithData(engine);
  });
  afterAll(async () => db?.drop());

  it("counts a change committed after the read that kept a number began", async () => {
    await expectSame(db, NOW);
    const other = postgres(db.url as string, { max: 1, onnotice: () => {} });
    try {
      await other.begin(async (tx) => {
        await tx.unsafe(`UPDATE app.subscriptions SET canceled_at = '${at(-D)}' WHERE id = 10`);
        await tx.unsafe(
          `INSERT INTO app.payments (user_id, amount, status, plan, paid_at) VALUES ('${uuid(3)}', 19, 'succeeded', 'starter', '${at(-4 * H)}')`,
        );
        await tx.unsafe(`INSERT INTO app.users (id, email, created_at) VALUES ('${uuid(41)}', 'late@example.com', '${at(-D)}')`);
        // Kept while this transaction is open: its rows are not in those snapshots.
        await expectSame(db, NOW);
        // Later changes, committed first.
        await db.execScript(`UPDATE app.payments SET status = 'failed' WHERE id = 3`);
        await expectSame(db, NOW);
      });
      await expectSame(db, NOW);
    } finally {
      await other.end();
    }
  });
  it("lets only a role granted EXECUTE on the logging function attach it to a table (writing to the log)", async () => {
    const role = `crm_t_${randomBytes(4).toString("hex")}`;
    const admin = postgres(db.url as string, { max: 1, onnotice: () => {} });
    // As a role owning a table of its own: creating a trigger needs EXECUTE on the function, revoked from PUBLIC.
    const attach = (sqlText: string) =>
      admin.unsafe(`SET ROLE ${role};
        CREATE TABLE IF NOT EXISTS ${role}.payments (id int, amount numeric, status text, plan text, paid_at timestamptz);
        CREATE TRIGGER forged AFTER INSERT ON ${role}.payments FOR EACH ROW EXECUTE FUNCTION crm_log_source_change('payments', 'id', 'amount');
        ${sqlText}`);
    try {
      await admin.unsafe(`CREATE ROLE ${role}; CREATE SCHEMA ${role} AUTHORIZATION ${role}; GRANT USAGE ON SCHEMA public TO ${role}`);
      const before = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_source_changes");
      await expect(attach(`INSERT INTO ${role}.payments VALUES (1, 10, 'succeeded', 'pro', now())`)).rejects.toThrow(
        /permission denied for function crm_log_source_change/,
      );
      expect(await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_source_changes")).toEqual(before);
      // The grant the source contract asks the main app's owner to receive is what makes it possible.
      await admin.unsafe(`RESET ROLE; GRANT EXECUTE ON FUNCTION crm_log_source_change() TO ${role}`);
      await attach(`INSERT INTO ${role}.payments VALUES (1, 10, 'succeeded', 'pro', now()); RESET ROLE`);
      expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM crm_source_changes"))[0]?.n).toBe((before[0]?.n ?? 0) + 1);
    } finally {
      await admin.unsafe(`RESET ROLE; DROP SCHEMA IF EXISTS ${role} CASCADE; DROP OWNED BY ${role}; DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });
});
