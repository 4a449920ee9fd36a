import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import type { TServiceArgs } from "../context";

const n = (v: unknown) => Number(v ?? 0);

/** The funnel of a campaign: each recipient counted once per stage they reached (docs/campaigns.md). */
export async function campaignFunnel({ ctx, input }: TServiceArgs<{ id: string }>) {
  return funnelOf(ctx.db, input.id);
}

async function funnelOf(db: DbOrTx, campaignId: string) {
  const [r] = await executeRows<Record<string, string | number>>(
    db,
    sql`SELECT count(*) AS recipients,
          count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent,
          count(*) FILTER (WHERE delivered_at IS NOT NULL OR first_opened_at IS NOT NULL OR first_clicked_at IS NOT NULL) AS delivered,
          count(*) FILTER (WHERE first_opened_at IS NOT NULL OR first_clicked_at IS NOT NULL) AS opened,
          count(*) FILTER (WHERE first_clicked_at IS NOT NULL) AS clicked,
          count(*) FILTER (WHERE bounced_at IS NOT NULL) AS bounced,
          count(*) FILTER (WHERE complained_at IS NOT NULL) AS complained,
          count(*) FILTER (WHERE status = 'failed' OR provider_failed_at IS NOT NULL) AS failed,
          count(*) FILTER (WHERE EXISTS (
            SELECT 1 FROM crm_suppressions x WHERE x.email = lower(t.email) AND x.reason = 'unsubscribed' AND x.created_at >= t.sent_at)) AS unsubscribed
        FROM crm_campaign_tracking t WHERE campaign_id = ${campaignId}::uuid`,
  );
  const f = Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, n(v)])) as Record<
    "recipients" | "sent" | "delivered" | "opened" | "clicked" | "bounced" | "complained" | "failed" | "unsubscribed",
    number
  >;
  const rate = (a: number, b: number) => (b > 0 ? a / b : null);
  return {
    ...f,
    openRate: rate(f.opened, f.delivered),
    clickRate: rate(f.clicked, f.delivered),
    clickToOpenRate: rate(f.clicked, f.opened),
  };
}

/** Email's provider events, the main app's in-app reports and notification clicks, counted alike (a campaign has one channel). */
const EVENT_TYPES = { opened: ["email.opened", "in_app.read"], clicked: ["email.clicked", "in_app.clicked", "push.clicked"] } as const;
const typeIn = (kind: keyof typeof EVENT_TYPES) =>
  sql`type IN (${sql.join(
    EVENT_TYPES[kind].map((t) => sql`${t}`),
    sql`, `,
  )})`;

async function series(db: DbOrTx, campaignId: string, kind: keyof typeof EVENT_TYPES) {
  const rows = await executeRows<{ hour: Date | string; total: string; unique_first: string }>(
    db,
    sql`WITH e AS (
          SELECT date_trunc('hour', occurred_at) AS hour, tracking_id,
                 row_number() OVER (PARTITION BY tracking_id ORDER BY occurred_at, svix_id) AS nth
          FROM crm_provider_events WHERE campaign_id = ${campaignId}::uuid AND ${typeIn(kind)})
        SELECT hour, count(*) AS total, count(*) FILTER (WHERE nth = 1) AS unique_first FROM e GROUP BY hour ORDER BY hour`,
  );
  return rows.map((r) => ({ hour: new Date(r.hour), total: n(r.total), unique: n(r.unique_first) }));
}

/** The seed's trackOpenRates: opens per hour, total and unique (a recipient counts in the hour of their first open). */
export async function trackOpenRates({ ctx, input }: TServiceArgs<{ id: string }>) {
  const { db } = ctx;
  const campaignId = input.id;
  const funnel = await funnelOf(db, campaignId);
  return {
    uniqueOpens: funnel.opened,
    delivered: funnel.delivered,
    rate: funnel.openRate,
    series: await series(db, campaignId, "opened"),
  };
}

/** The seed's trackClickRates: clicks per hour and per link, total and unique. */
export async function trackClickRates({ ctx, input }: TServiceArgs<{ id: string }>) {
  const { db } = ctx;
  const campaignId = input.id;
  const funnel = await funnelOf(db, campaignId);
  const links = await executeRows<{ link: string; total: string; unique_recipients: string }>(
    db,
    sql`SELECT link, count(*) AS total, count(DISTINCT tracking_id) AS unique_recipients
        FROM crm_provider_events WHERE campaign_id = ${campaignId}::uuid AND ${typeIn("clicked")} AND link IS NOT NULL
        GROUP BY link ORDER BY count(DISTINCT tracking_id) DESC, link`,
  );
  return {
    uniqueClicks: funnel.clicked,
    delivered: funnel.delivered,
    rate: funnel.clickRate,
    series: await series(db, campaignId, "clicked"),
    links: links.map((l) => ({ link: l.link, total: n(l.total), unique: n(l.unique_recipients) })),
  };
}

/** A push campaign's devices by outcome: queued, accepted by their push service, gone (404/410, removed), failed. */
export async function pushDeviceCounts({ ctx, input }: TServiceArgs<{ id: string }>) {
  const rows = await executeRows<{ status: string; n: string | number }>(
    ctx.db,
    sql`SELECT status, count(*) AS n FROM crm_push_deliveries WHERE campaign_id = ${input.id}::uuid GROUP BY status`,
  );
  const by = Object.fromEntries(rows.map((r) => [r.status, n(r.n)]));
  return { queued: by.queued ?? 0, accepted: by.accepted ?? 0, gone: by.gone ?? 0, failed: by.failed ?? 0 };
}
