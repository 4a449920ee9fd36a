import { sql } from "drizzle-orm";
import { z } from "zod";
import { type Db, executeRows } from "@/server/db/client";
import { writeAuditLog } from "../audit/write-audit-log";
import type { WebhookActor } from "../context";

/** The parts of Resend's webhook payload the CRM reads (other fields are kept in the stored payload). */
const ZTags = z
  .union([z.array(z.object({ name: z.string(), value: z.string() })), z.record(z.string(), z.string())])
  .optional()
  .transform((t) => (Array.isArray(t) ? Object.fromEntries(t.map((x) => [x.name, x.value])) : (t ?? {})));

export const ZProviderEvent = z.object({
  type: z.enum([
    "email.sent",
    "email.delivered",
    "email.delivery_delayed",
    "email.opened",
    "email.clicked",
    "email.bounced",
    "email.complained",
    "email.failed",
  ]),
  created_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "created_at is not a date"),
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
};

const uuidOrNull = (v: unknown) => (typeof v === "string" && /^[0-9a-f-]{36}$/i.test(v) ? v : null);

/**
 * Applies one verified provider event, once: the event row (keyed by svix-id)
 * is inserted first and a redelivery stops there. Recipient state is kept as
 * earliest times and counts, and the status is derived from them, so events
 * arriving late, early or twice leave the same state. Hard bounces and
 * complaints suppress the address for future campaigns.
 */
export async function applyProviderEvent(db: Db, actor: WebhookActor, svixId: string, event: TProviderEvent) {
  const at = new Date(event.created_at).toISOString();
  const tags = event.data.tags;
  return db.transaction(async (tx) => {
    const [target] = await executeRows<{ id: string; campaign_id: string; email: string | null }>(
      tx,
      sql`SELECT id, campaign_id, email FROM crm_campaign_tracking
          WHERE ${uuidOrNull(tags.recipient_id) ? sql`id = ${tags.recipient_id}::uuid` : sql`provider_message_id = ${event.data.email_id}`}
          LIMIT 1`,
    );
    const inserted = await executeRows<{ svix_id: string }>(
      tx,
      sql`INSERT INTO crm_provider_events (svix_id, type, email_id, campaign_id, tracking_id, link, occurred_at, payload)
          VALUES (${svixId}, ${event.type}, ${event.data.email_id}, ${target?.campaign_id ?? null}::uuid, ${target?.id ?? null}::uuid,
                  ${event.data.click?.link ?? null}, ${at}::timestamptz, ${JSON.stringify(event)}::jsonb)
          ON CONFLICT (svix_id) DO NOTHING RETURNING svix_id`,
    );
    if (!inserted.length) return { applied: false as const, reason: "duplicate" };

    const column = COLUMN[event.type];
    if (target && column) {
      const col = sql.raw(column);
      const counter =
        event.type === "email.opened"
          ? sql`, open_count = open_count + 1`
          : event.type === "email.clicked"
            ? sql`, click_count = click_count + 1`
            : sql``;
      await tx.execute(sql`
        UPDATE crm_campaign_tracking SET ${col} = least(coalesce(${col}, ${at}::timestamptz), ${at}::timestamptz) ${counter}
        WHERE id = ${target.id}::uuid`);
      // The status follows from what is known, not from the order it arrived in.
      await tx.execute(sql`
        UPDATE crm_campaign_tracking SET status = CASE
            WHEN complained_at IS NOT NULL THEN 'complained'
            WHEN bounced_at IS NOT NULL THEN 'bounced'
            WHEN first_clicked_at IS NOT NULL THEN 'clicked'
            WHEN first_opened_at IS NOT NULL THEN 'opened'
            WHEN delivered_at IS NOT NULL THEN 'delivered'
            WHEN provider_failed_at IS NOT NULL THEN 'failed'
            ELSE status END
        WHERE id = ${target.id}::uuid AND status <> 'queued'`);
    }
    // One-on-one and template emails: the message's delivery status.
    const messageId = uuidOrNull(tags.message_id);
    if (messageId && (event.type === "email.delivered" || event.type === "email.bounced" || event.type === "email.failed")) {
      await tx.execute(sql`
        UPDATE crm_messages SET status = ${event.type === "email.delivered" ? "delivered" : "failed"}
        WHERE id = ${messageId}::uuid AND status IN ('sent', 'delivered')`);
    }
    const hard =
      event.type === "email.complained" ||
      (event.type === "email.bounced" && (event.data.bounce?.type ?? "").toLowerCase() === "permanent");
    const address = (target?.email ?? event.data.to?.[0] ?? "").toLowerCase();
    if (hard && address) {
      await tx.execute(sql`
        INSERT INTO crm_suppressions (email, reason) VALUES (${address}, ${event.type === "email.complained" ? "complained" : "bounced"})
        ON CONFLICT (email) DO NOTHING`);
      await writeAuditLog(tx, actor, { action: "email.suppressed", targetType: "email", targetId: address, after: { reason: event.type } });
    }
    return { applied: true as const, campaignId: target?.campaign_id ?? null };
  });
}
