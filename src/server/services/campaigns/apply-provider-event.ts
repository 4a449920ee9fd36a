import { sql } from "drizzle-orm";
import { z } from "zod";
import { executeRows } from "@/server/db/client";
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

/**
 * Applies one verified provider event, once: the event row (keyed by svix-id)
 * is inserted first and a redelivery stops there. Recipient state is kept as
 * earliest times and counts, and the status is derived from them, so events
 * arriving late, early or twice leave the same state. Hard bounces and
 * complaints suppress the address for future campaigns.
 */
export async function applyProviderEvent({ ctx, input }: TServiceArgs<{ svixId: string; event: TProviderEvent }, WebhookActor>) {
  const { db, actor } = ctx;
  const { svixId, event } = input;
  const at = sql`${new Date(event.created_at).toISOString()}::timestamptz`;
  const tags = event.data.tags;
  const recipient = uuidOrNull(tags.recipient_id);
  const column = COLUMN[event.type];
  // The recipient's state after this event, computed from its old state and this event alone:
  // SET expressions see the old row, so the updated column is spelled out as its new value.
  const next = (name: string) => (name === column ? sql`least(coalesce(t.${sql.raw(name)}, ${at}), ${at})` : sql.raw(`t.${name}`));
  const status = column
    ? sql`CASE
        WHEN ${next("complained_at")} IS NOT NULL THEN 'complained'
        WHEN ${next("bounced_at")} IS NOT NULL THEN 'bounced'
        WHEN ${next("first_clicked_at")} IS NOT NULL THEN 'clicked'
        WHEN ${next("first_opened_at")} IS NOT NULL THEN 'opened'
        WHEN ${next("delivered_at")} IS NOT NULL THEN 'delivered'
        WHEN ${next("provider_failed_at")} IS NOT NULL THEN 'failed'
        ELSE t.status END`
    : sql`t.status`;
  const counter =
    event.type === "email.opened"
      ? sql`, open_count = t.open_count + 1`
      : event.type === "email.clicked"
        ? sql`, click_count = t.click_count + 1`
        : sql``;
  // One statement, so one round trip and atomic without a transaction: find the recipient, store the
  // event once (a redelivery inserts nothing, and then nothing is updated), apply it.
  const query = sql`
    WITH target AS (
      SELECT id, campaign_id, email FROM crm_campaign_tracking
      WHERE ${recipient ? sql`id = ${recipient}::uuid` : sql`provider_message_id = ${event.data.email_id}`} LIMIT 1),
    ins AS (
      INSERT INTO crm_provider_events (svix_id, type, email_id, campaign_id, tracking_id, link, occurred_at, payload)
      SELECT ${svixId}, ${event.type}, ${event.data.email_id}, target.campaign_id, target.id, ${event.data.click?.link ?? null}, ${at},
             ${JSON.stringify(event)}::jsonb
      FROM (SELECT 1) one LEFT JOIN target ON true
      ON CONFLICT (svix_id) DO NOTHING RETURNING tracking_id, campaign_id),
    upd AS (
      UPDATE crm_campaign_tracking t SET ${column ? sql`${sql.raw(column)} = least(coalesce(t.${sql.raw(column)}, ${at}), ${at}), ` : sql``}status = ${status} ${counter}
      FROM ins WHERE t.id = ins.tracking_id AND t.status <> 'queued' AND ${column ? sql`true` : sql`false`}
      RETURNING t.id)
    SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT campaign_id FROM ins) AS campaign_id, (SELECT email FROM target) AS email`;
  const [row] = await executeRows<{ inserted: string | number; campaign_id: string | null; email: string | null }>(db, query);
  if (!Number(row?.inserted)) return { applied: false as const, reason: "duplicate" };

  // One-on-one and template emails: the message's delivery status.
  const messageId = uuidOrNull(tags.message_id);
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
  const address = (row?.email ?? event.data.to?.[0] ?? "").toLowerCase();
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
  return { applied: true as const, campaignId: row?.campaign_id ?? null };
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
