import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import type { TServiceArgs } from "../context";
import { NotFoundError } from "../errors";
import { getUserMetadata, type TUserMetadata } from "./get-user-metadata";

/** Steps of the guided intensive program (docs/source-contract.md). */
export const INTENSIVE_STEPS = 7;

export type TMoney = { revenue: number; aiCost: number; margin: number; marginRate: number | null; costsMoreThanBrings: boolean };
export type TTokenBreakdown = { key: string; calls: number; tokens: number; costUsd: number };

/** The seed's UserProfile, read live from the source tables, plus unit economics and admin history. */
export type TUserProfile = {
  id: string;
  email: string;
  name: string | null;
  joinedAt: Date;
  lastActiveAt: Date | null;

  totalSessions: number;
  assessmentCompletions: number;
  visionGenerations: number;
  /** Share of the intensive done, 0–100: steps completed of INTENSIVE_STEPS, 100 once completed. */
  intensiveProgress: number;
  intensive: { startedAt: Date | null; stepsCompleted: number; totalSteps: number; completedAt: Date | null };

  /** Mean length of finished sessions in seconds (0 when none finished). */
  averageSessionDuration: number;
  /** Lifetime product events per event name. */
  featureUsageFrequency: Record<string, number>;
  tokenUsage: {
    calls: number;
    inputTokens: number;
    outputTokens: number;
    totalTokens: number;
    costUsd: number;
    last30Days: { tokens: number; costUsd: number };
    byModel: TTokenBreakdown[];
    byFeature: TTokenBreakdown[];
  };

  totalSpent: number;
  subscriptionStatus: string;
  plan: string;
  subscriptions: { id: number; plan: string; status: string; price: number; interval: string; startedAt: Date; canceledAt: Date | null }[];
  paymentHistory: { id: number; amount: number; currency: string; status: string; plan: string | null; paidAt: Date }[];

  unitEconomics: { lifetime: TMoney; last30Days: TMoney; paying: boolean };

  messages: {
    id: string;
    subject: string | null;
    content: string;
    createdAt: Date;
    readAt: Date | null;
    fromAdminEmail: string | null;
    direction: "outbound" | "inbound";
    channel: "email" | "in_app";
    status: string;
  }[];
  /** Segments the user is in, as of each segment's last recompute. */
  segments: { id: string; name: string; enteredAt: Date }[];
} & TUserMetadata;

const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const d = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

export function money(revenueCents: number, costMicros: number): TMoney {
  const revenue = revenueCents / 100;
  const aiCost = costMicros / 1_000_000;
  const margin = (revenueCents * 10_000 - costMicros) / 1_000_000;
  return {
    revenue,
    aiCost,
    margin,
    marginRate: revenueCents > 0 ? margin / revenue : null,
    costsMoreThanBrings: costMicros > revenueCents * 10_000,
  };
}

export async function getUserProfile({ ctx, input }: TServiceArgs<{ userId: string }>): Promise<TUserProfile> {
  const { db } = ctx;
  const { userId } = input;
  const now = ctx.clock();
  const S = srcSchema();
  const since30 = new Date(now.getTime() - 30 * 86_400_000);
  const [users, sessions, events, tokens, subscriptions, payments, messages, metadata, segments] = await Promise.all([
    executeRows<{ id: string; email: string; name: string | null; created_at: Date; last_active_at: Date | null }>(
      db,
      sql`SELECT id, email, name, created_at, last_active_at FROM ${S}.users WHERE id = ${userId}`,
    ),
    executeRows<{ n: string; avg_s: string | null }>(
      db,
      sql`SELECT count(*) AS n, avg(extract(epoch from ended_at - started_at)) FILTER (WHERE ended_at IS NOT NULL) AS avg_s
          FROM ${S}.sessions WHERE user_id = ${userId}`,
    ),
    executeRows<{ name: string; n: string; max_step: number | null; first_at: Date; last_at: Date }>(
      db,
      sql`SELECT name, count(*) AS n, min(occurred_at) AS first_at,
            max(CASE WHEN name = 'intensive.step_completed' AND jsonb_typeof(properties->'step') = 'number'
                THEN (properties->>'step')::numeric::int END) AS max_step
          FROM ${S}.events WHERE user_id = ${userId} GROUP BY name`,
    ),
    executeRows<{
      model: string;
      feature: string;
      calls: string;
      input: string;
      output: string;
      cost: string;
      tokens30: string;
      cost30: string;
    }>(
      db,
      sql`SELECT model, feature, count(*) AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output,
            sum(round(cost_usd * 1000000)) AS cost,
            coalesce(sum(input_tokens + output_tokens) FILTER (WHERE created_at >= ${since30.toISOString()}::timestamptz), 0) AS tokens30,
            coalesce(sum(round(cost_usd * 1000000)) FILTER (WHERE created_at >= ${since30.toISOString()}::timestamptz), 0) AS cost30
          FROM ${S}.token_usage WHERE user_id = ${userId} GROUP BY model, feature`,
    ),
    executeRows<{ id: string; plan: string; status: string; price: string; interval: string; started_at: Date; canceled_at: Date | null }>(
      db,
      sql`SELECT id, plan, status, price, interval, started_at, canceled_at FROM ${S}.subscriptions
          WHERE user_id = ${userId} ORDER BY started_at DESC, id DESC`,
    ),
    executeRows<{ id: string; amount: string; currency: string; status: string; plan: string | null; paid_at: Date }>(
      db,
      sql`SELECT id, amount, currency, status, plan, paid_at FROM ${S}.payments WHERE user_id = ${userId} ORDER BY paid_at DESC, id DESC`,
    ),
    executeRows<{
      id: string;
      subject: string | null;
      content: string;
      created_at: Date;
      read_at: Date | null;
      email: string | null;
      direction: "outbound" | "inbound";
      channel: "email" | "in_app";
      status: string;
    }>(
      db,
      sql`SELECT m.id, m.subject, m.content, m.created_at, m.read_at, a.email, m.direction, m.channel, m.status FROM crm_messages m
          LEFT JOIN crm_admins a ON a.id = m.from_admin_id WHERE m.user_id = ${userId} ORDER BY m.created_at DESC LIMIT 50`,
    ),
    getUserMetadata(db, userId),
    executeRows<{ id: string; name: string; entered_at: Date }>(
      db,
      sql`SELECT s.id, s.name, m.entered_at FROM crm_segment_members m JOIN crm_user_segments s ON s.id = m.segment_id
          WHERE m.user_id = ${userId} ORDER BY s.name`,
    ),
  ]);
  const user = users[0];
  if (!user) throw new NotFoundError("No user has this id. They may have been deleted in the main app.");

  const eventCount = new Map(events.map((e) => [e.name, n(e.n)]));
  const stepRow = events.find((e) => e.name === "intensive.step_completed");
  const stepsCompleted = Math.min(INTENSIVE_STEPS, n(stepRow?.max_step));
  const completedAt = d(events.find((e) => e.name === "intensive.completed")?.first_at);
  const startedAt = d(events.find((e) => e.name === "intensive.started")?.first_at);

  const breakdown = (keyOf: (r: (typeof tokens)[number]) => string): TTokenBreakdown[] => {
    const m = new Map<string, TTokenBreakdown>();
    for (const r of tokens) {
      const k = keyOf(r);
      const e = m.get(k) ?? { key: k, calls: 0, tokens: 0, costUsd: 0 };
      e.calls += n(r.calls);
      e.tokens += n(r.input) + n(r.output);
      e.costUsd += n(r.cost) / 1_000_000;
      m.set(k, e);
    }
    return [...m.values()].sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key));
  };
  const sum = (f: (r: (typeof tokens)[number]) => number) => tokens.reduce((a, r) => a + f(r), 0);
  const costMicros = sum((r) => n(r.cost));
  const cost30Micros = sum((r) => n(r.cost30));

  const succeeded = payments.filter((p) => p.status === "succeeded");
  const cents = (p: (typeof payments)[number]) => Math.round(n(p.amount) * 100);
  const revenueCents = succeeded.reduce((a, p) => a + cents(p), 0);
  const revenue30Cents = succeeded.filter((p) => new Date(p.paid_at) >= since30).reduce((a, p) => a + cents(p), 0);
  const current = subscriptions[0];

  return {
    id: user.id,
    email: user.email,
    name: user.name,
    joinedAt: new Date(user.created_at),
    lastActiveAt: d(user.last_active_at),

    totalSessions: n(sessions[0]?.n),
    assessmentCompletions: eventCount.get("assessment.completed") ?? 0,
    visionGenerations: eventCount.get("vision.generated") ?? 0,
    intensiveProgress: completedAt ? 100 : Math.round((stepsCompleted / INTENSIVE_STEPS) * 100),
    intensive: { startedAt, stepsCompleted: completedAt ? INTENSIVE_STEPS : stepsCompleted, totalSteps: INTENSIVE_STEPS, completedAt },

    averageSessionDuration: Math.round(n(sessions[0]?.avg_s)),
    featureUsageFrequency: Object.fromEntries([...eventCount].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    tokenUsage: {
      calls: sum((r) => n(r.calls)),
      inputTokens: sum((r) => n(r.input)),
      outputTokens: sum((r) => n(r.output)),
      totalTokens: sum((r) => n(r.input) + n(r.output)),
      costUsd: costMicros / 1_000_000,
      last30Days: { tokens: sum((r) => n(r.tokens30)), costUsd: cost30Micros / 1_000_000 },
      byModel: breakdown((r) => r.model),
      byFeature: breakdown((r) => r.feature),
    },

    totalSpent: revenueCents / 100,
    subscriptionStatus: current?.status ?? "none",
    plan: current?.plan ?? "free",
    subscriptions: subscriptions.map((s) => ({
      id: n(s.id),
      plan: s.plan,
      status: s.status,
      price: n(s.price),
      interval: s.interval,
      startedAt: new Date(s.started_at),
      canceledAt: d(s.canceled_at),
    })),
    paymentHistory: payments.map((p) => ({
      id: n(p.id),
      amount: n(p.amount),
      currency: p.currency,
      status: p.status,
      plan: p.plan,
      paidAt: new Date(p.paid_at),
    })),

    unitEconomics: {
      lifetime: money(revenueCents, costMicros),
      last30Days: money(revenue30Cents, cost30Micros),
      paying: current?.status === "active" || current?.status === "trialing" || current?.status === "past_due",
    },

    messages: messages.map((m) => ({
      id: m.id,
      subject: m.subject,
      content: m.content,
      createdAt: new Date(m.created_at),
      readAt: d(m.read_at),
      fromAdminEmail: m.email,
      direction: m.direction,
      channel: m.channel,
      status: m.status,
    })),
    segments: segments.map((s) => ({ id: s.id, name: s.name, enteredAt: new Date(s.entered_at) })),
    ...metadata,
  };
}
