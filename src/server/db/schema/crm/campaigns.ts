import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { CAMPAIGN_STATUSES, CAMPAIGN_TYPES, type TRACKING_STATUSES } from "@/shared/enums";
import { crmAdmins } from "./auth";
import { inList } from "./in-list";
import { crmUserSegments } from "./segments";
import { crmEmailTemplates } from "./templates";

/** Communication campaigns (seed: crm_campaigns). */
export const crmCampaigns = pgTable(
  "crm_campaigns",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    type: text("type").$type<(typeof CAMPAIGN_TYPES)[number]>().notNull(),
    subject: text("subject"),
    content: text("content").notNull().default(""),
    /** A push campaign's target (where a click on the notification leads) and optional icon; subject is its title, content its body. */
    pushUrl: text("push_url"),
    pushIcon: text("push_icon"),
    segmentId: uuid("segment_id").references(() => crmUserSegments.id),
    status: text("status").$type<(typeof CAMPAIGN_STATUSES)[number]>().notNull().default("draft"),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    createdById: uuid("created_by_id").references(() => crmAdmins.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    templateId: uuid("template_id").references(() => crmEmailTemplates.id, { onDelete: "set null" }),
    /** The template version the campaign sends; fixed when sending starts. */
    templateVersion: integer("template_version"),
    scheduledAt: timestamp("scheduled_at", { withTimezone: true }),
    scheduleTimezone: text("schedule_timezone"),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    totalRecipients: integer("total_recipients").notNull().default(0),
    sentCount: integer("sent_count").notNull().default(0),
    failedCount: integer("failed_count").notNull().default(0),
    /** Members left out at the snapshot because they had reached the channel's frequency cap (Settings → Messaging). */
    cappedCount: integer("capped_count").notNull().default(0),
    lastError: text("last_error"),
  },
  (t) => [
    index("crm_campaigns_segment_idx").on(t.segmentId),
    index("crm_campaigns_template_idx").on(t.templateId),
    index("crm_campaigns_status_idx").on(t.status),
    index("crm_campaigns_created_by_idx").on(t.createdById),
    check("crm_campaigns_type_check", sql`${t.type} IN (${inList(CAMPAIGN_TYPES)})`),
    check("crm_campaigns_status_check", sql`${t.status} IN (${inList(CAMPAIGN_STATUSES)})`),
  ],
);

/**
 * Campaign tracking (seed: crm_campaign_tracking). user_id is the main app's
 * user id: no foreign key, the main app owns those rows.
 */
export const crmCampaignTracking = pgTable(
  "crm_campaign_tracking",
  {
    /**
     * Time-ordered (UUID version 7, crm_uuid7()): a campaign's snapshot inserts up to millions of rows at once,
     * and ids in insertion order land at the right edge of the key instead of on random pages across it.
     */
    id: uuid("id").primaryKey().default(sql`crm_uuid7()`),
    /**
     * The campaign (crm_campaigns.id). Not a foreign key: a snapshot of a million recipients would check the
     * reference a million times (3.5 s of 17.6 s at 1M users), and campaigns are never deleted (they end sent or
     * canceled); whoever deletes one by hand deletes its rows here first.
     */
    campaignId: uuid("campaign_id").notNull(),
    userId: uuid("user_id").notNull(),
    status: text("status").$type<(typeof TRACKING_STATUSES)[number]>().notNull(),
    timestamp: timestamp("timestamp", { withTimezone: true }).notNull().defaultNow(),
    /** The address at send time, and the batch (of up to 100) the recipient goes out in. */
    email: text("email").notNull(),
    batchNo: integer("batch_no"),
    providerMessageId: text("provider_message_id"),
    error: text("error"),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    /* What the provider's webhooks reported: earliest times and counts, so the order events arrive in does not matter. */
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    delayedAt: timestamp("delayed_at", { withTimezone: true }),
    firstOpenedAt: timestamp("first_opened_at", { withTimezone: true }),
    openCount: integer("open_count").notNull().default(0),
    firstClickedAt: timestamp("first_clicked_at", { withTimezone: true }),
    clickCount: integer("click_count").notNull().default(0),
    bouncedAt: timestamp("bounced_at", { withTimezone: true }),
    complainedAt: timestamp("complained_at", { withTimezone: true }),
    providerFailedAt: timestamp("provider_failed_at", { withTimezone: true }),
  },
  (t) => [
    /** A campaign's rows by status, and the queued rows of a batch (delivery): one index for both. */
    index("crm_campaign_tracking_campaign_status_batch_idx").on(t.campaignId, t.status, t.batchNo),
    uniqueIndex("crm_campaign_tracking_campaign_user_idx").on(t.campaignId, t.userId),
    /** Webhooks find a row by the provider's id, which it has only once sent (a snapshot's rows add no entries). */
    index("crm_campaign_tracking_provider_idx").on(t.providerMessageId).where(sql`provider_message_id IS NOT NULL`),
    /** The recipients table: a campaign's rows by address, paged by keyset. */
    index("crm_campaign_tracking_campaign_email_idx").on(t.campaignId, t.email, t.id),
    // The rare stages, so their filters read only their rows (a few per thousand) rather than walk the whole list.
    index("crm_campaign_tracking_complained_idx").on(t.campaignId, t.email, t.id).where(sql`complained_at IS NOT NULL`),
    index("crm_campaign_tracking_bounced_idx").on(t.campaignId, t.email, t.id).where(sql`bounced_at IS NOT NULL`),
    index("crm_campaign_tracking_failed_idx")
      .on(t.campaignId, t.email, t.id)
      .where(sql`status = 'failed' OR provider_failed_at IS NOT NULL`),
    /**
     * The addresses with capitals, which the unsubscribed filter looks up by their lower case (unsubscribes are
     * stored in lower case; those in lower case already are found through the index above). Few or none.
     */
    index("crm_campaign_tracking_mixed_case_idx").on(t.campaignId, t.email, t.id).where(sql`email <> lower(email)`),
    /** A user's campaigns, newest first (profile, timeline). */
    index("crm_campaign_tracking_user_sent_idx").on(t.userId, t.sentAt),
    check(
      "crm_campaign_tracking_status_check",
      sql`${t.status} IN ('queued', 'sent', 'failed', 'delivered', 'opened', 'clicked', 'bounced', 'complained')`,
    ),
  ],
);

/**
 * Every accepted provider webhook event, once (svix-id is the key: a
 * redelivery finds its row and changes nothing). Opens and clicks are read
 * from here for the rates over time and per link.
 */
export const crmProviderEvents = pgTable(
  "crm_provider_events",
  {
    svixId: text("svix_id").primaryKey(),
    type: text("type").notNull(),
    emailId: text("email_id"),
    campaignId: uuid("campaign_id").references(() => crmCampaigns.id, { onDelete: "cascade" }),
    trackingId: uuid("tracking_id").references(() => crmCampaignTracking.id, { onDelete: "cascade" }),
    link: text("link"),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    payload: jsonb("payload").notNull(),
  },
  (t) => [
    index("crm_provider_events_campaign_type_idx").on(t.campaignId, t.type, t.occurredAt),
    index("crm_provider_events_tracking_idx").on(t.trackingId),
  ],
);
