import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoData, MODEL_PRICES } from "@/server/services/demo-data/generate-demo-data";
import { createTestDatabase, type TTestDatabase } from "../helpers/db";

let db: TTestDatabase;
const anchor = new Date("2026-11-20T12:00:00Z");
const opts = { users: 400, days: 365, seed: 7, anchor, schema: "app", chunkSize: 150 };

const checksum = async () => {
  const [row] = await db.query<{ h: string }>(`
    SELECT md5(
      (SELECT string_agg(id::text || email || created_at::text || coalesce(last_active_at::text, ''), ',' ORDER BY id) FROM app.users) ||
      (SELECT string_agg(user_id::text || name || occurred_at::text || properties::text, ',' ORDER BY id) FROM app.events) ||
      (SELECT string_agg(user_id::text || model || cost_usd::text, ',' ORDER BY id) FROM app.token_usage) ||
      (SELECT string_agg(user_id::text || amount::text || status || paid_at::text, ',' ORDER BY id) FROM app.payments)
    ) AS h`);
  return row?.h;
};

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.drop());

describe("demo data generator", () => {
  const progress: { done: number; total: number }[] = [];
  let first: Awaited<ReturnType<typeof generateDemoData>>;

  it("fills every source table and reports honest counts and progress", async () => {
    first = await generateDemoData(db, { ...opts, onProgress: (p) => progress.push(p) });
    expect(first.counts.users).toBe(400);
    for (const t of ["sessions", "events", "token_usage", "subscriptions", "payments"]) expect(first.counts[t]).toBeGreaterThan(0);
    const [events] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM app.events");
    expect(first.counts.events).toBe(events?.n);
    expect(progress.at(-1)).toEqual(expect.objectContaining({ done: progress.at(-1)?.total }));
    expect(progress.map((p) => p.done)).toEqual(progress.map((_, i) => i + 1));
  });

  it("is deterministic: the same seed gives the same rows; another seed does not", async () => {
    const a = await checksum();
    await generateDemoData(db, { ...opts, reset: true });
    expect(await checksum()).toBe(a);
    await generateDemoData(db, { ...opts, seed: 8, reset: true });
    expect(await checksum()).not.toBe(a);
    await generateDemoData(db, { ...opts, reset: true });
  });

  it("refuses to add to existing data without reset", async () => {
    await expect(generateDemoData(db, opts)).rejects.toThrow("The source tables already hold 400 users; pass --reset to replace them");
  });

  it("keeps activity inside each user's life and before the anchor", async () => {
    const [bad] = await db.query<{ n: number }>(
      `
      SELECT (SELECT count(*) FROM app.sessions s JOIN app.users u ON u.id = s.user_id
                WHERE s.started_at < u.created_at - interval '1 second' OR s.ended_at < s.started_at OR s.started_at > $1::timestamptz)
           + (SELECT count(*) FROM app.events e JOIN app.users u ON u.id = e.user_id
                WHERE e.occurred_at < u.created_at OR e.occurred_at > $1::timestamptz)
           + (SELECT count(*) FROM app.users WHERE last_active_at < created_at OR created_at > $1::timestamptz) AS n`,
      [anchor.toISOString()],
    );
    expect(Number(bad?.n)).toBe(0);
    const [orphans] = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM app.token_usage t LEFT JOIN app.users u ON u.id = t.user_id WHERE u.id IS NULL",
    );
    expect(orphans?.n).toBe(0);
  });

  it("grows signups over time and keeps a long tail of inactive users", async () => {
    const [r] = await db.query<{ early: number; late: number; inactive: number }>(
      `SELECT count(*) FILTER (WHERE created_at < $1::timestamptz - interval '270 days')::int AS early,
              count(*) FILTER (WHERE created_at >= $1::timestamptz - interval '90 days')::int AS late,
              count(*) FILTER (WHERE last_active_at < $1::timestamptz - interval '60 days')::int AS inactive
       FROM app.users`,
      [anchor.toISOString()],
    );
    expect(r?.late).toBeGreaterThan((r?.early ?? 0) * 2);
    expect(r?.inactive).toBeGreaterThan(40);
  });

  it("bills only through subscriptions: every payment matches its subscription's user, plan and price", async () => {
    const [r] = await db.query<{ bad: number; paid: number; upgrades: number; canceled: number }>(`
      SELECT (SELECT count(*)::int FROM app.payments p JOIN app.subscriptions s ON s.id = p.subscription_id
                WHERE p.user_id <> s.user_id OR p.plan <> s.plan OR p.amount <> s.price OR p.paid_at < s.started_at
                   OR (s.canceled_at IS NOT NULL AND p.paid_at >= s.canceled_at)) AS bad,
             (SELECT count(DISTINCT user_id)::int FROM app.subscriptions) AS paid,
             (SELECT count(*)::int FROM (SELECT user_id FROM app.subscriptions GROUP BY 1 HAVING count(*) > 1) x) AS upgrades,
             (SELECT count(*)::int FROM app.subscriptions WHERE status = 'canceled') AS canceled`);
    expect(r?.bad).toBe(0);
    expect(r?.paid).toBeGreaterThan(20);
    expect(r?.paid).toBeLessThan(400 * 0.5);
    expect(r?.upgrades).toBeGreaterThan(0);
    expect(r?.canceled).toBeGreaterThan(0);
  });

  it("prices AI usage per model and keeps a vision failure rate", async () => {
    for (const [model, price] of Object.entries(MODEL_PRICES)) {
      const rows = await db.query<{ input_tokens: number; output_tokens: number; cost_usd: string }>(
        "SELECT input_tokens, output_tokens, cost_usd FROM app.token_usage WHERE model = $1 LIMIT 20",
        [model],
      );
      expect(rows.length, model).toBeGreaterThan(0);
      for (const row of rows) {
        const expected = (row.input_tokens * price.input + row.output_tokens * price.output) / 1e6;
        expect(Number(row.cost_usd)).toBeCloseTo(expected, 5);
      }
    }
    const [v] = await db.query<{ ok: number; failed: number }>(
      "SELECT count(*) FILTER (WHERE name = 'vision.generated')::int AS ok, count(*) FILTER (WHERE name = 'vision.failed')::int AS failed FROM app.events",
    );
    const rate = (v?.failed ?? 0) / ((v?.ok ?? 0) + (v?.failed ?? 0));
    expect(rate).toBeGreaterThan(0.02);
    expect(rate).toBeLessThan(0.15);
  });

  it("completes the intensive only after all seven steps, with a duration", async () => {
    const [r] = await db.query<{ bad: number; completed: number }>(`
      SELECT count(*) FILTER (WHERE steps < 7)::int AS bad, count(*)::int AS completed FROM (
        SELECT c.user_id, (SELECT count(*) FROM app.events s WHERE s.user_id = c.user_id AND s.name = 'intensive.step_completed') AS steps
        FROM app.events c WHERE c.name = 'intensive.completed' AND (c.properties->>'durationHours')::numeric > 0
      ) x`);
    expect(r?.completed).toBeGreaterThan(0);
    expect(r?.bad).toBe(0);
  });

  it("adds a few CRM records (tags, notes, priorities)", async () => {
    const [r] = await db.query<{ n: number; tagged: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE cardinality(tags) > 0 AND notes IS NOT NULL AND priority IS NOT NULL)::int AS tagged FROM crm_user_metadata",
    );
    expect(r?.n).toBeGreaterThan(0);
    expect(r?.tagged).toBe(r?.n);
  });
});
