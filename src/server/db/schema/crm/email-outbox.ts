import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * The local outbox: every email the CRM sends when no provider is configured
 * lands here, browsable at /dev/outbox. Never used with Resend configured.
 */
export const crmEmailOutbox = pgTable(
  "crm_email_outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    to: text("to").array().notNull(),
    from: text("from").notNull(),
    replyTo: text("reply_to"),
    subject: text("subject").notNull(),
    html: text("html"),
    text: text("text"),
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default({}),
    tags: jsonb("tags").$type<{ name: string; value: string }[]>().notNull().default([]),
    idempotencyKey: text("idempotency_key"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("crm_email_outbox_idempotency_idx").on(t.idempotencyKey), index("crm_email_outbox_created_idx").on(t.createdAt)],
);
