import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeRows } from "@/server/db/client";
import { readRollupState, refreshAnalyticsRollups } from "@/server/services/analytics/rollups/refresh-analytics-rollups";
import { membersQuery } from "@/server/services/segments/criteria/compile";
import { evaluateCriteria, type TDataSet } from "@/server/services/segments/criteria/evaluate";
import { describeCriteriaIssues, type TCondition, type TCriteria, type TNode, ZCriteria } from "@/shared/criteria/schema";
import { testCtx } from "../helpers/ctx";
import { createTestDatabase, engines, type TTestDatabase } from "../helpers/db";
import { insertSourceRows, prng, uuid } from "../helpers/source-rows";

const NOW = new Date("2026-06-15T12:00:00.000Z");
const group = (match: "all" | "any" | "not", ...conditions: TNode[]): TCriteria => ({ type: "group", match, conditions });
const cond = (c: Omit<TCondition, "type"> & Record<string, unknown>) => ({ type: "condition", ...c }) as TCondition;

describe("criteria validation", () => {
  const issues = (input: unknown) => {
    const r = ZCriteria.safeParse(input);
    return r.success ? [] : describeCriteriaIssues(r.error);
  };

  it("accepts a nested tree and names the place of every error", () => {
    expect(
      issues(
        group(
          "all",
          cond({ field: "plan", op: "in", values: ["pro"] }),
          group("any", cond({ field: "tag", op: "has_any", values: ["beta"] })),
        ),
      ),
    ).toEqual([]);
    expect(issues({ type: "group", match: "all", conditions: [{ type: "condition", field: "shoe_size", op: "gt", value: 3 }] })).toEqual([
      expect.stringMatching(/^conditions\[0\]\.field: Unknown field "shoe_size"/),
    ]);
    expect(issues(group("all", group("any", cond({ field: "total_spent", op: "gt", value: "12" as never }))))).toEqual([
      expect.stringMatching(/^conditions\[0\]\.conditions\[0\]\.value: /),
    ]);
    expect(issues(group("all", cond({ field: "email", op: "matches_regex" as never, value: "x" })))).toEqual([
      'conditions[0].op: Unknown operator "matches_regex" for email',
    ]);
    expect(issues({ type: "group", match: "xor", conditions: [] })).toEqual(
      expect.arrayContaining(['match: match must be "all", "any" or "not"', "conditions: A group needs at least one condition"]),
    );
    expect(issues(group("all", cond({ field: "signed_up", op: "between", from: "2026-05-01", to: "2026-04-01" })))).toEqual([
      "conditions[0].to: The end is before the start",
    ]);
  });

  it("refuses trees that are too deep or too large", () => {
    let deep: TNode = cond({ field: "name", op: "is_empty" });
    for (let i = 0; i < 6; i++) deep = group("all", deep);
    expect(issues(deep)).toEqual([expect.stringContaining("nest at most 5 deep")]);
    const wide = group("any", ...Array.from({ length: 101 }, () => cond({ field: "name", op: "is_empty" })));
    expect(issues(wide).join(" ")).toContain("At most 100");
    expect(issues(group("all", cond({ field: "total_spent", op: "gt", value: 1e300 })))).toEqual(["conditions[0].value: Too large"]);
    expect(issues(group("all", cond({ field: "event", name: "x", op: "gt" })))).toEqual(["conditions[0].value: Enter a count"]);
  });
});

/* The property test's world: a few users and rows drawn from small domains, so random conditions select some users and not others. */
const MODELS = ["gpt-4o", "gpt-4o-mini"];
const EVENTS = ["vision.generated", "assessment.completed", "journal.entry_created"];
const PLANS = ["starter", "pro"];
const STATUSES = ["trialing", "active", "past_due", "canceled"] as const;
const TAGS = ["beta", "vip-lead", "churn-risk"];
const DAYS = [1, 7, 30, 90];
const CAMPAIGNS = [uuid(70001), uuid(70002), uuid(70003)];

const emptyData = (): TDataSet => ({
  users: [],
  events: [],
  token_usage: [],
  subscriptions: [],
  payments: [],
  metadata: [],
  campaign_tracking: [],
  suppressions: [],
});

function randomData(seed: number): TDataSet {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const at = (maxDaysAgo: number) => new Date(NOW.getTime() - Math.floor(r() * maxDaysAgo * 86_400_000)).toISOString();
  const maybeAt = (p: number, maxDaysAgo: number) => (r() < p ? at(maxDaysAgo) : null);
  const data = emptyData();
  for (let i = 1; i <= 24; i++) {
    const id = uuid(seed * 1000 + i);
    data.users.push({
      id,
      email: `${pick(["ann", "bob", "cy", "dee"])}${i}@${pick(["acme.com", "example.org", "mail.acme.com"])}`,
      name: r() < 0.15 ? null : `${pick(["Ann", "Bob", "Cy", "Dee"])} ${pick(["Lee", "Moss", "Ng"])}`,
      created_at: at(200),
      last_active_at: r() < 0.2 ? null : at(120),
    });
    for (let k = Math.floor(r() * 6); k > 0; k--) {
      data.events.push({
        user_id: id,
        name: pick(EVENTS),
        properties: r() < 0.5 ? { source: pick(["ios", "web"]) } : { score: pick([1, 2, 3]) },
        occurred_at: at(100),
      });
    }
    for (let k = Math.floor(r() * 4); k > 0; k--) {
      data.token_usage.push({
        user_id: id,
        model: pick(MODELS),
        input_tokens: Math.floor(r() * 500),
        output_tokens: Math.floor(r() * 500),
        cost_usd: Math.floor(r() * 300) / 100,
        // A third in the UTC day a window starts in ("now − days", at noon: either side of the cut), which is read
        // from raw rows on its shorter side, added to or subtracted from the rolled-up days.
        created_at:
          r() < 0.35 ? new Date(NOW.getTime() - pick(DAYS) * 86_400_000 + Math.floor((r() - 0.5) * 24 * 3_600_000)).toISOString() : at(100),
      });
    }
    let previous: string | null = null;
    for (let k = Math.floor(r() * 3); k > 0; k--) {
      // Some start at the same instant as the user's previous one: the higher id is the latest.
      const started: string = previous && r() < 0.35 ? previous : at(150);
      previous = started;
      data.subscriptions.push({
        id: data.subscriptions.length + 1,
        user_id: id,
        plan: pick(PLANS),
        status: pick(STATUSES),
        started_at: started,
        canceled_at: r() < 0.4 ? at(60) : null,
      });
    }
    for (let k = Math.floor(r() * 4); k > 0; k--) {
      data.payments.push({
        user_id: id,
        amount: pick([9, 19, 49.5]),
        status: pick(["succeeded", "succeeded", "refunded", "failed"]),
        paid_at: at(120),
      });
    }
    // Campaign recipients in every state: queued, failed, sent, bounced, opened (with or without a click), clicked without an open.
    for (const campaign of CAMPAIGNS) {
      if (r() < 0.35) continue;
      const queued = r() < 0.1;
      const failed = !queued && r() < 0.1;
      const sent = queued || failed ? null : at(60);
      data.campaign_tracking.push({
        campaign_id: campaign,
        user_id: id,
        status: queued ? "queued" : failed ? "failed" : "sent",
        sent_at: sent,
        bounced_at: sent ? maybeAt(0.1, 60) : null,
        provider_failed_at: sent ? maybeAt(0.05, 60) : null,
        first_opened_at: sent ? maybeAt(0.5, 40) : null,
        first_clicked_at: sent ? maybeAt(0.25, 40) : null,
      });
    }
    if (r() < 0.25) {
      const email = data.users[data.users.length - 1]?.email.toLowerCase() ?? "";
      data.suppressions.push({ email, reason: pick(["unsubscribed", "bounced", "complained", "manual"]) });
    }
    if (r() < 0.6)
      data.metadata.push({
        user_id: id,
        tags: TAGS.filter(() => r() < 0.4),
        priority: r() < 0.3 ? null : pick(["low", "medium", "high", "vip"]),
      });
  }
  return data;
}

function randomCondition(r: () => number): TCondition {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const cmp = () => pick(["gt", "gte", "lt", "lte", "eq", "neq"] as const);
  const date = () => new Date(NOW.getTime() - Math.floor(r() * 200) * 86_400_000).toISOString().slice(0, 10);
  const dateCond = (field: "signed_up" | "last_active" | "subscription_started" | "subscription_canceled") => {
    const op = pick(["before", "on_or_after", "between", "within_last", "not_within_last"] as const);
    if (op === "between") {
      const [a, b] = [date(), date()].sort();
      return cond({ field, op, from: a, to: b });
    }
    if (op === "within_last" || op === "not_within_last") return cond({ field, op, days: pick(DAYS) });
    return cond({ field, op, date: date() });
  };
  switch (Math.floor(r() * 18)) {
    case 0:
      return cond({
        field: "email",
        op: pick(["contains", "ends_with", "equals"] as const),
        value: pick(["ACME.com", "ann", "@example.org", "bob3@acme.com", "a"]),
      });
    case 1:
      return r() < 0.3
        ? cond({ field: "name", op: "is_empty" })
        : cond({ field: "name", op: pick(["contains", "equals"] as const), value: pick(["ann", "LEE", "Bob Moss", "y N"]) });
    case 2:
      return dateCond("signed_up");
    case 3:
      return r() < 0.2 ? cond({ field: "last_active", op: "never" }) : dateCond("last_active");
    case 4:
      return cond({
        field: "plan",
        op: pick(["in", "not_in"] as const),
        values: [pick(["free", ...PLANS]), ...(r() < 0.3 ? [pick(PLANS)] : [])],
      });
    case 5:
      return cond({ field: "subscription_status", op: pick(["in", "not_in"] as const), values: [pick(["none", ...STATUSES])] });
    case 6:
      return dateCond(pick(["subscription_started", "subscription_canceled"] as const));
    case 7:
      return cond({ field: "total_spent", op: cmp(), value: pick([0, 9, 19, 28, 49.5, 100]) });
    case 8:
      return cond({ field: "spent_last_days", days: pick(DAYS), op: cmp(), value: pick([0, 9, 19, 49.5]) });
    case 9: {
      const op = pick(["has", "has_not", "gt", "gte", "lt", "lte", "eq", "neq"] as const);
      return cond({
        field: "event",
        name: pick(EVENTS),
        ...(r() < 0.3
          ? { property: r() < 0.5 ? { key: "source", value: pick(["ios", "web"]) } : { key: "score", value: pick([1, 2, 3]) } }
          : {}),
        ...(r() < 0.6 ? { days: pick(DAYS) } : {}),
        op,
        ...(op === "has" || op === "has_not" ? {} : { value: pick([0, 1, 2, 3]) }),
      });
    }
    case 10:
      return cond({
        field: "ai_usage",
        metric: pick(["tokens", "cost"] as const),
        ...(r() < 0.4 ? { model: pick(MODELS) } : {}),
        ...(r() < 0.5 ? { days: pick(DAYS) } : {}),
        op: cmp(),
        value: pick([0, 0.5, 1.23, 2, 400, 900]),
      });
    case 11:
      return cond({
        field: "tag",
        op: pick(["has_any", "has_all", "has_none"] as const),
        values: TAGS.filter(() => r() < 0.5).concat(pick(TAGS)),
      });
    case 12:
      return r() < 0.25
        ? cond({ field: "priority", op: "is_empty" })
        : cond({ field: "priority", op: pick(["in", "not_in"] as const), values: [pick(["low", "medium", "high", "vip"] as const)] });
    case 13:
    case 14: {
      const op = pick(["did", "did_not", "received_not"] as const);
      return cond({
        field: "engagement",
        op,
        action: op === "received_not" ? pick(["opened", "clicked"] as const) : pick(["received", "opened", "clicked"] as const),
        ...(r() < 0.6 ? { campaignId: pick(CAMPAIGNS) } : {}),
        ...(r() < 0.5 ? { days: pick([7, 30, 45]) } : {}),
      });
    }
    case 15:
      return cond({
        field: "suppressed",
        op: pick(["is", "is_not"] as const),
        ...(r() < 0.5 ? { reasons: [pick(["unsubscribed", "bounced", "complained", "manual"] as const)] } : {}),
      });
    case 16:
      return cond({
        field: "margin",
        ...(r() < 0.5 ? { days: pick(DAYS) } : {}),
        op: cmp(),
        value: pick([-50, -1.23, 0, 0.5, 10, 400]),
      });
    default:
      return cond({ field: "email", op: "contains", value: pick(["1", "2", "acme"]) });
  }
}

function randomTree(r: () => number, depth = 1): TCriteria {
  const n = 1 + Math.floor(r() * 3);
  const children: TNode[] = [];
  for (let i = 0; i < n; i++) children.push(depth < 3 && r() < 0.3 ? randomTree(r, depth + 1) : randomCondition(r));
  return group(["all", "any", "not"][Math.floor(r() * 3)] as "all" | "any" | "not", ...children);
}

async function load(db: TTestDatabase, data: TDataSet) {
  await insertSourceRows(db, {
    users: data.users,
    events: data.events,
    token_usage: data.token_usage.map((t) => ({ ...t, feature: "f" })),
    subscriptions: data.subscriptions.map((s) => ({ ...s, price: 10, interval: "month" })),
    payments: data.payments.map((p) => ({ ...p, currency: "USD" })),
  });
  for (const m of data.metadata) {
    await db.query("INSERT INTO crm_user_metadata (user_id, tags, priority) VALUES ($1, $2, $3)", [m.user_id, m.tags, m.priority]);
  }
  for (const [i, id] of CAMPAIGNS.entries()) {
    await db.query("INSERT INTO crm_campaigns (id, name, type, status) VALUES ($1, $2, 'email', 'sent')", [id, `Campaign ${i + 1}`]);
  }
  await db.query(
    `INSERT INTO crm_campaign_tracking (campaign_id, user_id, email, status, sent_at, bounced_at, provider_failed_at, first_opened_at, first_clicked_at)
     SELECT campaign_id, user_id, (SELECT email FROM app.users u WHERE u.id = x.user_id), status, sent_at, bounced_at, provider_failed_at,
       first_opened_at, first_clicked_at
     FROM json_to_recordset($1::json) AS x(campaign_id uuid, user_id uuid, status text, sent_at timestamptz, bounced_at timestamptz,
       provider_failed_at timestamptz, first_opened_at timestamptz, first_clicked_at timestamptz)`,
    [JSON.stringify(data.campaign_tracking)],
  );
  for (const x of data.suppressions) {
    await db.query("INSERT INTO crm_suppressions (email, reason) VALUES ($1, $2) ON CONFLICT DO NOTHING", [x.email, x.reason]);
  }
}

describe.each(engines())("compiled criteria on %s", (engine) => {
  let db: TTestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(async () => db?.drop());

  const members = async (
    criteria: TCriteria,
    segments = new Map<string, TCriteria>(),
    tokensUntilId?: number,
    now = NOW,
    userDayIndex = true,
  ) =>
    new Set(
      (
        await executeRows<{ id: string }>(db.db, membersQuery(ZCriteria.parse(criteria), { now, segments, tokensUntilId, userDayIndex }))
      ).map((r) => r.id),
    );

  /** Empties the source tables, the CRM rows the data sets fill and the rollups. */
  const reset = () =>
    db.execScript(
      `TRUNCATE app.users, app.events, app.token_usage, app.subscriptions, app.payments RESTART IDENTITY; DELETE FROM crm_user_metadata; DELETE FROM crm_campaign_tracking; DELETE FROM crm_campaigns; DELETE FROM crm_suppressions;
       TRUNCATE crm_rollup_state, crm_rollup_buckets, crm_rollup_days, crm_rollup_day_bits, crm_rollup_user_days, crm_rollup_users,
         crm_rollup_user_day_tokens, crm_rollup_user_week_tokens, crm_user_numbers, crm_user_stats;`,
    );

  /**
   * A random data set in place of the last one, with the first half of its AI usage rows rolled up: AI usage is
   * then read from the rollups (per user-day and lifetime), the raw rows before the watermark in a window's
   * first partial day, and the rows after it.
   */
  const loadHalfRolledUp = async (seed: number) => {
    const data = randomData(seed);
    await reset();
    // Subscription ids must match the evaluator's tie-break on equal start times.
    await db.execScript("ALTER TABLE app.subscriptions ALTER COLUMN id RESTART WITH 1");
    await load(db, data);
    await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: { batchSize: Math.ceil(data.token_usage.length / 2), maxBatches: 1 } });
    const { tokensUntilId } = await readRollupState(db.db);
    return { data, tokensUntilId };
  };

  it("select exactly the users the reference evaluator selects, for 600 random trees over 4 random data sets", async () => {
    let compared = 0;
    let nonTrivial = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const { data, tokensUntilId } = await loadHalfRolledUp(seed);
      expect(tokensUntilId).toBeGreaterThan(0);
      expect(tokensUntilId).toBeLessThan(data.token_usage.length);
      const r = prng(seed * 7919);
      for (let i = 0; i < 150; i++) {
        const tree = randomTree(r);
        const parsed = ZCriteria.safeParse(tree);
        expect(parsed.success, JSON.stringify(tree)).toBe(true);
        if (!parsed.success) continue;
        // "Now" at noon and at 05:00 UTC: a window's first UTC day is cut past or before its middle.
        const now = i % 2 === 0 ? NOW : new Date(NOW.getTime() - 7 * 3_600_000);
        const expected = evaluateCriteria(parsed.data, data, { now, segments: new Map() });
        // Raw rows only; the rollups at the watermark read before compiling; the rollups with a stale hint (0), where
        // the statement's own watermark decides; AI cost candidates from the week lists (with the by-user index) or
        // from the lifetime totals (without it).
        const actual = await members(parsed.data, new Map(), [undefined, tokensUntilId, 0][i % 3], now, Math.floor(i / 2) % 2 === 0);
        expect([...actual].sort(), `seed ${seed}, tree ${i}: ${JSON.stringify(tree)}`).toEqual([...expected].sort());
        compared++;
        if (expected.size > 0 && expected.size < data.users.length) nonTrivial++;
      }
    }
    expect(compared).toBe(600);
    // The trees must discriminate, or the comparison proves little.
    expect(nonTrivial).toBeGreaterThan(200);
  }, 240_000);

  it("AI cost over a range above an amount: only the users who may reach it are summed, and every member is found", async () => {
    // The compiled condition sums only the users whose week lists' bound (with the by-user index, up to 8 weeks) or
    // lifetime cost (crm_user_stats; for one model too) reaches the amount, or who have AI rows after the watermark:
    // half of the rows here are after it, so members whose rolled-up cost is below the amount exist, and must still
    // be found.
    let viaTail = 0;
    for (const seed of [5, 6]) {
      const { data, tokensUntilId } = await loadHalfRolledUp(seed);
      const lifetime = new Map(
        (await executeRows<{ user_id: string; c: string }>(db.db, sql`SELECT user_id, ai_cost_micros AS c FROM crm_user_stats`)).map(
          (r) => [r.user_id, Number(r.c)],
        ),
      );
      for (const days of [...DAYS, undefined])
        for (const op of ["gt", "gte", "eq"] as const)
          for (const value of [0.5, 1, 2, 3.5, 5]) {
            // One model's cost: the raw rows of the users whose lifetime cost (every model) reaches the amount.
            const model = value === 1 || value === 3.5 ? "gpt-4o" : undefined;
            const tree = group(
              "all",
              cond({ field: "ai_usage", metric: "cost", ...(days ? { days } : {}), op, value, ...(model ? { model } : {}) }),
            );
            const parsed = ZCriteria.parse(tree);
            const expected = evaluateCriteria(parsed, data, { now: NOW, segments: new Map() });
            for (const hint of [tokensUntilId, 0])
              for (const byIndex of [true, false]) {
                const actual = await members(parsed, new Map(), hint, NOW, byIndex);
                expect([...actual].sort(), `seed ${seed}, hint ${hint}, ${byIndex}: ${JSON.stringify(tree)}`).toEqual([...expected].sort());
              }
            viaTail += [...expected].filter((id) => (lifetime.get(id) ?? 0) < value * 1_000_000).length;
          }
    }
    expect(viaTail).toBeGreaterThan(10);
  }, 120_000);

  it("AI cost over the last 30 days of at least $1: the week lists' bound keeps every member, to the micro-dollar", async () => {
    // The compiled condition sums only the users whose listed week costs (each ≥ cut = ⌈⅔ · $1 ÷ k⌉, over the k
    // weeks from the week of `from` to the week of now) plus cut − 1 for each other week reach $1. Users built on
    // that bound's edge, either side of `from`, after now (clock skew) and after the watermark.
    const DAY = 86_400_000;
    const T = 1_000_000;
    for (const now of [NOW, new Date(NOW.getTime() - 7 * 3_600_000)]) {
      const from = new Date(now.getTime() - 30 * DAY);
      const weekOf = (d: Date) => Math.floor(Math.floor(d.getTime() / DAY) / 7);
      const w0 = weekOf(from);
      const k = weekOf(now) - w0 + 1;
      const cut = Math.ceil((2 * T) / (3 * k));
      // A time inside week w and inside [from, now].
      const inWeek = (w: number) => {
        const start = Math.max(w * 7 * DAY, from.getTime() + 3_600_000);
        const end = Math.min((w + 1) * 7 * DAY, now.getTime() - 3_600_000);
        return new Date(Math.floor((start + end) / 2)).toISOString();
      };
      const data = emptyData();
      const usage = (userId: string, micros: number, at: string) => ({
        user_id: userId,
        model: "gpt-4o",
        input_tokens: 1,
        output_tokens: 1,
        cost_usd: micros / 1e6,
        created_at: at,
      });
      const user = (n: number, costs: [micros: number, at: string][]) => {
        const id = uuid(80_000 + n);
        data.users.push({ id, email: `edge${n}@acme.com`, name: null, created_at: "2026-01-01T00:00:00Z", last_active_at: null });
        for (const [micros, at] of costs) data.token_usage.push(usage(id, micros, at));
        return id;
      };
      const weeks = Array.from({ length: k }, (_, i) => w0 + i);
      const spread = (first: number) => weeks.map((w, i): [number, string] => [i === 0 ? first : cut - 1, inWeek(w)]);
      const exactly = user(1, spread(T - (k - 1) * (cut - 1))); // $1.000000: listed once, every other week just under the cut
      user(2, spread(T - (k - 1) * (cut - 1) - 1)); // $0.999999: no condition below holds for it
      user(3, [
        [T, new Date(from.getTime() - 60_000).toISOString()], // in the week of `from`, a minute before it
        [cut, inWeek(w0 + 1)],
      ]);
      const skewed = user(4, [[T, new Date(now.getTime() + 9 * DAY).toISOString()]]); // stamped in a later week than now
      const firstDay = user(5, [[T, new Date(from.getTime() + 60_000).toISOString()]]);
      const quiet = user(6, spread(cut - 1)); // under every cut, then spends after the watermark
      await reset();
      await load(db, data);
      await refreshAnalyticsRollups({ ctx: testCtx(db.db), input: {} });
      const late = usage(quiet, T - k * (cut - 1), inWeek(w0 + 1));
      await insertSourceRows(db, { token_usage: [{ ...late, feature: "f" }] });
      data.token_usage.push(late);
      const { tokensUntilId } = await readRollupState(db.db);
      expect(tokensUntilId).toBe(data.token_usage.length - 1);
      const expectations: [op: "gte" | "gt" | "eq", value: number, members: string[]][] = [
        ["gte", 1, [exactly, skewed, firstDay, quiet]],
        ["gt", 0.999999, [exactly, skewed, firstDay, quiet]],
        ["gt", 1, []],
        ["eq", 1, [exactly, skewed, firstDay, quiet]],
      ];
      for (const [op, value, want] of expectations) {
        const parsed = ZCriteria.parse(group("all", cond({ field: "ai_usage", metric: "cost", days: 30, op, value })));
        const sqlText = new PgDialect().sqlToQuery(
          membersQuery(parsed, { now, segments: new Map(), tokensUntilId, userDayIndex: true }),
        ).sql;
        expect(sqlText).toContain("crm_rollup_user_week_tokens WHERE week IN");
        const expected = evaluateCriteria(parsed, data, { now, segments: new Map() });
        expect([...expected].sort(), `${op} ${value}`).toEqual([...want].sort());
        expect([...(await members(parsed, new Map(), tokensUntilId, now))].sort(), `${now.toISOString()} ${op} ${value}`).toEqual(
          [...expected].sort(),
        );
      }
    }
  }, 60_000);

  it("binds hostile text as values: quotes, comments, semicolons, unicode, LIKE wildcards", async () => {
    await db.execScript("TRUNCATE app.users; DELETE FROM crm_user_metadata;");
    const hostile = [
      "'; DROP TABLE app.users; --",
      '" OR 1=1 --',
      "/* comment */",
      "a'b",
      "%",
      "_",
      "\\",
      "Zoë 🚀 Ångström",
      "$1",
      "') OR ('1'='1",
    ];
    await insertSourceRows(db, {
      users: hostile.map((name, i) => ({
        id: uuid(9000 + i),
        email: `u${i}@x.com`,
        name,
        created_at: NOW.toISOString(),
        last_active_at: null,
      })),
    });
    for (const [i, value] of hostile.entries()) {
      const got = await members(group("all", cond({ field: "name", op: "equals", value })));
      expect([...got], value).toEqual([uuid(9000 + i)]);
      const tagged = await members(group("all", cond({ field: "tag", op: "has_none", values: [value] })));
      expect(tagged.size).toBe(hostile.length);
    }
    // A wildcard is literal: "%" matches only the name that contains it.
    expect([...(await members(group("all", cond({ field: "name", op: "contains", value: "%" }))))]).toEqual([uuid(9004)]);
    const stillThere = await executeRows<{ n: number }>(db.db, sql`SELECT count(*)::int AS n FROM app.users`);
    expect(stillThere[0]?.n).toBe(hostile.length);
    // Property keys are validated, property values bound; huge numbers are refused by the schema, not sent.
    expect(
      ZCriteria.safeParse(group("all", cond({ field: "event", name: "x", property: { key: "a'--", value: 1 }, op: "has" }))).success,
    ).toBe(false);
    expect(
      ZCriteria.safeParse(group("all", cond({ field: "ai_usage", metric: "cost", op: "gt", value: Number.POSITIVE_INFINITY }))).success,
    ).toBe(false);
    const hostileValue = await members(
      group("all", cond({ field: "event", name: "x", property: { key: "a", value: "'); DROP TABLE app.events; --" }, op: "has_not" })),
    );
    expect(hostileValue.size).toBe(hostile.length);
  });
});
