import type { DatabaseHandle } from "@/server/db/client";

/** Inserts rows into the main app's tables (tests only; the CRM never writes there). */
const specs = {
  users: "id uuid, email text, name text, created_at timestamptz, last_active_at timestamptz",
  sessions: "user_id uuid, started_at timestamptz, ended_at timestamptz",
  events: "user_id uuid, name text, properties jsonb, occurred_at timestamptz",
  token_usage: "user_id uuid, model text, feature text, input_tokens int, output_tokens int, cost_usd numeric, created_at timestamptz",
  subscriptions: "user_id uuid, plan text, status text, price numeric, interval text, started_at timestamptz, canceled_at timestamptz",
  payments: "user_id uuid, subscription_id bigint, amount numeric, currency text, status text, plan text, paid_at timestamptz",
} as const;

export type TSourceRows = { [K in keyof typeof specs]?: Record<string, unknown>[] };

export async function insertSourceRows(handle: DatabaseHandle, rows: TSourceRows) {
  for (const [table, spec] of Object.entries(specs) as [keyof typeof specs, string][]) {
    const list = rows[table];
    if (!list?.length) continue;
    const cols = spec
      .split(",")
      .map((c) => c.trim().split(" ")[0])
      .join(", ");
    for (let i = 0; i < list.length; i += 500) {
      await handle.query(`INSERT INTO app.${table} (${cols}) SELECT ${cols} FROM json_to_recordset($1::json) AS x(${spec})`, [
        JSON.stringify(list.slice(i, i + 500)),
      ]);
    }
  }
}

export const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** A small seeded PRNG, so a failing random case can be replayed from its seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
