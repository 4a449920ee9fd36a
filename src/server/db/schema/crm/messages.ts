import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { INBOUND_QUARANTINE_REASONS, MESSAGE_CHANNELS, MESSAGE_DIRECTIONS, MESSAGE_STATUSES } from "@/shared/enums";
import { crmAdmins } from "./auth";
import { crmCampaigns } from "./campaigns";
import { inList } from "./in-list";
import { crmEmailTemplates } from "./templates";

/**
 * Direct messages (seed: crm_messages), both ways. user_id is the main app's
 * user id (no FK). One conversation per user: thread_id is the user's id, so
 * a thread can later be split without changing readers.
 */
export const crmMessages = pgTable(
  "crm_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull(),
    fromAdminId: uuid("from_admin_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    subject: text("subject"),
    content: text("content").notNull(),
    readAt: timestamp("read_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    direction: text("direction").$type<(typeof MESSAGE_DIRECTIONS)[number]>().notNull().default("outbound"),
    channel: text("channel").$type<(typeof MESSAGE_CHANNELS)[number]>().notNull().default("in_app"),
    status: text("status").$type<(typeof MESSAGE_STATUSES)[number]>().notNull().default("sent"),
    providerMessageId: text("provider_message_id"),
    threadId: uuid("thread_id"),
    templateId: uuid("template_id").references(() => crmEmailTemplates.id, { onDelete: "set null" }),
    templateVersion: integer("template_version"),
    error: text("error"),
    /** An in-app campaign's copy for this user: read and clicks count in the campaign's report, and it opens no conversation. */
    campaignId: uuid("campaign_id").references(() => crmCampaigns.id, { onDelete: "set null" }),
    /** A one-on-one or template email: first open and first click, as the provider's webhooks report them (a click implies an open). */
    openedAt: timestamp("opened_at", { withTimezone: true }),
    clickedAt: timestamp("clicked_at", { withTimezone: true }),
    /** A one-on-one push: where a click on the notification leads. */
    linkUrl: text("link_url"),
    /** An automation's send (crm_automations.id; no FK, the automation's runs point here): delivered by the automation send job, kept out of conversations. */
    automationId: uuid("automation_id"),
  },
  (t) => [
    index("crm_messages_user_created_idx").on(t.userId, t.createdAt),
    index("crm_messages_from_admin_idx").on(t.fromAdminId),
    index("crm_messages_thread_created_idx").on(t.threadId, t.createdAt),
    index("crm_messages_template_idx").on(t.templateId),
    index("crm_messages_campaign_idx").on(t.campaignId),
    index("crm_messages_automation_queued_idx").on(t.createdAt).where(sql`automation_id IS NOT NULL AND status = 'queued'`),
    index("crm_messages_automation_created_idx").on(t.automationId, t.createdAt).where(sql`automation_id IS NOT NULL`),
    index("crm_messages_unread_inbound_idx").on(t.userId).where(sql`direction = 'inbound' AND read_at IS NULL`),
    check("crm_messages_direction_check", sql`${t.direction} IN (${inList(MESSAGE_DIRECTIONS)})`),
    check("crm_messages_channel_check", sql`${t.channel} IN (${inList(MESSAGE_CHANNELS)})`),
    check("crm_messages_status_check", sql`${t.status} IN (${inList(MESSAGE_STATUSES)})`),
  ],
);

/**
 * Email replies that did not go into a thread: the sender is not the
 * thread's user (someone forwarded the email, or forged the address), or the
 * address names no thread of ours. Admins look at them in Messages.
 */
export const crmInboundQuarantine = pgTable(
  "crm_inbound_quarantine",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    providerEmailId: text("provider_email_id"),
    fromAddress: text("from_address").notNull(),
    toAddress: text("to_address"),
    /** The thread the address named, when it named one. */
    userId: uuid("user_id"),
    subject: text("subject"),
    content: text("content").notNull(),
    reason: text("reason").$type<(typeof INBOUND_QUARANTINE_REASONS)[number]>().notNull(),
  },
  (t) => [
    index("crm_inbound_quarantine_received_idx").on(t.receivedAt),
    check("crm_inbound_quarantine_reason_check", sql`${t.reason} IN (${inList(INBOUND_QUARANTINE_REASONS)})`),
  ],
);
