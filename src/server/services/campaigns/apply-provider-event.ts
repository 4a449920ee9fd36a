import { sql } from "drizzle-orm";
import { z } from "zod";
import { groupCommit } from "@/lib/group-commit";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { writeAuditLog } from "../audit/write-audit-log";
import type { TServiceArgs, WebhookActor } from "../context";

/** The parts of Resend's webhook payload the CRM reads (other fields are kept in the stored payload). */
const ZTags = z
  .union([z.array(z.object({ name: z.string(), value: z.string() })), z.record(z.string(), z.string())])
  .optional()
  .transform((t) => (Array.isArray(t) ? Object.fromEntries(t.map((x) => [x.name, x.value])) : (t ?? {})));

/** The email events the CRM applies to recipients (docs/campaigns.md lists what each does). */
export const APPLIED_EVENT_TYPES = [
  "email.sent",
  "email.delivered",
  "email.delivery_delayed",
  "email.opened",
  "email.clicked",
  "email.bounced",
  "email.complained",
  "email.failed",
  "email.suppressed",
] as const;

const ZCreatedAt = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "created_at is not a date");

/** Every signed event has this shape; its type decides whether it is applied or only stored. */
export const ZWebhookEnvelope = z.object({
  type: z.string().min(1).max(100),
  created_at: ZCreatedAt,
  data: z.record(z.string(), z.unknown()),
});

export const ZProviderEvent = z.object({
  type: z.enum(APPLIED_EVENT_TYPES),
  created_at: ZCreatedAt,
  data: z.object({
    email_id: z.string().min(1).max(200),
    to: z.array(z.string()).optional(),
    tags: ZTags,
    click: z
      .object({ link: z.string().max(2000) })
      .partial()
      .optional(),
    bounce: z.object({ type: z.string().optional() }).partial().optional(),
  }),
});
export type TProviderEvent = z.infer<typeof ZProviderEvent>;

const COLUMN: Partial<Record<TProviderEvent["type"], string>> = {
  "email.delivered": "delivered_at",
  "email.delivery_delayed": "delayed_at",
  "email.opened": "first_opened_at",
  "email.clicked": "first_clicked_at",
  "email.bounced": "bounced_at",
  "email.complained": "complained_at",
  "email.failed": "provider_failed_at",
  // Resend did not send it: the address is on its suppression list.
  "email.suppressed": "provider_failed_at",
};

const uuidOrNull = (v: unknown) => (typeof v === "string" && /^[0-9a-f-]{36}$/i.test(v) ? v : null);

type TApplied = { applied: true; campaignId: string | null } | { applied: false; reason: "duplicate" };
const COLUMNS = [...new Set(Object.values(COLUMN))] as string[];

/**
 * Applies one verified provider event, once (applyProviderEvents with one
 * event).
 */
export async function applyProviderEvent({
  ctx,
  input,
}: TServiceArgs<{ svixId: string; event: TProviderEvent }, WebhookActor>): Promise<TApplied> {
  const [result] = await applyProviderEvents({ ctx, input: [input] });
  if (!result) throw new Error("unreachable: one event in, one result out");
  return result;
}

/**
 * Applies one verified provider event together with the others that arrive
 * while a batch is being written (group commit, src/lib/group-commit.ts):
 * they go in the next batch, one statement and one commit, and each caller
 * is answered only after its own event is stored. At most two batches are
 * written at once, of up to 200 events; one queue per database.
 */
const queues = new WeakMap<object, (item: { svixId: string; event: TProviderEvent }) => Promise<TApplied>>();
export async function applyProviderEventGrouped({
  ctx,
  input,
}: TServiceArgs<{ svixId: string; event: TProviderEvent }, WebhookActor>): Promise<TApplied> {
  let submit = queues.get(ctx.db);
  if (!submit) {
    submit = groupCommit((items: { svixId: string; event: TProviderEvent }[]) => applyProviderEvents({ ctx, input: items }), {
      maxBatch: 200,
      maxInFlight: 2,
    });
    queues.set(ctx.db, submit);
  }
  return submit(input);
}

/**
 * Applies verified provider events, each once, in one statement (the
 * webhook route's group commit hands it the events that arrived together):
 * each event row (keyed by svix-id) is inserted first and a redelivery stops
 * there, so only the events inserted now change a recipient. Recipient
 * state is kept as earliest times and counts, and the status is derived
 * from them, so events arriving late, early, twice or together leave the
 * same state. Hard bounces and complaints suppress the address for future
 * campaigns. One result per event, in order; an svix-id repeated in the
 * list is a duplicate after its first.
 */
export async function applyProviderEvents({
  ctx,
  input,
}: TServiceArgs<{ svixId: string; event: TProviderEvent }[], WebhookActor>): Promise<TApplied[]> {
  const { db } = ctx;
  const first = new Map<string, number>();
  input.forEach((x, i) => {
    if (!first.has(x.svixId)) first.set(x.svixId, i);
  });
  const rows = [...first.values()].map((i) => {
    const { svixId, event } = input[i] as (typeof input)[number];
    return {
      i,
      svix_id: svixId,
      type: event.type,
      email_id: event.data.email_id,
      recipient: uuidOrNull(event.data.tags.recipient_id),
      link: event.data.click?.link ?? null,
      occurred_at: new Date(event.created_at).toISOString(),
      column: COLUMN[event.type] ?? null,
      payload: event,
    };
  });
  const earliest = (col: string) => sql.raw(`min(occurred_at) FILTER (WHERE "column" = '${col}') AS ${col}`);
  // A recipient's state after these events, from its old state and the events' earliest times (least() skips NULLs).
  const next = (col: string) => sql.raw(`least(t.${col}, a.${col})`);
  const statusOf = sql`CASE
      WHEN ${next("complained_at")} IS NOT NULL THEN 'complained'
      WHEN ${next("bounced_at")} IS NOT NULL THEN 'bounced'
      WHEN ${next("first_clicked_at")} IS NOT NULL THEN 'clicked'
      WHEN ${next("first_opened_at")} IS NOT NULL THEN 'opened'
      WHEN ${next("delivered_at")} IS NOT NULL THEN 'delivered'
      WHEN ${next("provider_failed_at")} IS NOT NULL THEN 'failed'
      ELSE t.status END`;
  // One statement: one round trip and one commit for the lot, atomic without a transaction. The recipient is found by
  // the recipient_id tag when the event has one, else by the provider's message id.
  const result = await executeRows<{ i: number; inserted: boolean; campaign_id: string | null; email: string | null }>(
    db,
    sql`WITH input AS (
          SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::json)
            AS x(i int, svix_id text, type text, email_id text, recipient uuid, link text, occurred_at timestamptz, "column" text, payload jsonb)),
        target AS (
          SELECT x.i, t.id AS tracking_id, t.campaign_id, t.email FROM input x
          LEFT JOIN LATERAL (
            (SELECT id, campaign_id, email FROM crm_campaign_tracking WHERE x.recipient IS NOT NULL AND id = x.recipient LIMIT 1)
            UNION ALL
            (SELECT id, campaign_id, email FROM crm_campaign_tracking WHERE x.recipient IS NULL AND provider_message_id = x.email_id LIMIT 1)
            LIMIT 1) t ON true),
        ins AS (
          INSERT INTO crm_provider_events (svix_id, type, email_id, campaign_id, tracking_id, link, occurred_at, payload)
          SELECT x.svix_id, x.type, x.email_id, t.campaign_id, t.tracking_id, x.link, x.occurred_at, x.payload
          FROM input x JOIN target t ON t.i = x.i ORDER BY x.i
          ON CONFLICT (svix_id) DO NOTHING RETURNING svix_id),
        applied AS (
          SELECT x.*, t.tracking_id FROM input x JOIN target t ON t.i = x.i JOIN ins ON ins.svix_id = x.svix_id
          WHERE t.tracking_id IS NOT NULL AND x."column" IS NOT NULL),
        a AS (
          SELECT tracking_id, ${sql.join(
            COLUMNS.map((c) => earliest(c)),
            sql`, `,
          )},
            count(*) FILTER (WHERE type = 'email.opened') AS opens, count(*) FILTER (WHERE type = 'email.clicked') AS clicks
          FROM applied GROUP BY tracking_id),
        upd AS (
          UPDATE crm_campaign_tracking t SET ${sql.join(
            COLUMNS.map((c) => sql`${sql.raw(c)} = ${next(c)}`),
            sql`, `,
          )},
            status = ${statusOf}, open_count = t.open_count + a.opens, click_count = t.click_count + a.clicks
          FROM a WHERE t.id = a.tracking_id AND t.status <> 'queued'
          RETURNING t.id)
        SELECT x.i, (ins.svix_id IS NOT NULL) AS inserted, t.campaign_id, t.email
        FROM input x JOIN target t ON t.i = x.i LEFT JOIN ins ON ins.svix_id = x.svix_id ORDER BY x.i`,
  );
  const byIndex = new Map(result.map((r) => [Number(r.i), r]));
  const out: TApplied[] = [];
  for (const [i, { event }] of input.entries()) {
    const row = first.get(input[i]?.svixId ?? "") === i ? byIndex.get(i) : undefined;
    if (!row?.inserted) {
      out.push({ applied: false, reason: "duplicate" });
      continue;
    }
    await afterApplied(ctx, event, row.email);
    out.push({ applied: true, campaignId: row.campaign_id ?? null });
  }
  return out;
}

/** What an applied event changes beyond its recipient: a one-on-one message's status and opens, and suppressions. */
async function afterApplied({ db, actor }: { db: DbOrTx; actor: WebhookActor }, event: TProviderEvent, recipientEmail: string | null) {
  const at = sql`${new Date(event.created_at).toISOString()}::timestamptz`;
  // One-on-one and template emails: the message's delivery status.
  const messageId = uuidOrNull(event.data.tags.message_id);
  const undelivered = event.type === "email.bounced" || event.type === "email.failed" || event.type === "email.suppressed";
  if (messageId && (event.type === "email.delivered" || undelivered)) {
    await db.execute(sql`
      UPDATE crm_messages SET status = ${event.type === "email.delivered" ? "delivered" : "failed"}
      WHERE id = ${messageId}::uuid AND status IN ('sent', 'delivered')`);
  }
  // Their first open and click (earliest wins, so order and repeats do not matter; a click implies an open).
  if (messageId && (event.type === "email.opened" || event.type === "email.clicked")) {
    const clicked = event.type === "email.clicked";
    await db.execute(sql`
      UPDATE crm_messages SET opened_at = least(coalesce(opened_at, ${at}), ${at}),
        clicked_at = ${clicked ? sql`least(coalesce(clicked_at, ${at}), ${at})` : sql`clicked_at`}
      WHERE id = ${messageId}::uuid AND direction = 'outbound' AND channel = 'email'`);
  }
  const reason =
    event.type === "email.complained"
      ? "complained"
      : event.type === "email.bounced" && (event.data.bounce?.type ?? "").toLowerCase() === "permanent"
        ? "bounced"
        : event.type === "email.suppressed"
          ? "provider"
          : null;
  const address = (recipientEmail ?? event.data.to?.[0] ?? "").toLowerCase();
  if (reason && address) {
    await db.transaction(async (tx) => {
      const added = await executeRows<{ email: string }>(
        tx,
        sql`INSERT INTO crm_suppressions (email, reason) VALUES (${address}, ${reason})
            ON CONFLICT (email) DO NOTHING RETURNING email`,
      );
      if (added.length)
        await writeAuditLog(tx, actor, {
          action: "email.suppressed",
          targetType: "email",
          targetId: address,
          after: { reason: event.type },
        });
    });
  }
}

/**
 * A well-signed event of a type the CRM does not act on (domain, contact,
 * suppression.* events a webhook may also be subscribed to): stored once by
 * svix-id, so it can be looked at, and answered 2xx so the provider does not
 * retry it for days.
 */
export async function recordUnhandledEvent({
  ctx,
  input,
}: TServiceArgs<{ svixId: string; event: z.infer<typeof ZWebhookEnvelope> }, WebhookActor>) {
  const { svixId, event } = input;
  const rows = await executeRows<{ svix_id: string }>(
    ctx.db,
    sql`INSERT INTO crm_provider_events (svix_id, type, occurred_at, payload)
        VALUES (${svixId}, ${event.type}, ${new Date(event.created_at).toISOString()}::timestamptz, ${JSON.stringify(event)}::jsonb)
        ON CONFLICT (svix_id) DO NOTHING RETURNING svix_id`,
  );
  return { stored: rows.length > 0 };
}
