import type { TCmp } from "@/server/services/segments/criteria/compile";
import type { TCondition, TCriteria, TNode } from "@/shared/criteria/schema";

/**
 * A plain in-memory evaluator of the criteria language, written from
 * docs/segments.md and independent of the SQL compiler: the property test
 * checks that both select exactly the same users. Money is compared in
 * integer cents / micro-dollars, as SQL's exact numerics do.
 */

export type TDataSet = {
  users: { id: string; email: string; name: string | null; created_at: string; last_active_at: string | null }[];
  events: { user_id: string; name: string; properties: Record<string, unknown>; occurred_at: string }[];
  token_usage: { user_id: string; model: string; input_tokens: number; output_tokens: number; cost_usd: number; created_at: string }[];
  subscriptions: { id: number; user_id: string; plan: string; status: string; started_at: string; canceled_at: string | null }[];
  payments: { user_id: string; amount: number; status: string; paid_at: string }[];
  metadata: { user_id: string; tags: string[]; priority: string | null }[];
  /** crm_campaign_tracking: one row per campaign and recipient. */
  campaign_tracking: {
    campaign_id: string;
    user_id: string;
    status: string;
    sent_at: string | null;
    bounced_at: string | null;
    provider_failed_at: string | null;
    first_opened_at: string | null;
    first_clicked_at: string | null;
  }[];
  /** crm_suppressions: lower-case addresses. */
  suppressions: { email: string; reason: string }[];
};

const DAY = 86_400_000;
const t = (s: string) => Date.parse(s);
const dayStart = (d: string) => Date.parse(`${d}T00:00:00Z`);

function cmp(a: number, op: TCmp, b: number) {
  return op === "gt" ? a > b : op === "gte" ? a >= b : op === "lt" ? a < b : op === "lte" ? a <= b : op === "eq" ? a === b : a !== b;
}

function dateMatches(at: number | null, c: Extract<TCondition, { op: string }>, now: number, nullMatchesNotWithin: boolean): boolean {
  if (at === null) return c.op === "not_within_last" && nullMatchesNotWithin;
  switch (c.op) {
    case "before":
      return "date" in c && at < dayStart(c.date);
    case "on_or_after":
      return "date" in c && at >= dayStart(c.date);
    case "between":
      return "from" in c && at >= dayStart(c.from) && at < dayStart(c.to) + DAY;
    case "within_last":
      return "days" in c && c.days !== undefined && at >= now - c.days * DAY;
    case "not_within_last":
      return "days" in c && c.days !== undefined && at < now - c.days * DAY;
    default:
      return false;
  }
}

export function evaluateCriteria(criteria: TCriteria, data: TDataSet, opts: { now: Date; segments: Map<string, TCriteria> }): Set<string> {
  const now = opts.now.getTime();
  const latestSub = new Map<string, TDataSet["subscriptions"][number]>();
  for (const s of data.subscriptions) {
    const cur = latestSub.get(s.user_id);
    if (!cur || t(s.started_at) > t(cur.started_at) || (t(s.started_at) === t(cur.started_at) && s.id > cur.id))
      latestSub.set(s.user_id, s);
  }
  const meta = new Map(data.metadata.map((m) => [m.user_id, m]));
  const lower = (s: string) => s.toLowerCase();

  const holds = (u: TDataSet["users"][number], c: TCondition): boolean => {
    const sub = latestSub.get(u.id);
    const m = meta.get(u.id);
    switch (c.field) {
      case "email":
        return c.op === "equals"
          ? lower(u.email) === lower(c.value)
          : c.op === "contains"
            ? lower(u.email).includes(lower(c.value))
            : lower(u.email).endsWith(lower(c.value));
      case "name":
        if (c.op === "is_empty") return u.name === null || u.name.trim() === "";
        if (u.name === null) return false;
        return c.op === "equals" ? lower(u.name) === lower(c.value) : lower(u.name).includes(lower(c.value));
      case "signed_up":
        return dateMatches(t(u.created_at), c, now, false);
      case "last_active":
        if (c.op === "never") return u.last_active_at === null;
        return dateMatches(u.last_active_at ? t(u.last_active_at) : null, c, now, true);
      case "plan":
        return c.values.includes(sub?.plan ?? "free") === (c.op === "in");
      case "subscription_status":
        return (c.values as string[]).includes(sub?.status ?? "none") === (c.op === "in");
      case "subscription_started":
        return dateMatches(sub ? t(sub.started_at) : null, c, now, false);
      case "subscription_canceled":
        return dateMatches(sub?.canceled_at ? t(sub.canceled_at) : null, c, now, false);
      case "total_spent":
      case "spent_last_days": {
        const from = c.field === "spent_last_days" ? now - c.days * DAY : -Infinity;
        const cents = data.payments
          .filter((p) => p.user_id === u.id && p.status === "succeeded" && t(p.paid_at) >= from)
          .reduce((a, p) => a + Math.round(p.amount * 100), 0);
        return cmp(cents, c.op, Math.round(c.value * 100));
      }
      case "event": {
        const from = c.days === undefined ? -Infinity : now - c.days * DAY;
        const n = data.events.filter(
          (e) =>
            e.user_id === u.id &&
            e.name === c.name &&
            t(e.occurred_at) >= from &&
            (!c.property || e.properties[c.property.key] === c.property.value),
        ).length;
        if (c.op === "has") return n >= 1;
        if (c.op === "has_not") return n === 0;
        return cmp(n, c.op, c.value ?? 0);
      }
      case "ai_usage": {
        const from = c.days === undefined ? -Infinity : now - c.days * DAY;
        const rows = data.token_usage.filter((r) => r.user_id === u.id && t(r.created_at) >= from && (!c.model || r.model === c.model));
        if (c.metric === "tokens")
          return cmp(
            rows.reduce((a, r) => a + r.input_tokens + r.output_tokens, 0),
            c.op,
            c.value,
          );
        return cmp(
          rows.reduce((a, r) => a + Math.round(r.cost_usd * 1_000_000), 0),
          c.op,
          Math.round(c.value * 1_000_000),
        );
      }
      case "margin": {
        const from = c.days === undefined ? -Infinity : now - c.days * DAY;
        const revenueMicros = data.payments
          .filter((p) => p.user_id === u.id && p.status === "succeeded" && t(p.paid_at) >= from)
          .reduce((a, p) => a + Math.round(p.amount * 100) * 10_000, 0);
        const costMicros = data.token_usage
          .filter((r) => r.user_id === u.id && t(r.created_at) >= from)
          .reduce((a, r) => a + Math.round(r.cost_usd * 1_000_000), 0);
        return cmp(revenueMicros - costMicros, c.op, Math.round(c.value * 1_000_000));
      }
      case "tag": {
        const tags = m?.tags ?? [];
        const wanted = c.values.map((v) => v.trim().toLowerCase().replace(/\s+/g, " "));
        if (c.op === "has_all") return m !== undefined && wanted.every((w) => tags.includes(w));
        const any = wanted.some((w) => tags.includes(w));
        return c.op === "has_any" ? any : !any;
      }
      case "priority": {
        const p = m?.priority ?? null;
        if (c.op === "is_empty") return p === null;
        if (c.op === "in") return p !== null && (c.values as string[]).includes(p);
        return p === null || !(c.values as string[]).includes(p);
      }
      case "engagement": {
        // docs/segments.md: received = sent and neither bounced nor failed; opened = opened or clicked (a click implies an open).
        const from = c.days === undefined ? -Infinity : now - c.days * DAY;
        const when = (r: TDataSet["campaign_tracking"][number], action: typeof c.action): number | null => {
          if (action === "received") return r.sent_at && !r.bounced_at && !r.provider_failed_at ? t(r.sent_at) : null;
          if (action === "clicked") return r.first_clicked_at ? t(r.first_clicked_at) : null;
          const times = [r.first_opened_at, r.first_clicked_at].filter((x): x is string => x !== null).map(t);
          return times.length ? Math.min(...times) : null;
        };
        const rows = data.campaign_tracking.filter((r) => r.user_id === u.id && (!c.campaignId || r.campaign_id === c.campaignId));
        if (c.op === "received_not")
          return rows.some((r) => {
            const got = when(r, "received");
            return got !== null && got >= from && when(r, c.action) === null;
          });
        const did = rows.some((r) => {
          const at = when(r, c.action);
          return at !== null && at >= from;
        });
        return c.op === "did" ? did : !did;
      }
      case "suppressed": {
        const hit = data.suppressions.some((s) => s.email === lower(u.email) && (!c.reasons || (c.reasons as string[]).includes(s.reason)));
        return c.op === "is" ? hit : !hit;
      }
      case "segment": {
        const inner = opts.segments.get(c.segmentId);
        if (!inner) throw new Error(`Segment ${c.segmentId} not provided`);
        const member = matches(u, inner);
        return c.op === "member" ? member : !member;
      }
    }
  };

  const matches = (u: TDataSet["users"][number], n: TNode): boolean => {
    if (n.type === "condition") return holds(u, n);
    const results = n.conditions.map((child) => matches(u, child));
    if (n.match === "all") return results.every(Boolean);
    const any = results.some(Boolean);
    return n.match === "any" ? any : !any;
  };

  return new Set(data.users.filter((u) => matches(u, criteria)).map((u) => u.id));
}
