import type { DatabaseHandle } from "@/server/db/client";
import { dropChangeLogDdl, SOURCE_TABLES, sourceChangeLogDdl, sourceIndexesDdl, sourceTablesDdl } from "./source-tables";

/** Source tables vacuumed after a load (the rest only analyzed): see the end of generateDemoData. */
const VACUUMED: readonly string[] = ["users", "payments", "events"];

/**
 * Deterministic demo data for the main app's tables, generated inside the
 * database with set-based SQL (no row-by-row inserts), in chunks of users so
 * progress can be shown. Randomness comes from hashint8extended(key, seed):
 * the same --seed, --users, --days and anchor give the same rows on every
 * engine run. See docs/source-contract.md for what the tables mean.
 */

export type TGenerateOptions = {
  users: number;
  days: number;
  seed: number;
  /** "Now" of the data set; the newest activity is just before it. */
  anchor: Date;
  schema: string;
  /** Replace existing source rows (and the CRM records of those users) instead of refusing. */
  reset?: boolean;
  chunkSize?: number;
  onProgress?: (p: { done: number; total: number; stage: string }) => void;
};

export type TGenerateResult = { counts: Record<string, number>; elapsedMs: number; rows: number };

export const MODEL_PRICES: Record<string, { input: number; output: number }> = {
  // USD per million tokens.
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "claude-sonnet-4": { input: 3, output: 15 },
  "claude-3-5-haiku": { input: 0.8, output: 4 },
};

export const PLANS = {
  starter: { price: 19, interval: "month" },
  pro: { price: 49, interval: "month" },
  pro_annual: { price: 390, interval: "year" },
} as const;

const int = (n: number, name: string) => {
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer`);
  return n;
};

export async function generateDemoData(handle: DatabaseHandle, opts: TGenerateOptions): Promise<TGenerateResult> {
  const started = performance.now();
  const users = int(opts.users, "users");
  const days = int(opts.days, "days");
  const seed = int(opts.seed, "seed");
  if (users < 1) throw new Error("users must be at least 1");
  if (days < 1 || days > 3650) throw new Error("days must be between 1 and 3650");
  const s = opts.schema;
  const anchor = `'${opts.anchor.toISOString()}'::timestamptz`;
  const chunk = opts.chunkSize ?? 5000;

  await handle.execScript(sourceTablesDdl(s));
  const [existing] = await handle.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.users`);
  if ((existing?.n ?? 0) > 0) {
    if (!opts.reset) {
      throw new Error(`The source tables already hold ${existing?.n} users; pass --reset to replace them`);
    }
  }
  // The change log would record every row of the load: its triggers go and come back at the end.
  await handle.execScript(dropChangeLogDdl(s));
  if (opts.reset) {
    await handle.execScript(
      // Only the CRM records of the users being replaced go; admins' notes on anyone else stay.
      `DELETE FROM crm_user_metadata m USING ${s}.users u WHERE m.user_id = u.id;
       TRUNCATE ${SOURCE_TABLES.map((t) => `${s}.${t}`).join(", ")} RESTART IDENTITY;`,
    );
  }
  // Bulk loads are faster without secondary indexes; they are rebuilt at the end.
  await handle.execScript(
    [
      "users_created_at_idx",
      "users_last_active_at_idx",
      "sessions_user_started_idx",
      "sessions_started_idx",
      "events_user_occurred_idx",
      "events_name_occurred_idx",
      "events_name_occurred_user_idx",
      "events_occurred_idx",
      "token_usage_user_created_idx",
      "token_usage_created_idx",
      "subscriptions_user_idx",
      "subscriptions_started_idx",
      "subscriptions_canceled_idx",
      "payments_user_paid_idx",
      "payments_paid_idx",
    ]
      .map((i) => `DROP INDEX IF EXISTS ${s}.${i};`)
      .join("\n"),
  );

  // r(key, stream): a uniform number in [0, 1) from the key, the stream and the seed.
  const r = (key: string, stream: number) =>
    `((hashint8extended((${key})::bigint * 257 + ${stream}, ${seed}::bigint) & 9007199254740991)::float8 / 9007199254740992.0)`;
  const pick = (values: string[], rand: string) =>
    `(ARRAY[${values.map((v) => `'${v}'`).join(",")}])[1 + floor(${rand} * ${values.length})::int]`;
  const cost = (model: string, input: string, output: string) =>
    `round((CASE ${model} ${Object.entries(MODEL_PRICES)
      .map(([m, p]) => `WHEN '${m}' THEN ${input} * ${p.input} + ${output} * ${p.output}`)
      .join(" ")} END) / 1000000.0, 6)`;

  const stages = ["users", "sessions", "product events", "AI visions", "assessments", "intensive", "coach chat", "billing"];
  const chunks = Math.ceil(users / chunk);
  // An address's number is a permutation of 1..users (multiplying by a prime that does not divide users), not the
  // signup rank: newest first, the list would count down (…2000, …1999).
  const emailStep = [7919, 7907, 7901].find((p) => users % p !== 0) ?? 1;
  const total = chunks * stages.length + 2;
  let done = 0;
  const tick = (stage: string) => {
    done += 1;
    opts.onProgress?.({ done, total, stage });
  };

  await handle.execScript(`
DROP TABLE IF EXISTS seed_u;
CREATE TEMP TABLE seed_u (
  i bigint PRIMARY KEY, id uuid NOT NULL, kind text NOT NULL,
  created_at timestamptz NOT NULL, last_active_at timestamptz NOT NULL, n_sessions int NOT NULL
);`);

  const first = [
    "Ava",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Mateo",
    "Sofia",
    "Lucas",
    "Mia",
    "Ethan",
    "Amara",
    "Kenji",
    "Priya",
    "Diego",
    "Zara",
    "Jonas",
    "Leila",
    "Omar",
    "Hana",
    "Felix",
    "Nia",
    "Arjun",
    "Chloe",
    "Malik",
    "Ines",
    "Theo",
    "Yara",
    "Sam",
    "Lena",
    "Kai",
  ];
  const last = [
    "Garcia",
    "Smith",
    "Nguyen",
    "Patel",
    "Kim",
    "Johnson",
    "Silva",
    "Müller",
    "Rossi",
    "Okafor",
    "Tanaka",
    "Brown",
    "Martin",
    "Lopez",
    "Cohen",
    "Haddad",
    "Novak",
    "Ali",
    "Larsen",
    "Moreau",
    "Singh",
    "Wilson",
    "Ivanova",
    "Chen",
    "Dubois",
  ];
  const domains = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "proton.me", "hey.com", "fastmail.com"];

  for (let c = 0; c < chunks; c++) {
    const lo = c * chunk + 1;
    const hi = Math.min(users, (c + 1) * chunk);
    const cu = `(SELECT * FROM seed_u WHERE i BETWEEN ${lo} AND ${hi})`;

    // Users: signups grow over time (density rises towards the anchor); a kind drives activity. User i signs up at the
    // (i - ½)/n quantile of that density, so rows are written in signup order as the main app writes them (a list in
    // signup order reads neighbouring rows, not one page per user).
    await handle.execScript(`
INSERT INTO seed_u (i, id, kind, created_at, last_active_at, n_sessions)
SELECT i, id, kind, created_at, last_active_at,
  LEAST(900, CASE kind
    WHEN 'power' THEN GREATEST(3, round(span_days * (1.2 + ${r("i", 5)} * 1.2)))
    WHEN 'regular' THEN GREATEST(2, round(span_days * (0.3 + ${r("i", 5)} * 0.5)))
    WHEN 'casual' THEN GREATEST(1, round(span_days * (0.05 + ${r("i", 5)} * 0.1)))
    ELSE 1 + floor(${r("i", 5)} * 3) END)::int
FROM (
  SELECT i, id, kind, created_at, last_active_at,
    EXTRACT(EPOCH FROM (last_active_at - created_at)) / 86400.0 AS span_days
  FROM (
    SELECT i, id, kind, created_at,
      LEAST(${anchor}, GREATEST(created_at + interval '5 minutes', CASE kind
        WHEN 'power' THEN ${anchor} - ${r("i", 3)} * interval '20 hours'
        WHEN 'regular' THEN ${anchor} - ${r("i", 3)} * interval '6 days'
        WHEN 'casual' THEN created_at + (${anchor} - created_at) * ${r("i", 3)}
        ELSE created_at + ${r("i", 3)} * interval '3 days' END)) AS last_active_at
    FROM (
      SELECT i, md5('vf-${seed}-' || i)::uuid AS id,
        CASE WHEN ${r("i", 1)} < 0.05 THEN 'power' WHEN ${r("i", 1)} < 0.30 THEN 'regular'
             WHEN ${r("i", 1)} < 0.65 THEN 'casual' ELSE 'dormant' END AS kind,
        ${anchor} - (1 - sqrt((i - 0.5) / ${users})) * interval '${days} days' - interval '1 hour' AS created_at
      FROM generate_series(${lo}::bigint, ${hi}::bigint) AS i
    ) a
  ) b
) c;
INSERT INTO ${s}.users (id, email, name, created_at, last_active_at)
SELECT u.id,
  lower(translate(f.first || '.' || l.last, 'üéèöäñçå', 'ueeoanca')) || ((u.i - 1) * ${emailStep} % ${users} + 1) || '@' || ${pick(domains, r("u.i", 8))},
  f.first || ' ' || l.last, u.created_at, u.last_active_at
FROM ${cu} u,
  LATERAL (SELECT ${pick(first, r("u.i", 6))} AS first) f,
  LATERAL (SELECT ${pick(last, r("u.i", 7))} AS last) l;`);
    tick("users");

    // Sessions: the first one ends at last_active_at; the others fall across the active span.
    await handle.execScript(`
INSERT INTO ${s}.sessions (user_id, started_at, ended_at)
SELECT u.id, st, st + dur
FROM ${cu} u, generate_series(1, u.n_sessions) AS j,
  LATERAL (SELECT make_interval(secs => round(45 + exp(${r("u.i * 1000 + j", 11)} * 4.2) * 30)) AS dur) d,
  LATERAL (SELECT CASE WHEN j = 1 THEN GREATEST(u.created_at, u.last_active_at - dur)
    ELSE u.created_at + (u.last_active_at - u.created_at) * ${r("u.i * 1000 + j", 12)} * 0.999 END AS st) t;`);
    tick("sessions");

    // Everyday product events (journal, audio, vision board) spread over sessions.
    await handle.execScript(`
INSERT INTO ${s}.events (user_id, name, properties, occurred_at)
SELECT u.id, ${pick(["journal.entry_created", "audio.played", "vision_board.viewed", "audio.played", "vision_board.viewed"], r("u.i * 4096 + j", 13))},
  jsonb_build_object('source', ${pick(["ios", "android", "web"], r("u.i * 4096 + j", 14))}),
  u.created_at + (u.last_active_at - u.created_at) * ${r("u.i * 4096 + j", 15)}
FROM ${cu} u, generate_series(1, GREATEST(0, round(u.n_sessions * (0.8 + ${r("u.i", 16)} * 1.2))::int)) AS j;`);
    tick("product events");

    // Vision generations with a failure rate, each with its AI token usage.
    await handle.execScript(`
WITH v AS (
  SELECT u.id AS user_id, u.i, j,
    u.created_at + (u.last_active_at - u.created_at) * ${r("u.i * 4096 + j", 21)} AS at,
    ${r("u.i * 4096 + j", 22)} < 0.07 AS failed,
    ${pick(["gpt-4o", "gpt-4o", "gpt-4o", "claude-sonnet-4", "claude-sonnet-4"], r("u.i * 4096 + j", 23))} AS model,
    ${pick(["career", "health", "relationships", "wealth", "personal_growth", "home"], r("u.i * 4096 + j", 24))} AS category,
    (1500 + floor(${r("u.i * 4096 + j", 25)} * 2500))::int AS input_tokens,
    (600 + floor(${r("u.i * 4096 + j", 26)} * 1900))::int AS output_tokens
  FROM ${cu} u,
    generate_series(1, (floor(u.n_sessions * 0.12 * ${r("u.i", 27)}) + CASE WHEN ${r("u.i", 28)} < 0.55 THEN 1 ELSE 0 END)::int) AS j
), ev AS (
  INSERT INTO ${s}.events (user_id, name, properties, occurred_at)
  SELECT user_id, CASE WHEN failed THEN 'vision.failed' ELSE 'vision.generated' END,
    jsonb_build_object('category', category, 'model', model)
      || CASE WHEN failed THEN jsonb_build_object('error', 'model_timeout') ELSE '{}'::jsonb END,
    at
  FROM v
)
INSERT INTO ${s}.token_usage (user_id, model, feature, input_tokens, output_tokens, cost_usd, created_at)
SELECT user_id, model, 'vision_generation', input_tokens, CASE WHEN failed THEN output_tokens / 4 ELSE output_tokens END,
  ${cost("model", "input_tokens", "(CASE WHEN failed THEN output_tokens / 4 ELSE output_tokens END)")}, at
FROM v;`);
    tick("AI visions");

    // Assessments: most users take one right after signup, engaged users repeat them.
    await handle.execScript(`
WITH a AS (
  SELECT u.id AS user_id,
    CASE WHEN j = 1 THEN u.created_at + ${r("u.i * 4096 + j", 31)} * interval '2 hours'
      ELSE u.created_at + (u.last_active_at - u.created_at) * ${r("u.i * 4096 + j", 32)} END AS at,
    ${pick(["vibration_baseline", "life_balance", "wealth_mindset", "health_energy"], r("u.i * 4096 + j", 33))} AS assessment,
    (20 + floor(${r("u.i * 4096 + j", 34)} * 80))::int AS score,
    (700 + floor(${r("u.i * 4096 + j", 35)} * 1300))::int AS input_tokens,
    (250 + floor(${r("u.i * 4096 + j", 36)} * 650))::int AS output_tokens
  FROM ${cu} u,
    generate_series(1, (CASE WHEN ${r("u.i", 37)} < 0.72 THEN 1 ELSE 0 END + floor(u.n_sessions * 0.06 * ${r("u.i", 38)}))::int) AS j
  WHERE u.created_at + interval '2 hours' <= ${anchor}
), ev AS (
  INSERT INTO ${s}.events (user_id, name, properties, occurred_at)
  SELECT user_id, 'assessment.completed', jsonb_build_object('assessment', assessment, 'score', score), at FROM a
)
INSERT INTO ${s}.token_usage (user_id, model, feature, input_tokens, output_tokens, cost_usd, created_at)
SELECT user_id, 'gpt-4o-mini', 'assessment_insights', input_tokens, output_tokens,
  ${cost("'gpt-4o-mini'", "input_tokens", "output_tokens")}, at
FROM a;`);
    tick("assessments");

    // The guided intensive: started, steps 1..7 progressed at a per-user pace, sometimes completed.
    await handle.execScript(`
WITH starters AS (
  SELECT u.id AS user_id, u.i, u.kind,
    u.created_at + (u.last_active_at - u.created_at) * ${r("u.i", 41)} * 0.4 AS t0,
    (interval '6 hours' + ${r("u.i", 42)} * interval '3 days') AS pace,
    CASE WHEN u.kind = 'power' AND ${r("u.i", 43)} < 0.65 THEN 7
         ELSE floor(${r("u.i", 44)} * 8)::int END AS steps
  FROM ${cu} u
  WHERE ${r("u.i", 40)} < CASE u.kind WHEN 'power' THEN 0.8 WHEN 'regular' THEN 0.45 WHEN 'casual' THEN 0.2 ELSE 0.06 END
), step_rows AS (
  SELECT user_id, i,
    CASE WHEN k = 0 THEN 'intensive.started' WHEN k <= steps THEN 'intensive.step_completed' ELSE 'intensive.completed' END AS name,
    k, steps, t0, t0 + pace * k + CASE WHEN k > steps THEN interval '1 hour' ELSE interval '0' END AS at
  FROM starters, generate_series(0, CASE WHEN steps = 7 THEN 8 ELSE steps END) AS k
), ev AS (
  INSERT INTO ${s}.events (user_id, name, properties, occurred_at)
  SELECT user_id, name,
    CASE name WHEN 'intensive.step_completed' THEN jsonb_build_object('step', k)
      WHEN 'intensive.completed' THEN jsonb_build_object('durationHours', round((EXTRACT(EPOCH FROM (at - t0)) / 3600.0)::numeric, 1))
      ELSE jsonb_build_object('program', 'vibration_intensive') END,
    at
  FROM step_rows WHERE at <= ${anchor}
  RETURNING 1
)
INSERT INTO ${s}.token_usage (user_id, model, feature, input_tokens, output_tokens, cost_usd, created_at)
SELECT user_id, 'gpt-4o', 'intensive_guidance', it, ot, ${cost("'gpt-4o'", "it", "ot")}, at
FROM (SELECT user_id, at, (900 + floor(${r("i * 16 + k", 45)} * 2100))::int AS it, (400 + floor(${r("i * 16 + k", 46)} * 1200))::int AS ot
      FROM step_rows WHERE name = 'intensive.step_completed' AND at <= ${anchor}) x;`);
    tick("intensive");

    // Coach chat: AI token usage during sessions of engaged users, across several models.
    await handle.execScript(`
INSERT INTO ${s}.token_usage (user_id, model, feature, input_tokens, output_tokens, cost_usd, created_at)
SELECT user_id, model, 'coach_chat', it, ot, ${cost("model", "it", "ot")}, at
FROM (
  SELECT u.id AS user_id,
    ${pick(["gpt-4o-mini", "gpt-4o-mini", "gpt-4o-mini", "claude-3-5-haiku", "claude-3-5-haiku", "gpt-4o", "claude-sonnet-4"], r("u.i * 4096 + j", 51))} AS model,
    (400 + floor(exp(${r("u.i * 4096 + j", 52)} * 2.6) * 500))::int AS it,
    (150 + floor(${r("u.i * 4096 + j", 53)} * 1400))::int AS ot,
    u.created_at + (u.last_active_at - u.created_at) * ${r("u.i * 4096 + j", 54)} AS at
  FROM ${cu} u,
    generate_series(1, round(u.n_sessions * CASE u.kind WHEN 'power' THEN 1.1 WHEN 'regular' THEN 0.8 ELSE 0.4 END * ${r("u.i", 55)})::int) AS j
) x;`);
    tick("coach chat");

    // Billing: some users pay; some starters upgrade to pro; some cancel; payments follow each subscription.
    await handle.execScript(`
WITH payers AS (
  SELECT u.id AS user_id, u.i, u.kind, u.last_active_at,
    u.created_at + LEAST(u.last_active_at - u.created_at, interval '21 days') * ${r("u.i", 61)} AS start1,
    CASE WHEN ${r("u.i", 62)} < 0.45 THEN 'starter' WHEN ${r("u.i", 62)} < 0.85 THEN 'pro' ELSE 'pro_annual' END AS plan1,
    ${r("u.i", 63)} < 0.28 AS upgrades,
    ${r("u.i", 64)} < CASE u.kind WHEN 'power' THEN 0.1 WHEN 'regular' THEN 0.3 WHEN 'casual' THEN 0.55 ELSE 0.85 END AS cancels,
    ${r("u.i", 65)} AS rc
  FROM ${cu} u
  WHERE ${r("u.i", 60)} < CASE u.kind WHEN 'power' THEN 0.7 WHEN 'regular' THEN 0.38 WHEN 'casual' THEN 0.1 ELSE 0.03 END
), upgrade_at AS (
  SELECT p.*, CASE WHEN p.plan1 = 'starter' AND p.upgrades
      AND p.start1 + interval '35 days' < ${anchor} THEN p.start1 + interval '1 month' * (1 + floor(p.rc * 5)) + interval '3 days' END AS up
  FROM payers p
), subs AS (
  SELECT user_id, i, 1 AS n, plan1 AS plan, start1 AS started_at,
    CASE WHEN up IS NOT NULL AND up < ${anchor} THEN up
         WHEN cancels THEN start1 + GREATEST(interval '1 day', (LEAST(last_active_at + interval '10 days', ${anchor}) - start1) * (0.3 + rc * 0.7)) END AS canceled_at
  FROM upgrade_at
  UNION ALL
  SELECT user_id, i, 2, 'pro', up,
    CASE WHEN cancels THEN up + GREATEST(interval '1 day', (${anchor} - up) * rc) END
  FROM upgrade_at WHERE up IS NOT NULL AND up < ${anchor}
), ins AS (
  INSERT INTO ${s}.subscriptions (user_id, plan, status, price, interval, started_at, canceled_at)
  SELECT user_id, plan,
    CASE WHEN canceled_at IS NOT NULL AND canceled_at <= ${anchor} THEN 'canceled'
         WHEN ${r("i * 4 + n", 66)} < 0.04 THEN 'past_due' ELSE 'active' END,
    CASE plan ${Object.entries(PLANS)
      .map(([p, v]) => `WHEN '${p}' THEN ${v.price}`)
      .join(" ")} END,
    CASE plan WHEN 'pro_annual' THEN 'year' ELSE 'month' END,
    started_at,
    CASE WHEN canceled_at <= ${anchor} THEN canceled_at END
  FROM subs ORDER BY i, n
  RETURNING id, user_id, plan, price, interval, started_at, canceled_at, status
)
INSERT INTO ${s}.payments (user_id, subscription_id, amount, currency, status, plan, paid_at)
SELECT ins.user_id, ins.id, ins.price, 'USD',
  CASE WHEN ins.status = 'past_due' AND paid_at > ${anchor} - CASE ins.interval WHEN 'year' THEN interval '1 year' ELSE interval '1 month' END THEN 'failed'
       WHEN ${r("ins.id * 64 + k", 67)} < 0.025 THEN 'failed'
       WHEN ${r("ins.id * 64 + k", 68)} < 0.012 THEN 'refunded' ELSE 'succeeded' END,
  ins.plan, paid_at
FROM ins,
  LATERAL generate_series(ins.started_at, COALESCE(ins.canceled_at, ${anchor}) - interval '1 second',
    CASE ins.interval WHEN 'year' THEN interval '1 year' ELSE interval '1 month' END) WITH ORDINALITY AS g(paid_at, k);`);
    tick("billing");
  }

  // A few CRM records so the CRM side looks lived-in.
  await handle.execScript(`
INSERT INTO crm_user_metadata (user_id, tags, notes, priority)
SELECT id,
  string_to_array(${pick(["beta-tester", "coach-lead,webinar-2026", "churn-risk", "vip-prospect,podcast-guest", "feedback-giver"], r("i", 71))}, ','),
  ${pick(["Asked about team pricing on the onboarding call.", "Reported a slow vision generation on Android.", "Loves the intensive; willing to give a testimonial.", "Card expired last month; follow up kindly.", "Came from the spring webinar."], r("i", 72))},
  ${pick(["low", "medium", "high", "vip"], r("i", 73))}
FROM seed_u
WHERE ${r("i", 70)} < CASE kind WHEN 'power' THEN 0.2 ELSE 0.01 END
ON CONFLICT (user_id) DO NOTHING;
DROP TABLE seed_u;`);
  tick("CRM records");

  await handle.execScript(
    `${sourceIndexesDdl(s)}\n${SOURCE_TABLES.filter((t) => !VACUUMED.includes(t))
      .map((t) => `ANALYZE ${s}.${t};`)
      .join("\n")}`,
  );
  // As autovacuum would soon after a bulk load: the visibility maps let signup counts, revenue sums and a segment's
  // event counts (by the events' name index, which carries the user) stay index-only.
  for (const t of VACUUMED) await handle.execScript(`VACUUM (ANALYZE) ${s}.${t}`);
  await handle.execScript(sourceChangeLogDdl(s));
  tick("indexes");

  const counts: Record<string, number> = {};
  for (const t of SOURCE_TABLES) {
    const [row] = await handle.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.${t}`);
    counts[t] = row?.n ?? 0;
  }
  const [meta] = await handle.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM crm_user_metadata m JOIN ${s}.users u ON u.id = m.user_id`,
  );
  counts.crm_user_metadata = meta?.n ?? 0;
  const rows = Object.values(counts).reduce((a, b) => a + b, 0);
  return { counts, rows, elapsedMs: performance.now() - started };
}
